"""Suite manifests, the testsuite search path, and fetching pinned testsuite archives.

A manifest (``suites/<name>.toml``, shipped in the package) names a folder of one commit of
https://github.com/WebAssembly/testsuite, which files of it to run, the features they need, and how to convert
them. The testsuite itself is data, never part of the project: it is looked up in each folder of
``$WAST_TESTSUITE_PATH`` (separated by ``os.pathsep``; each holds checkouts named by full commit hash), then in
``<cache>/testsuite/<commit>``, where ``wast-runner suites fetch NAME`` puts it.
"""
from __future__ import annotations

import fnmatch
import functools
import hashlib
import importlib.resources
import os
import re
import shutil
import tarfile
import tempfile
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from oracle.features import Features
from oracle.text.messages import DEFAULT_VERSION, check_version

from .cachedir import cache_root

ARCHIVE_URL = "https://github.com/WebAssembly/testsuite/archive/{commit}.tar.gz"


class SuiteError(Exception):
    """A problem the user has to fix (unknown suite, suite not found, bad manifest); printed without traceback."""


@dataclass(frozen=True)
class SuiteKind:
    """A kind of suite (a manifest's ``kind``): where its files are and which of them it runs. The driver runs
    each kind's files with the runner it registers for the name (``wast_runner.drive.files``)."""

    name: str
    pattern: str          # the files a suite folder holds, e.g. "*.wast"
    in_tree: bool         # in this project (``suites/<folder>``), not in a testsuite checkout named by commit
    converted: bool       # files are converted (wast2json ...) before they run
    # the variable listing folders of checkouts named by commit, and a folder name looked up next to each folder
    # of $WAST_TESTSUITE_PATH (wasi-testsuite beside testsuite); fetchable: ``suites fetch`` can download it
    path_env: str = "WAST_TESTSUITE_PATH"
    sibling: str | None = None
    fetchable: bool = True


#: The suite kinds by name; a new kind registers here (and its runner with the driver).
SUITE_KINDS: dict[str, SuiteKind] = {
    "wast": SuiteKind("wast", "*.wast", in_tree=False, converted=True),          # the official testsuite
    "dylink": SuiteKind("dylink", "*.toml", in_tree=True, converted=False),      # scenario files (wast_runner.dylink)
    # wasi-testsuite programs (wast_runner.wasi): $WASI_TESTSUITE_PATH, else ../wasi-testsuite beside the testsuite
    "wasi": SuiteKind("wasi", "*.wasm", in_tree=False, converted=False, path_env="WASI_TESTSUITE_PATH",
                      sibling="wasi-testsuite", fetchable=False),
}


