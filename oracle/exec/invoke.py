"""Invocation of a function from outside (spec ``exec/modules.rst``, "Invocation")."""
from __future__ import annotations

import struct

from ..errors import Exhaustion, Trap, UncaughtException
from ..runtime.exception import ExnInst
from .memory_instr import OOB_MEMORY


def call_function(store, func, args: list):
    """Call ``func`` with ``args`` at depth 1 and return its Python result (None, a value, or a tuple).

    Loads and stores signal an out-of-bounds access as ``struct.error`` (or, for a 64-bit address beyond Python's
    index range, ``OverflowError`` or struct's "index-sized integer" ``IndexError``); here, at the boundary of wasm code, that becomes
    the spec's trap.
    """
    try:
        try:
            return func.call(1, *args)
        except (struct.error, OverflowError) as e:
            raise Trap(OOB_MEMORY) from e
        except IndexError as e:
            # struct's offset argument past the C index range (a 64-bit address) is an IndexError.
            if "index-sized integer" not in str(e):
                raise
            raise Trap(OOB_MEMORY) from e
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
