"""Shared by the text-format and encoder tests: the official suites' converted scripts, and module comparison."""
from __future__ import annotations

import math
from dataclasses import fields, is_dataclass
from pathlib import Path

from oracle.runtime.values import f64_to_bits


def suite_wast_files(name: str) -> list[tuple[Path, str]]:
    """The suite's .wast files (absolute path, relative name), or [] when the suite is not found."""
    from wast_runner.suites import SuiteError, get_manifest, locate, suite_files
    m = get_manifest(name)
    try:
        root = locate(m)
    except SuiteError:
        return []
    return suite_files(m, root)


def converted(name: str, path: Path, rel: str):
    """The runner's conversion of one suite file (cached), or None when no converter could convert it."""
    from wast_runner.convert import ConverterMissing, convert
    from wast_runner.suites import get_manifest
    m = get_manifest(name)
    convs, flags, fallback = m.converters_for(rel)
    try:
        conv = convert(path, flags, convs, fallback_flags=fallback)
    except ConverterMissing:
        return None
    return conv if conv.error is None else None


def key(x):
    """A comparable form of syntax trees: floats by their bits (NaN payloads compared, NaN == NaN)."""
    if isinstance(x, float):
        return ("float", f64_to_bits(x)) if math.isnan(x) or x == 0 else x
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(key(y) for y in x))
    if is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__, tuple((f.name, key(getattr(x, f.name))) for f in fields(x)))
    return x


def module_key(m, customs: bool = True):
    k = key(m)
    if not customs:
        k = (k[0], tuple(p for p in k[1] if p[0] != "customs"))
    return k
