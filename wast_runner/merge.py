"""``wast-runner merge RESULTS... -o ALL.jsonl``: the results of a sharded run (``run --shard K/N``), put back
together, after checking that the parts are one split: every part 1..N present once, no file in two parts, and
every file a part owns has its records (a part that died early is an error, not a silently smaller run)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from .results import ResultsWriter, read_results
from .suites import SuiteError


class MergeError(SuiteError):
    """The parts are not one complete split (a usage error: exit status 2, one line)."""


def _plan(path: str) -> dict:
    side = Path(f"{path}.shard.json")
    try:
        plan = json.loads(side.read_text())
    except (OSError, ValueError):
        raise MergeError(f"{path}: no shard plan {side.name} beside it (written by run --shard K/N --results)") \
            from None
    if plan.get("format") != "wast-runner-shard":
        raise MergeError(f"{side}: not a shard plan")
    return plan


def _key(rec: dict) -> str:
    return f"{rec['suite']}/{rec['file']}" if rec.get("suite") else rec["file"]


def merge(paths: Sequence[str], output: str) -> tuple[int, int]:
    """Check the parts and write their records to ``output`` (part 1 first); (parts, records)."""
    if not paths:
        raise MergeError("merge: give the results files of the parts")
    plans = [(path, _plan(path)) for path in paths]   # a list: the same part given twice must be seen twice
    sizes = {plan["of"] for _, plan in plans}
    if len(sizes) != 1:
        raise MergeError(f"the parts come from different splits (of {', '.join(map(str, sorted(sizes)))})")
    n = sizes.pop()
    by_part = sorted(plans, key=lambda item: item[1]["shard"])
    parts = [plan["shard"] for _, plan in by_part]
    if parts != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(parts))
        twice = sorted({k for k in parts if parts.count(k) > 1})
        raise MergeError(f"not one complete split of {n}: " + "; ".join(
            ([f"missing part {', '.join(map(str, missing))}"] if missing else [])
            + ([f"part {', '.join(map(str, twice))} given twice"] if twice else [])))
    owner: dict[str, int] = {}
    for _, plan in by_part:
        for f in plan["files"]:
            if f in owner:
                raise MergeError(f"{f} is in part {owner[f]} and in part {plan['shard']}: the parts overlap")
            owner[f] = plan["shard"]
    count = 0
    with ResultsWriter(output) as writer:
        for path, plan in by_part:
            seen: set[str] = set()
            for rec in read_results(path):
                key = _key(rec)
                if owner.get(key) != plan["shard"]:
                    raise MergeError(f"{path}: a record of {key}, which part {plan['shard']} does not own")
                seen.add(key)
                writer.write(rec)
                count += 1
            lost = [f for f in plan["files"] if f not in seen]
            if lost:
                raise MergeError(f"{path}: no records for {len(lost)} of its files ({', '.join(lost[:3])}"
                                 f"{', ...' if len(lost) > 3 else ''}): did part {plan['shard']} finish?")
    return n, count
