"""Coverage summaries from coverage files (``wast-runner run --coverage FILE``; format in
``docs/results-format.md``, "Coverage file"): per suite and per file, what ran against what the enabled features
define -- opcodes executed and never executed, traps raised and never raised, validation rules exercised.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


def _kind_counts(kinds: list[str], traps: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """Raised count per trap kind (messages match a kind by prefix, as ``assert_trap`` does), and the messages
    that match no kind."""
    raised = {k: 0 for k in kinds}
    other: dict[str, int] = {}
    for msg, n in traps.items():
        hit = next((k for k in sorted(kinds, key=len, reverse=True) if msg.startswith(k)), None)
        if hit is None:
            other[msg] = other.get(msg, 0) + n
        else:
            raised[hit] += n
    return raised, other


@dataclass
class FileCoverage:
    file: str
    executed: dict[str, int]                 # opcode -> times
    unique: list[str]                        # executed by no other file of the suite
    never: list[str]                         # opcodes of the universe this file does not execute
    traps: dict[str, int]                    # trap kind -> times (kinds it raises)
    rejects: int                             # instruction rules that rejected a function body
    invalid: int                             # modules found invalid


@dataclass
class SuiteCoverage:
    source: str
    engine: str
    suite: str | None
    features: list[str]
    instructions: list[dict]                 # the universe: {"name", "opcode", "feature"}, structural ones left out
    structural: list[str]
    executed: dict[str, int]
    never: list[dict]
    trap_kinds: list[str]
    traps_raised: dict[str, int]             # kind -> times (0 = never)
    other_traps: dict[str, int]
    validated: dict[str, int]                # instruction -> times its rule passed (in valid code)
    never_validated: list[str]
    rejected: dict[str, int]                 # instruction -> times its rule rejected code (negative tests)
    module_rules: dict[str, int]             # rule -> times (0 = never)
    invalid_messages: dict[str, int]
    malformed_messages: dict[str, int]
    files: list[FileCoverage] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.suite or "(files outside suites)"

    @property
    def never_traps(self) -> list[str]:
        return [k for k, n in self.traps_raised.items() if not n]

    @property
    def never_by_feature(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in self.never:
            out.setdefault(i["feature"] or "core", []).append(i["name"])
        return out

    def least_executed(self, n: int = 20) -> list[tuple[str, int]]:
        """The ``n`` executed opcodes that ran least often: where a suite is thin."""
        return sorted(self.executed.items(), key=lambda kv: (kv[1], kv[0]))[:n]

    @property
    def single_file(self) -> dict[str, str]:
        """Opcode -> the one file that executes it (a suite that loses that file loses the opcode)."""
        return {op: f.file for f in self.files for op in f.unique}

    @property
    def never_rejected(self) -> list[str]:
        return [i["name"] for i in self.instructions if i["name"] not in self.rejected]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "engine": self.engine, "suite": self.suite, "features": self.features,
            "opcodes": {"universe": len(self.instructions), "executed": len(self.executed),
                        "never_executed": [i["name"] for i in self.never],
                        "structural_not_counted": self.structural},
            "traps": {"kinds": self.trap_kinds, "raised": {k: n for k, n in self.traps_raised.items() if n},
                      "never_raised": self.never_traps, "other": self.other_traps},
            "validation": {"universe": len(self.instructions) + len(self.structural),
                           "validated": len(self.validated), "never_validated": self.never_validated,
                           "rejected": len(self.rejected), "module_rules": self.module_rules,
                           "invalid_messages": len(self.invalid_messages),
                           "malformed_messages": len(self.malformed_messages)},
            "least_executed": dict(self.least_executed()),
            "executed_by_one_file": self.single_file,
            "files": [{"file": f.file, "executed": len(f.executed), "unique": f.unique, "never_executed": len(f.never),
                       "traps": f.traps} for f in self.files],
        }


def summarise(doc: dict[str, Any]) -> list[SuiteCoverage]:
    """One summary per suite of a coverage file."""
    out = []
    for s in doc.get("suites", {}).values():
        uni = s.get("universe", {})
        structural = list(uni.get("structural", []))
        instrs = [i for i in uni.get("instructions", []) if i["name"] not in structural]
        names = [i["name"] for i in instrs]
        total = s.get("total", {})
        ops = total.get("ops", {})
        kinds = [t["kind"] for t in uni.get("traps", [])]
        raised, other = _kind_counts(kinds, total.get("traps", {}))
        valid = total.get("valid", {})
        validated = {k[6:]: n for k, n in valid.items() if k.startswith("instr:")}
        rejected = {k[7:]: n for k, n in valid.items() if k.startswith("reject:")}
        rules = {r["rule"]: valid.get(f"module:{r['rule']}", 0) for r in uni.get("module_rules", [])}
        all_names = names + structural
        sc = SuiteCoverage(
            doc.get("path", "?"), doc.get("engine", "?"), s.get("suite"), list(s.get("features", [])), instrs,
            structural, {n: ops[n] for n in names if ops.get(n)}, [i for i in instrs if not ops.get(i["name"])],
            kinds, raised, other, validated, [n for n in all_names if n not in validated], rejected, rules,
            dict(total.get("invalid", {})), dict(total.get("malformed", {})))
        files = s.get("files", {})
        who: Counter = Counter()
        for cov in files.values():
            who.update(n for n in cov.get("ops", {}) if n in names)
        for fname, cov in files.items():
            fops = {n: c for n, c in cov.get("ops", {}).items() if n in names and c}
            fraised, _ = _kind_counts(kinds, cov.get("traps", {}))
            rej = sum(n for k, n in cov.get("valid", {}).items() if k.startswith("reject:"))
            sc.files.append(FileCoverage(
                fname, fops, sorted(n for n in fops if who[n] == 1), [n for n in names if n not in fops],
                {k: n for k, n in fraised.items() if n}, rej, sum(cov.get("invalid", {}).values())))
        out.append(sc)
    return out
