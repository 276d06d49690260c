"""The dylink suite: scenario files, and running them with the oracle's loader or lowered onto any engine.

A scenario file (TOML, ``suites/dylink/scenarios/*.toml``; the format is documented in ``docs/dylink.md``) holds
one or more ``[[program]]`` tables -- a main module, search folders, and either an expected load error or
``[[program.step]]`` invocations with expected results or traps. Running a file emits the same results records
as ``.wast`` commands (``wast_runner.results``): one ``load`` (or ``assert_load_error``) record per program, then
one record per step (``assert_return``, ``assert_trap`` or ``action``), each with the line of its table header.

Linking modes (the ``linking`` key of every record):

* ``native``: the oracle's dynamic loader (``oracle.dylink``); the default with ``--engine oracle``;
* ``lowered``: the link plan lowered to plain ``load``/``register``/``invoke`` commands on any ``Engine``
  (``wast_runner.dylink.lower``); the default for every other engine. ``WAST_DYLINK_LINKING=lowered`` selects it
  for the oracle too (the oracle then runs as a plain core engine);
* ``toywasm``: toywasm's own loader through its command line (``wast_runner.dylink.toywasm``;
  ``WAST_DYLINK_LINKING=toywasm``, ``WAST_TOYWASM=/path/to/toywasm``).
"""
from __future__ import annotations

import os
import traceback
from typing import Any, Callable, Sequence

from oracle import embedding
from oracle.dylink.errors import DylinkError
from oracle.dylink.loader import link
from oracle.dylink.plan import LinkPlan, function_type, make_plan
from oracle.dylink.program import discover
from oracle.errors import Exhaustion, Trap
from oracle.features import ALL_FEATURES
from oracle.runtime.values import MASK32, MASK64
from oracle.syntax.types import FuncType

from ..engines.base import WHOLE_SCRIPT, Arg, Engine, Exhausted, NotFound, Returned, Trapped, has
from ..engines.oracle import default_machine
from ..model import FileContext
from ..results import make_record
from ..values import encode_value, render
from .lower import EngineCannot, lower
from .scenario import REQUIREMENTS, ProgramCase, Scenario, ScenarioError, Step, coerce, load_scenario, same_value
from .toywasm import TOYWASM_ENV, run_program_toywasm

Emit = Callable[[dict], None]

LINKING_ENV = "WAST_DYLINK_LINKING"
LINKING_MODES = ("native", "lowered", "toywasm")

# -- sessions: a loaded program, however it was linked -----------------------------------------------------------

class NativeSession:
    """A program loaded by the oracle's own loader."""

    def __init__(self, plan: LinkPlan):
        self.plan = plan
        # The same machine as the oracle engine's: the runner's default choice.
        self.loaded = link(plan, embedding.store_init(machine=default_machine()))

    def call(self, index: int, export: str, args: Sequence[Arg]):
        func = self.loaded.instances[index].exports[export]
        try:
            return Returned(embedding.func_invoke(self.loaded.store, func, [a.value for a in args]),
                            list(func.type.results))
        except Trap as e:
            return Trapped(e.message)
        except Exhaustion as e:
            return Exhausted(e.message)

    def symbol_address(self, name: str) -> int:
        return self.loaded.symbol_address(name)


class LoweredSession:
    """A program loaded into an engine through plain core commands."""

    def __init__(self, plan: LinkPlan, engine: Engine):
        self.plan = plan
        self.lowered = lower(engine, plan)

    def call(self, index: int, export: str, args: Sequence[Arg]):
        return self.lowered.call(index, export, args)

    def symbol_address(self, name: str) -> int:
        return self.lowered.symbol_address(name)


def resolve_function(plan: LinkPlan, name: str, module: str | None) -> tuple[int, str, FuncType] | None:
    """(module index, export name, type) of what a step invokes: ``module``'s export ``name``; without a module,
    the main module's export, else the function symbol ``name`` of the global scope."""
    program = plan.program
    if module is not None:
        m = program.by_name(module)
        if m is None:
            return None
        candidates = [m]
    else:
        candidates = [program.main]
    for m in candidates:
        for e in m.module.exports:
            if e.name == name and e.kind == "func":
                return m.index, name, function_type(m.module, e.index)
    if module is None:
        d = plan.lookup(name, ("func",))
        if d is not None:
            return d.module.index, d.name, function_type(d.module.module, d.index)
    return None


