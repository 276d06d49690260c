"""Running one file (a job), by its suite kind: a ``.wast`` script is converted and run through the execution
strategy; a dylink scenario file is run by ``wast_runner.dylink``. One record per command goes to ``emit``.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable

from oracle.features import Features

from ..command_hash import HashStamper
from ..convert import SCRIPT_NAME, convert
from ..dylink.suite import run_file as run_scenario_file
from ..judge.execution import Execution
from ..model import FileContext, Job, JobStats
from ..results import make_record
from ..wasi.suite import run_job as run_wasi_program

Emit = Callable[[dict], None]

#: The stack of the thread that runs a script: deep wasm recursion must end in the engine's exhaustion check,
#: never in a C stack overflow of the interpreter (which would kill the process, not raise).
SCRIPT_STACK_BYTES = 512 << 20


def run_wast(job: Job, execution: Execution, engine_version: str, emit: Emit, cache: Path | None) -> JobStats:
    """Convert and run one ``.wast`` file, emitting one record per command (or one ``convert`` record on
    failure)."""
    t0 = time.monotonic()
    path = Path(job.path)
    try:
        conv = convert(path, job.converter_flags, job.converters, cache, job.fallback_flags, job.features)
    except Exception as e:  # e.g. an unreadable file or a broken cache entry: that file's problem only
        ctx = FileContext(job.suite, job.file, execution.name, engine_version, None)
        emit(make_record(ctx, 0, "convert", "error", f"conversion failed: {type(e).__name__}: {e}"))
        return JobStats("converted", True, time.monotonic() - t0)
    ctx = FileContext(job.suite, job.file, execution.name, engine_version, conv.converter)
    conversion, convert_failed = "cached" if conv.cached else "converted", conv.error is not None
    if conv.error is not None:
        emit(make_record(ctx, 0, "convert", "error", f"conversion failed: {conv.error}"))
    else:
        try:
            commands = conv.commands()
        except Exception as e:
            emit(make_record(ctx, 0, "convert", "error", f"cannot read the converted script: {e}"))
            return JobStats(conversion, True, time.monotonic() - t0)
        # Each record gets its command's stable hash (baselines match commands by it; wast_runner.baseline).
        stamp = HashStamper(commands, conv.module_bytes).stamp
        assert conv.folder is not None
        if execution.reads_script_files():
            conv.write_module_files()   # the engine reads the converted files itself
        execution.run_script(ctx, conv.folder / SCRIPT_NAME, conv.module_bytes, commands,
                             Features.from_names(job.features), lambda r: emit(stamp(r)))
    return JobStats(conversion, convert_failed, time.monotonic() - t0, execution.take_coverage())


def run_dylink(job: Job, execution: Execution, engine_version: str, emit: Emit, cache: Path | None) -> JobStats:
    """Run one dylink scenario file with the engine under test (nothing to convert)."""
    t0 = time.monotonic()
    run_scenario_file(job.path, job.file, job.suite, execution.engine, engine_version, emit)  # type: ignore[arg-type]
    return JobStats("converted", False, time.monotonic() - t0)


#: The runner of each suite kind (``suites.SUITE_KINDS``), by name.
RUNNERS: dict[str, Callable[[Job, Execution, str, Emit, "Path | None"], JobStats]] = {
    "wast": run_wast,
    "dylink": run_dylink,
    "wasi": run_wasi_program,   # one WASI program (wast_runner.wasi.suite)
}


def run_job(job: Job, execution: Execution, engine_version: str, emit: Emit, cache: Path | None = None) -> JobStats:
    """Run one file with its kind's runner."""
    return RUNNERS[job.kind](job, execution, engine_version, emit, cache)


def run_with_big_stack(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn(*args)`` in a fresh thread with a large stack and return its result (or raise its exception)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn(*args)
        except BaseException as e:  # handed to the calling thread
            box["error"] = e

    old = threading.stack_size(SCRIPT_STACK_BYTES)
    try:
        t = threading.Thread(target=target, name="wast-script", daemon=True)
        t.start()
    finally:
        threading.stack_size(old)
    t.join()
    if "error" in box:
        raise box["error"]
    return box["result"]
