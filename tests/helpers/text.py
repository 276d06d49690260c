"""Shared by the text-format and encoder tests: module comparison, and the suite files they read.

Suite files come from ``helpers.suites.file_params`` (a missing suite is a skip with its reason, never an empty
parametrization); conversions through ``helpers.suites.convert_file`` (the runner's converters and cache).
"""
from __future__ import annotations

import math
from dataclasses import fields, is_dataclass
from typing import Any

from oracle.runtime.values import f64_to_bits
from wast_runner.convert import Conversion, ConverterMissing, convert
from wast_runner.suites import get_manifest

from .suites import suite_path

#: The official suites the text reader is checked on (every .wast suite the manifests name).
TEXT_SUITES = ("wasm-3.0", "wasm-2.0", "exceptions-legacy", "threads", "multi-memory", "memory64", "custom-page-sizes",
               "wide-arithmetic", "custom-descriptors")


def key(x: Any) -> Any:
    """A comparable form of syntax trees: floats by their bits (NaN payloads compared, NaN == NaN)."""
    if isinstance(x, float):
        return ("float", f64_to_bits(x)) if math.isnan(x) or x == 0 else x
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(key(y) for y in x))
    if is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__, tuple((f.name, key(getattr(x, f.name))) for f in fields(x)))
    return x


def module_key(m: Any, customs: bool = True) -> Any:
    """``key`` of a module; without ``customs``, its custom sections left out."""
    k = key(m)
    if not customs:
        k = (k[0], tuple(p for p in k[1] if p[0] != "customs"))
    return k


def converted(name: str, rel: str) -> Conversion | None:
    """The runner's conversion of one suite file with the manifest's converters (cached), or None when no
    converter could convert it or none is installed (the caller's other checks still run)."""
    path = suite_path(name, rel)
    convs, flags, fallback = get_manifest(name).external_converters_for(rel)
    try:
        conv = convert(path, flags, convs, fallback_flags=fallback, features=sorted(get_manifest(name).features))
    except ConverterMissing:
        return None
    return conv if conv.error is None else None
