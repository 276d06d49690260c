"""The ``wast-runner`` command line, with the fake engine (and once with the oracle) on ``tests/data``."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.fake_engine import FakeEngine
from wast_runner.cli import main
from wast_runner.engines import ENGINES

DATA = Path(__file__).parent / "data"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")
PASS, FAIL = str(DATA / "pass.wast"), str(DATA / "fail.wast")


#: Every test: its own runner cache, no testsuite on the search path, the fake engine (conftest fixtures).
pytestmark = pytest.mark.usefixtures("env", "fake_engine")


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    status = main(["run", "--engine", "fake", *args])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def summary(lines: list[str]) -> tuple[int, int, int]:
    m = SUMMARY.match(lines[-1])
    assert m, lines[-1]
    return tuple(map(int, m.groups()))


def test_passing_file_exit_0_and_exact_summary(capsys):
    status, out, err = run(capsys, PASS, "--converter", "wast2json")   # the external converter's skip path
    assert status == 0
    passed, failed, skipped = summary(out)
    assert failed == 0 and skipped == 1 and passed > 20
    assert "skipped: 1 modules in text form (no text parser)" in out
    assert "[1/1] pass.wast:" in err   # one progress line per file when stderr is not a terminal


def test_failures_exit_1(capsys):
    status, out, _ = run(capsys, PASS, FAIL)
    assert status == 1
    assert summary(out)[1] == 12


def test_second_run_converts_nothing(capsys):
    run(capsys, PASS, FAIL)
    _, out, _ = run(capsys, PASS, FAIL)
    assert any(line.startswith("files: 2; conversions: 0 converted, 2 from cache, 0 failed") for line in out)


def test_errors_count_as_failed_and_conversion_failures_are_reported(capsys, env):
    results = env / "r.jsonl"
    status, out, _ = run(capsys, str(DATA / "errors.wast"), str(DATA / "broken.wast"), "--results", str(results),
                         "--converter", "wast2json")   # broken.wast is a conversion failure for wast2json
    assert status == 1
    assert summary(out) == (2, 4, 0)
    assert "errors: 3 (counted as failed)" in out
    recs = [json.loads(line) for line in results.read_text().splitlines()]
    convert = [r for r in recs if r["file"] == "broken.wast"]
    assert len(convert) == 1 and convert[0]["kind"] == "convert" and convert[0]["outcome"] == "error"


def test_results_file_one_record_per_command(capsys, env):
    results = env / "out" / "r.jsonl"
    run(capsys, PASS, "--results", str(results), "-j", "2")
    recs = [json.loads(line) for line in results.read_text().splitlines()]
    from wast_runner.convert import convert
    assert len(recs) == len(convert(DATA / "pass.wast").commands())
    assert {r["engine"] for r in recs} == {"fake"} and {r["file"] for r in recs} == {"pass.wast"}


@pytest.mark.parametrize("fail_list", [False, True], ids=["summaries", "whole-records"])
def test_parallel_runs_write_what_a_single_process_writes(capsys, env, fail_list):
    """-j 2 sends summaries and encoded lines (or, with a fail list, whole records) to the parent: the results
    file and the summary are those of -j 1, record for record."""
    files = [str(DATA / "pass.wast"), str(DATA / "fail.wast"), str(DATA / "errors.wast"), str(DATA / "broken.wast")]
    extra = []
    if fail_list:
        (env / "fails.txt").write_text("fail.wast:10:assert_return\n")
        extra = ["--fail-list", str(env / "fails.txt")]
    runs = []
    for jobs in ("1", "2"):
        results = env / f"r{jobs}.jsonl"
        status, out, _ = run(capsys, *files, "--results", str(results), "-j", jobs, *extra)
        records = sorted((json.loads(x) for x in results.read_text().splitlines()),
                         key=lambda r: (r["file"], r["line"], r["kind"]))
        runs.append((status, summary(out), records))
    assert runs[0] == runs[1]
    assert runs[0][1][1] > 0 and len(runs[0][2]) > 30
    assert any(r.get("listed") for r in runs[0][2]) == fail_list


def test_a_dying_worker_in_a_summarised_run(capsys, env):
    """-j 2 writing a results file (workers send summaries and encoded lines): a worker that dies keeps the
    records it finished, its file gets an error record, and the file it had queued runs on another worker."""
    results = env / "r.jsonl"
    status, out, _ = run(capsys, str(DATA / "crash" / "crash.wast"), PASS, FAIL, "--results", str(results),
                         "-j", "2")
    recs = [json.loads(x) for x in results.read_text().splitlines()]
    crash = [r for r in recs if r["file"] == "crash/crash.wast"]
    assert [r["outcome"] for r in crash] == ["passed", "passed", "error"]
    assert "worker process died (exit code 3) after line 3" in crash[-1]["detail"]
    assert sum(r["file"] == "pass.wast" and r["outcome"] == "passed" for r in recs) > 20
    assert sum(r["file"] == "fail.wast" and r["outcome"] == "failed" for r in recs) == 12
    assert status == 1 and summary(out)[1] == 13


def test_fail_list_known_failures_and_stale_entries(capsys, env):
    results = env / "r.jsonl"
    run(capsys, FAIL, "--results", str(results))
    failing = [json.loads(x)["id"] for x in results.read_text().splitlines() if '"failed"' in x]
    assert len(failing) == 12
    fl = env / "fails.txt"
    fl.write_text("# known failures\n" + "\n".join(failing) + "\n\n")
    status, out, _ = run(capsys, FAIL, "--fail-list", str(fl), "--results", str(results))
    assert status == 0
    assert out[-2] == f"known failures: 12 (listed in {fl})"
    assert summary(out) == (1, 0, 0)
    rec = next(json.loads(x) for x in results.read_text().splitlines() if failing[0] in x)
    assert rec["outcome"] == "failed" and rec["listed"] is True and "known failure" in rec["detail"]
    # a listed command that passes makes the run fail
    fl.write_text("\n".join(failing) + "\nfail.wast:2:module  # passes\n")
    status, out, _ = run(capsys, FAIL, "--fail-list", str(fl))
    assert status == 1
    assert f"listed as failing but passes: remove it from {fl}: fail.wast:2:module" in out
    assert summary(out) == (1, 0, 0)


def test_bad_fail_list_is_a_usage_error(capsys, env):
    fl = env / "bad.txt"
    fl.write_text("just-a-name\n")
    status, _, err = run(capsys, PASS, "--fail-list", str(fl))
    assert status == 2 and "expected file:line:kind" in err


def test_exclude(capsys):
    status, out, err = run(capsys, str(DATA), "--exclude", "crash/*", "--exclude", "errors.wast",
                           "--exclude", "broken.wast", "--exclude", "fail.wast")
    assert status == 0 and "files: 1;" in out[0]


def test_max_call_depth_and_engine_args_reach_the_engine(capsys, monkeypatch):
    seen = []

    def factory(options):
        seen.append(options)
        return FakeEngine(options)

    monkeypatch.setitem(ENGINES, "probe", factory)
    assert main(["run", "--engine", "probe:x=1", "--max-call-depth", "300", PASS, "-q"]) == 0
    assert seen[0].max_call_depth == 300 and seen[0].args == "x=1"


@pytest.mark.parametrize("args,message", [
    (["--suite", "nope"], "unknown suite 'nope'; known suites: "),
    (["--suite", "wasm-2.0"], "not found; looked in:"),
    (["--engine", "nope", PASS], "unknown engine 'nope'; known engines: "),
    ([], "nothing to run"),
    (["/no/such/file.wast"], "no such file or folder"),
    (["--features", "teleport", PASS], "unknown feature(s) teleport"),
])
def test_usage_errors_exit_2_without_traceback(capsys, args, message):
    status = main(["run", *args])
    _, err = capsys.readouterr()
    assert status == 2
    assert message in err and "Traceback" not in err


def test_suites_list(capsys, env, monkeypatch):
    commit = "b592bd4ba39951ed28cbdf71ba7267dc846f3cf8"
    (env / "ts" / commit).mkdir(parents=True)
    (env / "ts" / commit / "a.wast").write_text("(module)")
    monkeypatch.setenv("WAST_TESTSUITE_PATH", str(env / "ts"))
    assert main(["suites", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["NAME", "COMMIT", "FILES", "WHERE"]
    row = next(line for line in out if line.startswith("wasm-2.0 "))
    assert row.split()[1:4] == [commit, "1", str((env / "ts" / commit).resolve())]
    row = next(line for line in out if line.startswith("wasm-3.0 "))
    assert "not found (wast-runner suites fetch wasm-3.0)" in row


def test_suites_fetch_unknown_name(capsys):
    assert main(["suites", "fetch", "nope"]) == 2
    assert "known suites" in capsys.readouterr().err


def test_python_dash_m(env):
    out = subprocess.run([sys.executable, "-m", "wast_runner", "suites", "list"], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent, env={**os.environ})
    assert out.returncode == 0 and "wasm-2.0" in out.stdout


def test_oracle_end_to_end(capsys, env):
    results = env / "o.jsonl"
    status = main(["run", PASS, FAIL, "--results", str(results), "-q"])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    recs = [json.loads(line) for line in results.read_text().splitlines()]
    by_file = {f: [r["outcome"] for r in recs if r["file"] == f] for f in ("pass.wast", "fail.wast")}
    # The native reader (the default) judges pass.wast's text-form module too: nothing skipped.
    assert set(by_file["pass.wast"]) == {"passed"}, [r for r in recs if r["outcome"] == "failed"]
    assert by_file["fail.wast"] == ["passed"] + ["failed"] * 12
    assert summary(out) == (len(by_file["pass.wast"]) + 1, 12, 0)   # and fail.wast's module
    assert {r["converter"].split()[0] for r in recs} == {"oracle"}
