"""The three-way diff: the script, the engine under test, and a reference engine (``--against``, normally the
oracle) judge every command; the record says who is the odd one out.

Both engines run the same script in lockstep, command by command, each with its own ``ScriptRun`` (so each has
its own current module and registrations). The engine's record stays the record (its ``outcome`` is the engine's
verdict against the script); the reference's outcome is added under ``against``, and ``diff`` classifies:

``agree``       both engines did the same thing (and it is what the script wants)
``allowed``     the engines differ only where the spec allows implementations to differ: NaN sign and payload
                (both results arithmetic NaNs, or a pattern the script accepts), resource exhaustion on one side,
                ``memory.grow`` / ``table.grow`` failing on one side, a result the reference gives under
                another choice of the relaxed operations' parameters (``wast_runner.judge.relaxed``)
``message``     same outcome, different failure message (messages are not normative)
``stage``       both rejected the module, at different stages (malformed vs invalid), and the script's verdict
                counts only the rejection for the engine (no ``EXACT_STAGES``, no ``--strict-stages``)
``engine``      the engine departs from the script and from the reference (or, with relaxed SIMD, its results need
                more than one choice of the parameters the spec fixes for a whole run)
``oracle``      the reference departs from the script and the engine does not -- a bug in the oracle (loud)
``script``      both engines agree with each other but not with the script
``all-differ``  the script, the engine and the reference all say different things
``unjudged``    one side skipped the command or broke (``error``): nothing to compare

A plain ``action`` command expects nothing but a return; there the reference's results are the expectation: an
engine returning other results ``failed`` (unless the difference is allowed).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from oracle import embedding
from oracle.features import Features

from ..commands import Command
from ..engines.base import WHOLE_SCRIPT, AnyEngine, has
from ..model import FileContext
from ..script import REJECTION_STAGES, ScriptRun, script_engine_records
from ..values import LANES, parse_int
from .relaxed import ChoiceTracker, Outcomes, RelaxedExplorer

CLASSES = ("agree", "allowed", "message", "stage", "engine", "oracle", "script", "all-differ", "unjudged")

F32_QUIET, F64_QUIET = 0x7FC0_0000, 0x7FF8_0000_0000_0000


# -- running a script on both ------------------------------------------------------------------------------------

def run_pair(primary: AnyEngine, reference: AnyEngine, ref_ctx: FileContext, ctx: FileContext, json_path: Any,
             module_bytes: Callable[[str], bytes], commands: Sequence[Command], features: Features,
             emit: Callable[[dict], None], strict_stages: bool = False) -> None:
    """Run ``commands`` on both engines in lockstep and emit one merged record per command (``ref_ctx``: the
    reference's records' context; ``strict_stages``: judge the engine's malformed vs invalid)."""
    side_e = _Side(primary, ctx, json_path, module_bytes, commands, features, strict_stages)
    side_o = _Side(reference, ref_ctx, json_path, module_bytes, commands, features)
    # The modules an action acts on, as a side that runs command by command knows them (the reference's first):
    # a whole-script engine reports no values, so with two of them no comparison needs to know.
    runs = [side.run for side in (side_o, side_e) if side.run is not None]
    ops = ReachedOps(module_bytes, features)
    # The outcomes the reference's other choices of the relaxed parameters give (when it can make variants).
    explorer = (RelaxedExplorer.for_engine(side_o.run.engine, ref_ctx, module_bytes, list(commands), features)
                if side_o.run is not None else None)
    tracker = ChoiceTracker()
    for k, cmd in enumerate(commands):
        rec_e, rec_o = side_e.record(k, cmd), side_o.record(k, cmd)
        outcomes = (explorer.explore(k, cmd, rec_o) if explorer is not None and side_o.run is not None
                    and not side_o.run.failure else None)
        reached = ops.of(cmd, runs[0]) if runs else frozenset()
        rec = merge(cmd, rec_e, rec_o, reached)
        if outcomes is not None:
            _check_one_choice(rec, outcomes, tracker, reached)
        emit(rec)


def _check_one_choice(rec: dict, outcomes: Outcomes, tracker: ChoiceTracker, ops: frozenset[str]) -> None:
    """An engine result the relaxed choices allow must come from the same choice as its earlier ones (the spec
    fixes the parameters for a whole run): else the record is the engine's departure."""
    actual = rec.get("actual")
    if rec["diff"] not in ("agree", "allowed") or not isinstance(actual, list):
        return
    matching = {c for alt, choices in outcomes if _relation(actual, alt, ops)[0] in ("same", "allowed")
                for c in choices}
    if not matching:
        return
    since = tracker.since
    if not tracker.observe(rec["line"], matching, {c for _, choices in outcomes for c in choices}):
        rec["diff"] = "engine"
        rec["diff_detail"] = (f"relaxed operations: no one choice of the parameters gives both this result and the "
                              f"engine's earlier ones (from line {since}); the spec fixes them for the whole run")


class _Side:
    """One engine's records of a script, command by command: from a ``ScriptRun`` stepped in lockstep, or all
    at once from a whole-script engine (spectest-interp)."""

    def __init__(self, engine: AnyEngine, ctx: FileContext, json_path: Any, module_bytes: Callable[[str], bytes],
                 commands: Sequence[Command], features: Features, strict_stages: bool = False):
        self.records: list[dict] | None = None
        self.run: ScriptRun | None = None
        if has(engine, WHOLE_SCRIPT):
            records = script_engine_records(engine, ctx, json_path, list(commands), features)  # type: ignore[arg-type]
            self.records = records
        else:
            self.run = ScriptRun(engine, ctx, module_bytes, strict_stages=strict_stages)  # type: ignore[arg-type]
            self.run.start(features)

    def record(self, k: int, cmd: Command) -> dict:
        if self.records is not None:
            return self.records[k]
        assert self.run is not None
        return self.run.step(cmd)


class ReachedOps:
    """The instructions an action may execute, so the diff can look at the code it reaches (``memory.grow``?);
    which module it acts on is the ``ScriptRun``'s bookkeeping (``ScriptRun.module_file``)."""

    def __init__(self, module_bytes: Callable[[str], bytes], features: Features):
        self.module_bytes, self.features = module_bytes, features
        self._ops: dict[tuple[str, str], frozenset[str]] = {}

    def of(self, cmd: Command, run: ScriptRun) -> frozenset[str]:
        """The instruction names the function ``cmd`` invokes may execute (its own and those of every function it
        may call, all of the module's when it calls indirectly); empty when unknown."""
        a = cmd.action
        if a is None or a.type != "invoke":
            return frozenset()
        filename = run.module_file(a.module)
        if filename is None:
            return frozenset()
        key = (filename, a.field)
        if key not in self._ops:
            try:
                self._ops[key] = _reached_ops(self.module_bytes(filename), a.field, self.features)
            except Exception:   # a module the oracle cannot decode: no allowance can be proven
                self._ops[key] = frozenset()
        return self._ops[key]


def _reached_ops(data: bytes, field: str, features: Features) -> frozenset[str]:
    module = embedding.module_decode(data, features)
    n_imported = sum(1 for imp in module.imports if imp.kind == "func")
    start = next((e.index for e in module.exports if e.kind == "func" and e.name == field), None)
    if start is None:
        return frozenset()
    seen, todo, ops = set(), [start], set()
    while todo:
        idx = todo.pop()
        if idx in seen or idx < n_imported:
            continue
        seen.add(idx)
        for instr in module.funcs[idx - n_imported].body:
            ops.add(instr.op)
            if instr.op in ("call", "return_call"):
                todo.append(instr.args[0])
            elif instr.op.startswith(("call_", "return_call_")):   # indirect: any function may be reached
                todo.extend(range(n_imported, n_imported + len(module.funcs)))
    return frozenset(ops)


# -- comparing outcomes ------------------------------------------------------------------------------------------

def _norm_value(v: dict) -> tuple:
    """A value encoding as a comparable key (v128 as its integer, whatever the lane split)."""
    t = v.get("type", "?")
    if t == "v128" and isinstance(v.get("value"), list):
        width, _ = LANES.get(v.get("lane_type", "i32"), (32, 4))
        n = 0
        for k, lane in enumerate(v["value"]):
            try:
                n |= parse_int(lane, width) << (k * width)
            except ValueError:
                return (t, repr(v["value"]))
        return (t, n)
    if t in ("i32", "i64", "f32", "f64"):
        try:
            return (t, parse_int(v.get("value", ""), 32 if t in ("i32", "f32") else 64))
        except ValueError:
            return (t, v.get("value"))
    # References: null, a host value, or an anonymous non-null reference (types vary by engine: ignore them).
    return ("ref", v.get("value", "<non-null>"))


def _nan_allowed(a: tuple, b: tuple) -> bool:
    """Two different values that are both arithmetic NaNs (quiet), lane by lane for v128 (as f32 or f64
    lanes): the spec lets NaN results differ in sign and payload."""
    t, x = a
    if t != b[0] or not isinstance(x, int) or not isinstance(b[1], int):
        return False
    y = b[1]
    if t == "f32":
        return x & F32_QUIET == F32_QUIET and y & F32_QUIET == F32_QUIET
    if t == "f64":
        return x & F64_QUIET == F64_QUIET and y & F64_QUIET == F64_QUIET
    if t == "v128":
        for width, quiet in ((32, F32_QUIET), (64, F64_QUIET)):
            mask = (1 << width) - 1
            lanes = [((x >> s) & mask, (y >> s) & mask) for s in range(0, 128, width)]
            if all(p == q or (p & quiet == quiet and q & quiet == quiet) for p, q in lanes):
                return True
    return False


def relation(a: Any, b: Any, ops: frozenset[str] = frozenset(), alternatives: Sequence[dict] = ()
             ) -> tuple[str, str]:
    """How two ``actual`` values relate: ``same``, ``message`` (same failure, other message), ``allowed`` (a
    difference the spec permits; the second item says which), ``differ``, or ``unknown`` when only one side
    reported what it did (a whole-script engine reports no values).

    ``alternatives``: the ``allowed`` entries of the reference's record, its outcomes under other choices of the
    relaxed parameters (``wast_runner.judge.relaxed``); ``a`` matching one of them is allowed.
    """
    rel, why = _relation(a, b, ops)
    if rel == "differ":
        for alt in alternatives:
            r, _ = _relation(a, alt.get("actual"), ops)
            if r == "same" or r == "allowed":
                return "allowed", f"relaxed operations: the reference gives this with {alt['relaxed']}"
    return rel, why


def _relation(a: Any, b: Any, ops: frozenset[str]) -> tuple[str, str]:
    if a is None or b is None:
        return ("same", "") if a is None and b is None else ("unknown", "")
    if isinstance(a, dict) and isinstance(b, dict):
        if a.get("failure") != b.get("failure"):
            if "exhaustion" in (a.get("failure"), b.get("failure")):
                return "allowed", "resource exhaustion on one side"
            if {a.get("failure"), b.get("failure")} <= REJECTION_STAGES:
                return "stage", ""
            return "differ", ""
        return ("same", "") if a.get("message") == b.get("message") else ("message", "")
    if isinstance(a, dict) or isinstance(b, dict):
        failure = a if isinstance(a, dict) else b
        if failure.get("failure") == "exhaustion":
            return "allowed", "resource exhaustion on one side"
        return "differ", ""
    if len(a) != len(b):
        return "differ", ""
    na, nb = [_norm_value(v) for v in a], [_norm_value(v) for v in b]
    if na == nb:
        return "same", ""
    diffs = [(x, y) for x, y in zip(na, nb) if x != y]
    if all(_nan_allowed(x, y) for x, y in diffs):
        return "allowed", "NaN sign or payload"
    if any(op.startswith(("memory.grow", "table.grow")) for op in ops) and all(
            x[0] in ("i32", "i64") and -1 & ((1 << (32 if x[0] == "i32" else 64)) - 1) in (x[1], y[1])
            for x, y in diffs):
        return "allowed", "memory.grow/table.grow failed on one side"
    return "differ", ""


def classify(kind: str, rec_e: dict, rec_o: dict, ops: frozenset[str] = frozenset()) -> tuple[str, str]:
    """``(class, explanation)`` for the engine's and the reference's records of one command."""
    oe, oo = rec_e["outcome"], rec_o["outcome"]
    if oe in ("skipped", "error") or oo in ("skipped", "error"):
        side = "the engine" if oe in ("skipped", "error") else "the reference"
        return "unjudged", f"{side} {'skipped' if (oe if side == 'the engine' else oo) == 'skipped' else 'broke'}"
    rel, why = relation(rec_e.get("actual"), rec_o.get("actual"), ops, rec_o.get("allowed", ()))
    unseen = " (the engine's values are not reported)" if rel == "unknown" else ""
    e_ok, o_ok = oe == "passed", oo == "passed"
    if e_ok and o_ok:
        if rel in ("same", "unknown"):
            return "agree", unseen.strip(" ()")
        if rel == "message":
            return "message", "same outcome, other message"
        if rel == "stage":
            return "stage", "both rejected the module, at different stages (malformed vs invalid)"
        return "allowed", why or "both satisfy the script"
    if rel == "allowed":
        return "allowed", why
    if rel == "same":
        # Both did exactly the same; the verdicts differ only because one side's messages are not checked.
        return "script", "both engines did the same, which is not what the script says"
    if e_ok != o_ok and rel == "message":
        # Same failure; one side's message does not start with the script's (messages are not normative).
        return "message", "same outcome, other message"
    if e_ok:
        return "oracle", "the reference departs from the script; the engine does not" + unseen
    if o_ok:
        return "engine", "the engine departs from the script and from the reference" + unseen
    if rel in ("message", "unknown"):
        return "script", "both engines fail the script" + unseen
    return "all-differ", "the script, the engine and the reference all differ"


def merge(cmd: Command, rec_e: dict, rec_o: dict, ops: frozenset[str] = frozenset()) -> dict:
    """The engine's record with the reference's outcome and the classification added (``ops``: the instructions
    an action reaches, ``ReachedOps``)."""
    rec = dict(rec_e)
    if cmd.kind == "action" and rec_e["outcome"] == "passed" and rec_o["outcome"] == "passed":
        # No expectation in the script: the reference's results are the expectation.
        rel, why = relation(rec_e.get("actual"), rec_o.get("actual"), ops, rec_o.get("allowed", ()))
        if rel == "differ":
            rec["outcome"] = "failed"
            rec["detail"] = "results differ from the reference's (the expectation of a plain action)"
    cls, why = classify(cmd.kind, rec, rec_o, ops)
    against = {"engine": rec_o["engine"], "engine_version": rec_o["engine_version"], "outcome": rec_o["outcome"],
               "detail": rec_o.get("detail", "")}
    for key in ("actual", "skip_reason", "message_matches", "stage_matches", "engine_output", "relaxed", "allowed",
                "allowed_incomplete"):
        if key in rec_o:
            against[key] = rec_o[key]
    rec["against"] = against
    rec["diff"] = cls
    if why:
        rec["diff_detail"] = why
    return rec
