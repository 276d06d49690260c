"""The ``mutate`` generator: byte- and field-level mutations of valid modules, to compare how engines classify
broken binaries (valid / malformed / invalid, then instantiation and, when both load, the exported functions'
results on zero arguments).

Seeds are modules of our own generator (``gen``, drawn from a seeded ``random.Random``) and, when wasm-tools is
installed, smith modules. Each mutant is named by the mutation that made it (the ``origin``), so findings group
by mutation kind.
"""
from __future__ import annotations

import random
from typing import Callable, Iterator

from . import gen, wasm


def read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    """(value, position after it); raises IndexError past the end."""
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80 or shift > 35:
            return result, pos


def sections(data: bytes) -> list[tuple[int, bytes]]:
    """The (id, payload) list of a well-formed module."""
    out, pos = [], 8
    while pos < len(data):
        sid = data[pos]
        size, pos = read_uleb(data, pos + 1)
        out.append((sid, data[pos:pos + size]))
        pos += size
    return out


def assemble(secs: list[tuple[int, bytes]], size_of: Callable[[int, bytes], bytes] | None = None) -> bytes:
    out = b"\x00asm\x01\x00\x00\x00"
    for k, (sid, payload) in enumerate(secs):
        out += bytes([sid]) + (size_of(k, payload) if size_of else wasm.uleb(len(payload))) + payload
    return out


