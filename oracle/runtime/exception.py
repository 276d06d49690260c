"""Exception instances (spec ``exec/runtime.rst``, "Exception Instances") and tail calls in flight.

An ``ExnInst`` is both the store's exception instance ``{tag, fields}`` (the value an ``exnref`` refers to) and the
Python exception that unwinds wasm frames while it is thrown: raising it again (``throw_ref``) rethrows the same
instance, as the spec requires. Traps are never caught by wasm handlers because they are a different class.
"""
from __future__ import annotations


class ExnInst(Exception):
    __slots__ = ("tag", "fields")

    def __init__(self, tag, fields: list):
        super().__init__()
        self.tag = tag
        self.fields = fields

    def __repr__(self) -> str:
        return f"<exception {self.tag} {self.fields}>"


class TailCall:
    """What a function body returns for ``return_call*`` (spec "return_call"): the callee's body and arguments.
    The caller's trampoline (``oracle.machine.compile``) runs it in its own frame, so tail calls use constant stack."""

    __slots__ = ("fn", "args")

    def __init__(self, fn, args: tuple):
        self.fn = fn
        self.args = args


class DelegatedExn(Exception):
    """An exception on its way to the handler a legacy ``delegate`` names (``target``: that ``try``'s id in the
    compiled function, 0 for the function's caller); handlers in between do not see it."""

    def __init__(self, exn: ExnInst, target: int):
        super().__init__()
        self.exn = exn
        self.target = target
