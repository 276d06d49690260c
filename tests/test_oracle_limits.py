"""Inputs that once made the oracle misbehave (issue 13, "The oracle first"): each gives a spec outcome
(malformed, exhaustion) at once, never a Python exception of its own, an unbounded allocation or a hang."""
from __future__ import annotations

import struct

import pytest

from oracle import embedding
from oracle.binary.decode import MAX_LOCALS
from oracle.errors import Exhaustion, Malformed
from oracle.exec.numerics import f32_demote_f64, f64_promote_f32
from oracle.exec.vector import f32x4_demote_f64x2_zero, f64x2_promote_low_f32x4
from oracle.features import WASM_3_0
from oracle.runtime.values import f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits

HEADER = b"\0asm\1\0\0\0"


def leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + leb(len(payload)) + payload


def one_function(locals_decls: list[tuple[int, int]]) -> bytes:
    """A module with one ``[] -> []`` function declaring ``locals_decls`` (count, valtype byte) and body ``end``."""
    body = leb(len(locals_decls)) + b"".join(leb(n) + bytes([t]) for n, t in locals_decls) + b"\x0b"
    return (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
            + section(10, b"\x01" + leb(len(body)) + body))


# -- binary/modules.rst, "Sections": a section's declared size must lie inside the module ------------------------

# The reader refuses a length beyond the bytes left counted from the length itself ("length out of bounds", as
# the reference interpreter); a size just past that, by the length's own bytes, must still not be accepted.
@pytest.mark.parametrize("overrun,message", [(1, "unexpected end"), (2, "length out of bounds"),
                                             (1000, "length out of bounds")])
def test_custom_section_running_past_the_end_is_malformed(overrun, message):
    payload = b"\x04name" + b"xyz"
    data = HEADER + b"\x00" + leb(len(payload) + overrun) + payload
    with pytest.raises(Malformed, match=message):
        embedding.module_decode(data, WASM_3_0)


def test_custom_section_ending_exactly_at_the_end_is_kept():
    payload = b"\x04name" + b"xyz"
    module = embedding.module_decode(HEADER + section(0, payload), WASM_3_0)
    assert [(c.name, c.data) for c in module.customs] == [("name", b"xyz")]


@pytest.mark.parametrize("sid,payload", [(1, b"\x01\x60\x00\x00"), (3, b"\x00"), (11, b"\x00")])
def test_any_section_running_past_the_end_is_malformed(sid, payload):
    data = HEADER + bytes([sid]) + leb(len(payload) + 1) + payload
    with pytest.raises(Malformed, match="unexpected end"):
        embedding.module_decode(data, WASM_3_0)


# -- binary/modules.rst, "Code Section"; appendix/implementation.rst: the number of locals --------------------------

def test_locals_up_to_the_limit_decode():
    module = embedding.module_decode(one_function([(MAX_LOCALS - 1, 0x7F), (1, 0x7E)]), WASM_3_0)
    assert len(module.funcs[0].locals) == MAX_LOCALS


@pytest.mark.parametrize("decls", [[(2**32 - 1, 0x7F)], [(MAX_LOCALS + 1, 0x7F)], [(2**31, 0x7F), (2**31 - 1, 0x7E)]])
def test_well_formed_locals_beyond_the_oracle_limit_are_exhaustion(decls):
    # 2^32 - 1 locals are well-formed (fewer than 2^32); the oracle refuses them as a resource limit, at once.
    with pytest.raises(Exhaustion, match="too many locals"):
        embedding.module_decode(one_function(decls), WASM_3_0)


def _huge_locals_then(body: bytes = b"\x0b", after: bytes = b"", funcs: int = 1) -> bytes:
    """One function with 2^32 - 1 locals (beyond the oracle's limit, well-formed) and ``body``; then ``after``."""
    code = b"\x01" + leb(2**32 - 1) + b"\x7f" + body
    return (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, leb(funcs) + b"\x00" * funcs)
            + section(10, b"\x01" + leb(len(code)) + code) + after)


