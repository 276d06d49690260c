"""pytest plugin: ``.wast`` scripts as test items, one item per file.

    pytest path/to/file.wast ...                 the files named on the command line
    pytest --wast-suite wasm-2.0 [-n auto]       every file of a suite (repeatable)

Options: ``--wast-engine NAME[:ARGS]`` (default ``oracle``), ``--wast-fail-list FILE`` (same semantics as
``wast-runner run --fail-list``), ``--wast-max-call-depth N``, ``--wast-baseline FILE [--wast-strict]`` (as
``wast-runner run --baseline``: baselined failures do not fail an item). An item fails when a command of its file fails
(listed known failures excepted) or when a listed command passes; the report names every such command with its
file and line. Only ``.wast`` files given explicitly are collected, so data files under ``tests/`` are never picked
up by a plain ``pytest``. Works with pytest-xdist: every worker collects the same items and runs its own engine.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .baseline import Baseline, gate
from .convert import CONVERTERS
from .drive.files import run_job, run_with_big_stack
from .drive.jobs import path_jobs, suite_jobs
from .engines import ENGINES, parse_engine_spec
from .engines.base import EngineSpecError
from .fail_list import FailList, is_known_failure
from .judge.execution import Execution, start_execution
from .model import EngineSpec, Job
from .suites import SuiteError

_JOBS = pytest.StashKey[dict]()          # resolved path -> Job
_SETTINGS = pytest.StashKey[dict]()
_ENGINES: dict[tuple[str, Any], tuple[Execution, str]] = {}  # one engine per process and spec, made on first use


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wast", "WebAssembly .wast scripts (wast-runner)")
    group.addoption("--wast-suite", action="append", default=[], metavar="NAME",
                    help="collect every .wast file of a suite (repeatable); see `wast-runner suites list`")
    group.addoption("--wast-engine", default="oracle", metavar="NAME[:ARGS]", help="engine to run (default oracle)")
    group.addoption("--wast-converter", metavar="NAME", default=None,
                    help="read the scripts with this converter (oracle, wast2json, wasm-tools) instead of the "
                         "suite manifests' choice (oracle, the native reader, unless a manifest says otherwise)")
    group.addoption("--wast-fail-list", metavar="FILE", help="commands known to fail (file:line:kind per line)")
    group.addoption("--wast-max-call-depth", type=int, metavar="N", help="call depth budget of the engine")
    group.addoption("--wast-baseline", metavar="FILE",
                    help="commands expected to fail (`wast-runner baseline`): an item fails only on others")
    group.addoption("--wast-strict", action="store_true",
                    help="with --wast-baseline: an item also fails when a baselined command passes")


def _explicit_wast_args(config: pytest.Config) -> list[str]:
    base = Path(config.invocation_params.dir)
    out = []
    for arg in config.args:
        path = arg.split("::", 1)[0]
        if path.endswith(".wast"):
            p = Path(path) if Path(path).is_absolute() else base / path
            if p.is_file():
                out.append(str(p))
    return out


def pytest_configure(config: pytest.Config) -> None:
    jobs: dict[str, Job] = {}
    try:
        converter = config.getoption("wast_converter")
        if converter is not None and converter not in CONVERTERS:
            raise SuiteError(f"unknown converter {converter!r}; known: {', '.join(sorted(CONVERTERS))}")
        for job in path_jobs(_explicit_wast_args(config), converter=converter):
            jobs[job.path] = job
        suite_files = []
        for name in config.getoption("wast_suite"):
            for job in suite_jobs(name, converter=converter):
                jobs.setdefault(job.path, job)
                suite_files.append(job.path)
        fail_list = config.getoption("wast_fail_list")
        fail_ids = FailList.load(fail_list).ids if fail_list else None
        baseline_path = config.getoption("wast_baseline")
        baseline = Baseline.load(baseline_path) if baseline_path else None
        engine_name = parse_engine_spec(config.getoption("wast_engine"))[0]
        if jobs and engine_name not in ENGINES:
            raise EngineSpecError(f"unknown engine {engine_name!r}; known engines: {', '.join(sorted(ENGINES))}")
    except (SuiteError, EngineSpecError) as e:
        raise pytest.UsageError(str(e)) from None
    if suite_files:
        # Suite files become collection arguments. If the arguments only came from ``testpaths`` (nothing was
        # named on the command line), the suite replaces them: ``pytest --wast-suite X`` runs just the suite.
        explicit = config.args_source == pytest.Config.ArgsSource.ARGS
        present = {str(Path(a.split("::", 1)[0]).resolve()) for a in config.args} if explicit else set()
        config.args = (list(config.args) if explicit else []) + [p for p in suite_files if p not in present]
    config.stash[_JOBS] = jobs
    config.stash[_SETTINGS] = {
        "engine": EngineSpec(config.getoption("wast_engine"), config.getoption("wast_max_call_depth")),
        "fail_list": fail_list, "fail_ids": fail_ids,
        "baseline": baseline, "strict": config.getoption("wast_strict"),
    }


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".wast", ".toml"):  # .toml: dylink scenario files (jobs of kind "dylink")
        return None
    jobs = parent.config.stash.get(_JOBS, {})
    job = jobs.get(str(file_path.resolve()))
    if job is None:
        return None  # not named on the command line nor part of a requested suite
    if job.suite is not None:
        # Suite files live outside the project: name them by suite and suite-relative path, so node IDs are
        # readable and do not collide between suites holding files of the same name.
        return WastFile.from_parent(parent, path=file_path, job=job, nodeid=f"{job.suite}/{job.file}")
    return WastFile.from_parent(parent, path=file_path, job=job)


class WastFile(pytest.File):
    def __init__(self, *, job: Job, **kwargs: Any):
        super().__init__(**kwargs)
        self.job = job

    def collect(self):
        yield WastItem.from_parent(self, name=Path(self.job.file).name, job=self.job)


class WastCommandsFailed(Exception):
    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


class WastItem(pytest.Item):
    def __init__(self, *, job: Job, **kwargs: Any):
        super().__init__(**kwargs)
        self.job = job

    def _engine(self) -> tuple[Execution, str]:
        spec: EngineSpec = self.config.stash[_SETTINGS]["engine"]
        key = (spec.spec, spec.max_call_depth)
        if key not in _ENGINES:
            try:
                _ENGINES[key] = start_execution(spec)
            except EngineSpecError as e:
                raise pytest.UsageError(str(e)) from None
        return _ENGINES[key]

    def runtest(self) -> None:
        engine, version = self._engine()
        settings = self.config.stash[_SETTINGS]
        records: list[dict] = []
        run_with_big_stack(run_job, self.job, engine, version, records.append, None)
        fail_ids = settings["fail_ids"]
        if fail_ids is not None:
            fl = FailList(settings["fail_list"], fail_ids)
            records = [fl.apply(r) for r in records]
        bad = [r for r in records if r["outcome"] in ("failed", "error") and not is_known_failure(r)]
        stale = [r for r in records if r.get("listed") and r["outcome"] == "passed"]
        if settings["baseline"] is not None:   # the baseline's verdicts (wast_runner.baseline)
            res = gate(records, settings["baseline"])
            bad = [r for r in bad if res.verdict(r) != "expected"]
            if settings["strict"]:
                stale += [r for r, _ in res.fixed]
        counts = {o: sum(r["outcome"] == o for r in records) for o in ("passed", "failed", "error", "skipped")}
        self.user_properties.append(("wast_counts", counts))
        if bad or stale:
            lines = [f"{self.job.file}: {len(bad)} of {len(records)} commands failed"
                     + (f", {len(stale)} listed as failing but pass" if stale else "")]
            for r in bad + stale:
                lines.append(f"{self.job.path}:{r['line']}: {r['kind']}: {r['outcome']}: {r['detail']}")
            raise WastCommandsFailed(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, WastCommandsFailed):
            return "\n".join(excinfo.value.lines)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"wast: {self.job.file}"
