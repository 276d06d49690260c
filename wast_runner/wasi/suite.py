"""The ``wasi`` suite kind: one wasi-testsuite program per job, one results record per program
(``docs/wasi.md``, "The wasi-p1 suite").

A program runs in a fresh temporary folder: when its specification names a ``root``, that fixture folder is copied
there (``*.cleanup`` artifacts left out, made writable) and preopened as ``/``; the suite's snapshot itself is never
written. The record (kind ``program``, line 0) has ``expected`` (what the specification checks), ``actual`` (how
the program ended, its exit code, stdout and stderr, a digest of the preopened folder's final contents) and
``seconds`` (the engine's time for the program: CPU seconds for the in-process oracle, wall seconds otherwise).

With ``--against``, the program also runs on the reference engine, in its own copy of the fixture, and the record
gets ``against``, ``diff`` and ``diff_detail`` as the three-way diff of scripts has them
(``docs/results-format.md``): the engines are compared on how the program ended, exit code, stdout, stderr and the
folder's final contents.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from ..model import FileContext, Job, JobStats
from ..results import make_record
from .engines import ProgramEngine, ProgramInput, ProgramRun, make_program_engine
from .spec import ProgramSpec, SpecError, judge, load_spec

Emit = Callable[[dict], None]
KIND = "program"

_ENGINES: dict[str, ProgramEngine] = {}


def program_engine(name: str) -> ProgramEngine:
    """The program engine for a run's engine name (one per process)."""
    if name not in _ENGINES:
        _ENGINES[name] = make_program_engine(name)
    return _ENGINES[name]


def prepare_root(wasm: Path, spec: ProgramSpec, tmp: Path) -> str | None:
    """Copy the fixture folder ``spec.root`` into ``tmp`` (writable, without ``*.cleanup``); its host path."""
    if spec.root is None:
        return None
    src = (wasm.parent / spec.root).resolve()
    dest = tmp / "root"
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns("*.cleanup"))
    for folder, dirs, files in os.walk(dest):
        for name in dirs + files:
            p = os.path.join(folder, name)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if name in dirs else 0))
    os.chmod(dest, os.stat(dest).st_mode | stat.S_IWUSR)
    return str(dest)


