"""The campaign driver: generate, run on both sides (``worker``), judge (``judge``), attribute, write repros.

Hypothesis cases are attributed to one instruction before they are reported: every sub-tree of the failing
function becomes a probe function of one module (``gen.encode_case``); the smallest sub-tree that disagrees while
its operands agree names the culprit, and that node alone with its operands pinned to the oracle's values
(``gen.pin``) is tried as the repro. The signature ``<instruction>-<how>`` dedupes findings: a case whose
disagreement has a known signature counts as seen, not as new, so hypothesis keeps searching elsewhere.
"""
from __future__ import annotations

import hashlib
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import gen, judge, repro, scripted, simd
from .worker import Request, Worker


@dataclass
class Finding:
    signature: str
    reason: str
    wasm: bytes
    load: tuple
    calls: list
    oracle_results: list
    expectations: list | None = None
    note: str = ""


@dataclass
class Stats:
    cases: int = 0
    findings: list = field(default_factory=list)
    seen: dict = field(default_factory=dict)    # signature -> times hit
    known: set = field(default_factory=set)     # signatures already on file in --out (another process, a former run)
    known_hits: int = 0
    #: A digest of every module run, in order: equal for two runs with the same seed and case count.
    digest: "hashlib._Hash" = field(default_factory=hashlib.sha256)
    hangs: int = 0
    #: Call results that differed after the module could run ``memory.grow``/``table.grow``: growth may fail
    #: (``exec/instructions.rst``), and everything downstream of a failed growth may differ with it.
    grow_allowed: int = 0
    started: float = field(default_factory=time.monotonic)

    def rate(self) -> float:
        return self.cases / max(time.monotonic() - self.started, 1e-9)


#: Focused cases run beside each hypothesis example (``Campaign._focused_round``).
FOCUSED_PER_EXAMPLE = 2


class _Stop(BaseException):
    """Raised inside a hypothesis test when the budget is spent (a BaseException, so hypothesis does not take it
    for a failure and shrink it)."""


class _Disagreement(AssertionError):
    pass


def signature_of(op: str, engine: tuple, oracle: tuple) -> str:
    ek, ok = judge.kind_of(engine), judge.kind_of(oracle)
    how = "wrong-value" if ek == ok == "value" else f"{ek}-not-{ok}"
    return f"{op}-{how}".replace("/", "_").replace(" ", "_")


