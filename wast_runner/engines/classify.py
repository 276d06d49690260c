"""Telling a *malformed* module from an *invalid* one by the engine's message.

Many engines decode and validate in one pass and reject a module with one kind of error (wasmtime's
``WasmtimeError``, the JS API's ``CompileError``, wasm3's and toywasm's load errors), but the spec keeps the two
apart: decoding failures are ``assert_malformed`` (spec ``binary/*``), typing failures ``assert_invalid`` (spec
``valid/*``). Adapters of such engines infer the stage from the message with the phrases below: the spec suite's
own messages first (as the official scripts spell them), then phrases engines are known to use. The inference is
marked on the outcome (``LoadFailed.inferred``), so a wrong guess shows as such in the record.
"""
from __future__ import annotations

import re

#: The spec suite's messages for malformed binary modules (``assert_malformed`` with binary modules).
SPEC_MALFORMED = (
    "END opcode expected", "data count and data section have inconsistent lengths", "data count section required",
    "function and code section have inconsistent lengths", "illegal opcode", "integer representation too long",
    "integer too large", "length out of bounds", "magic header not detected", "malformed UTF-8 encoding",
    "malformed import kind", "malformed limits flags", "malformed memop flags", "malformed mutability",
    "malformed reference type", "malformed section id", "section size mismatch", "too many locals",
    "unexpected content after last section", "unexpected end", "unknown binary version", "zero byte expected",
)

#: The spec suite's messages for invalid modules (``assert_invalid``).
SPEC_INVALID = (
    "alignment must not be larger than natural", "array type is not numeric or vector", "array types do not match",
    "constant expression required", "duplicate export name", "global is immutable", "immutable array",
    "immutable field", "immutable global", "invalid lane index", "invalid result arity", "memory size",
    "multiple memories", "non-empty tag result type", "offset out of range",
    "size minimum must not be greater than maximum", "start function", "sub type", "type mismatch",
    "undeclared function reference", "uninitialized local", "unknown data segment", "unknown elem segment",
    "unknown function", "unknown global", "unknown label", "unknown local", "unknown memory", "unknown table",
    "unknown tag", "unknown type",
)

#: Engine phrases, in order: the first that matches decides. Validators' phrases that would otherwise be taken
#: for decoder phrases come first (V8's "opcode nop is not allowed in constant expressions" is about typing, not
#: about an unknown opcode).
ENGINE_RULES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"not allowed in constant expressions|type error|type mismatch|label arity|arity mismatch|"
                r"elements on the stack|"
                r"memory count of \d+ exceeds|table count of \d+ exceeds", re.IGNORECASE), "invalid"),
    # Decoders (wasmparser in wasmtime, V8, wasm3, toywasm) name the encoding they choke on.
    (re.compile(
        r"magic|binary version|wasm version|expected version|bad wasm file version|unexpected end|end of file|"
        r"eof\b|fell off|too long|varint|leb|overlong|utf-?8|out of order|unknown section|section (id|code)|"
        r"section (was )?(shorter|longer) than|section size|size mismatch|trailing|after last section|"
        r"inconsistent|mismatch(ed)? (in )?(function|code|data)|count \d+ mismatch|function body count|"
        r"opcode|zero (byte|flag)|reserved|too many locals|local count too large|length out of bounds|"
        r"integer too large|extra bits|unterminated|unexpected (byte|token|data|section)|data count|"
        r"function body must end|control frames remain|invalid leading byte|limits flags|\bflags\b|"
        r"(section|count) is absent|has non-zero count|requires? the [\w-]+ proposal|must have (a )?maximum|"
        r"extends past end|argument is empty|unknown import kind|missing 'end'|must appear before|"
        r"multiple \w+ sections|invalid (mutability|value type|local type|section|import kind|export kind|"
        r"reference type|type form)|(^|: )expected (?!type)", re.IGNORECASE), "malformed"),
    # Validators.
    (re.compile(
        r"stack|unknown (data|elem|function|global|label|local|memory|table|tag|type)|"
        r"index (is )?out of (bounds|range)|out of bounds (global|function|table|memory|type|local|label)|"
        r"alignment|immutable|constant express|duplicate export|lane|arity|multiple (memories|tables)|"
        r"memory size|table size|maximum|minimum|start function|undeclared|not declared|uninitiali[sz]ed|"
        r"invalid (branch|global|function|memory|table|type|local|data|elem|label|lane|start)",
        re.IGNORECASE), "invalid"),
)


def _core(message: str) -> str:
    """The message without engine framing that would confuse the rules (V8's "WebAssembly.Module(): " and
    "Compiling function #N failed: ")."""
    message = re.sub(r"^WebAssembly\.\w+\(\): ", "", message)
    return re.sub(r"^Compiling function #\d+(:\S*)? failed: ", "", message)


def rejection_stage(message: str, default: str = "invalid") -> str:
    """``"malformed"`` or ``"invalid"`` for an engine's message rejecting a module (``default`` when nothing
    says which)."""
    core = _core(message)
    low = core.lower()
    if "malformed" in low:   # engines say so when they know (wasmparser: "malformed memop alignment")
        return "malformed"
    spec_malformed = any(p.lower() in low for p in SPEC_MALFORMED)
    spec_invalid = any(p.lower() in low for p in SPEC_INVALID)
    if spec_malformed != spec_invalid:
        return "malformed" if spec_malformed else "invalid"
    for pattern, stage in ENGINE_RULES:
        if pattern.search(core):
            return stage
    return default
