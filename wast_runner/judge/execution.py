"""Execution strategies: how one converted script runs, chosen once per run from the ``EngineSpec``.

``make_execution`` makes the engine(s) the spec names and returns the strategy that fits them: ``Stepwise`` (an
engine driven command by command, with the other relaxed choices' outcomes when the engine can make variants),
``WholeScript`` (an engine that runs whole scripts, ``engines.base.ScriptEngine``) or ``Against`` (``--against``:
both engines in lockstep, the three-way diff). The driver only calls the strategy's methods; which strategy, and
what it uses, is decided here, from the engines' declared capabilities.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable

from oracle.features import Features

from ..commands import Command
from ..engines import make_engine
from ..engines.base import COVERAGE, WHOLE_SCRIPT, AnyEngine, CoverageSource, EngineFailure, EngineSpecError, has
from ..model import EngineSpec, FileContext
from ..script import ScriptRun, script_engine_records
from .diff import run_pair
from .relaxed import RelaxedExplorer

Emit = Callable[[dict], None]


class Execution(ABC):
    """One run's way of executing scripts; ``engine`` is the engine under test (scenario files of other suite
    kinds, e.g. dylink, drive it directly)."""

    def __init__(self, engine: AnyEngine, strict_stages: bool = False):
        self.engine = engine
        self.name = engine.name
        self.strict_stages = strict_stages

    def version(self) -> str:
        return self.engine.version()

    def reads_script_files(self) -> bool:
        """Whether an engine of this run reads the converted script and its module files itself (one declaring
        ``WHOLE_SCRIPT``), so the module files must exist on disk, not only in a conversion's pack."""
        return has(self.engine, WHOLE_SCRIPT)

    @abstractmethod
    def run_script(self, ctx: FileContext, json_path: Path, module_bytes: Callable[[str], bytes],
                   commands: list[Command], features: Features, emit: Emit) -> None:
        """Run a converted script (``json_path``, its parsed ``commands``), emitting one record per command."""

    def take_coverage(self) -> dict | None:
        """The engine's coverage of the file just run (``--coverage``), None when it collects none."""
        return self.engine.take_coverage() if has(self.engine, COVERAGE) else None  # type: ignore[union-attr]

    def close(self) -> None:
        self.engine.close()


class Stepwise(Execution):
    """An ``Engine`` driven command by command; with ``RELAXED_VARIANTS``, each record of a command that reached
    relaxed operations lists the outcomes other choices of the parameters give (``judge.relaxed``)."""

    def run_script(self, ctx: FileContext, json_path: Path, module_bytes: Callable[[str], bytes],
                   commands: list[Command], features: Features, emit: Emit) -> None:
        run = ScriptRun(self.engine, ctx, module_bytes, strict_stages=self.strict_stages)  # type: ignore[arg-type]
        explorer = RelaxedExplorer.for_engine(self.engine, ctx, module_bytes, commands, features)
        run.start(features)
        for k, cmd in enumerate(commands):
            rec = run.step(cmd)
            if explorer is not None and run.failure is None:
                explorer.explore(k, cmd, rec)
            emit(rec)


class WholeScript(Execution):
    """A ``ScriptEngine``: the whole script at once, one verdict per command."""

    def run_script(self, ctx: FileContext, json_path: Path, module_bytes: Callable[[str], bytes],
                   commands: list[Command], features: Features, emit: Emit) -> None:
        for rec in script_engine_records(self.engine, ctx, json_path, commands, features):  # type: ignore[arg-type]
            emit(rec)


class Against(Execution):
    """The engine under test and a reference in lockstep; every record classified (``judge.diff``)."""

    def __init__(self, primary: AnyEngine, reference: AnyEngine, strict_stages: bool = False):
        super().__init__(primary, strict_stages)
        self.reference = reference
        self._reference_version: str | None = None

    def reference_version(self) -> str:
        if self._reference_version is None:
            self._reference_version = self.reference.version()
        return self._reference_version

    def run_script(self, ctx: FileContext, json_path: Path, module_bytes: Callable[[str], bytes],
                   commands: list[Command], features: Features, emit: Emit) -> None:
        ref_ctx = FileContext(ctx.suite, ctx.file, self.reference.name, self.reference_version(), ctx.converter)
        run_pair(self.engine, self.reference, ref_ctx, ctx, json_path, module_bytes, commands, features, emit,
                 self.strict_stages)

    def reads_script_files(self) -> bool:
        return has(self.engine, WHOLE_SCRIPT) or has(self.reference, WHOLE_SCRIPT)

    def take_coverage(self) -> dict | None:
        return None   # coverage is refused with --against (make_execution)

    def close(self) -> None:
        try:
            self.engine.close()
        finally:
            self.reference.close()


def execution_for(engine: AnyEngine, strict_stages: bool = False) -> Execution:
    """The strategy for one engine: whole scripts when it declares ``WHOLE_SCRIPT``, else command by command."""
    return WholeScript(engine) if has(engine, WHOLE_SCRIPT) else Stepwise(engine, strict_stages)


def make_execution(spec: EngineSpec) -> Execution:
    """Make the engine(s) ``spec`` names and the strategy that runs scripts with them."""
    engine = make_engine(spec.spec, spec.max_call_depth, spec.timeout, spec.strict_messages)
    execution: Execution
    if spec.against is not None:
        try:
            reference = make_engine(spec.against, spec.max_call_depth, spec.timeout)
        except BaseException:
            engine.close()
            raise
        execution = Against(engine, reference, spec.strict_stages)
    else:
        execution = execution_for(engine, spec.strict_stages)
    if spec.coverage:
        if spec.against is not None or not has(engine, COVERAGE):
            execution.close()
            raise EngineSpecError(f"engine {spec.name!r} does not collect coverage (the oracle does)")
        source: CoverageSource = engine  # type: ignore[assignment]
        source.start_coverage()
    return execution


def start_execution(spec: EngineSpec) -> tuple[Execution, str]:
    """``make_execution`` and the engine's version, which starts an out-of-process engine: an engine that cannot
    be started is an ``EngineSpecError`` (one line for the user, no traceback), saying what it printed last."""
    execution = make_execution(spec)
    try:
        return execution, execution.version()
    except EngineFailure as e:
        execution.close()
        said = [line.strip() for line in e.output.splitlines() if line.strip()]
        tail = f" (it printed: {said[-1][:200]})" if said else ""
        raise EngineSpecError(f"cannot start engine {spec.spec!r}: {e.message}{tail}") from None
