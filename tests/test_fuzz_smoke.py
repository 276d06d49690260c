"""The CI's fuzz smoke test (issue 13): a fixed seed, a few hundred cases of each generator against the oracle
itself must find nothing (a finding here is an oracle bug or a fuzzer bug: both must be fixed, not listed)."""
from __future__ import annotations

import shutil
import time

import pytest

from wast_runner.cli import main


@pytest.mark.parametrize("generator,cases", [("hypothesis", 300), ("mutate", 500),
                                             pytest.param("smith", 30, marks=pytest.mark.skipif(
                                                 shutil.which("wasm-tools") is None, reason="no wasm-tools"))])
def test_fuzz_oracle_against_itself_finds_nothing(tmp_path, capsys, generator, cases):
    start = time.monotonic()
    rc = main(["fuzz", "--engine", "oracle", "--against", "oracle", "--generator", generator, "--seed", "13",
               "--cases", str(cases), "--out", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr().out
    assert rc == 0, out + "\n".join(p.read_text() for p in (tmp_path / "out").glob("*.wast"))
    assert f"{cases} cases" in out and "0 disagreement(s)" in out
    assert not (tmp_path / "out").exists()
    assert time.monotonic() - start < 60


@pytest.mark.parametrize("generator", ["hypothesis", "mutate"])
def test_a_seed_repeats_the_same_cases(tmp_path, capsys, generator):
    digests = []
    for k in range(2):
        main(["fuzz", "--engine", "oracle", "--generator", generator, "--seed", "5", "--cases", "40",
              "--out", str(tmp_path / f"o{k}"), "-q"])
        digests.append(capsys.readouterr().out.split("cases digest ")[1])
    assert digests[0] == digests[1]
