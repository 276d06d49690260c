"""The reports package: numbers (matrix, features, comparisons), value rendering, source excerpts, the HTML and
JSON it writes, and that it never imports the oracle."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reports import ReportError, build_report
from reports.features import feature_of
from reports.model import Counts, slug
from reports.sources import Sources
from reports.values import render, render_value
from wast_runner.cli import main


def rec(file: str, line: int, outcome: str, engine: str = "eng", version: str = "1", suite: str | None = "wasm-2.0",
        kind: str = "assert_return", **extra) -> dict:
    r = {"suite": suite, "file": file, "line": line, "kind": kind, "id": f"{file}:{line}:{kind}", "engine": engine,
         "engine_version": version, "converter": "wast2json 1.0.42", "outcome": outcome, "detail": "", **extra}
    if outcome == "failed":
        r["detail"] = f"result 0: expected i32:1; got i32:{line}"
    return r


def write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def oracle_and_engine(tmp_path: Path) -> tuple[str, str]:
    oracle = [rec("i32.wast", n, "passed", "oracle", "dev") for n in range(1, 11)]
    oracle += [rec("simd_lane.wast", n, "passed", "oracle", "dev") for n in range(1, 5)]
    oracle.append(rec("simd_lane.wast", 9, "skipped", "oracle", "dev", kind="assert_malformed"))
    engine = [rec("i32.wast", n, "failed" if n in (3, 7) else "passed", expected=[{"type": "i32", "value": "1"}],
                  actual=[{"type": "i32", "value": str(n)}]) for n in range(1, 11)]
    engine += [rec("simd_lane.wast", n, "error" if n == 2 else "passed") for n in range(1, 5)]
    engine.append(rec("simd_lane.wast", 9, "skipped", kind="assert_malformed"))
    return write(tmp_path / "oracle.jsonl", oracle), write(tmp_path / "engine.jsonl", engine)


def test_matrix_and_feature_numbers(tmp_path):
    rep = build_report(oracle_and_engine(tmp_path))
    [suite] = rep.suites
    assert suite.suite == "wasm-2.0" and [f.file for f in suite.files] == ["i32.wast", "simd_lane.wast"]
    o, e = suite.counts
    assert (o.passed, o.failed, o.error, o.skipped) == (14, 0, 0, 1) and o.rate == 1
    assert (e.passed, e.failed, e.error, e.skipped) == (11, 2, 1, 1) and e.rate == pytest.approx(11 / 14)
    assert [f.feature for f in rep.features] == ["2.0 core", "SIMD"]
    assert rep.features[1].counts[1].error == 1
    assert [i["label"] for i in rep.infos] == ["oracle dev", "eng 1"]
    assert rep.comparisons == []                     # two engines: nothing to compare over time
    [p1, p2] = rep.pages()
    assert [c.line for c in p1.commands] == [3, 7] and [c.line for c in p2.commands] == [2]
    cmd = p1.commands[0]
    assert cmd.expected == "i32:1" and [c.outcome for c in cmd.cells] == ["passed", "failed"]
    assert cmd.cells[1].actual == "i32:3"


def test_same_engine_over_time_shows_regressions_and_fixes(tmp_path):
    old = [rec("a.wast", n, "failed" if n in (1, 2) else "passed") for n in range(1, 6)]
    new = [rec("a.wast", n, "failed" if n in (2, 4) else "passed", version="2") for n in range(1, 7)]
    new[5]["outcome"] = "failed"                      # line 6: a new command, failing
    rep = build_report([write(tmp_path / "old.jsonl", old), write(tmp_path / "new.jsonl", new)])
    [cmp] = rep.comparisons
    assert (cmp.old, cmp.new) == (0, 1)
    assert [c.line for c in cmp.regressed] == [4]
    assert [c.line for c in cmp.fixed] == [1]
    assert [c.line for c in cmp.new_failing] == [6]
    assert cmp.regressed[0].href == "files/wasm-2.0__a.wast.html#L4-assert_return"
    assert "1 regressed, 1 fixed" in rep.summary_lines()[2]


def test_a_changed_command_is_not_a_regression(tmp_path):
    old = [rec("a.wast", 1, "passed", hash="h1")]
    new = [rec("a.wast", 1, "failed", hash="h2", version="2")]
    [cmp] = build_report([write(tmp_path / "o.jsonl", old), write(tmp_path / "n.jsonl", new)]).comparisons
    assert cmp.regressed == [] and [c.line for c in cmp.new_failing] == [1]


def test_counts_and_labels(tmp_path):
    c = Counts()
    for o in ("passed", "passed", "failed", "error", "skipped"):
        c.add({"outcome": o})
    assert (c.total, c.judged, c.failing, c.rate) == (5, 4, 2, 0.5)
    assert c.to_json()["pass_rate"] == 0.5
    a = write(tmp_path / "a.jsonl", [rec("x.wast", 1, "passed")])
    b = write(tmp_path / "b.jsonl", [rec("x.wast", 1, "passed")])
    assert [r.label for r in build_report([a, b]).runs] == ["eng 1 (a.jsonl)", "eng 1 (b.jsonl)"]
    assert [r.label for r in build_report([a, b], labels=["before"]).runs] == ["before", "eng 1"]
    with pytest.raises(ReportError):
        build_report([write(tmp_path / "bad.jsonl", [{"not": "a record"}])])


def test_features():
    assert feature_of("wasm-2.0", "simd_lane.wast") == "SIMD"
    assert feature_of("wasm-2.0", "i32.wast") == "2.0 core"
    assert feature_of("multi-memory", "load.wast") == "multi-memory"
    assert feature_of("memory64", "x.wast") == "memory64"
    assert feature_of("wasm-3.0", "table_copy64.wast") == "memory64"
    assert feature_of("wasm-3.0", "array_copy.wast") == "GC"
    assert feature_of("wasm-3.0", "return_call_ref.wast") == "tail calls"
    assert feature_of("wasm-3.0", "i32.wast") == "3.0 core"
    assert feature_of(None, "mine.wast") == "files outside suites"
    # Proposals are rows of their own (issue 16), named or not.
    assert feature_of("custom-page-sizes", "memory_max.wast") == "custom page sizes"
    assert feature_of("wide-arithmetic", "wide-arithmetic.wast") == "wide arithmetic"
    assert feature_of("custom-descriptors", "binary.wast") == "custom descriptors"
    assert feature_of("some-new-proposal", "x.wast") == "some-new-proposal"


def test_values_render():
    assert render_value({"type": "i32", "value": "4294967295"}) == "i32:4294967295 (-1)"
    assert render_value({"type": "f32", "value": "1065353216"}) == "f32:1.0 (0x3f800000)"
    assert render_value({"type": "f64", "value": "nan:canonical"}) == "f64:nan:canonical"
    assert render_value({"type": "f32", "value": "2143289344"}) == "f32:nan (0x7fc00000)"
    assert render_value({"type": "v128", "lane_type": "i16", "value": ["1", "65535"]}) == "v128:i16x2[1 65535]"
    assert render_value({"type": "funcref", "value": "null"}) == "funcref:null"
    assert render_value({"type": "externref"}) == "externref:non-null"
    assert render({"failure": "trap", "message": "unreachable"}) == "trap: unreachable"
    assert render([]) == "(no results)" and render(None) == ""
    either = {"type": "either", "values": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]}
    assert render([either]) == "i32:1 or i32:2"


def test_source_excerpt(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.wast").write_text("(module\n  (func))\n\n;; next\n(assert_return\n  (invoke \"f\"))\n")
    src = Sources({"suite": tmp_path / "s"})
    assert src.excerpt("suite", "a.wast", 1, [1, 5]) == [(1, "(module"), (2, "  (func))")]
    assert src.excerpt("suite", "a.wast", 5, [1, 5]) == [(5, "(assert_return"), (6, '  (invoke "f"))')]
    assert src.excerpt("other", "a.wast", 1, [1]) == []


def test_html_and_json_files(tmp_path):
    results = oracle_and_engine(tmp_path)
    rep = build_report(results)
    index = rep.write_html(tmp_path / "html")
    html = index.read_text()
    assert 'data-suite="wasm-2.0"' in html and "<svg class=\"bar\"" in html
    assert 'href="files/wasm-2.0__i32.wast.html"' in html
    pages = sorted(p.name for p in (tmp_path / "html" / "files").iterdir())
    assert pages == [f"{slug('wasm-2.0', 'i32.wast')}.html", f"{slug('wasm-2.0', 'simd_lane.wast')}.html"]
    page = (tmp_path / "html" / "files" / pages[0]).read_text()
    assert 'id="L3-assert_return"' in page and "i32:3" in page
    # Self-contained: nothing fetched from elsewhere.
    for text in [html, page]:
        assert "src=\"http" not in text and "href=\"http" not in text and "<link" not in text
    rep.write_json(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["suites"][0]["counts"][1] == {"passed": 11, "failed": 2, "error": 1, "skipped": 1, "known": 0,
                                              "total": 15, "pass_rate": round(11 / 14, 6)}
    assert [f["feature"] for f in data["features"]] == ["2.0 core", "SIMD"]


def test_report_command(tmp_path, capsys):
    results = oracle_and_engine(tmp_path)
    status = main(["report", *results, "--html", str(tmp_path / "out"), "--json", str(tmp_path / "out.json")])
    out = capsys.readouterr().out
    assert status == 0
    assert "eng 1: 11 passed, 2 failed, 1 errors, 1 skipped (78.6% of 14 judged)" in out
    assert (tmp_path / "out" / "index.html").is_file() and (tmp_path / "out.json").is_file()
    assert main(["report", *results]) == 2            # neither --html nor --json
    assert main(["report", str(tmp_path / "missing.jsonl"), "--json", "-"]) == 2


def test_reports_never_import_the_oracle(tmp_path):
    results = oracle_and_engine(tmp_path)
    code = (f"import sys, reports; r = reports.build_report({list(results)!r}); r.write_html({str(tmp_path / 'h')!r});"
            "r.write_json('-');"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('oracle', 'wast_runner')]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_against_runs_show_the_reference_side(tmp_path):
    r = rec("a.wast", 4, "failed", expected=[{"type": "i32", "value": "1"}], actual=[{"type": "i32", "value": "2"}],
            diff="engine", against={"engine": "oracle", "engine_version": "dev", "outcome": "passed",
                                    "actual": [{"type": "i32", "value": "1"}]})
    rep = build_report([write(tmp_path / "x.jsonl", [r])])
    [page] = rep.pages()
    [cmd] = page.commands
    assert cmd.reference_label == "oracle dev" and cmd.reference.actual == "i32:1" and cmd.diff == "engine"
    rep.write_html(tmp_path / "h")
    html = (tmp_path / "h" / "files" / f"{page.row.slug}.html").read_text()
    assert "(reference, --against)" in html and "diff: engine" in html


def per_suite_files(tmp_path: Path) -> list[str]:
    """Two engines, each with one results file per suite (as ``reports.conformance`` runs them); the second engine
    cannot run the wide-arithmetic suite (every command skipped with the adapter's reason)."""
    why = "the engine adapter cannot load this module: the module needs wide-arithmetic, which eng cannot do"
    files = []
    for engine in ("oracle", "eng"):
        a = [rec("i32.wast", n, "failed" if engine == "eng" and n == 2 else "passed", engine, "1")
             for n in range(1, 4)]
        b = [rec("wide-arithmetic.wast", n, "skipped" if engine == "eng" else "passed", engine, "1",
                 suite="wide-arithmetic", **({"skip_reason": "engine-limitation"} if engine == "eng" else {}))
             for n in range(1, 3)]
        if engine == "eng":
            for r in b:
                r["detail"] = why
        files += [write(tmp_path / f"{engine}-2.0.jsonl", a), write(tmp_path / f"{engine}-wide.jsonl", b)]
    return files


def test_by_engine_joins_each_engines_files_into_one_column(tmp_path):
    files = per_suite_files(tmp_path)
    rep = build_report(files, by_engine=True)
    assert [r.label for r in rep.runs] == ["oracle 1", "eng 1"]
    assert rep.comparisons == []
    rows = {s.name: s for s in rep.suites}
    assert rows["wasm-2.0"].counts[1].failed == 1 and rows["wasm-2.0"].counts[0].passed == 3
    wide = rows["wide-arithmetic"].counts
    assert wide[0].not_run_reason is None and wide[1].not_run_reason.endswith("which eng cannot do")
    # Without --by-engine the same files are four columns, and the same engine's files are compared.
    assert len(build_report(files).runs) == 4
    # Labels name the engines in order.
    assert [r.label for r in build_report(files, labels=["O", "E"], by_engine=True).runs] == ["O", "E"]


def test_by_engine_refuses_overlapping_files(tmp_path):
    files = per_suite_files(tmp_path)
    with pytest.raises(ReportError, match="both hold wasm-2.0 i32.wast of engine eng"):
        build_report(files + [write(tmp_path / "again.jsonl", [rec("i32.wast", 1, "passed", "eng", "2")])],
                     by_engine=True)


def test_matrix_cells_link_to_their_failing_commands(tmp_path):
    rep = build_report(per_suite_files(tmp_path), by_engine=True)
    lists = rep.failure_lists()
    assert [(fl.run, fl.group, fl.name, fl.total) for fl in lists] == [(1, "suite", "wasm-2.0", 1),
                                                                       (1, "feature", "2.0 core", 1)]
    index = rep.write_html(tmp_path / "h").read_text()
    assert f'href="{lists[0].href}"' in index and f'href="{lists[1].href}"' in index
    assert "cannot run: all 2 skipped" in index and "needs wide-arithmetic" in index
    page = (tmp_path / "h" / lists[0].href).read_text()
    assert 'data-total="1"' in page
    assert f'href="../files/{slug("wasm-2.0", "i32.wast")}.html#L2-assert_return"' in page
    data = rep.to_json()
    wide = next(s for s in data["suites"] if s["suite"] == "wide-arithmetic")
    assert wide["counts"][1]["not_run"].endswith("which eng cannot do") and "not_run" not in wide["counts"][0]


def test_report_command_by_engine(tmp_path, capsys):
    files = per_suite_files(tmp_path)
    assert main(["report", *files, "--by-engine", "--json", str(tmp_path / "r.json")]) == 0
    assert [r["label"] for r in json.loads((tmp_path / "r.json").read_text())["runs"]] == ["oracle 1", "eng 1"]
    files.append(write(tmp_path / "again.jsonl", [rec("i32.wast", 1, "passed", "eng", "2")]))
    assert main(["report", *files, "--by-engine", "--json", "-"]) == 2       # one line, no traceback
    assert "both hold wasm-2.0 i32.wast" in capsys.readouterr().err
