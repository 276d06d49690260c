"""Scenario files of the dylink suite (TOML; the format is in ``docs/dylink.md``): reading them into
``Scenario`` / ``ProgramCase`` / ``Step``, and the scenario numbers as values of the oracle's value model.

Both ways of running a scenario (``wast_runner.dylink.suite`` and ``wast_runner.dylink.toywasm``) read it here.
"""
from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oracle.dylink.errors import CODES
from oracle.dylink.loader import DEFAULT_FEATURES
from oracle.dylink.plan import DEFAULT_STACK_SIZE
from oracle.features import ALL_FEATURES, Features
from oracle.runtime.values import MASK32, MASK64, f32_round, f32_to_bits, f64_to_bits

#: Requirements a program may list, and the feature name an engine must report for each. A requirement whose
#: feature the oracle implements is met: the program's modules are decoded and validated with that feature.
REQUIREMENTS = {"threads": "threads"}

_PROGRAM_KEYS = {"name", "main", "path", "features", "requires", "expect_error", "message", "expect_warning",
                 "stack_size", "step"}
_STEP_KEYS = {"invoke", "module", "args", "expect", "trap", "expect_symbol"}


class ScenarioError(Exception):
    """A scenario file that does not follow the format."""


@dataclass
class Step:
    line: int
    invoke: str
    module: str | None = None
    args: list = field(default_factory=list)
    expect: list | None = None
    trap: str | None = None
    expect_symbol: str | None = None

    @property
    def kind(self) -> str:
        if self.trap is not None:
            return "assert_trap"
        if self.expect is not None or self.expect_symbol is not None:
            return "assert_return"
        return "action"


@dataclass
class ProgramCase:
    line: int
    name: str
    main: Path
    path: list[Path]
    features: Features
    requires: list[str]
    expect_error: str | None
    message: str | None
    expect_warning: str | None
    stack_size: int
    steps: list[Step]


@dataclass
class Scenario:
    path: Path
    description: str
    programs: list[ProgramCase]


# -- reading scenario files ---------------------------------------------------------------------------------------

_PROGRAM_HEADER = re.compile(r"^\s*\[\[\s*program\s*\]\]")
_STEP_HEADER = re.compile(r"^\s*\[\[\s*program\s*\.\s*step\s*\]\]")


def _header_lines(text: str) -> list[tuple[int, list[int]]]:
    """(line of each ``[[program]]``, [lines of its ``[[program.step]]`` headers]) in order."""
    out: list[tuple[int, list[int]]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if _PROGRAM_HEADER.match(line):
            out.append((n, []))
        elif _STEP_HEADER.match(line) and out:
            out[-1][1].append(n)
    return out


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Parse a scenario file; paths in it are relative to the file's folder."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: {e}") from None
    unknown = set(data) - {"description", "program"}
    if unknown:
        raise ScenarioError(f"{path}: unknown top-level keys {sorted(unknown)}")
    headers = _header_lines(text)
    programs = []
    for k, p in enumerate(data.get("program", [])):
        line, step_lines = headers[k] if k < len(headers) else (1, [])
        programs.append(_program(path, p, line, step_lines))
    if not programs:
        raise ScenarioError(f"{path}: no [[program]]")
    return Scenario(path, data.get("description", ""), programs)


def _program(path: Path, p: dict, line: int, step_lines: list[int]) -> ProgramCase:
    where = f"{path}:{line}"
    unknown = set(p) - _PROGRAM_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown program keys {sorted(unknown)}")
    if "main" not in p:
        raise ScenarioError(f"{where}: a program needs main")
    folder = path.parent
    features = DEFAULT_FEATURES
    if "features" in p:
        try:
            features = DEFAULT_FEATURES.with_(*p["features"])
        except ValueError as e:
            raise ScenarioError(f"{where}: {e}") from None
    requires = list(p.get("requires", []))
    bad = [r for r in requires if r not in REQUIREMENTS]
    if bad:
        raise ScenarioError(f"{where}: unknown requirement(s) {bad}; known: {sorted(REQUIREMENTS)}")
    features = features.with_(*(REQUIREMENTS[r] for r in requires if REQUIREMENTS[r] in ALL_FEATURES))
    code = p.get("expect_error")
    if code is not None and code not in CODES:
        raise ScenarioError(f"{where}: unknown error code {code!r}; known: {', '.join(CODES)}")
    steps = []
    for k, s in enumerate(p.get("step", [])):
        sline = step_lines[k] if k < len(step_lines) else line
        unknown = set(s) - _STEP_KEYS
        if unknown or "invoke" not in s:
            raise ScenarioError(f"{path}:{sline}: a step needs invoke; unknown keys {sorted(unknown)}")
        if sum(x in s for x in ("expect", "trap", "expect_symbol")) > 1:
            raise ScenarioError(f"{path}:{sline}: give at most one of expect, trap, expect_symbol")
        steps.append(Step(sline, s["invoke"], s.get("module"), list(s.get("args", [])), s.get("expect"),
                          s.get("trap"), s.get("expect_symbol")))
    if code is not None and steps:
        raise ScenarioError(f"{where}: a program that expects a load error has no steps")
    return ProgramCase(line, p.get("name", Path(p["main"]).stem), (folder / p["main"]).resolve(),
                       [(folder / d).resolve() for d in p.get("path", [])], features, requires, code,
                       p.get("message"), p.get("expect_warning"), int(p.get("stack_size", DEFAULT_STACK_SIZE)),
                       steps)


# -- values ---------------------------------------------------------------------------------------------------

def coerce(t: Any, v: Any) -> Any:
    """A scenario number (TOML int or float) as a value of type ``t`` in the oracle's value model."""
    if t in ("i32", "i64"):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ScenarioError(f"{t} value must be an integer, got {v!r}")
        return v & (MASK32 if t == "i32" else MASK64)
    if t == "f32":
        return f32_round(float(v))
    if t == "f64":
        return float(v)
    raise ScenarioError(f"values of type {t} are not supported in scenarios")


def same_value(t: Any, expected: Any, actual: Any) -> bool:
    if t in ("f32", "f64"):
        if not isinstance(actual, float):
            return False
        if math.isnan(expected):
            return math.isnan(actual)
        bits = f32_to_bits if t == "f32" else f64_to_bits
        return bits(expected) == bits(actual)
    return expected == actual
