"""The proposals beyond 3.0 the oracle implements as features (issue 16): custom page sizes
(``proposals/custom-page-sizes/Overview.md``) and wide arithmetic (``proposals/wide-arithmetic/Overview.md``).
Each rule at the layer that owns it (binary, text, validation, runtime), and execution on both machines."""
from __future__ import annotations

import pytest

from oracle import embedding
from oracle.binary.decode import decode_module
from oracle.binary.encode import encode_module
from oracle.errors import Invalid, Malformed
from oracle.exec import numerics
from oracle.features import WASM_2_0, WASM_3_0
from oracle.runtime.memory import MemInst
from oracle.syntax.types import Limits, MemType
from oracle.text import TextError, parse_module
from oracle.valid.matching import match_memtype
from oracle.valid.module import validate_module

from helpers.machines import MACHINES, init_store
from helpers.wasm_binary import module, section

PAGES = WASM_3_0.with_("custom-page-sizes")
WIDE = WASM_3_0.with_("wide-arithmetic")


def memory_section(flags: bytes) -> bytes:
    return module(section(5, b"\x01" + flags))


# -- custom page sizes: binary ------------------------------------------------------------------------------------

@pytest.mark.parametrize("flags, pagesize", [(b"\x08\x00\x00", 1), (b"\x08\x00\x10", 65536), (b"\x00\x00", 65536),
                                              (b"\x09\x01\x02\x00", 1), (b"\x0c\x00\x00", 1)])
def test_the_page_size_exponent_follows_the_limits(flags: bytes, pagesize: int) -> None:
    m = decode_module(memory_section(flags), PAGES)
    assert m.mems[0].type.pagesize == pagesize
    assert decode_module(encode_module(m, PAGES), PAGES).mems[0].type == m.mems[0].type


def test_an_exponent_above_64_is_malformed_and_64_decodes() -> None:
    with pytest.raises(Malformed, match="invalid custom page size"):
        decode_module(memory_section(b"\x08\x00\x41"), PAGES)
    assert decode_module(memory_section(b"\x08\x00\x40"), PAGES).mems[0].type.pagesize == 1 << 64


def test_bit_3_needs_the_feature_and_a_memory() -> None:
    with pytest.raises(Malformed, match="malformed limits flags"):
        decode_module(memory_section(b"\x08\x00\x00"), WASM_3_0)
    with pytest.raises(Malformed, match="malformed limits flags"):   # the i64 bit stays memory64's
        decode_module(memory_section(b"\x0c\x00\x00"), WASM_2_0.with_("custom-page-sizes"))
    assert decode_module(memory_section(b"\x09\x00\x01\x00"), WASM_2_0.with_("custom-page-sizes")).mems[0].type \
        == MemType(Limits(0, 1), False, 1)
    table = module(section(4, b"\x01\x70\x08\x00\x00"))
    with pytest.raises(Malformed, match="malformed limits flags"):
        decode_module(table, PAGES)


# -- custom page sizes: text --------------------------------------------------------------------------------------

def test_text_pagesize_and_the_data_abbreviation() -> None:
    m = parse_module("(module (memory 1 2 (pagesize 1)) (memory i64 3 (pagesize 65536)) "
                     "(memory (pagesize 1) (data \"xyz\")))", PAGES)
    assert [mm.type for mm in m.mems] == [MemType(Limits(1, 2), False, 1), MemType(Limits(3, None, "i64")),
                                           MemType(Limits(3, 3), False, 1)]


@pytest.mark.parametrize("n", ["0", "3", "65535"])
def test_a_page_size_not_a_power_of_two_is_malformed(n: str) -> None:
    with pytest.raises(TextError, match="invalid custom page size"):
        parse_module(f"(module (memory 0 (pagesize {n})))", PAGES)


def test_text_pagesize_needs_the_feature() -> None:
    with pytest.raises(TextError):
        parse_module("(module (memory 0 (pagesize 1)))", WASM_3_0)


