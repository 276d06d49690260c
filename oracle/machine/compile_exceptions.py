"""Compiling the exception-handling instructions (spec ``exec/instructions.rst``, "throw", "throw_ref",
"try_table"; and the legacy exception-handling proposal's ``try``/``catch``/``catch_all``/``delegate``/
``rethrow``) to Python ``try``/``except``.

A mixin of ``oracle.machine.compile.FunctionCompiler``: it uses ``CompilerBase``'s emitter, operand stack and
control stack. Thrown exceptions are ``ExnInst`` Python exceptions; a ``delegate`` travels as ``DelegatedExn``, which only
the handler it targets unwraps.
"""
from __future__ import annotations

from .compile_base import Ctrl, Entry


def _entry(code: str) -> Entry:
    """A stable operand-stack entry."""
    return Entry(code, True)


class ExceptionInstructions:
    # Legacy exception handling (the legacy exception-handling proposal: try, catch, catch_all, delegate, rethrow)
    def handler_start(self, tag: int | None, live: bool) -> None:
        """``catch x`` / ``catch_all``: end the previous part of the ``try`` and start a handler."""
        c = self.ctrl[-1]
        self.flush_count()
        if live:
            self.to_slots(self.pop_n(c.results), c.base)
        self.close()
        exn = f"_e{c.id}"
        if c.phase == "body":
            self.open_except(c)
            if tag is not None:
                self.open(f"if {exn}.tag is TG{tag}:")
        elif tag is not None:
            self.open(f"elif {exn}.tag is TG{tag}:")
        else:
            self.open("else:")
        c.phase = "catch" if tag is not None else ("catch_all" if c.phase == "body" else "catch_all_chain")
        del self.stack[c.base:]
        if tag is not None:
            n = len(self.inst.tags[tag].type.params)
            self.stack.extend(_entry(f"{exn}.fields[{k}]") for k in range(n))

    def open_except(self, c: Ctrl) -> None:
        """The Python handler of a legacy ``try``; one that a ``delegate`` targets also takes the delegated
        exception (and only when it is the target)."""
        exn = f"_e{c.id}"
        if c.delegated:
            self.open(f"except (ExnInst, DelegatedExn) as {exn}:")
            self.open(f"if {exn}.__class__ is DelegatedExn:")
            self.emit(f"if {exn}.target != {c.id}: raise")
            self.emit(f"{exn} = {exn}.exn")
            self.close()
        else:
            self.open(f"except ExnInst as {exn}:")

    def close_legacy_try(self, c: Ctrl) -> None:
        """At ``end`` of a legacy ``try``: an exception no handler takes is thrown on."""
        if c.phase == "body":
            self.close()
            self.open_except(c)
            self.emit(f"raise _e{c.id}")
        elif c.phase == "catch":
            self.close()
            self.open("else:")
            self.emit(f"raise _e{c.id}")   # not a bare raise: a delegated exception was unwrapped
            self.close()
        elif c.phase == "catch_all_chain":
            self.close()   # the ``else:`` of the tag tests
        self.close()

    def delegate(self, label: int, live: bool) -> None:
        """``delegate l``: end a legacy ``try`` whose exceptions are thrown on as if from label ``l`` outside it,
        skipping the handlers in between (``DelegatedExn`` is caught only by its target's handler)."""
        c = self.ctrl[-1]
        self.flush_count()
        if live:
            self.to_slots(self.pop_n(c.results), c.base)
        self.close()
        outside = self.ctrl[:-1]
        target = outside[len(outside) - 1 - label]
        handler = next((t for t in reversed(outside[:outside.index(target) + 1])
                        if t.kind in ("try", "try_table") and t.phase == "body"), None)
        self.open_except(c)
        self.emit(f"raise DelegatedExn(_e{c.id}, {handler.id if handler else 0})")
        self.close()
        if handler is None:
            self.delegates_to_caller = True
        else:
            handler.delegated = True
        c.kind = "try-delegate"
        self.end(live=False)

    def op_try(self, bt, *, targeted: bool) -> None:
        self.enter("try", bt, targeted)

    def op_catch(self, tag: int) -> None:
        self.handler_start(tag, live=True)

    def op_catch_all(self) -> None:
        self.handler_start(None, live=True)

    def op_delegate(self, label: int) -> None:
        self.delegate(label, live=True)

    def op_rethrow(self, label: int) -> bool:
        """``rethrow l``: throw again the exception caught by the handler of label ``l``."""
        self.flush_count()
        self.emit(f"raise _e{self.ctrl[-1 - label].id}")
        return True

    def handlers(self, c: Ctrl) -> None:
        """The catch clauses of a ``try_table`` (spec "try_table", "throw"): a caught exception branches to the
        clause's label with the exception's fields (and, for the ``_ref`` forms, the exception itself)."""
        self.close()
        exn = f"_e{c.id}"
        self.open_except(c)
        depth = len(self.stack)
        for kind, tag, label in c.catches:
            guard = tag is not None
            if guard:
                self.open(f"if {exn}.tag is TG{tag}:")
            if kind in ("catch", "catch_ref"):
                n = len(self.inst.tags[tag].type.params)
                self.stack.extend(_entry(f"{exn}.fields[{k}]") for k in range(n))
            if kind.endswith("_ref"):
                self.stack.append(_entry(exn))
            self.branch(label)
            del self.stack[depth:]
            if guard:
                self.close()
            else:
                break
        else:
            self.emit(f"raise {exn}")   # not a bare raise: a delegated exception was unwrapped
        self.close()

    def op_try_table(self, bt, catches, *, targeted: bool) -> None:
        self.enter("try_table", bt, targeted)
        self.ctrl[-1].catches = catches

    # Exception instructions (spec "throw", "throw_ref", "try_table")

    def op_throw(self, tagidx: int) -> bool:
        self.flush_count()
        n = len(self.inst.tags[tagidx].type.params)
        fields = [e.code for e in self.pop_n(n)]
        self.emit(f"raise ExnInst(TG{tagidx}, [{', '.join(fields)}])")
        return True

    def op_throw_ref(self) -> bool:
        self.flush_count()
        exn = self.pop()
        self.emit(f"raise throw_ref({exn.code})")
        return True