def _padded_uleb(n: int, length: int) -> bytes:
    """``n`` as a LEB128 of exactly ``length`` bytes (over-long encodings: valid up to 5 bytes for u32)."""
    out = bytearray()
    for k in range(length):
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if k < length - 1 else 0))
    return bytes(out)


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One mutant of the valid module ``data`` and the name of the mutation."""
    secs = sections(data)
    kind = rng.choice(["truncate", "flip-byte", "flip-bit", "insert-byte", "delete-byte", "section-size",
                       "section-pad", "count", "swap-sections", "dup-section", "type-code", "index", "opcode",
                       "leb-pad-count", "custom-overrun", "huge-locals", "huge-table"])
    b = bytearray(data)
    if kind == "truncate":
        return bytes(b[:rng.randrange(len(b))]), kind
    if kind in ("flip-byte", "flip-bit", "insert-byte", "delete-byte"):
        pos = rng.randrange(8, len(b)) if len(b) > 8 else rng.randrange(len(b))
        if kind == "flip-byte":
            b[pos] = rng.randrange(256)
        elif kind == "flip-bit":
            b[pos] ^= 1 << rng.randrange(8)
        elif kind == "insert-byte":
            b.insert(pos, rng.randrange(256))
        else:
            del b[pos]
        return bytes(b), kind
    if not secs:
        return bytes(b[:-1]), "truncate"
    k = rng.randrange(len(secs))
    if kind == "section-size":
        delta = rng.choice([-1, 1, -2, 2, 1 << 20])
        return assemble(secs, lambda j, p: wasm.uleb(max(0, len(p) + (delta if j == k else 0)))), kind
    if kind == "section-pad":
        length = rng.choice([5, 5, 6])
        return assemble(secs, lambda j, p: _padded_uleb(len(p), length) if j == k else wasm.uleb(len(p))), \
            f"{kind}{length}"
    if kind in ("count", "leb-pad-count"):
        sid, payload = secs[k]
        if sid == 0 or not payload:
            return assemble(secs[:k] + secs[k + 1:]), "drop-section"
        n, pos = read_uleb(payload, 0)
        if kind == "count":
            new = wasm.uleb(max(0, n + rng.choice([-1, 1, 1 << 30])))
        else:
            new = _padded_uleb(n, rng.choice([5, 6]))
        secs[k] = (sid, new + payload[pos:])
        return assemble(secs), kind
    if kind == "swap-sections":
        j = rng.randrange(len(secs))
        secs[k], secs[j] = secs[j], secs[k]
        return assemble(secs), kind
    if kind == "dup-section":
        secs.insert(k, secs[k])
        return assemble(secs), kind
    if kind == "huge-locals":
        # issue 13's second class: a function declaring 2^32-1 (or 2^31) locals of one type, well-formed
        code = [j for j, (sid, _) in enumerate(secs) if sid == 10]
        if code:
            j = code[0]
            payload = secs[j][1]
            n, pos = read_uleb(payload, 0)
            if n:
                size, body_at = read_uleb(payload, pos)
                body = payload[body_at:body_at + size]
                nloc, p2 = read_uleb(body, 0)
                big = rng.choice([0xFFFFFFFF, 1 << 31, 50_001, 1 << 20])
                new_body = wasm.uleb(nloc + 1) + wasm.uleb(big) + bytes([rng.choice([0x7F, 0x7C, 0x7B])]) + body[p2:]
                secs[j] = (10, payload[:pos] + wasm.uleb(len(new_body)) + new_body + payload[body_at + size:])
                return assemble(secs), kind
    if kind == "huge-table":
        # issue 13's third class: a table (or memory) whose declared initial size is huge
        order = [sid for sid, _ in secs]
        at = next((k for k, sid in enumerate(order) if sid in (5, 6, 7, 8, 9, 10, 11, 12) or sid > 3), len(secs))
        if 4 not in order:
            init = rng.choice([0xFFFFFFFF, 10_000_001, 1 << 28])
            secs.insert(at, (4, b"\x01\x70\x00" + wasm.uleb(init)))
            return assemble(secs), kind
    if kind in ("huge-locals", "huge-table"):     # nothing to apply it to
        return bytes(b[:-1]), "truncate"
    if kind == "custom-overrun":
        # a custom section whose declared size runs past the end of the module (issue 13's first class)
        payload = wasm.name("x") + b"\x00" * rng.randrange(4)
        return bytes(data) + b"\x00" + wasm.uleb(len(payload) + rng.randrange(1, 64)) + payload, kind
    # type codes, indices and opcodes: a byte with a recognisable role, replaced by a near value
    roles = {"type-code": {0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F, 0x60, 0x40},
             "index": {0x20, 0x21, 0x22, 0x23, 0x24, 0x10, 0x0C, 0x0D},
             "opcode": set(range(0x45, 0xC5))}[kind]
    spots = [i for i in range(8, len(b)) if b[i] in roles]
    if not spots:
        return bytes(b[:-1]), "truncate"
    pos = rng.choice(spots)
    if kind == "index" and pos + 1 < len(b):
        pos += 1   # the index after the opcode
        b[pos] = rng.choice([b[pos] + 1, 0x7F, 0x80, 0xFF, b[pos] ^ 1]) & 0xFF
    else:
        b[pos] = (b[pos] + rng.choice([-2, -1, 1, 2])) & 0xFF
    return bytes(b), kind


def seed_modules(rng: random.Random, smith: bool = True, features: list[str] | None = None) -> Iterator[bytes]:
    """Valid modules to mutate: ours, with every third one from smith when available."""
    k = 0
    while True:
        k += 1
        if smith and k % 3 == 0:
            try:
                from .smith import smith_extra, smith_module
                m = smith_module(rng.randbytes(256), smith_extra(features))
            except Exception:
                m = None
            if m is not None:
                yield m
                continue
        case = gen.gen_case(gen.RandomChooser(rng), features=features)
        yield gen.encode_case(case)


def mutants(seed: int, per_seed: int = 8, smith: bool = True,
            features: list[str] | None = None) -> Iterator[tuple[bytes, str]]:
    """Endless (mutant, mutation name); repeatable for a seed. Smith seeds use only ``features``."""
    rng = random.Random(f"mutate:{seed}")
    for base in seed_modules(rng, smith, features):
        for _ in range(per_seed):
            data, kind = mutate(base, rng)
            if rng.random() < 0.2:      # sometimes two mutations on top of each other
                try:
                    data, kind2 = mutate(data, rng)
                    kind = f"{kind}+{kind2}"
                except (IndexError, ValueError):
                    pass
            yield data, kind
