"""Errors of the dynamic loader: one exception type with a stable ``code`` per kind of problem.

The codes are what scenario files expect (``expect_error = "missing-library"``) and what the documentation lists
(``docs/dylink.md``, "Errors"); the message says what is wrong, naming the modules, symbols and paths involved.
"""
from __future__ import annotations

#: Every error code, with what it means.
CODES = {
    "malformed-dylink": "a dylink.0 (or legacy dylink) section does not decode",
    "bad-module": "a module of the program does not decode or validate as WebAssembly",
    "not-a-library": "a needed library has no dylink.0 section",
    "missing-library": "a needed library is not found in any search folder",
    "library-cycle": "the needed libraries form a cycle",
    "unresolved-symbol": "a strong undefined symbol (or other import) has no definition",
    "duplicate-symbol": "two modules give a strong definition of the same symbol",
    "symbol-type-mismatch": "a symbol is imported with another type than its definition has",
    "memory-mismatch": "the modules' memory imports cannot share one memory",
    "table-mismatch": "the modules' table imports cannot share one table",
    "layout": "the program does not fit (alignment, address space, table or memory limits)",
    "tls": "a thread-local symbol cannot be resolved",
    "instantiation": "instantiating a module failed (unlinkable, or a trap in its start function)",
    "init-trap": "a relocation, TLS or constructor function trapped",
}


class DylinkError(Exception):
    """A program cannot be loaded; ``code`` is one of ``CODES``."""

    def __init__(self, code: str, message: str):
        assert code in CODES, code
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
