"""JUnit XML (``run --junit``, ``wast-runner junit``, ``gate --junit``): parses, and its counts are the results'."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from wast_runner.baseline import Baseline, Entry, gate
from wast_runner.cli import main
from wast_runner.junit import junit_tree
from wast_runner.results import read_results

SCRIPT = """(module (func (export "one") (result i32) (i32.const 1))
  (func (export "trap") (unreachable)))
(assert_return (invoke "one") (i32.const 1))
(assert_return (invoke "one") (i32.const 2))
(assert_trap (invoke "trap") "unreachable")
(assert_trap (invoke "one") "unreachable")
(assert_malformed (module quote "(func") "unexpected end")
"""


#: Every test: its own runner cache, no testsuite on the search path (conftest ``env``).
pytestmark = pytest.mark.usefixtures("env")


def counts(root: ET.Element) -> dict[str, int]:
    return {k: int(root.get(k)) for k in ("tests", "failures", "errors", "skipped")}


def outcomes(results: str) -> dict[str, int]:
    c = Counter(r["outcome"] for r in read_results(results))
    return {"tests": sum(c.values()), "failures": c["failed"], "errors": c["error"], "skipped": c["skipped"]}


def test_run_junit_counts_match_results(tmp_path, capsys):
    (tmp_path / "a.wast").write_text(SCRIPT)
    (tmp_path / "b.wast").write_text(SCRIPT.replace("(i32.const 2)", "(i32.const 1)"))
    results, xml = str(tmp_path / "r.jsonl"), str(tmp_path / "junit.xml")
    assert main(["run", str(tmp_path / "a.wast"), str(tmp_path / "b.wast"), "-q", "--results", results,
                 "--junit", xml, "--converter", "wast2json"]) == 1   # its text-form module: a skip
    root = ET.parse(xml).getroot()
    assert root.tag == "testsuites"
    assert counts(root) == outcomes(results) == {"tests": 12, "failures": 3, "errors": 0, "skipped": 2}
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["a.wast", "b.wast"]
    assert sum(int(s.get("tests")) for s in suites) == 12
    a = suites[0]
    assert counts(a) == {"tests": 6, "failures": 2, "errors": 0, "skipped": 1}
    cases = a.findall("testcase")
    assert [c.get("line") for c in cases] == ["1", "3", "4", "5", "6", "7"]
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["line 4: assert_return one", "line 6: assert_trap one"]
    assert all(c.get("classname") == "a.wast" and c.get("file") == "a.wast" for c in cases)
    text = failed[0].find("failure").text
    assert "expected i32:2" in text and "actual:" in text

    # After the fact, from the results file: the same document.
    again = str(tmp_path / "again.xml")
    assert main(["junit", results, "-o", again]) == 0
    assert counts(ET.parse(again).getroot()) == counts(root)


def test_baselined_failures_are_skipped_with_the_reason(tmp_path, capsys):
    (tmp_path / "a.wast").write_text(SCRIPT)
    results, base, xml = str(tmp_path / "r.jsonl"), str(tmp_path / "b.json"), str(tmp_path / "j.xml")
    main(["run", str(tmp_path / "a.wast"), "-q", "--results", results, "--converter", "wast2json"])
    main(["baseline", results, "-o", base])
    assert main(["gate", results, "--baseline", base, "--junit", xml]) == 0
    root = ET.parse(xml).getroot()
    assert counts(root) == {"tests": 6, "failures": 0, "errors": 0, "skipped": 3}
    skipped = [c.find("skipped").get("message") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert sum(m.startswith("expected failure (baseline)") for m in skipped) == 2


def test_errors_tracebacks_and_unprintable_text():
    base = {"suite": "s", "file": "x/y.wast", "engine": "e", "engine_version": "1"}
    records = [
        {**base, "line": 3, "kind": "assert_return", "outcome": "error", "detail": "exception in the engine: boom",
         "traceback": "Traceback...\nValueError: boom", "action": {"type": "invoke", "field": "f\x00\x01"}},
        {**base, "line": 0, "kind": "convert", "outcome": "error", "detail": "conversion failed:\nline 2"},
        {**base, "line": 5, "kind": "module", "outcome": "passed", "detail": ""},
        {**base, "line": 7, "kind": "module", "outcome": "failed", "detail": "listed", "listed": True},
    ]
    data = ET.tostring(junit_tree(records).getroot(), encoding="unicode")
    root = ET.fromstring(data)                   # well-formed despite the control characters
    assert counts(root) == {"tests": 4, "failures": 0, "errors": 2, "skipped": 1}
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "s/x/y.wast"
    errs = [c.find("error") for c in suite.iter("testcase") if c.find("error") is not None]
    assert "ValueError: boom" in errs[1].text or "ValueError: boom" in errs[0].text
    assert suite.find("testcase").get("name") == "line 0: convert"   # sorted by line


def test_fixed_commands_say_so():
    records = [{"suite": "s", "file": "a.wast", "line": 1, "kind": "module", "hash": "h", "outcome": "passed",
                "engine": "e", "detail": ""}]
    res = gate(records, Baseline([Entry("s", "a.wast", 1, "module", "h")], engine="e"))
    root = junit_tree(records, gate=res).getroot()
    assert "update the baseline" in root.find("testsuite/testcase/system-out").text
    assert counts(root) == {"tests": 1, "failures": 0, "errors": 0, "skipped": 0}
