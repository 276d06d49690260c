"""Outcomes in a picklable, engine-neutral form and their comparison by the diff's rules.

An outcome is a tuple: ``("returned", [encoded values])`` (wast2json encodings, bit patterns as decimal strings),
``("trapped" | "exhausted" | "thrown" | "notfound" | "unsupported" | "error" | "hang", message)``; a load outcome
is ``("loaded",)`` or ``(stage, message)`` with a stage of ``LOAD_STAGES``.

Allowed differences (what the spec leaves open; docs/fuzzing.md): a float result that is a NaN the spec lets
vary, matched by ``nan:canonical`` / ``nan:arithmetic`` exactly as ``wast_runner.compare`` matches them; resource
exhaustion on either side (call depth, memory). Failure messages are not compared (engines word them their own
way); the kind of failure is.
"""
from __future__ import annotations

from typing import Any, Sequence

from wast_runner.compare import value_matches
from wast_runner.engines.base import Exhausted, LoadFailed, Loaded, NotFound, Returned, Thrown, Trapped, Unsupported
from wast_runner.values import decode_arg, encode_value

Outcome = tuple


def action_outcome(result: Any, types: Sequence[Any]) -> Outcome:
    """An engine's ``ActionOutcome`` as an outcome tuple; values encoded by the function's result ``types``."""
    if isinstance(result, Returned):
        return ("returned", [encode_value(t, v) for t, v in zip(types, result.values)]
                + [encode_value("unknown", v) for v in result.values[len(types):]])
    for cls, kind in ((Trapped, "trapped"), (Exhausted, "exhausted"), (Thrown, "thrown"), (NotFound, "notfound"),
                      (Unsupported, "unsupported")):
        if isinstance(result, cls):
            return (kind, result.message)
    return ("error", f"unexpected outcome {result!r}")


def load_outcome(result: Any) -> Outcome:
    if isinstance(result, Loaded):
        return ("loaded",)
    if isinstance(result, LoadFailed):
        # "inferred": the engine only said it rejected the module; the adapter guessed the stage from its message
        return (result.stage, result.message, "inferred") if result.inferred else (result.stage, result.message)
    if isinstance(result, Unsupported):
        return ("unsupported", result.message)
    return ("error", f"unexpected load outcome {result!r}")


def expectation(enc: dict, free_nan: str | None, lanes: str | None = None) -> dict:
    """What an engine's value must match given the oracle's value ``enc``: the same bits, or, for a NaN whose
    bits the spec leaves open, the pattern ``free_nan`` (``nan:canonical`` or ``nan:arithmetic``); a vector
    from float lane arithmetic is read in ``lanes`` (``f32``/``f64``) and each such NaN lane gets the pattern."""
    if free_nan and lanes and enc["type"] == "v128":
        from wast_runner.values import lanes_to_v128, v128_to_lanes
        bits = lanes_to_v128(enc["lane_type"], enc["value"])
        out = [expectation({"type": lanes, "value": str(v)}, free_nan)["value"] for v in v128_to_lanes(bits, lanes)]
        return {"type": "v128", "lane_type": lanes, "value": out}
    # A signalling NaN cannot have come out of an arithmetic instruction (their NaNs are quiet), so it came
    # through bit-exact paths only and must be matched exactly.
    if free_nan and enc["type"] in ("f32", "f64") and _is_nan(enc) and _is_quiet(enc):
        return {"type": enc["type"], "value": free_nan}
    return enc


def _is_nan(enc: dict) -> bool:
    v = enc.get("value")
    if not isinstance(v, str) or not v.isdigit():
        return False
    bits = int(v)
    if enc["type"] == "f32":
        return bits & 0x7F800000 == 0x7F800000 and bits & 0x7FFFFF != 0
    return bits & 0x7FF0000000000000 == 0x7FF0000000000000 and bits & 0xFFFFFFFFFFFFF != 0


def _is_quiet(enc: dict) -> bool:
    bits = int(enc["value"])
    return bool(bits & (0x400000 if enc["type"] == "f32" else 0x8000000000000))


def compare_action(engine: Outcome, oracle: Outcome, expected: list[dict] | None = None) -> str | None:
    """``None`` when the engine's outcome is one the spec allows given the oracle's; else a short reason.
    ``expected`` are the expectations for a ``returned`` oracle outcome (default: its exact values)."""
    if engine[0] == "exhausted" or oracle[0] == "exhausted":
        return None     # resource limits are the implementation's (spec appendix/implementation.rst)
    if engine[0] == "unsupported":
        return None
    if engine[0] != oracle[0]:
        return f"{engine[0]} where the oracle {oracle[0]}"
    if engine[0] != "returned":
        return None
    exp = expected if expected is not None else oracle[1]
    if len(engine[1]) != len(exp):
        return f"{len(engine[1])} results where the oracle has {len(exp)}"
    for k, (e, a) in enumerate(zip(exp, engine[1])):
        if e.get("type", "").endswith("ref") and "value" not in e:
            # A non-null function (or other opaque) reference: which one cannot be told across engines, only
            # that it is one (as the scripts' ``(ref.func)`` pattern).
            if a.get("type") != e.get("type") or a.get("value") in (None, "null") and "value" in a:
                return f"result {k}: {a!r} where the oracle has a non-null {e.get('type')}"
            continue
        try:
            value = decode_arg(a).value if a.get("value") not in (None, "null") else None
        except Exception:   # not a value of the model at all
            return f"result {k}: {a!r}"
        etype = e["values"][0]["type"] if e.get("type") == "either" else e.get("type")
        if a.get("type") != etype or not value_matches(e, value):
            return f"result {k}: {a.get('value')} where the oracle allows {e.get('value')}"
    return None


#: Words by which engines (and the oracle) say that instantiation failed for want of resources.
RESOURCE_WORDS = ("exhaust", "out of memory", "failed to allocate", "resource", "limit")


def compare_load(engine: Outcome, oracle: Outcome) -> str | None:
    """Classification: loaded / malformed / invalid / unlinkable / uninstantiable must be the same stage;
    an instantiation that exhausts a resource (a huge memory) is the implementation's choice."""
    if engine[0] == oracle[0] or engine[0] == "unsupported":
        return None
    if engine[2:] == ("inferred",) and {engine[0], oracle[0]} <= {"malformed", "invalid"}:
        return None     # an engine that does not tell decoding from validation: only "rejected" is comparable
    # Resource limits are the implementation's (spec appendix/implementation.rst): a module that one side cannot
    # allocate (a huge table or memory, too many locals) may load on the other.
    if engine[0] == "exhausted" or oracle[0] == "exhausted":
        return None
    if oracle[0] == "uninstantiable" and any(w in str(oracle[1:2]).lower() for w in RESOURCE_WORDS):
        return None     # beyond one of the oracle's limits (too many locals): it cannot judge the module at all
    texts = " ".join(str(x) for x in engine[1:2] + oracle[1:2]).lower()
    if any(w in texts for w in RESOURCE_WORDS) and {engine[0], oracle[0]} <= {"loaded", "uninstantiable",
                                                                              "unlinkable"}:
        return None
    return f"{engine[0]} where the oracle says {oracle[0]}"


def kind_of(outcome: Outcome) -> str:
    return {"returned": "value", "trapped": "trap", "loaded": "valid"}.get(outcome[0], outcome[0])
