"""JUnit XML from results records, for CI systems that render test reports (``--junit FILE``).

One ``<testsuite>`` per ``.wast`` file (named ``SUITE/FILE``), one ``<testcase>`` per command (``classname`` = the
testsuite's name, ``name`` = line, kind and the action's export, ``file`` and ``line`` attributes), in line order:

* ``passed`` -> an empty test case;
* ``failed`` -> ``<failure>`` (message: the detail; text: detail, expected and actual);
* ``error`` -> ``<error>`` (text: detail and the Python traceback when there is one);
* ``skipped`` -> ``<skipped>`` with the reason.

Known failures -- commands a baseline expects to fail (when gating) or a fail list names -- become ``<skipped>``
with the reason, so the CI page agrees with the exit status; without a baseline or fail list the counts are exactly
the results file's (tests = records, failures = ``failed``, errors = ``error``, skipped = ``skipped``).
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

# Characters XML 1.0 cannot carry (details may quote arbitrary names); replaced by U+FFFD.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: Any) -> str:
    return _INVALID_XML.sub("\ufffd", str(text))


def _first_line(text: str) -> str:
    text = text.strip()
    return text.splitlines()[0] if text else ""


def suite_name(rec: dict) -> str:
    """``SUITE/FILE`` (``FILE`` for records outside a suite)."""
    return f"{rec['suite']}/{rec['file']}" if rec.get("suite") else str(rec.get("file", "?"))


def case_name(rec: dict) -> str:
    action = rec.get("action") or {}
    what = f" {action.get('field')}" if isinstance(action, dict) and action.get("field") is not None else ""
    return f"line {rec.get('line', 0)}: {rec.get('kind', '?')}{what}"


def _body(rec: dict) -> str:
    parts = [rec.get("detail", "")]
    for key in ("expected", "actual"):
        if key in rec:
            parts.append(f"{key}: {json.dumps(rec[key], ensure_ascii=False)}")
    if rec.get("traceback"):
        parts.append(rec["traceback"])
    return "\n".join(p for p in parts if p)


def _known_reason(rec: dict, gate: Any) -> str | None:
    """Why a failing record is a known failure, or None."""
    if gate is not None and gate.verdict(rec) == "expected":
        return "expected failure (baseline)"
    if rec.get("listed") and rec.get("outcome") in ("failed", "error"):
        return "known failure (fail list)"
    return None


def junit_tree(records: Iterable[dict], name: str = "wast-runner", gate: Any = None) -> ET.ElementTree:
    """The JUnit document for ``records``; ``gate`` is a ``baseline.GateResult`` judging the same records."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        groups[suite_name(rec)].append(rec)
    root = ET.Element("testsuites", name=name)
    totals = dict(tests=0, failures=0, errors=0, skipped=0)
    for sname in sorted(groups):
        recs = sorted(groups[sname], key=lambda r: (r.get("line", 0), r.get("kind", "")))
        counts = dict(tests=0, failures=0, errors=0, skipped=0)
        suite = ET.SubElement(root, "testsuite", name=_clean(sname))
        if recs[0].get("engine"):
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="engine",
                          value=_clean(f"{recs[0]['engine']} {recs[0].get('engine_version', '')}".strip()))
        for rec in recs:
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", classname=_clean(sname), name=_clean(case_name(rec)),
                                 file=_clean(rec.get("file", "")), line=str(rec.get("line", 0)))
            outcome = rec.get("outcome")
            known = _known_reason(rec, gate)
            detail = rec.get("detail", "")
            if known is not None:
                counts["skipped"] += 1
                el = ET.SubElement(case, "skipped", message=_clean(f"{known}: {_first_line(detail)}"))
                el.text = _clean(_body(rec))
            elif outcome == "failed":
                counts["failures"] += 1
                el = ET.SubElement(case, "failure", message=_clean(_first_line(detail)), type="failed")
                el.text = _clean(_body(rec))
            elif outcome == "error":
                counts["errors"] += 1
                el = ET.SubElement(case, "error", message=_clean(_first_line(detail)), type="error")
                el.text = _clean(_body(rec))
            elif outcome == "skipped":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(detail or rec.get("skip_reason", "skipped")))
            elif gate is not None and gate.verdict(rec) == "fixed":
                out = ET.SubElement(case, "system-out")
                out.text = "expected to fail by the baseline, but passes: update the baseline"
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root, space=" ")
    return ET.ElementTree(root)


def write_junit(path: str | Path, records: Iterable[dict], name: str = "wast-runner", gate: Any = None) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    junit_tree(records, name, gate).write(path, encoding="utf-8", xml_declaration=True)
