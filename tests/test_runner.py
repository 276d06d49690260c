"""Conversion and its cache, running files (inline and in worker processes), with the fake engine and the small
scripts in ``tests/data`` (converted by wast2json at test time)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers.fake_engine import FakeEngine
from wast_runner import timings
from wast_runner.convert import CONVERTERS, convert
from wast_runner.engines import ENGINES
from wast_runner.drive.files import run_job
from wast_runner.drive.jobs import path_jobs
from wast_runner.drive.run import run_jobs
from wast_runner.drive.workers import _drain, _Up, _Worker
from wast_runner.judge.execution import execution_for, make_execution
from wast_runner.model import EngineSpec, JobStats, Listener
from wast_runner.results import ResultsWriter, read_results

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.skipif(shutil.which("wast2json") is None and not CONVERTERS["wast2json"].executable,
                                reason="wast2json not installed")


@pytest.fixture
def cache(env, runner_cache, fake_engine) -> Path:
    """The runner's cache of this test (no testsuite on the search path, the fake engine registered)."""
    return runner_cache


def n_commands(wast: Path, cache: Path) -> int:
    return len(convert(wast, cache=cache).commands())


# -- conversion cache ------------------------------------------------------------------------------------------

def test_second_conversion_is_a_cache_hit(cache):
    first = convert(DATA / "pass.wast", cache=cache)
    assert first.error is None and not first.cached
    assert first.converter == f"wast2json {CONVERTERS['wast2json'].version}"
    second = convert(DATA / "pass.wast", cache=cache)
    assert second.cached and second.folder == first.folder
    assert [c.line for c in second.commands()] == [c.line for c in first.commands()]
    assert second.module_bytes("script.0.wasm")[:4] == b"\0asm"


def test_key_covers_content_and_flags(cache, tmp_path):
    src = tmp_path / "m.wast"
    src.write_text("(module)\n")
    a = convert(src, cache=cache)
    assert not convert(src, ["--disable-simd"], cache=cache).cached      # other flags: converted again
    src.write_text("(module) (module)\n")
    b = convert(src, cache=cache)
    assert not b.cached and b.folder != a.folder and len(b.commands()) == 2


def test_failures_are_cached_with_the_converters_message(cache):
    first = convert(DATA / "broken.wast", cache=cache)
    assert first.error is not None and first.folder is None and not first.cached
    assert first.error.startswith("broken.wast:2:51: error: unexpected token")
    second = convert(DATA / "broken.wast", cache=cache)
    assert second.cached and second.error == first.error


def test_fallback_converter(cache, tmp_path):
    # wabt cannot parse typed references without a flag; wasm-tools can.
    src = tmp_path / "typed.wast"
    src.write_text("(module (table 1 (ref null func)))\n")
    assert convert(src, cache=cache).error is not None
    if shutil.which("wasm-tools") is None:
        pytest.skip("wasm-tools not installed")
    conv = convert(src, converters=("wast2json", "wasm-tools"), cache=cache)
    assert conv.error is None and conv.converter.startswith("wasm-tools ")
    assert [c.kind for c in conv.commands()] == ["module"]


# -- running files ---------------------------------------------------------------------------------------------

class Collect(Listener):
    def __init__(self):
        self.records: list[dict] = []
        self.done: list[tuple[str, JobStats]] = []
        self.started: list[str] = []

    def file_started(self, index, job):
        self.started.append(job.file)

    def record(self, index, rec):
        self.records.append(rec)

    def file_done(self, index, job, stats):
        self.done.append((job.file, stats))


def outcomes(records, file):
    return [r["outcome"] for r in records if r["file"] == file]


def test_run_job_one_record_per_command(cache):
    job = path_jobs([str(DATA / "pass.wast")], converter="wast2json")[0]   # its text-form module: a skip
    assert job.file == "pass.wast" and job.suite is None
    expected = n_commands(DATA / "pass.wast", cache)
    records: list[dict] = []
    stats = run_job(job, execution_for(FakeEngine()), "0.0", records.append, cache)
    assert len(records) == expected
    assert outcomes(records, "pass.wast").count("skipped") == 1
    assert set(outcomes(records, "pass.wast")) == {"passed", "skipped"}
    assert stats.conversion == "cached"   # n_commands converted it first
    rec = records[1]
    assert rec["converter"].startswith("wast2json ") and rec["engine"] == "fake" and rec["suite"] is None


def test_fail_file_fails_every_assertion(cache):
    records: list[dict] = []
    run_job(path_jobs([str(DATA / "fail.wast")])[0], execution_for(FakeEngine()), "0.0", records.append, cache)
    assert outcomes(records, "fail.wast") == ["passed"] + ["failed"] * 12


def test_conversion_failure_is_one_convert_record(cache):
    records: list[dict] = []
    job = path_jobs([str(DATA / "broken.wast")], converter="wast2json")[0]
    stats = run_job(job, execution_for(FakeEngine()), "0.0", records.append, cache)
    assert len(records) == 1 and stats.convert_failed
    r = records[0]
    assert (r["kind"], r["outcome"], r["line"], r["id"]) == ("convert", "error", 0, "broken.wast:0:convert")
    assert "unexpected token" in r["detail"]


