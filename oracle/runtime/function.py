"""Function instances (spec ``exec/runtime.rst``, "Function Instances").

Every function instance has ``call(depth, *args)``, the Python callable the compiled code invokes: it returns
``None`` for no result, the value for one, a tuple for several. ``depth`` is the caller's depth plus one, checked
against the store's budget. A module function gets its entries on its first call from the machine its instance
injected (``oracle.machine.machines``: compiled to Python source, or interpreted).
``tail(depth, *args)`` is the entry a tail call uses: it may return a ``TailCall`` for the caller's trampoline to run
(``oracle.runtime.exception.TailCall``); for functions without ``return_call*`` it is ``call``.
"""
from __future__ import annotations

from typing import Any, Callable

from ..syntax.types import FuncType, deftype_of


class FuncInst:
    """A module function ``{type, module, code}``."""

    __slots__ = ("type", "module", "code", "index", "call", "tail", "_bindings", "_machine")

    def __init__(self, type: FuncType, module: Any, code: Any, index: int,
                 machine: Callable[["FuncInst"], tuple[Callable, Callable]]):
        self.type = type
        self.module = module   # the ModuleInst
        self.code = code       # the syntax.module.Func
        self.index = index     # index in its module's function index space
        self._bindings: list[tuple[dict, str, str]] = []
        self._machine = machine   # func -> (call, tail): the store's machine's ``entries``
        self.call: Callable = self._compile_and_call
        self.tail: Callable = self._compile_and_tail

    def bind(self, namespace: dict, name: str, entry: str = "call") -> None:
        """Keep ``namespace[name]`` equal to the entry ``call`` or ``tail``, now and once the function is compiled."""
        namespace[name] = getattr(self, entry)
        self._bindings.append((namespace, name, entry))

    def set_code(self, call: Callable, tail: Callable) -> None:
        self.call, self.tail = call, tail
        for ns, name, entry in self._bindings:
            ns[name] = getattr(self, entry)

    def _compile(self) -> None:
        self.set_code(*self._machine(self))

    def _compile_and_call(self, depth: int, *args: Any) -> Any:
        self._compile()
        return self.call(depth, *args)

    def _compile_and_tail(self, depth: int, *args: Any) -> Any:
        self._compile()
        return self.tail(depth, *args)

    def __repr__(self) -> str:
        return f"<func {self.index} {self.type}>"


class HostFunc:
    """A host function ``{type, hostcode}``: ``hostcode(*args)`` returns a list of results."""

    __slots__ = ("type", "hostcode", "name", "call", "tail")

    def __init__(self, type: FuncType, hostcode: Callable[..., list], name: str = "host"):
        self.type = deftype_of(type) if isinstance(type, FuncType) else type
        self.hostcode = hostcode
        self.name = name
        n = len(type.results)

        def call(depth: int, *args: Any) -> Any:
            results = hostcode(*args)
            if n == 0:
                return None
            if n == 1:
                return results[0]
            return tuple(results)

        self.call = self.tail = call

    def bind(self, namespace: dict, name: str, entry: str = "call") -> None:
        namespace[name] = self.call

    def __repr__(self) -> str:
        return f"<host func {self.name} {self.type}>"