def tree_listing(root: str | None) -> list[str]:
    """The folder's final contents, one line per entry: path, type, and size + content digest or link target."""
    if root is None:
        return []
    out = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(folder, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out.append(f"{rel} -> {os.readlink(p)}")
            elif stat.S_ISDIR(st.st_mode):
                out.append(f"{rel}/")
            else:
                data = Path(p).read_bytes()
                out.append(f"{rel} {len(data)} {hashlib.sha256(data).hexdigest()[:12]}")
    return out


def run_one(engine: ProgramEngine, wasm: Path, spec: ProgramSpec) -> tuple[ProgramRun, list[str]]:
    """Run the program once in a fresh copy of its fixture; its run and the folder's final listing."""
    with tempfile.TemporaryDirectory(prefix="wasi-p1-") as tmp:
        root = prepare_root(wasm, spec, Path(tmp))
        inp = ProgramInput(wasm, list(spec.args), dict(spec.env), [("/", root)] if root else [])
        run = engine.run(inp)
        return run, tree_listing(root)


def actual_of(run: ProgramRun, listing: list[str]) -> dict:
    out: dict[str, Any] = {"end": run.kind, "exit_code": run.exit_code,
                           "stdout": run.stdout.decode("utf-8", "replace"),
                           "stderr": run.stderr.decode("utf-8", "replace")}
    if run.message:
        out["message"] = run.message
    if listing:
        out["fs"] = hashlib.sha256("\n".join(listing).encode()).hexdigest()[:16]
    return out


def verdict(spec: ProgramSpec, run: ProgramRun, actual: dict) -> tuple[str, str]:
    if run.kind == "error":
        return "error", f"the engine failed: {run.message}"
    if run.kind == "load":
        return "failed", f"the program did not load: {run.message}"
    problems = judge(spec, actual)
    if run.kind == "trap":
        problems.insert(0, f"trapped in {run.message}")
    return ("failed", "; ".join(problems)) if problems else ("passed", "")


def program_hash(wasm: Path) -> str:
    h = hashlib.sha256(wasm.read_bytes())
    spec = wasm.with_suffix(".json")
    if spec.exists():
        h.update(spec.read_bytes())
    return h.hexdigest()[:16]


def classify(rec: dict, ref: dict, listing: list[str], ref_listing: list[str]) -> tuple[str, str]:
    """The three-way diff class of a program record (``docs/wasi.md``, "Diffing engines")."""
    a, b = rec.get("actual") or {}, ref.get("actual") or {}
    if "error" in (rec["outcome"], ref["outcome"]) or "skipped" in (rec["outcome"], ref["outcome"]):
        return "unjudged", f"{rec['outcome']} vs {ref['outcome']}"
    diffs = [k for k in ("end", "exit_code", "stdout", "stderr") if a.get(k) != b.get(k)]
    if listing != ref_listing:
        only = sorted(set(listing) ^ set(ref_listing))[:6]
        diffs.append("fs (" + ", ".join(only) + ")")
    if not diffs:
        return ("agree", "") if rec["outcome"] == "passed" else ("script", "both engines fail the same way")
    what = "differ in " + ", ".join(diffs)
    if rec["outcome"] == ref["outcome"] == "passed":
        return "allowed", what + " (nothing the specification checks)"
    if rec["outcome"] == "passed":
        return "oracle", what
    if ref["outcome"] == "passed":
        return "engine", what
    return "all-differ", what


def run_file(job: Job, engine_name: str, engine_version: str, emit: Emit,
             reference: tuple[str, str] | None = None) -> JobStats:
    """Run one program (``job.path``) on the engine ``engine_name`` (and on ``reference``: (name, version)),
    emitting its record."""
    t0 = time.monotonic()
    wasm = Path(job.path)
    ctx = FileContext(job.suite, job.file, engine_name.partition(":")[0], engine_version, None)
    try:
        h = program_hash(wasm)
        spec = load_spec(wasm)
    except (OSError, SpecError) as e:
        emit(make_record(ctx, 0, KIND, "error", f"cannot read the program's specification: {e}"))
        return JobStats("converted", False, time.monotonic() - t0)
    why = spec.unsupported()
    if why is not None:
        emit(make_record(ctx, 0, KIND, "skipped", why, skip_reason="unsupported-proposal", hash=h,
                         expected=spec.expected()))
        return JobStats("converted", False, time.monotonic() - t0)
    rec, listing = _record(ctx, engine_name, wasm, spec, h)
    if reference is not None:
        ref_ctx = FileContext(job.suite, job.file, reference[0].partition(":")[0], reference[1], None)
        ref, ref_listing = _record(ref_ctx, reference[0], wasm, spec, h)
        cls, detail = classify(rec, ref, listing, ref_listing)
        rec["against"] = {k: ref[k] for k in ("engine", "engine_version", "outcome", "detail", "actual") if k in ref}
        rec["diff"] = cls
        if detail:
            rec["diff_detail"] = detail
    emit(rec)
    return JobStats("converted", False, time.monotonic() - t0)


def run_job(job: Job, execution: Any, engine_version: str, emit: Emit, cache: Path | None = None) -> JobStats:
    """The driver's runner for the ``wasi`` suite kind (``wast_runner.drive.files.RUNNERS``): the program engine
    of the run's engine name, and with ``--against`` the reference's."""
    ref = getattr(execution, "reference", None)
    reference = (getattr(ref, "program_spec", ref.name), execution.reference_version()) if ref is not None else None
    return run_file(job, getattr(execution.engine, "program_spec", execution.name), engine_version, emit, reference)


def _record(ctx: FileContext, engine_name: str, wasm: Path, spec: ProgramSpec, h: str) -> tuple[dict, list[str]]:
    try:
        run, listing = run_one(program_engine(engine_name), wasm, spec)
    except Exception as e:   # the runner's or an adapter's bug: this program's record only
        return make_record(ctx, 0, KIND, "error", f"{type(e).__name__}: {e}", traceback=traceback.format_exc(),
                           hash=h), []
    actual = actual_of(run, listing)
    outcome, detail = verdict(spec, run, actual)
    return make_record(ctx, 0, KIND, outcome, detail, expected=spec.expected(), actual=actual, hash=h,
                       seconds=round(run.seconds, 3)), listing