class Campaign:
    def __init__(self, engine: str, against: str = "oracle", generator: str = "hypothesis",
                 features: list[str] | None = None, seed: int = 0, cases: int | None = None,
                 time_budget: float | None = None, out: Path | None = None, database: str | None = None,
                 progress: bool = False, case_timeout: float = 20.0, memory_limit: int = 2 << 30,
                 log: Callable[[str], None] | None = None, max_findings: int | None = None):
        self.engine, self.against, self.generator = engine, against, generator
        from oracle.features import WASM_2_0_FEATURES
        self.features = sorted(features or WASM_2_0_FEATURES)
        self.seed, self.max_cases, self.time_budget = seed, cases, time_budget
        self.out = Path(out) if out else Path("fuzz-findings")
        self.database = database
        self.max_findings = max_findings
        self.progress = progress and sys.stderr.isatty()
        # An engine that runs whole scripts only gets each case as a script after the oracle ran it (scripted.py)
        self.scripted = scripted.is_script_engine(engine)
        if self.scripted and generator != "hypothesis":
            raise ValueError(f"{engine} runs whole scripts only: it can be fuzzed with --generator hypothesis")
        self.case_timeout = case_timeout
        self.worker = Worker(against if self.scripted else engine, against, memory_limit, case_timeout)
        self.stats = Stats()
        # Findings already in the output folder (another process of the campaign, an earlier run) are not
        # written again: processes sharing --out merge without duplicates.
        self.stats.known = {p.stem for p in self.out.glob("*.wast")} if self.out.is_dir() else set()
        self.log = log or (lambda s: None)
        self._focused_rng = random.Random(f"focused:{seed}")
        self._last_progress = 0.0

    # --- budget and progress ----------------------------------------------------------------------------------
    def over_budget(self, grace: float = 0.0) -> bool:
        if self.max_findings is not None and len(self.stats.findings) >= self.max_findings:
            return True
        if self.max_cases is not None and self.stats.cases >= self.max_cases:
            return True
        if self.time_budget is not None and time.monotonic() - self.stats.started >= self.time_budget + grace:
            return True
        return False

    def tick(self) -> None:
        self.stats.cases += 1
        now = time.monotonic()
        if self.progress and now - self._last_progress > 0.5:
            self._last_progress = now
            left = ""
            if self.time_budget is not None:
                left = f", {max(0, self.time_budget - (now - self.stats.started)):.0f}s left"
            elif self.max_cases is not None:
                left = f", {self.max_cases - self.stats.cases} cases left"
            sys.stderr.write(f"\r{self.stats.cases} cases, {self.stats.rate():.1f}/s, "
                             f"{len(self.stats.findings)} disagreement(s){left}   ")
            sys.stderr.flush()

    def summary(self) -> str:
        s = self.stats
        return (f"fuzz {self.engine} against {self.against} ({self.generator}, seed {self.seed}): {s.cases} cases "
                f"in {time.monotonic() - s.started:.1f}s ({s.rate():.1f}/s), {len(s.findings)} disagreement(s)"
                + (f" written to {self.out}/" if s.findings else "")
                + (f", {s.known_hits} hit(s) of findings already in {self.out}/" if s.known_hits else "")
                + (f", {s.hangs} hang(s)" if s.hangs else "")
                + (f", {s.grow_allowed} allowed after a possible failed grow" if s.grow_allowed else "")
                + f" [cases digest {s.digest.hexdigest()[:12]}]")

    # --- recording -------------------------------------------------------------------------------------------
    def record(self, f: Finding) -> None:
        if f.signature not in self.stats.seen and (self.out / f"{f.signature}.wast").exists():
            self.stats.known.add(f.signature)     # written meanwhile by another process of the campaign
        if f.signature in self.stats.known:
            self.stats.known_hits += 1
            return
        if f.signature in self.stats.seen:
            self.stats.seen[f.signature] += 1
            return
        self.stats.seen[f.signature] = 1
        self.stats.findings.append(f)
        header = [f"wast-runner fuzz finding {f.signature}: {f.reason}",
                  f"engine {self.engine}, against {self.against}, generator {self.generator}, seed {self.seed}",
                  "expectations are the oracle's outcome (NaN patterns where the spec allows several);",
                  f"replay: wast-runner run {self.out / (f.signature + '.wast')} --engine {self.engine}"
                  + (f" --features {','.join(self.features)}" if self.features else "")]
        if f.note:
            header.append(f.note)
        repro.write(self.out / f"{f.signature}.wast", header, f.wasm, f.load, f.calls, f.oracle_results,
                    f.expectations)
        if self.progress:
            sys.stderr.write("\n")
        self.log(f"disagreement {f.signature}: {f.reason}")

    # --- one generated function (hypothesis / gen) ------------------------------------------------------------
    def _expectations(self, case: gen.Case, node: gen.Node, k: int, oracle_out: tuple) -> list | None:
        if oracle_out[0] != "returned":
            return None
        free = None
        if node.nondet:
            free = "nan:arithmetic" if node.may_be_noncanonical(case.args(k)) else "nan:canonical"
        lanes = simd.shape(node.op)[:3] if node.t == "v128" and node.nondet else None
        return [judge.expectation(e, free, lanes) for e in oracle_out[1]]

    def run_case(self, case: gen.Case, probes: bool = True) -> tuple:
        """Run ``f`` and (with ``probes``) every sub-tree of it as its own function, on both sides: a wrong
        intermediate value is seen even when the rest of ``f`` masks it (a comparison, a mask, a select).
        -> (reason or None, nodes, calls, oracle side, engine side, index of the first disagreeing call)."""
        nodes = [case.body] + ([n for n in case.body.walk() if n.op not in ("const", "param") + gen.STATE_LEAVES][1:]
                               if probes else [])
        wasm = gen.encode_case(case, nodes[1:])
        self.stats.digest.update(wasm)
        calls = [("f" if j == 0 else f"p{j - 1}", case.args(k), [n.t])
                 for k in range(len(case.calls)) for j, n in enumerate(nodes)]
        o, e = self.worker.run(Request(wasm, self.features, calls))
        if self.scripted and o[0][0] not in ("hang", "crash", "error"):
            exps = [self._expectations(case, nodes[i % len(nodes)], i // len(nodes), r) for i, r in enumerate(o[1])]
            e = scripted.engine_outcomes(self.engine, self.features, wasm, o[0], o[2], o[1], exps,
                                         self.case_timeout * 3)
        reason, i = self._judge(case, nodes, o, e)
        return reason, nodes, calls, o, e, i

    def _judge(self, case: gen.Case, nodes: list, o: tuple, e: tuple) -> tuple:
        (o_load, o_res, _), (e_load, e_res) = o, e
        if o_load[0] in ("hang", "crash", "error") or e_load[0] in ("hang", "crash", "error"):
            return (f"engine {e_load[0]}, oracle {o_load[0]}"), -1
        why = judge.compare_load(e_load, o_load)
        if why:
            return why, -1
        for i, (oo, eo) in enumerate(zip(o_res, e_res)):
            if oo[0] in ("error", "hang", "crash") or eo[0] in ("error", "hang", "crash"):
                bad = oo if oo[0] in ("error", "hang", "crash") else eo
                return f"{'oracle' if bad is oo else 'engine'} {bad[0]}: {bad[1]}", i
            k, j = divmod(i, len(nodes))
            why = judge.compare_action(eo, oo, self._expectations(case, nodes[j], k, oo))
            if why:
                return why, i
        if len(e_res) < len(o_res):
            return "engine answered fewer calls than the oracle", len(e_res)
        return None, -1

    def attribute(self, case: gen.Case, nodes: list, i: int, o: tuple, e: tuple) -> tuple[str, Finding]:
        """The culprit instruction of a disagreement first seen at call ``i`` and the smallest repro found for
        it: the smallest disagreeing sub-tree whose operands agree, alone, with its operands pinned to the
        oracle's values."""
        (o_load, o_res, calls), (e_load, e_res) = o, e
        whole = self._finding(case, case.body, "", o, nodes)
        if o_load[0] != "loaded" or e_load[0] != "loaded" or i < 0:
            src = e_load if e_load[0] != "loaded" else o_load
            sig = f"load-{judge.kind_of(e_load)}-not-{judge.kind_of(o_load)}"
            if src[0] in ("hang", "crash", "error"):
                sig = f"{'engine' if src is e_load else 'oracle'}-{src[0]}"
            return sig, whole
        if i >= len(e_res) or o_res[i][0] in ("error", "hang", "crash") or e_res[i][0] in ("error", "hang", "crash"):
            side, out = ("oracle", o_res[i]) if o_res[i][0] in ("error", "hang", "crash") else (
                "engine", e_res[i] if i < len(e_res) else ("crash", ""))
            return f"{side}-{out[0]}", whole
        k = i // len(nodes)
        base = k * len(nodes)
        bad = set()
        for j, n in enumerate(nodes):
            oo, eo = o_res[base + j], e_res[base + j]
            if judge.compare_action(eo, oo, self._expectations(case, n, k, oo)):
                bad.add(j)
        index = {id(n): j for j, n in enumerate(nodes)}
        culprits = [j for j in bad if not any(index.get(id(c)) in bad for c in nodes[j].kids)]
        j = min(culprits, key=lambda j: nodes[j].size()) if culprits else i - base
        node = nodes[j]
        sig = signature_of(node.op, e_res[base + j], o_res[base + j])
        vals = []
        for c in node.kids:
            if c.op == "param":
                vals.append(case.calls[k][c.imm[0]])
            elif c.op == "const":
                vals.append(c.imm[0])
            elif id(c) in index and o_res[base + index[id(c)]][0] == "returned" and index[id(c)] not in bad:
                vals.append(_bits(o_res[base + index[id(c)]][1][0]))
            else:
                vals.append(None)
        pinned = gen.pin(node, vals)
        uses_params = any(n.op == "param" for n in pinned.walk())
        calls_helpers = any(n.op in ("call", "call_indirect") for n in pinned.walk())
        small = gen.Case(case.params if uses_params else [], pinned,
                         [case.calls[k]] if uses_params else [[]], case.memory, case.data,
                         case.helpers if calls_helpers else [], case.globals, case.table and calls_helpers,
                         case.features)
        reason, snodes, _, so, se, si = self.run_case(small, probes=False)
        if reason and si >= 0:
            return sig, self._finding(small, small.body, reason, so, snodes)
        return sig, whole

    def _finding(self, case: gen.Case, node: gen.Node, reason: str, o: tuple, nodes: list) -> Finding:
        """The repro of ``case``: the module with its probes and every call, expectations by node."""
        (o_load, o_res, calls) = o
        exps = [self._expectations(case, nodes[i % len(nodes)], i // len(nodes), r) for i, r in enumerate(o_res)]
        return Finding("", reason, gen.encode_case(case, nodes[1:]), o_load, calls, o_res, exps,
                       note=f"{case.body.size()} instruction(s) in f")

    def check(self, case: gen.Case) -> tuple[str, Finding] | None:
        reason, nodes, calls, o, e, i = self.run_case(case)
        if reason is None:
            return None
        if "hang" in reason:
            self.stats.hangs += 1
        sig, finding = self.attribute(case, nodes, i, o, e)
        finding.signature = sig
        finding.reason = finding.reason or reason
        return sig, finding

    # --- the generators ----------------------------------------------------------------------------------------
    def run(self) -> Stats:
        try:
            if self.generator == "hypothesis":
                self._run_hypothesis()
            elif self.generator == "smith":
                from .smith import smith_cases
                self._run_modules(smith_cases(self.seed, self.features), "smith")
            elif self.generator == "mutate":
                from .mutate import mutants
                self._run_modules(mutants(self.seed, features=self.features), "mutate")
            else:
                raise ValueError(f"unknown generator {self.generator!r}")
        except KeyboardInterrupt:
            pass
        finally:
            self.worker.close()
            if self.progress:
                sys.stderr.write("\n")
        return self.stats

    def _run_hypothesis(self) -> None:
        from hypothesis import HealthCheck, Phase, Verbosity, given, settings
        from hypothesis import seed as hseed
        from hypothesis.database import DirectoryBasedExampleDatabase

        from .strategies import cases
        db = DirectoryBasedExampleDatabase(self.database) if self.database else None
        rounds = 0
        while not self.over_budget():
            pending: list = []

            @settings(max_examples=10 ** 9, deadline=None, database=db, derandomize=False,
                      suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet, print_blob=False,
                      phases=[Phase.reuse, Phase.generate, Phase.shrink], report_multiple_bugs=False)
            @hseed(self.seed * 1000 + rounds)
            @given(cases(features=self.features))
            def prop(case: gen.Case) -> None:
                # While shrinking a new finding allow some grace; otherwise stop at the budget.
                if self.over_budget(grace=60.0 if pending else 0.0):
                    raise _Stop()
                if not pending:
                    self._focused_round()
                    if self.over_budget():
                        raise _Stop()
                self.tick()
                got = self.check(case)
                if got is None:
                    return
                if got[0] in self.stats.seen or got[0] in self.stats.known:
                    self.record(got[1])     # counted, not written again
                    return
                pending.append(got)
                raise _Disagreement(got[0])

            # The database key must not change between processes sharing it: one key per engine/generator.
            prop.hypothesis.inner_test.__qualname__ = f"wast_runner_fuzz_{self.generator}"
            try:
                prop()
            except _Stop:
                pass
            except _Disagreement:
                pass
            if pending:
                self.record(pending[-1][1])   # the last one raised is the shrunk one
            else:
                return
            rounds += 1

    def _focused_round(self) -> None:
        """``FOCUSED_PER_EXAMPLE`` focused cases (``gen.gen_focused``) from the campaign's own seeded stream,
        beside each hypothesis example. Not through hypothesis: its generation favours examples with many
        choices, so cases drawn from one integer (these) came out far rarer than asked for (12% of 3,000 where
        ``one_of`` should have given 25%). A finding is recorded at once (attribution has already cut it to the
        instruction; there is nothing for hypothesis to shrink)."""
        for _ in range(FOCUSED_PER_EXAMPLE):
            if self.over_budget():
                return
            self.tick()
            got = self.check(gen.gen_focused(gen.RandomChooser(self._focused_rng), self.features))
            if got is not None:
                self.record(got[1])

    def _run_modules(self, source, label: str) -> None:
        for wasm, origin in source:
            if self.over_budget():
                return
            self.tick()
            self.stats.digest.update(wasm)
            o, e = self.worker.run(Request(wasm, self.features, None))
            (o_load, o_res, calls), (e_load, e_res) = o, e
            sig, reason = None, None
            if o_load[0] == "hang" or any(r[0] == "hang" for r in o_res):
                # A mutated or fuel-less program may loop forever: only a hang while decoding or validating is
                # the oracle's fault. Ask for exactly that, alone.
                self.stats.hangs += 1
                (v, _, _), _ = self.worker.run(Request(wasm, self.features, [], validate_only=True))
                if v[0] != "hang":
                    continue
                sig, reason = f"{label}-oracle-decode-hang", "the oracle did not decode and validate in time"
            for side, out in (("oracle", o_load), ("engine", e_load)) if sig is None else ():
                if out[0] in ("hang", "crash", "error"):
                    sig, reason = f"{label}-{side}-{out[0]}", f"{side}: {out[0]} {out[1][:200]}"
                    if out[0] == "hang":
                        self.stats.hangs += 1
                    break
            if sig is None:
                why = judge.compare_load(e_load, o_load)
                if why:
                    sig, reason = f"{label}-{origin.split('+')[0]}-{judge.kind_of(e_load)}-not-{judge.kind_of(o_load)}", why
            exps = None
            if sig is None and o_load[0] == "loaded":
                # smith canonicalizes every NaN an arithmetic instruction makes (--canonicalize-nans): its results
                # are bit-exact. Mutants may have lost that, and ours their guards: judged by _free_nan.
                loose = label != "smith" and _may_see_noncanonical_nan(wasm, self.features)
                exps = [[v if label == "smith" else _mutant_expectation(v, loose) for v in r[1]]
                        if r[0] == "returned" else None for r in o_res]
                for k, (oo, eo) in enumerate(zip(o_res, e_res)):
                    for side, out in (("oracle", oo), ("engine", eo)):
                        if out[0] in ("error", "hang", "crash"):
                            sig, reason = f"{label}-{side}-call-{out[0]}", f"{calls[k][0]}: {side} {out}"
                    if sig:
                        break
                    why = judge.compare_action(eo, oo, exps[k])
                    if why and _can_grow(wasm, self.features):
                        # The engine's growth may have failed where the oracle's succeeded (or the reverse): an
                        # allowed difference, and so is everything that follows from it in this instance.
                        self.stats.grow_allowed += 1
                        break
                    if why:
                        how = "wrong-value" if eo[0] == oo[0] == "returned" else \
                            f"{judge.kind_of(eo)}-not-{judge.kind_of(oo)}"
                        sig, reason = f"{label}-call-{how}", f"{calls[k][0]}: {why}"
                        break
            if sig:
                self.record(Finding(sig, reason or "", wasm, o_load, calls, o_res, exps, note=f"origin {origin}"))


def _bits(enc: dict) -> int:
    """The bit pattern of an encoded result value (a vector's from its lanes)."""
    from wast_runner.values import lanes_to_v128
    return lanes_to_v128(enc["lane_type"], enc["value"]) if enc["type"] == "v128" else int(enc["value"])


def _can_grow(wasm: bytes, features: list[str]) -> bool:
    """Whether any function of the module contains ``memory.grow`` or ``table.grow``."""
    from oracle import embedding
    from oracle.features import Features
    try:
        module = embedding.module_decode(wasm, Features.from_names(features))
    except Exception:   # noqa: BLE001 - a module the oracle cannot decode has no growth to excuse
        return False
    return any(ins.op in ("memory.grow", "table.grow") for f in module.funcs for ins in f.body)


def _may_see_noncanonical_nan(wasm: bytes, features: list[str]) -> bool:
    """Could a non-canonical NaN reach an arithmetic instruction of this module (whose data flow we did not
    build)? Conservatively yes when any source of arbitrary float bits occurs: a NaN constant (a canonical one
    included: its sign may be flipped by neg/copysign), a reinterpretation, a load, a global, a table, a call,
    a vector instruction."""
    try:
        from oracle import embedding
        from oracle.features import Features
        m = embedding.module_decode(wasm, Features.from_names(features))
        text = repr(m.funcs) + repr(m.globals)
    except Exception:
        return True
    return any(w in text for w in ("nan", "reinterpret", "load", "global.get", "table", "call", "v128", "i8x16",
                                   "i16x8", "i32x4", "i64x2", "f32x4", "f64x2", "ref."))


def _mutant_expectation(enc: dict, loose: bool) -> dict:
    """The expectation for a result of a module we did not build (its NaN provenance unknown, ``_free_nan``). A
    vector's lane shape is unknown too: where its lanes read as f32 or as f64 hold quiet NaNs, either reading with
    those lanes free matches (``either``); a vector without such lanes is exact."""
    if enc.get("type") != "v128":
        return judge.expectation(enc, _free_nan(enc, loose))
    pattern = "nan:arithmetic" if loose else "nan:canonical"
    alts = [judge.expectation(enc, pattern, lanes) for lanes in ("f32", "f64")]
    alts = [a for a in alts if any(str(x).startswith("nan:") for x in a["value"])]
    return {"type": "either", "values": [enc] + alts} if alts else enc


def _free_nan(enc: dict, loose: bool = True) -> str | None:
    """For modules we did not build (smith, mutants) a NaN result's provenance is unknown: a quiet NaN result
    matches ``nan:arithmetic`` when a non-canonical NaN may have been an operand somewhere (``loose``), else
    ``nan:canonical`` (the spec's rule for all-canonical operands); a signalling NaN is compared exactly."""
    if not judge._is_nan(enc):
        return None
    return "nan:arithmetic" if loose else "nan:canonical"
