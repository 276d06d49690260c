"""``python3 -m reports.conformance``: the page it writes from a folder of runs (engine x suite), with the pairs that
could not run shown with their reason, every run checked for completeness against the oracle's, and the
hand-written section kept as it is. (Running the pairs is the same ``wast-runner run`` the other tests cover; this
uses ``--no-run`` on made-up results.)"""
from __future__ import annotations

import json
from pathlib import Path

from reports.conformance import main
from reports.conformance_doc import HAND_BEGIN, HAND_END


def rec(suite: str, file: str, line: int, outcome: str, engine: str, **extra) -> dict:
    return {"suite": suite, "file": file, "line": line, "kind": "assert_return", "id": f"{file}:{line}:assert_return",
            "engine": engine, "engine_version": "1.0", "converter": "wast2json 1.0.42", "outcome": outcome,
            "detail": extra.pop("detail", ""), **extra}


def pair(root: Path, engine: str, suite: str, records: list[dict] | None, log: str) -> None:
    (root / engine).mkdir(parents=True, exist_ok=True)
    if records is not None:
        (root / engine / f"{suite}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (root / engine / f"{suite}.log").write_text(log)


def test_the_page_from_a_folder_of_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)   # `wast-runner suites list` of this checkout
    root = tmp_path / "runs"
    ok = "1 passed\ntime: 2.00 s wall, 1.50 s user, 0.25 s sys\nexit 0\n"
    pair(root, "oracle", "wasm-2.0", [rec("wasm-2.0", "i32.wast", n, "passed", "oracle") for n in (1, 2, 3)], ok)
    pair(root, "oracle", "wide-arithmetic", [rec("wide-arithmetic", "wide-arithmetic.wast", 1, "passed", "oracle")],
         ok)
    pair(root, "eng", "wasm-2.0", [rec("wasm-2.0", "i32.wast", 1, "passed", "eng"),
                                   rec("wasm-2.0", "i32.wast", 2, "error", "eng", detail="engine failure: the engine "
                                       "process was killed by signal 11")], "exit 1\n")   # line 3: no record
    pair(root, "eng", "wide-arithmetic", [rec("wide-arithmetic", "wide-arithmetic.wast", 1, "skipped", "eng",
                                              skip_reason="engine-limitation",
                                              detail="the module needs wide-arithmetic, which eng cannot do")], ok)
    pair(root, "other", "wasm-2.0", None, "wast-runner: engine 'other' not found\nexit 2\n")
    doc = tmp_path / "conformance.md"
    doc.write_text(f"# old\n\n{HAND_BEGIN}\n## Leading causes of failure\n\nWritten by hand.\n{HAND_END}\n\nold tail\n")
    assert main(["--results", str(root), "--no-run", "--doc", str(doc), "--engines", "oracle,eng,other",
                 "--suites", "wasm-2.0,wide-arithmetic"]) == 0
    text = doc.read_text()
    assert f"{HAND_BEGIN}\n## Leading causes of failure\n\nWritten by hand.\n{HAND_END}" in text
    assert "old tail" not in text and text.startswith("# Conformance of the engines CI has")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| wasm-2.0 |")
            or line.startswith("| wide-arithmetic |")}
    assert "**100.0%** 3/3" in rows["wasm-2.0"] and "**50.0%** 1/2, 1 failing (1 errors)" in rows["wasm-2.0"]
    assert "not run: wast-runner: engine 'other' not found" in rows["wasm-2.0"]
    assert "cannot run (all 1 skipped): the module needs wide-arithmetic, which eng cannot do" in \
        rows["wide-arithmetic"]
    assert "| `eng` | wasm-2.0 | 2 | no: 1 missing, 0 extra | 1 | - | - |" in text
    assert "| `oracle` | wasm-2.0 | 3 | yes | 0 | 2 | 2 |" in text
    assert "| `eng` | wasm-2.0 | 1 | 0 | 0 |" in text          # crashes, hangs, exceptions
