"""Invocation of a function from outside (spec ``exec/modules.rst``, "Invocation")."""
from __future__ import annotations

from ..errors import Exhaustion, Trap, UncaughtException
from ..runtime.exception import ExnInst
from ..runtime.memory import ACCESS_ERRORS, access_trap


def call_function(store, func, args: list):
    """Call ``func`` with ``args`` at depth 1 and return its Python result (None, a value, or a tuple).

    Loads and stores signal an out-of-bounds access with ``struct``'s own exceptions (``oracle.runtime.memory``
    says why); here, at the boundary of wasm code, ``access_trap`` turns them into the spec's trap.
    """
    try:
        try:
            return func.call(1, *args)
        except ACCESS_ERRORS as e:
            trap = access_trap(e)
            if trap is None:
                raise
            raise trap from e
    except ExnInst as e:
        raise UncaughtException(e) from None
    except (Trap, Exhaustion) as e:
        if store.coverage is not None:
            store.coverage.traps[e.message] += 1
        raise


def invoke(store, func, args: list) -> list:
    """``func_invoke``: the results as a list."""
    r = call_function(store, func, args)
    n = len(func.type.results)
    if n == 0:
        return []
    if n == 1:
        return [r]
    return list(r)