@dataclass(frozen=True)
class Manifest:
    name: str
    commit: str
    folder: str = "."                              # inside the testsuite checkout, "/"-separated
    include: tuple[str, ...] = ("*.wast",)         # globs relative to the folder ("**" crosses folders)
    exclude: tuple[str, ...] = ()
    features: frozenset[str] = frozenset()
    converters: tuple[str, ...] = ("wast2json",)   # tried in order until one converts the file
    converter_flags: tuple[str, ...] = ()          # for the first converter
    fallback_flags: tuple[str, ...] = ()           # for the others
    # per-file converter choice: (glob, converters); the first matching glob wins over ``converters``
    converter_rules: tuple[tuple[str, tuple[str, ...]], ...] = ()
    archive_sha256: str | None = None
    expected_files: int | None = None
    supported: bool = True
    description: str = ""
    notes: str = ""
    # a name in ``SUITE_KINDS``: "wast" (testsuite .wast files) or "dylink" (in-tree scenario files under
    # suites/<folder>, no commit; run by wast_runner.dylink)
    kind: str = "wast"
    # the converter a run uses unless told otherwise (``--converter``): "oracle", the oracle's own text reader;
    # ``converters`` and the keys after it say how wast2json / wasm-tools convert the files, for cross-checking
    converter: str = "oracle"
    # the reference interpreter version whose error messages the suite's scripts expect (oracle.text.messages)
    text_messages: str = "3.0"
    source: str = field(default="", compare=False)  # the manifest file, for messages

    def converters_for(self, rel: str, converter: str | None = None
                       ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """``(converters, flags for the first, flags for the others)`` for the file ``rel`` of this suite;
        ``converter`` (``--converter``) forces one, with the flags the manifest gives it; without it the
        manifest's ``converter``. ``oracle`` reads with the suite's features and ``oracle_flags``."""
        if converter is None and self.converter != "oracle":
            return self.external_converters_for(rel)
        converter = converter or self.converter
        if converter == "oracle":
            return (converter,), self.oracle_flags, ()
        if converter == self.converters[0]:
            return (converter,), self.converter_flags, ()
        return (converter,), self.fallback_flags if converter in self.converters else (), ()

    def external_converters_for(self, rel: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """``converters_for`` with the manifest's external converters for ``rel`` (``converters`` in order, or
        the first ``converter_rules`` glob matching it): wast2json / wasm-tools, for cross-checking the oracle's
        reader."""
        for glob, convs in self.converter_rules:
            if fnmatch.fnmatch(rel, glob):
                first = self.converter_flags if convs[0] == self.converters[0] else self.fallback_flags
                return convs, first, self.fallback_flags
        return self.converters, self.converter_flags, self.fallback_flags

    @property
    def oracle_flags(self) -> tuple[str, ...]:
        """The ``oracle`` converter's flags: whose messages to report (``text_messages``)."""
        return (f"--text-messages={self.text_messages}",)

    @property
    def feature_set(self) -> Features:
        return Features.from_names(self.features)

    @property
    def suite_kind(self) -> SuiteKind:
        return SUITE_KINDS[self.kind]


def _parse_manifest(text: str, source: str) -> Manifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SuiteError(f"{source}: {e}") from None
    known = {f for f in Manifest.__dataclass_fields__ if f not in ("source", "expected_files")} | {"files"}
    unknown = set(data) - known
    kind = data.get("kind", "wast")
    in_tree = kind in SUITE_KINDS and SUITE_KINDS[kind].in_tree
    if unknown or "name" not in data or ("commit" not in data and not in_tree):
        raise SuiteError(f"{source}: needs name and commit; unknown keys: {', '.join(sorted(unknown)) or '-'}")
    commit = data.get("commit", "")
    if kind not in SUITE_KINDS:
        raise SuiteError(f"{source}: kind must be {' or '.join(SUITE_KINDS)}, got {kind!r}")
    if not in_tree and not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise SuiteError(f"{source}: commit must be a full 40-digit hash, got {commit!r}")
    try:
        Features.from_names(data.get("features", []))
        check_version(data.get("text_messages", DEFAULT_VERSION))
    except ValueError as e:
        raise SuiteError(f"{source}: {e}") from None
    if data.get("converter", "oracle") not in ("oracle", *data.get("converters", ["wast2json"])):
        raise SuiteError(f"{source}: converter must be oracle or one of converters, got {data['converter']!r}")
    return Manifest(
        name=data["name"], commit=commit, folder=data.get("folder", "."),
        include=tuple(data.get("include", ["*.wast"])), exclude=tuple(data.get("exclude", [])),
        features=frozenset(data.get("features", [])), converters=tuple(data.get("converters", ["wast2json"])),
        converter_flags=tuple(data.get("converter_flags", [])), fallback_flags=tuple(data.get("fallback_flags", [])),
        converter_rules=tuple((glob, tuple(convs)) for glob, convs in data.get("converter_rules", {}).items()),
        archive_sha256=data.get("archive_sha256") or None, expected_files=data.get("files"),
        supported=bool(data.get("supported", True)), description=data.get("description", ""),
        notes=data.get("notes", ""), kind=kind, converter=data.get("converter", "oracle"),
        text_messages=data.get("text_messages", DEFAULT_VERSION), source=source)


@functools.lru_cache(maxsize=1)
def manifests() -> dict[str, Manifest]:
    """Every shipped manifest, by suite name."""
    out = {}
    for entry in sorted(importlib.resources.files("suites").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            m = _parse_manifest(entry.read_text(encoding="utf-8"), f"suites/{entry.name}")
            out[m.name] = m
    return out


def get_manifest(name: str) -> Manifest:
    all_ = manifests()
    if name not in all_:
        raise SuiteError(f"unknown suite {name!r}; known suites: {', '.join(all_)}")
    return all_[name]


def search_roots(kind: SuiteKind | None = None) -> list[Path]:
    """Folders that may hold testsuite checkouts named by commit, in lookup order (for a suite kind with its own
    search path: that path, then its folder beside each testsuite folder, then the cache)."""
    def listed(env: str) -> list[Path]:
        return [Path(p).expanduser() for p in os.environ.get(env, "").split(os.pathsep) if p]
    roots = listed("WAST_TESTSUITE_PATH")
    if kind is not None and kind.path_env != "WAST_TESTSUITE_PATH":
        own = listed(kind.path_env) + ([r.parent / kind.sibling for r in roots] if kind.sibling else [])
        return own + [cache_root() / kind.name]
    return roots + [cache_root() / "testsuite"]


def candidates(m: Manifest) -> list[Path]:
    return [root / m.commit / m.folder for root in search_roots(m.suite_kind)]


def find_suite(m: Manifest) -> Path | None:
    """The suite's folder in the first checkout that has it, or None."""
    if m.suite_kind.in_tree:  # ours: suites/<folder>
        root = Path(str(importlib.resources.files("suites") / m.folder)).resolve()
        return root if root.is_dir() else None
    for path in candidates(m):
        if path.is_dir():
            return path.resolve()
    return None


def locate(m: Manifest) -> Path:
    """The suite's folder; ``SuiteError`` saying where it looked when it is nowhere."""
    found = find_suite(m)
    if found is None:
        looked = "\n".join(f"  {p}" for p in candidates(m))
        raise SuiteError(f"suite {m.name!r} (testsuite commit {m.commit}) not found; looked in:\n{looked}\n"
                         f"set WAST_TESTSUITE_PATH to a folder holding {m.commit}/, or run "
                         f"`wast-runner suites fetch {m.name}`")
    return found


def glob_match(rel: str, pattern: str) -> bool:
    """Match a "/"-separated relative path against a glob where ``*``, ``?`` and ``[...]`` stay within one path
    segment and a ``**`` segment matches any number of folders."""
    return re.fullmatch(_glob_regex(pattern), rel) is not None


@functools.lru_cache(maxsize=256)   # a run matches every file against every --exclude
def _glob_regex(pattern: str) -> str:
    parts = []
    for seg in PurePosixPath(pattern).parts:
        if seg == "**":
            parts.append("(?:[^/]+/)*")
            continue
        rx, i = "", 0
        while i < len(seg):
            c = seg[i]
            if c == "*":
                rx += "[^/]*"
            elif c == "?":
                rx += "[^/]"
            elif c == "[" and "]" in seg[i + 1:]:
                j = seg.index("]", i + 1)
                body = seg[i + 1:j]
                rx += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
                i = j
            else:
                rx += re.escape(c)
            i += 1
        parts.append(rx + "/")
    return "".join(parts)[:-1] if parts else ""


def is_excluded(rel: str, excludes: tuple[str, ...] | list[str]) -> bool:
    """Exclude globs match the relative path, or just the file name."""
    name = rel.rsplit("/", 1)[-1]
    return any(glob_match(rel, g) or glob_match(name, g) for g in excludes)


def suite_files(m: Manifest, root: Path, extra_excludes: tuple[str, ...] = ()) -> list[tuple[Path, str]]:
    """The suite's files as (absolute path, path relative to the suite folder), sorted."""
    out = []
    for path in sorted(root.rglob(m.suite_kind.pattern)):
        rel = path.relative_to(root).as_posix()
        if any(glob_match(rel, g) for g in m.include) and not is_excluded(rel, m.exclude + extra_excludes):
            out.append((path, rel))
    return out


def found_suites() -> list[tuple[Manifest, Path]]:
    """Every manifest whose suite is found, with its folder."""
    out = []
    for m in manifests().values():
        root = find_suite(m)
        if root is not None:
            out.append((m, root))
    return out


def suite_for_path(path: Path, found: list[tuple[Manifest, Path]] | None = None) -> tuple[Manifest, Path] | None:
    """The manifest whose (found) folder holds ``path`` and whose globs select it, with the suite folder; the
    deepest folder wins (``proposals/multi-memory`` over the top level of the same commit). ``found`` is
    ``found_suites()``, passed in when looking up many paths."""
    path = path.resolve()
    best = None
    for m, root in (found_suites() if found is None else found):
        if not path.is_relative_to(root):
            continue
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not any(glob_match(rel, g) for g in m.include):
            continue
        if best is None or len(root.parts) > len(best[1].parts):
            best = (m, root)
    return best


def fetch(m: Manifest, log=print) -> Path:
    """Download the pinned testsuite commit into the cache (if it is not found already) and return the suite's
    folder. The archive is checked against ``archive_sha256`` when the manifest pins one, and in any case its top
    folder must be ``testsuite-<commit>``."""
    found = find_suite(m)
    if found is not None:
        log(f"{m.name}: already present at {found}")
        return found
    if not m.suite_kind.fetchable:
        raise SuiteError(f"suite {m.name!r} cannot be fetched; put a checkout of commit {m.commit} in a folder of "
                         f"${m.suite_kind.path_env}")
    dest_root = cache_root() / "testsuite"
    dest_root.mkdir(parents=True, exist_ok=True)
    url = ARCHIVE_URL.format(commit=m.commit)
    log(f"{m.name}: downloading {url}")
    with tempfile.TemporaryDirectory(dir=dest_root, prefix=".fetch-") as tmp:
        archive = Path(tmp) / "archive.tar.gz"
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=60) as resp, open(archive, "wb") as out:
                while chunk := resp.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
        except OSError as e:
            raise SuiteError(f"download of {url} failed: {e}") from None
        sha = digest.hexdigest()
        if m.archive_sha256 and sha != m.archive_sha256:
            raise SuiteError(f"{url}: sha256 {sha} does not match the manifest's {m.archive_sha256}")
        top = f"testsuite-{m.commit}"
        with tarfile.open(archive, "r:gz") as tar:
            names = tar.getnames()
            if not names or any((n != top and not n.startswith(top + "/")) or ".." in PurePosixPath(n).parts
                                for n in names):
                raise SuiteError(f"{url}: the archive's top folder is not {top}")
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:  # Python before 3.11.4: the check above already keeps every member inside ``top``
                tar.extractall(tmp)
        dest = dest_root / m.commit
        if dest.exists():
            shutil.rmtree(dest)
        os.rename(Path(tmp) / top, dest)
    log(f"{m.name}: unpacked to {dest} (archive sha256 {sha})")
    return locate(m)
