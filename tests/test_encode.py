"""The encoder (``oracle.binary.encode``) inverts the decoder: decode -> encode -> decode gives an equal module,
for every binary module of the official 3.0 suite (as the runner's converter writes them)."""
from __future__ import annotations

import pytest

from oracle.binary.decode import decode_module
from oracle.binary.encode import encode_module, s, u32
from oracle.errors import Malformed
from oracle.features import Features
from wast_runner.suites import get_manifest

from helpers.suites import find_files, file_params
from helpers.text import converted, module_key

SUITE = "wasm-3.0"


def test_leb128():
    assert u32(0) == b"\x00" and u32(127) == b"\x7f" and u32(128) == b"\x80\x01"
    assert s(-1) == b"\x7f" and s(63) == b"\x3f" and s(64) == b"\xc0\x00" and s(-64) == b"\x40"
    assert s(-65) == b"\xbf\x7f"


def round_trip(data: bytes, features: Features) -> tuple[bool, bool] | None:
    """None if ``data`` does not decode; else (modules equal, bytes equal)."""
    try:
        m = decode_module(data, features)
    except Malformed:
        return None
    again = encode_module(m, features)
    m2 = decode_module(again, features)
    return module_key(m) == module_key(m2), again == data


def round_trip_file(rel: str) -> dict[str, int]:
    features = get_manifest(SUITE).feature_set
    conv = converted(SUITE, rel)
    if conv is None:
        pytest.skip("not converted (converter missing or failed)")
    counts = {"modules": 0, "equal": 0, "bytes_equal": 0}
    bad = []
    for cmd in conv.commands():
        if not cmd.filename or not cmd.filename.endswith(".wasm"):
            continue
        r = round_trip(conv.module_bytes(cmd.filename), features)
        if r is None:
            continue
        counts["modules"] += 1
        counts["equal"] += r[0]
        counts["bytes_equal"] += r[1]
        if not r[0]:
            bad.append(f"{rel}:{cmd.line}")
    assert not bad, f"modules not reproduced: {bad[:20]}"
    return counts


@pytest.mark.parametrize("suite,rel", file_params(SUITE))
def test_round_trip(suite: str, rel: str | None) -> None:
    round_trip_file(rel)  # type: ignore[arg-type]  # None: suite_path fails or skips


if __name__ == "__main__":  # the counts for the report: python tests/test_encode.py
    total: dict[str, int] = {}
    for _, rel in find_files(SUITE)[0]:
        try:
            c = round_trip_file(rel)
        except BaseException as e:  # noqa: BLE001 - a tally, not a test
            print(rel, "FAIL", str(e)[:300])
            continue
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    print(total)