def linking_mode(engine: Engine) -> str:
    mode = os.environ.get(LINKING_ENV)
    if mode:
        if mode not in LINKING_MODES:
            raise ScenarioError(f"{LINKING_ENV}={mode!r}: expected one of {', '.join(LINKING_MODES)}")
        return mode
    return "native" if engine.name == "oracle" else "lowered"


def open_session(case: ProgramCase, mode: str, engine: Engine | None = None):
    """Find, plan and load a program (``DylinkError`` when it cannot be loaded)."""
    program = discover(case.main, case.path, case.features)
    plan = make_plan(program, case.stack_size)
    if mode == "native":
        return NativeSession(plan)
    if engine is None:
        raise ValueError("lowered linking needs an engine")
    engine.reset(case.features)
    return LoweredSession(plan, engine)


# -- running ------------------------------------------------------------------------------------------------------

def run_scenario(scenario: Scenario, ctx: FileContext, emit: Emit, mode: str, engine: Engine | None = None) -> None:
    for case in scenario.programs:
        run_program(case, ctx, emit, mode, engine)


def run_program(case: ProgramCase, ctx: FileContext, emit: Emit, mode: str, engine: Engine | None = None) -> None:
    if mode == "toywasm":
        run_program_toywasm(case, ctx, emit, os.environ.get(TOYWASM_ENV, "toywasm"))
        return
    load_kind = "assert_load_error" if case.expect_error else "load"
    rec = lambda line, kind, outcome, detail="", **kw: emit(make_record(  # noqa: E731
        ctx, line, kind, outcome, detail, linking=mode, program=case.name, **kw))
    # The link plan decodes every module with the oracle, so a requirement the oracle lacks is unmet in every mode;
    # lowered onto an engine, one the engine does not report is unmet too.
    unmet = [r for r in case.requires if REQUIREMENTS[r] not in ALL_FEATURES]
    who = "the oracle (and so the link planner)"
    whole_script = mode == "lowered" and engine is not None and has(engine, WHOLE_SCRIPT)
    engine_features = engine.supported_features() if mode == "lowered" and not whole_script and engine else None
    if not unmet and engine_features is not None:
        unmet = [r for r in case.requires if REQUIREMENTS[r] not in engine_features]
        who = f"the engine ({engine.name})"
    if unmet or whole_script:
        # A whole-script engine (spectest-interp) cannot be handed the lowered modules one by one.
        why = (f"needs {', '.join(unmet)}, which {who} does not implement" if unmet else
               f"the engine ({engine.name}) runs whole converted scripts only; linking needs one that loads modules")
        reason = "needs-" + "-".join(unmet) if unmet else "engine-limitation"
        rec(case.line, load_kind, "skipped", why, skip_reason=reason)
        for s in case.steps:
            rec(s.line, s.kind, "skipped", why, skip_reason=reason)
        return
    session = None
    try:
        session = open_session(case, mode, engine)
    except DylinkError as e:
        actual = {"failure": e.code, "message": e.message}
        if case.expect_error is None:
            rec(case.line, load_kind, "failed", f"program did not load: {e}", actual=actual)
        elif e.code != case.expect_error:
            rec(case.line, load_kind, "failed", f"expected load error {case.expect_error}, got {e}",
                expected={"failure": case.expect_error, "message": case.message or ""}, actual=actual)
        elif case.message and case.message not in e.message:
            rec(case.line, load_kind, "failed", f"message mismatch: expected it to contain {case.message!r}, got "
                f"{e.message!r}", expected={"failure": case.expect_error, "message": case.message}, actual=actual)
        else:
            rec(case.line, load_kind, "passed", "", expected={"failure": case.expect_error,
                                                            "message": case.message or ""}, actual=actual)
        for s in case.steps:
            rec(s.line, s.kind, "failed", "program did not load")
        return
    except EngineCannot as e:
        rec(case.line, load_kind, "skipped", str(e), skip_reason="engine-limitation")
        for s in case.steps:
            rec(s.line, s.kind, "skipped", f"program not loaded: {e}", skip_reason="engine-limitation")
        return
    except Exception as e:  # a bug in the loader, the lowering or the engine
        rec(case.line, load_kind, "error", f"exception while loading: {_last_line(e)}", traceback=_tb(e))
        for s in case.steps:
            rec(s.line, s.kind, "error", "program did not load")
        return
    if case.expect_error:
        rec(case.line, load_kind, "failed", f"program loaded, expected load error {case.expect_error}",
            expected={"failure": case.expect_error, "message": case.message or ""})
        return
    warnings = session.plan.warnings
    if case.expect_warning and not any(case.expect_warning in w for w in warnings):
        rec(case.line, load_kind, "failed", f"expected a warning containing {case.expect_warning!r}, got "
            f"{warnings or 'none'}", warnings=warnings)
    else:
        rec(case.line, load_kind, "passed", "", warnings=warnings or None)
    for s in case.steps:
        try:
            outcome, detail, extra = run_step(session, s, mode)
        except ScenarioError as e:
            outcome, detail, extra = "error", f"bad step: {e}", {}
        except Exception as e:
            outcome, detail, extra = "error", f"exception: {_last_line(e)}", {"traceback": _tb(e)}
        rec(s.line, s.kind, outcome, detail, action={"invoke": s.invoke, "module": s.module, "args": s.args},
            **extra)