def test_folder_paths_are_relative_to_the_folder(cache):
    jobs = path_jobs([str(DATA)], excludes=["broken.wast"])
    files = [j.file for j in jobs]
    assert "crash/crash.wast" in files and "pass.wast" in files and "broken.wast" not in files


@pytest.mark.parametrize("workers", [1, 3])
def test_run_jobs_inline_and_parallel_give_the_same_records(cache, workers):
    jobs = path_jobs([str(DATA / n) for n in ("pass.wast", "fail.wast", "errors.wast", "broken.wast")])
    c = Collect()
    run_jobs(jobs, EngineSpec("fake"), c, workers=workers, cache=cache)
    assert sorted(f for f, _ in c.done) == sorted(j.file for j in jobs)
    assert outcomes(c.records, "errors.wast") == ["passed", "error", "passed", "error", "failed"]
    by_file = {j.file: [r["line"] for r in c.records if r["file"] == j.file] for j in jobs}
    assert by_file["pass.wast"] == sorted(by_file["pass.wast"])       # each file's records in order
    assert len(c.records) == (n_commands(DATA / "pass.wast", cache) + n_commands(DATA / "fail.wast", cache)
                              + n_commands(DATA / "errors.wast", cache) + 1)


def test_a_dying_worker_costs_only_its_file(cache):
    jobs = path_jobs([str(DATA / "crash" / "crash.wast"), str(DATA / "pass.wast"), str(DATA / "fail.wast")])
    c = Collect()
    run_jobs(jobs, EngineSpec("fake"), c, workers=2, cache=cache)
    crash = [r for r in c.records if r["file"] == "crash/crash.wast"]
    assert [r["outcome"] for r in crash] == ["passed", "passed", "error"]
    assert crash[-1]["kind"] == "script" and "worker process died (exit code 3) after line 3" in crash[-1]["detail"]
    assert outcomes(c.records, "pass.wast").count("passed") > 20
    assert outcomes(c.records, "fail.wast").count("failed") == 12


def test_parallel_scheduling_uses_last_timings(cache):
    jobs = path_jobs([str(DATA / "pass.wast"), str(DATA / "fail.wast")])
    run_jobs(jobs, EngineSpec("fake"), Collect(), workers=2, cache=cache)
    saved = timings.load(cache)
    assert set(saved) == {j.path for j in jobs}
    paths = [j.path for j in jobs]
    assert timings.slowest_first(paths, {paths[0]: 1.0, paths[1]: 5.0}) == [1, 0]


def test_engine_options_reach_the_factory(cache):
    seen = []

    def factory(options):
        seen.append(options)
        return FakeEngine(options)

    ENGINES["probe"] = factory
    try:
        make_execution(EngineSpec("probe:a=1,b", 77))
    finally:
        del ENGINES["probe"]
    assert seen[0].args == "a=1,b" and seen[0].max_call_depth == 77


def test_results_are_json_lines_with_the_documented_keys(cache, tmp_path):
    records: list[dict] = []
    run_job(path_jobs([str(DATA / "pass.wast")])[0], execution_for(FakeEngine()), "0.0", records.append, cache)
    out = tmp_path / "r.jsonl"
    with ResultsWriter(out) as w:
        for r in records:
            w.write(r)
    back = list(read_results(out))
    assert back == json.loads(json.dumps(records))
    required = {"suite", "file", "line", "kind", "id", "engine", "engine_version", "converter", "outcome", "detail"}
    assert all(required <= set(r) for r in back)
    ar = next(r for r in back if r["kind"] == "assert_return")
    assert {"expected", "actual", "action"} <= set(ar)
    # an interrupted run leaves a partial last line: readers skip it
    with open(out, "a") as f:
        f.write('{"suite": nu')
    assert len(list(read_results(out))) == len(records)


def test_an_interrupted_parallel_run_passes_on_what_was_already_sent():
    """Records a worker wrote but the parent had not handled when Ctrl-C came -- read and queued, or still in the
    pipe -- reach the listener before the run stops (wast_runner.drive.workers._drain)."""
    import multiprocessing as mp
    from collections import deque
    from types import SimpleNamespace
    reader, writer = mp.Pipe(duplex=False)
    up = _Up(writer)
    up.record(0, {"line": 1, "outcome": "passed"})
    up.summary(0, {"line": 2, "outcome": "failed"}, lines=False)
    up.send(("done", 0, None))
    writer.close()
    w = object.__new__(_Worker)
    w.up, w.buffer, w.proc = reader, bytearray(), SimpleNamespace(is_alive=lambda: False)
    w.pending = deque([("rec", 0, {"line": 0, "outcome": "passed"})])   # read before the interruption
    got = []

    class Listen(Listener):
        def record(self, index, rec):
            got.append(("rec", rec["line"]))

        def summary(self, index, outcome, skip_reason, line):
            got.append(("sum", outcome))

    _drain(w, Listen())
    assert got == [("rec", 0), ("rec", 1), ("sum", "failed")]
