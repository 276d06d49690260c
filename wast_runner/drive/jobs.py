"""Choosing the files of a run: the jobs of a suite, of files and folders given on the command line."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from oracle.features import WASM_2_0_FEATURES

from ..convert import CONVERTERS
from ..model import Job

#: The converters of a file outside every suite (no manifest to say).
DEFAULT_CONVERTERS: tuple[str, ...] = ("oracle",)
from ..suites import SuiteError, found_suites, get_manifest, is_excluded, locate, suite_files, suite_for_path


# -- choosing the files -------------------------------------------------------------------------------------------

def suite_jobs(name: str, excludes: Sequence[str] = (), converter: str | None = None) -> list[Job]:
    """The jobs of a suite; ``converter`` (``--converter``) overrides the manifest's choice."""
    m = get_manifest(name)
    root = locate(m)
    if not m.suite_kind.converted:  # e.g. dylink scenario files: run as they are
        return [Job(str(path), rel, m.name, tuple(sorted(m.features)), converters=(), kind=m.kind)
                for path, rel in suite_files(m, root, tuple(excludes))]
    return [_job(path, rel, m, converter=converter) for path, rel in suite_files(m, root, tuple(excludes))]


def _job(path: Path, rel: str, m: Any | None, features: Sequence[str] | None = None,
         converter: str | None = None) -> Job:
    if m is None:
        convs = (converter,) if converter else DEFAULT_CONVERTERS
        return Job(str(path), rel, None, tuple(sorted(features or WASM_2_0_FEATURES)), convs)
    return Job(str(path), rel, m.name, tuple(sorted(m.features)), *m.converters_for(rel, converter))


def path_jobs(paths: Sequence[str], excludes: Sequence[str] = (), features: Sequence[str] | None = None,
              converter: str | None = None) -> list[Job]:
    """Jobs for .wast files and folders given on the command line. A file inside a known suite's folder runs as
    part of that suite (its features, converters, and path relative to the suite folder); ``features`` (default:
    WebAssembly 2.0) applies to the others, named by their path relative to the common root of the paths given
    (a folder given alone: relative to it; a file alone: its name), so two given folders holding files of the same
    name give distinct records, ids and baseline keys."""
    found = found_suites() if paths else []
    given: list[tuple[Path, list[Path]]] = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            given.append((p.resolve(), [f.resolve() for f in sorted(p.rglob("*.wast"))]))
        elif p.is_file():
            given.append((p.resolve().parent, [p.resolve()]))
        else:
            raise SuiteError(f"no such file or folder: {arg}")
    hits = {f: suite_for_path(f, found) for _, files in given for f in files}
    # The common root of the given paths that hold files outside suites (suite files are named by their suite).
    outside = [str(folder) for folder, files in given if any(hits[f] is None for f in files)]
    root = Path(os.path.commonpath(outside)) if outside else Path()
    jobs = []
    for _, files in given:
        for f in files:
            hit = hits[f]
            if hit is not None:
                m, suite_root = hit
                job = _job(f, f.relative_to(suite_root).as_posix(), m, converter=converter)
            else:
                job = _job(f, f.relative_to(root).as_posix(), None, features, converter)
            if not is_excluded(job.file, tuple(excludes)):
                jobs.append(job)
    return jobs


def dedupe(jobs: list[Job]) -> list[Job]:
    seen, out = set(), []
    for j in jobs:
        if j.path not in seen:
            seen.add(j.path)
            out.append(j)
    return out


def check_converters(jobs: Sequence[Job]) -> None:
    """Fail early, with one clear message, when the primary converter is not installed."""
    for name in sorted({j.converters[0] for j in jobs if j.converters}):
        try:
            CONVERTERS[name].version
        except KeyError:
            raise SuiteError(f"unknown converter {name!r}") from None
        except RuntimeError as e:
            raise SuiteError(str(e)) from None
