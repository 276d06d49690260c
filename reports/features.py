"""Which feature a suite file tests, for the per-feature rollup (2.0 core, SIMD, multi-memory, memory64, ...).

A proposal's own suite is its feature; within the core suites, files are grouped by name, following the test
suite's naming (``simd_*``, ``relaxed_*``, ``*64.wast``, ...). The first matching rule wins.
"""
from __future__ import annotations

import re

#: Suites that test one feature as a whole.
SUITE_FEATURES = {
    "multi-memory": "multi-memory",
    "memory64": "memory64",
    "exceptions-legacy": "legacy exceptions",
    "threads": "threads",
    "custom-page-sizes": "custom page sizes",
    "wide-arithmetic": "wide arithmetic",
    "custom-descriptors": "custom descriptors",
    "annotations": "annotations",
    "dylink": "dynamic linking",
}

#: (suite, file-name pattern, feature) for files of the core suites.
FILE_RULES: tuple[tuple[str, str, str], ...] = (
    ("*", r"simd_.*", "SIMD"),
    ("wasm-3.0", r"(relaxed_.*|.*_relaxed_.*)", "relaxed SIMD"),
    ("wasm-3.0", r"(.*64(-.*)?|memory64.*)\.wast", "memory64"),
    ("wasm-3.0", r".*-multi\.wast", "multi-memory"),
    ("wasm-3.0", r"(array.*|struct|i31|ref_cast|ref_test|ref_eq|br_on_cast.*|type-(subtyping|rec|canon|equivalence)"
                 r"|binary-gc|extern)\.wast", "GC"),
    ("wasm-3.0", r"return_call.*", "tail calls"),
    ("wasm-3.0", r"(call_ref|ref_as_non_null|br_on_null|br_on_non_null|local_init|table-sub)\.wast",
     "function references"),
    ("wasm-3.0", r"(tag|throw|throw_ref|try_table|exn.*)\.wast", "exceptions"),
    ("wasm-2.0", r".*", "2.0 core"),
    ("wasm-3.0", r".*", "3.0 core"),
)

_COMPILED = [(s, re.compile(p), f) for s, p, f in FILE_RULES]


def feature_of(suite: str | None, file: str) -> str:
    """The feature group of ``file`` of ``suite`` (the suite's name for suites without rules: a new proposal's suite
    is a row of its own in the matrix without being named here)."""
    if suite in SUITE_FEATURES:
        return SUITE_FEATURES[suite]
    name = file.rsplit("/", 1)[-1]
    for s, pattern, feature in _COMPILED:
        if (s == "*" or s == suite) and pattern.fullmatch(name):
            return feature
    return suite or "files outside suites"