# -- custom page sizes: validation and matching ---------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("(memory 0 (pagesize 2))", "invalid custom page size"),
    ("(memory 0 (pagesize 0x20000))", "invalid custom page size"),
    ("(memory 0x1_0000_0000 (pagesize 1))", "memory size must be at most"),
    ("(memory 65537 (pagesize 65536))", "memory size must be at most"),
    ("(memory i64 0x1_0000_0000_0001 (pagesize 65536))", "memory size must be at most"),
    ("(memory 2 1 (pagesize 1))", "size minimum must not be greater than maximum"),
])
def test_invalid_memory_types(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        validate_module(parse_module(f"(module {text})", PAGES), PAGES)


@pytest.mark.parametrize("text", ["(memory 0xFFFF_FFFF (pagesize 1))",
                                  "(memory i64 0xFFFF_FFFF_FFFF_FFFF (pagesize 1))",
                                  "(memory 65536 (pagesize 65536))", "(memory i64 0x1_0000_0000_0000)"])
def test_the_largest_memory_types(text: str) -> None:
    validate_module(parse_module(f"(module {text})", PAGES), PAGES)


def test_import_matching_needs_the_same_page_size() -> None:
    small, large = MemType(Limits(0), False, 1), MemType(Limits(0))
    assert match_memtype(small, small) and match_memtype(large, large)
    assert not match_memtype(small, large) and not match_memtype(large, small)


# -- custom page sizes: runtime --------------------------------------------------------------------------------

def test_a_byte_page_memory_grows_and_bounds_by_bytes() -> None:
    mem = MemInst(MemType(Limits(3, 10), False, 1))
    assert mem.pages == 3 and len(mem.data) == 3
    assert mem.grow(7) == 3 and mem.pages == 10 and len(mem.data) == 10
    assert mem.grow(1) == -1
    assert mem.type == MemType(Limits(10, 10), False, 1)


def test_growth_stops_at_the_address_range_and_the_oracle_limit() -> None:
    assert MemInst(MemType(Limits(0xFFFF_FFFE), False, 1), limit_pages=65536).grow(2) == -1   # 2**32 bytes
    assert MemInst(MemType(Limits(0), False, 1), limit_pages=1).grow(65537) == -1            # over the limit
    assert MemInst(MemType(Limits(0))).grow(65537) == -1


_SMALL = """(module
  (memory $s 0 (pagesize 1)) (memory $l 1)
  (data (memory $l) (i32.const 0) "\\55\\66\\77\\88")
  (func (export "size") (result i32) (memory.size $s))
  (func (export "grow") (param i32) (result i32) (memory.grow $s (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_u $s (local.get 0)))
  (func (export "fill") (param i32 i32 i32) (memory.fill $s (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32) (memory.copy $s $l (local.get 0) (local.get 1) (local.get 2))))"""


@pytest.mark.parametrize("machine", MACHINES)
def test_byte_pages_on_both_machines(machine: str) -> None:
    store = init_store(machine)
    m = parse_module(_SMALL, PAGES)
    validate_module(m, PAGES)
    inst = embedding.module_instantiate(store, m, [])

    def call(name: str, *args: int) -> list:
        return embedding.func_invoke(store, embedding.instance_export(inst, name), list(args))

    assert call("size") == [0]
    assert call("grow", 5) == [0] and call("size") == [5]
    call("copy", 1, 1, 3)
    assert [call("load", k)[0] for k in range(5)] == [0, 0x66, 0x77, 0x88, 0]
    call("fill", 4, 9, 1)
    assert call("load", 4) == [9]
    for name, args in (("load", (5,)), ("fill", (5, 0, 1)), ("copy", (3, 0, 3))):
        with pytest.raises(Exception, match="out of bounds memory access"):
            call(name, *args)


# -- wide arithmetic --------------------------------------------------------------------------------------------

M64 = (1 << 64) - 1
_EDGES = [0, 1, 2, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, M64, 0x1234_5678_9ABC_DEF0]


def _signed(x: int) -> int:
    return x - (1 << 64) if x >> 63 else x


@pytest.mark.parametrize("a", _EDGES)
@pytest.mark.parametrize("b", _EDGES)
def test_wide_operators_against_128_bit_arithmetic(a: int, b: int) -> None:
    def halves(r: int) -> tuple[int, int]:
        r &= (1 << 128) - 1
        return r & M64, r >> 64
    assert numerics.i64_add128(a, b, b, a) == halves((b << 64 | a) + (a << 64 | b))
    assert numerics.i64_sub128(a, b, b, a) == halves((b << 64 | a) - (a << 64 | b))
    assert numerics.i64_mul_wide_u(a, b) == halves(a * b)
    assert numerics.i64_mul_wide_s(a, b) == halves(_signed(a) * _signed(b))


_WIDE = """(module
  (func (export "add") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sub") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "mul_s") (param i64 i64) (result i64 i64) (i64.mul_wide_s (local.get 0) (local.get 1)))
  (func (export "hi_u") (param i64 i64) (result i64) (i64.mul_wide_u (local.get 0) (local.get 1)) (return)))"""


@pytest.mark.parametrize("machine", MACHINES)
def test_wide_arithmetic_on_both_machines(machine: str) -> None:
    store = init_store(machine)
    m = parse_module(_WIDE, WIDE)
    validate_module(m, WIDE)
    inst = embedding.module_instantiate(store, m, [])

    def call(name: str, *args: int) -> list:
        return embedding.func_invoke(store, embedding.instance_export(inst, name), list(args))

    assert call("add", M64, 0, 1, 0) == [0, 1]
    assert call("sub", 0, 0, 1, 0) == [M64, M64]
    assert call("mul_s", M64, 1) == [M64, M64]
    assert call("hi_u", M64, M64) == [M64 - 1]


def test_wide_arithmetic_needs_the_feature_and_its_types() -> None:
    body = b"\x00\x42\x00\x42\x00\xfc\x15\x1a\x1a\x0b"    # i64.const 0, i64.const 0, i64.mul_wide_s, drop, drop
    binary = module(section(1, b"\x01\x60\x00\x00"), section(3, b"\x01\x00"),
                    section(10, b"\x01" + bytes([len(body)]) + body))
    with pytest.raises(Malformed, match="illegal opcode"):
        decode_module(binary, WASM_3_0)
    validate_module(decode_module(binary, WIDE), WIDE)
    with pytest.raises(Invalid, match="type mismatch"):
        validate_module(parse_module("(module (func (result i64) (i64.mul_wide_u (i64.const 0) (i64.const 0))))",
                                     WIDE), WIDE)