def run_step(session, s: Step, mode: str) -> tuple[str, str, dict]:
    target = resolve_function(session.plan, s.invoke, s.module)
    if target is None:
        where = f"module {s.module}" if s.module else "the main module or the global scope"
        return "failed", f"no function {s.invoke!r} in {where}", {}
    index, export, ftype = target
    if len(s.args) != len(ftype.params):
        raise ScenarioError(f"{s.invoke} takes {len(ftype.params)} arguments, the step gives {len(s.args)}")
    args = [Arg(t, coerce(t, v)) for t, v in zip(ftype.params, s.args)]
    out = session.call(index, export, args)
    results = list(ftype.results)
    actual = ([encode_value(t, v) for t, v in zip(results, out.values)] if isinstance(out, Returned)
              else {"failure": type(out).__name__.lower(), "message": getattr(out, "message", "")})
    extra: dict = {"actual": actual}
    if s.trap is not None:
        extra["expected"] = {"failure": "trap", "message": s.trap}
        if not isinstance(out, Trapped):
            return "failed", f"expected a trap ({s.trap!r}), got {_describe(out, actual)}", extra
        if mode == "native" and s.trap not in out.message:
            return "failed", f"trap message mismatch: expected it to contain {s.trap!r}, got {out.message!r}", extra
        return "passed", "", extra
    if not isinstance(out, Returned):
        return "failed", f"expected results, got {_describe(out, actual)}", extra
    if s.expect_symbol is not None:
        want = session.symbol_address(s.expect_symbol)
        expected = [want & (MASK64 if results and results[0] == "i64" else MASK32)]
    elif s.expect is not None:
        if len(s.expect) != len(results):
            raise ScenarioError(f"{s.invoke} returns {len(results)} values, the step expects {len(s.expect)}")
        expected = [coerce(t, v) for t, v in zip(results, s.expect)]
    else:
        return "passed", "", extra
    extra["expected"] = [encode_value(t, v) for t, v in zip(results, expected)]
    if len(out.values) != len(expected) or not all(same_value(t, e, a) for t, e, a in
                                                   zip(results, expected, out.values)):
        got = ", ".join(render(v) for v in actual) or "no results"
        want_text = ", ".join(render(v) for v in extra["expected"])
        what = f" (the address of {s.expect_symbol})" if s.expect_symbol else ""
        return "failed", f"expected {want_text}{what}, got {got}", extra
    return "passed", "", extra


def _describe(out: Any, actual: Any) -> str:
    if isinstance(out, Returned):
        return "results " + (", ".join(render(v) for v in actual) or "(none)")
    if isinstance(out, NotFound):
        return f"not found ({out.message})"
    return f"{type(out).__name__.lower()} ({out.message!r})"


def _last_line(e: BaseException) -> str:
    return traceback.format_exception_only(type(e), e)[-1].strip()


def _tb(e: BaseException) -> str:
    return "".join(traceback.format_exception(type(e), e, e.__traceback__))


# -- the runner's hooks -------------------------------------------------------------------------------------------

def run_file(path: str | os.PathLike, rel: str, suite: str | None, engine: Engine, engine_version: str,
             emit: Emit) -> None:
    """Run one scenario file with ``engine`` (the runner's ``run_job`` for dylink jobs)."""
    mode = linking_mode(engine)
    ctx = FileContext(suite, rel, engine.name, engine_version, None)
    try:
        scenario = load_scenario(path)
    except (ScenarioError, OSError) as e:
        emit(make_record(ctx, 0, "scenario", "error", f"cannot read the scenario: {e}", linking=mode))
        return
    run_scenario(scenario, ctx, emit, mode, engine)
