"""The outcomes of the spec's judgements that are not values.

Each error carries the message the reference interpreter (and so the official suite's assertions) uses.
A trap during instantiation is what the suite calls "uninstantiable".
"""


class WasmError(Exception):
    """Base of every error the oracle reports about a WebAssembly module or its execution."""

    kind = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Malformed(WasmError):
    """The binary does not decode (spec ``binary/``): ``assert_malformed``."""

    kind = "malformed"

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.offset = offset

    def __str__(self) -> str:
        return self.message if self.offset is None else f"{self.message} (at byte {self.offset:#x})"


class Invalid(WasmError):
    """The module decodes but fails validation (spec ``valid/``): ``assert_invalid``."""

    kind = "invalid"


class Unlinkable(WasmError):
    """Import matching failed at instantiation (spec ``exec/modules.rst``): ``assert_unlinkable``."""

    kind = "unlinkable"


class Trap(WasmError):
    """Execution trapped (spec ``exec/runtime.rst``, "trap"): ``assert_trap``, or ``assert_uninstantiable``
    when raised while instantiating."""

    kind = "trap"


class Exhaustion(WasmError):
    """A resource was exhausted, in practice the call stack (spec ``exec/runtime.rst``; ``assert_exhaustion``)."""

    kind = "exhaustion"


class UncaughtException(WasmError):
    """A wasm exception left the invoked function (exception handling; ``assert_exception``).

    ``exn`` is the ``oracle.runtime.exception.ExnInst``: its tag and field values."""

    kind = "exception"

    def __init__(self, exn):
        super().__init__("uncaught exception")
        self.exn = exn