# The limit is reported only for a module that is otherwise well-formed: a malformation after the huge declaration
# (in the same body, in a later section, or between sections) is still found, so an engine that reports it is
# checked rather than excused.
@pytest.mark.parametrize("data,message", [
    (_huge_locals_then(body=b"\x41\x00\xff\x0b"), "illegal opcode"),          # an unknown opcode in the body
    (_huge_locals_then(body=b"\x41\x00"), "unexpected end"),                      # a body without its end
    (_huge_locals_then(after=section(11, b"\x01\x07")), "malformed data segment kind"),
    (_huge_locals_then(after=b"\x0b\x05\x01"), "length out of bounds"),         # a truncated section
    (_huge_locals_then(funcs=2), "inconsistent lengths"),
])
def test_huge_locals_do_not_hide_a_later_malformation(data, message):
    with pytest.raises(Malformed, match=message):
        embedding.module_decode(data, WASM_3_0)


def test_huge_locals_in_an_otherwise_well_formed_module_are_exhaustion():
    with pytest.raises(Exhaustion, match="too many locals"):
        embedding.module_decode(_huge_locals_then(after=section(0, b"\x01x")), WASM_3_0)


def test_2_to_the_32_locals_are_malformed():
    with pytest.raises(Malformed, match="too many locals"):
        embedding.module_decode(one_function([(2**31, 0x7F), (2**31, 0x7E)]), WASM_3_0)


# -- exec/modules.rst, "Allocation": tables and memories beyond the oracle's limits ---------------------------------

def instantiate(data: bytes):
    module = embedding.module_decode(data, WASM_3_0)
    embedding.module_validate(module, WASM_3_0)
    return embedding.module_instantiate(embedding.store_init(), module, [])


def test_huge_table_is_exhaustion_not_memory_error():
    data = HEADER + section(4, b"\x01\x70\x00" + leb(2**32 - 1))   # (table 0xffffffff funcref)
    with pytest.raises(Exhaustion, match="table of 4294967295 elements"):
        instantiate(data)


def test_huge_64_bit_memory_is_exhaustion():
    data = HEADER + section(5, b"\x01\x04" + leb(2**40))          # (memory i64 0x10000000000)
    with pytest.raises(Exhaustion, match="memory of 1099511627776 pages"):
        instantiate(data)


# -- exec/numerics.rst, "promote" / "demote": the vector forms choose the NaN the scalar forms choose ------------

NAN32 = [0x7FA00001, 0xFFC00000, 0x7F800001, 0xFFFFFFFF, 0x7FC00000]
NAN64 = [0x7FF4000000000001, 0xFFF8000000000000, 0x7FF0000000000001, 0xFFFFFFFFFFFFFFFF, 0x7FF8000000000000]


@pytest.mark.parametrize("bits", NAN32)
def test_vector_promote_keeps_the_nan_the_scalar_keeps(bits):
    v = bits | (0x3F800000 << 32)            # lanes: the NaN, 1.0
    r = f64x2_promote_low_f32x4(v)
    assert r & (2**64 - 1) == f64_to_bits(f64_promote_f32(f32_from_bits(bits)))
    assert r >> 64 == f64_to_bits(1.0)


@pytest.mark.parametrize("bits", NAN64)
def test_vector_demote_keeps_the_nan_the_scalar_keeps(bits):
    v = bits | (f64_to_bits(-2.5) << 64)
    r = f32x4_demote_f64x2_zero(v)
    assert r & 0xFFFFFFFF == f32_to_bits(f32_demote_f64(f64_from_bits(bits)))
    assert (r >> 32) & 0xFFFFFFFF == f32_to_bits(-2.5)
    assert r >> 64 == 0


def test_promoted_nan_payload_is_the_reference_interpreters():
    # f32 0x7fa00001 (signalling, payload 0x200001) promotes to f64 0x7ffc000020000000: payload shifted up by
    # 29 bits, quiet bit set, sign kept.
    assert f64x2_promote_low_f32x4(0x7FA00001) & (2**64 - 1) == 0x7FFC000020000000
    assert f32x4_demote_f64x2_zero(0x7FF4000000000001) & 0xFFFFFFFF == 0x7FE00000
