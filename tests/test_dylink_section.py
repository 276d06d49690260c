"""The dylink.0 / legacy dylink section decoder (oracle.dylink.section), and its agreement with ``wasm-objdump -x``
(wabt) on every committed module of the dylink suite."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.wasm_binary import HEADER, module, uleb
from oracle.binary.reader import Reader
from oracle.dylink.errors import DylinkError
from oracle.dylink.section import (WASM_SYM_BINDING_WEAK, WASM_SYM_TLS, WASM_SYM_UNDEFINED, DylinkInfo, flag_names,
                                   read_dylink, scan_sections)

MODULES = Path(__file__).resolve().parent.parent / "suites" / "dylink" / "modules"


def name(s) -> bytes:
    raw = s.encode() if isinstance(s, str) else s
    return uleb(len(raw)) + raw


def custom(section_name: str, payload: bytes) -> bytes:
    body = name(section_name) + payload
    return b"\x00" + uleb(len(body)) + body


def sub(kind: int, payload: bytes, length: int | None = None) -> bytes:
    return bytes([kind]) + uleb(len(payload) if length is None else length) + payload


def strings(items) -> bytes:
    return uleb(len(items)) + b"".join(name(s) for s in items)


TYPE_SECTION = b"\x01\x04\x01\x60\x00\x00"


def decode(*subs: bytes) -> DylinkInfo:
    return read_dylink(module(custom("dylink.0", b"".join(subs))), "m.so")


def malformed(data: bytes) -> str:
    with pytest.raises(DylinkError) as e:
        read_dylink(data, "m.so")
    assert e.value.code == "malformed-dylink"
    return e.value.message


# -- decoding ----------------------------------------------------------------------------------------------------

def test_no_dylink_section():
    assert read_dylink(module(TYPE_SECTION), "m") is None
    assert read_dylink(module(custom("name", b"\x00\x01x")), "m") is None


def test_every_subsection():
    info = decode(
        sub(1, uleb(1000) + uleb(4) + uleb(7) + uleb(3)),
        sub(2, strings(["liba.so", "libb.so"])),
        sub(3, uleb(2) + name("t") + uleb(WASM_SYM_TLS) + name("w") + uleb(WASM_SYM_BINDING_WEAK)),
        sub(4, uleb(1) + name("env") + name("f") + uleb(WASM_SYM_BINDING_WEAK | WASM_SYM_UNDEFINED)),
        sub(5, strings(["$ORIGIN/lib", "/opt/lib"])),
    )
    assert (info.memory_size, info.memory_align, info.table_size, info.table_align) == (1000, 4, 7, 3)
    assert info.has_mem_info and info.section == "dylink.0" and info.first
    assert info.needed == ["liba.so", "libb.so"]
    assert [(e.name, e.flags) for e in info.export_info] == [("t", 0x100), ("w", 1)]
    assert [(i.module, i.field, i.flags) for i in info.import_info] == [("env", "f", 0x11)]
    assert info.runtime_path == ["$ORIGIN/lib", "/opt/lib"]
    assert info.export_flags("t") == WASM_SYM_TLS and info.export_flags("nope") is None
    assert info.is_weak_import("f") and not info.is_weak_import("g")
    assert [s.type for s in info.subsections] == [1, 2, 3, 4, 5] and info.unknown == []
    assert info.warnings == []


def test_empty_section_defaults():
    info = decode()
    assert not info.has_mem_info and info.memory_size == 0 and info.needed == []


def test_unknown_subsection_is_skipped_and_later_ones_read():
    info = decode(sub(1, uleb(0) * 4), sub(0x42, b"anything"), sub(2, strings(["libleaf.so"])), sub(7, b""))
    assert info.needed == ["libleaf.so"]
    assert [u.type for u in info.unknown] == [0x42, 7]


def test_repeated_subsections_concatenate():
    info = decode(sub(2, strings(["a"])), sub(3, uleb(1) + name("x") + uleb(0)), sub(2, strings(["b"])),
                  sub(3, uleb(1) + name("y") + uleb(WASM_SYM_TLS)), sub(5, strings(["p"])), sub(5, strings(["q"])))
    assert info.needed == ["a", "b"]
    assert [e.name for e in info.export_info] == ["x", "y"]
    assert info.runtime_path == ["p", "q"]


def test_legacy_section():
    info = read_dylink(module(custom("dylink", uleb(16) + uleb(3) + uleb(2) + uleb(0) + strings(["libc.so"]))), "m")
    assert info.section == "dylink"
    assert (info.memory_size, info.memory_align, info.table_size, info.table_align) == (16, 3, 2, 0)
    assert info.needed == ["libc.so"] and info.has_mem_info


def test_not_first_is_a_warning():
    info = read_dylink(module(TYPE_SECTION, custom("dylink.0", sub(1, uleb(0) * 4))), "late.so")
    assert not info.first
    assert info.warnings == ["late.so: the dylink.0 section is not the first section (it follows the type "
                             "section); the convention expects it first, loaded anyway"]
    info = read_dylink(module(custom("producers", b"\x00"), custom("dylink.0", b"")), "m")
    assert "follows custom section 'producers'" in info.warnings[0]


def test_flag_names():
    assert flag_names(0) == []
    assert flag_names(0x3F7) == ["binding-weak", "binding-local", "visibility-hidden", "undefined", "exported",
                                 "explicit-name", "no-strip", "tls", "absolute"]
    assert flag_names(0x1 | 0x800) == ["binding-weak", "0x800"]


# -- malformed sections --------------------------------------------------------------------------------------------

def test_subsection_past_section_end():
    msg = malformed(module(custom("dylink.0", sub(1, uleb(0) * 4, length=50))))
    assert "m.so: dylink.0 subsection mem-info: payload of 50 bytes runs past the end of the section (4 bytes " \
           "left)" in msg


def test_subsection_trailing_bytes():
    assert "2 bytes left over after its contents (payload length 6)" in malformed(
        module(custom("dylink.0", sub(1, uleb(0) * 6))))


def test_subsection_contents_overrun():
    assert "contents run past its payload length of 3 bytes" in malformed(
        module(custom("dylink.0", sub(1, uleb(0) * 3) + sub(2, strings([])))))


def test_bad_utf8():
    msg = malformed(module(custom("dylink.0", sub(2, strings([b"\xc0\x80"])))))
    assert "dylink.0 subsection needed: malformed UTF-8 encoding" in msg
    msg = malformed(module(custom("dylink.0", sub(4, uleb(1) + name(b"\xff") + name("f") + uleb(0)))))
    assert "import-info: malformed UTF-8" in msg


def test_duplicate_mem_info():
    assert "mem-info given more than once" in malformed(
        module(custom("dylink.0", sub(1, uleb(0) * 4) + sub(1, uleb(0) * 4))))


def test_two_dylink_sections():
    msg = malformed(module(custom("dylink.0", b""), custom("dylink", uleb(0) * 4 + strings([]))))
    assert "more than one dylink section ('dylink.0' at byte" in msg


def test_truncated_leb_and_length():
    assert "subsection mem-info" in malformed(module(custom("dylink.0", sub(1, b"\x80\x80"))))
    assert "length out of bounds" in malformed(module(custom("dylink.0", sub(2, uleb(1000) + name("x")))))
    assert "payload length" in malformed(module(custom("dylink.0", b"\x01\x80")))


def test_legacy_trailing_bytes():
    assert "legacy dylink section: 1 bytes left over" in malformed(
        module(custom("dylink", uleb(0) * 4 + strings([]) + b"\x07")))


def test_broken_module_headers():
    with pytest.raises(DylinkError) as e:
        scan_sections(b"\x00asm\x02\x00\x00\x00")
    assert e.value.code == "bad-module"
    with pytest.raises(DylinkError) as e:
        scan_sections(HEADER + b"\x01\x10\x00")
    assert "runs past the end of the module" in e.value.message


# -- agreement with wasm-objdump -x --------------------------------------------------------------------------------

def committed_modules() -> list[Path]:
    return sorted(p for p in MODULES.rglob("*") if p.suffix in (".so", ".wasm"))


def _objdump_flags(flags: int) -> str:
    """Symbol flags as wasm-objdump prints them."""
    words = [w for bit, w in ((0x10, "undefined"), (0x20, "exported"), (0x40, "explicit_name"),
                              (0x80, "no_strip"), (0x100, "tls"), (0x200, "abs")) if flags & bit]
    binding = {0: "global", 1: "weak", 2: "local"}[flags & 3]
    vis = "hidden" if flags & 4 else "default"
    return " ".join(words + [f"binding={binding}", f"vis={vis}"])


def objdump_dylink(path: Path) -> tuple[list[dict], str]:
    """The dylink sections wasm-objdump prints: [{name, lines}], and its stderr."""
    proc = subprocess.run(["wasm-objdump", "-x", str(path)], capture_output=True, text=True)
    sections: list[dict] = []
    current = None
    lines = proc.stdout.splitlines()
    for k, line in enumerate(lines):
        if line == "Custom:" and k + 1 < len(lines):
            m = re.fullmatch(r' - name: "(dylink(?:\.0)?)"', lines[k + 1])
            current = {"name": m.group(1), "lines": []} if m else None
            if current:
                sections.append(current)
            continue
        if current is not None:
            if line.startswith(" - name:"):
                continue
            if not line.startswith(" ") or not line.strip():
                current = None
                continue
            current["lines"].append(line)
    return sections, proc.stderr


def expected_objdump_lines(info: DylinkInfo, data: bytes) -> list[str]:
    """What wasm-objdump prints for a dylink section we decoded (runtime-path and unknown subsections are not
    printed by wabt 1.0.42; subsections come in their order in the file)."""
    out = []

    def mem():
        out.extend([f" - mem_size     : {info.memory_size}", f" - mem_p2align  : {info.memory_align}",
                    f" - table_size   : {info.table_size}", f" - table_p2align: {info.table_align}"])

    if info.section == "dylink":
        mem()
        if info.needed:
            out.append(f" - needed_dynlibs[{len(info.needed)}]:")
            out.extend(f"  - {n}" for n in info.needed)
        return out
    # Walk the subsections in file order, consuming the decoded lists.
    needed, exports, imports = list(info.needed), list(info.export_info), list(info.import_info)
    for s in info.subsections:
        if s.type == 1:
            mem()
        elif s.type in (2, 3, 4):
            count = _count_at(data, s.offset)
            if s.type == 2:
                out.append(f" - needed_dynlibs[{count}]:")
                out.extend(f"  - {needed.pop(0)}" for _ in range(count))
            elif s.type == 3:
                out.append(f" - exports[{count}]:")
                for _ in range(count):
                    e = exports.pop(0)
                    out.append(f"  - {e.name} [ {_objdump_flags(e.flags)} ]")
            else:
                out.append(f" - imports[{count}]:")
                for _ in range(count):
                    i = imports.pop(0)
                    out.append(f"  - {i.module}.{i.field} [ {_objdump_flags(i.flags)} ]")
    return out


def _count_at(data: bytes, pos: int) -> int:
    return Reader(data, pos).u32()


needs_objdump = pytest.mark.skipif(shutil.which("wasm-objdump") is None, reason="wasm-objdump (wabt) not installed")


@needs_objdump
@pytest.mark.parametrize("path", committed_modules(), ids=lambda p: p.relative_to(MODULES).as_posix())
def test_agrees_with_objdump(path: Path):
    data = path.read_bytes()
    sections, stderr = objdump_dylink(path)
    try:
        info = read_dylink(data, path.name)
    except DylinkError as e:
        # A section we reject: wabt warns about it, or prints the defect (two sections, mem-info twice).
        assert e.code == "malformed-dylink"
        mem_blocks = sum(line.startswith(" - mem_size") for s in sections for line in s["lines"])
        assert "warning" in stderr or "error" in stderr or len(sections) > 1 or mem_blocks > 1, (e, stderr)
        return
    if info is None:
        assert sections == []
        return
    assert "warning" not in stderr and "error" not in stderr, stderr
    assert [s["name"] for s in sections] == [info.section]
    assert sections[0]["lines"] == expected_objdump_lines(info, data)


def test_every_committed_module_is_checked():
    # The parametrised test above covers the whole suite: make sure it has something to cover.
    assert len(committed_modules()) >= 90
