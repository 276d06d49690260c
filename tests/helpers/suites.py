"""The official suites for tests that check the oracle on them directly (decoder, validator, SIMD replay): found
through ``wast_runner.suites`` (the manifests and ``WAST_TESTSUITE_PATH``), converted through
``wast_runner.convert`` (the runner's converters, per-file rules and cache), never by a path of this machine or a
converter run by hand.

A suite that is not found is a skipped test saying where the runner looked, never an empty parametrization (tests
that silently stop testing); a suite that is found but selects no file fails.
"""
from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest

from wast_runner.convert import SCRIPT_NAME, Conversion, ConverterMissing, convert
from wast_runner.suites import SuiteError, get_manifest, locate, suite_files


def find_files(name: str, pattern: str = "*") -> tuple[list[tuple[Path, str]], str | None]:
    """``(files, None)``: the suite's files (path, path relative to the suite folder) whose name matches
    ``pattern``; ``([], reason)`` when the suite is not found."""
    m = get_manifest(name)
    try:
        root = locate(m)
    except SuiteError as e:
        return [], f"suite {name} not found: {e}"
    return [(p, rel) for p, rel in suite_files(m, root) if fnmatch.fnmatch(p.name, pattern)], None


def file_params(*names: str, pattern: str = "*") -> list:
    """Collection time: ``pytest.param(suite name, relative path)`` for every selected file of each suite, with id
    ``suite/file-stem``. A suite not found gives one param marked skip with the reason; a suite found without a
    selected file gives one param whose ``suite_path`` fails."""
    params = []
    for name in names:
        files, missing = find_files(name, pattern)
        if missing:
            params.append(pytest.param(name, None, id=f"{name}-not-found", marks=pytest.mark.skip(reason=missing)))
        elif not files:
            params.append(pytest.param(name, None, id=f"{name}-no-files"))
        else:
            params += [pytest.param(name, rel, id=f"{name}/{rel.removesuffix('.wast')}") for _, rel in files]
    return params


def suite_path(name: str, rel: str | None) -> Path:
    """The file ``rel`` of suite ``name`` (a param of ``file_params``); skips when the suite is gone, fails when
    the suite selected no file."""
    if rel is None:
        pytest.fail(f"suite {name} is found but selects no file for this test")
    try:
        return locate(get_manifest(name)) / rel
    except SuiteError as e:
        pytest.skip(f"suite {name} not found: {e}")


def convert_file(name: str, rel: str | None) -> Conversion:
    """Convert a suite file with the manifest's external converters (wast2json / wasm-tools and their flags for
    that file: binaries not made by the oracle's encoder), through the runner's conversion cache."""
    path = suite_path(name, rel)
    converters, flags, fallback_flags = get_manifest(name).external_converters_for(rel)
    try:
        return convert(path, flags, converters, fallback_flags=fallback_flags)
    except ConverterMissing as e:  # an optional converter (the wasm-tools extra) is not installed
        pytest.skip(f"cannot convert {rel}: {e}")


def script_commands(conv: Conversion) -> list[dict]:
    """The converted script's commands as the converter wrote them (JSON objects)."""
    assert conv.folder is not None, conv.error
    return json.loads((conv.folder / SCRIPT_NAME).read_text())["commands"]
