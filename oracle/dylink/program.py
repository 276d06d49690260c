"""Finding the modules of a program: the main module and the libraries it needs, transitively.

Rules (``docs/dylink.md``, "Finding libraries"):

* The *load order* is breadth-first from the main module, each module's needed libraries in the order listed
  (ELF's order). It is the order of memory and table regions and of symbol lookup.
* Each library is loaded once: a needed name that was already loaded is not searched again, and two names that
  resolve to the same file are one library.
* A needed name containing ``/`` is a path: absolute, or relative to the folder of the module that needs it. Any
  other name is searched for in the loader's search folders first (like ``LD_LIBRARY_PATH``), then in the
  requesting module's runtime-path entries (like ``DT_RUNPATH``, which applies to that module's own needs only),
  where ``$ORIGIN``/``${ORIGIN}`` is the folder of the requesting module and a relative entry is relative to it.
* A cycle in the needed graph is an error (``library-cycle``): constructors run dependencies first, which a cycle
  makes impossible to honour.
* The *initialisation order* is dependencies first: a depth-first post-order from the main module, needed lists
  in order; the main module comes last.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .. import embedding
from ..errors import Invalid, Malformed
from ..features import Features
from ..syntax.module import Module
from .errors import DylinkError
from .section import DylinkInfo, read_dylink


@dataclass(eq=False)
class LinkedModule:
    """One module of the program ("object" in ELF terms)."""

    name: str                    # as requested (the file name for the main module)
    path: Path                   # resolved, absolute
    data: bytes
    module: Module
    dylink: DylinkInfo | None
    is_main: bool = False
    needed: list["LinkedModule"] = field(default_factory=list)
    index: int = 0               # position in the load order

    @property
    def folder(self) -> Path:
        return self.path.parent

    def __repr__(self) -> str:
        return f"<LinkedModule {self.name}>"


@dataclass
class Program:
    """The modules of a program, in load order (``modules[0]`` is the main module)."""

    modules: list[LinkedModule]
    init_order: list[LinkedModule]
    warnings: list[str] = field(default_factory=list)

    @property
    def main(self) -> LinkedModule:
        return self.modules[0]

    def by_name(self, name: str) -> LinkedModule | None:
        for m in self.modules:
            if m.name == name or m.path.name == name:
                return m
        return None


def expand_origin(entry: str, origin: Path) -> Path:
    """A runtime-path entry with ``$ORIGIN``/``${ORIGIN}`` replaced by ``origin``; relative entries are relative
    to ``origin``."""
    text = entry.replace("${ORIGIN}", str(origin)).replace("$ORIGIN", str(origin))
    p = Path(text)
    return p if p.is_absolute() else origin / p


def candidates(name: str, requester: LinkedModule, search_paths: Sequence[Path]) -> list[Path]:
    """Where the library ``name`` needed by ``requester`` may be, in lookup order."""
    if "/" in name:
        p = Path(name)
        return [p if p.is_absolute() else requester.folder / p]
    folders = list(search_paths)
    if requester.dylink is not None:
        folders += [expand_origin(e, requester.folder) for e in requester.dylink.runtime_path]
    return [f / name for f in folders]


def load_module_file(path: Path, name: str, features: Features,
                     read: Callable[[Path], bytes] | None = None) -> LinkedModule:
    """Read, decode and validate one module and read its dylink section."""
    data = (read or Path.read_bytes)(path)
    info = read_dylink(data, name)
    try:
        module = embedding.module_decode(data, features)
        embedding.module_validate(module, features)
    except (Malformed, Invalid) as e:
        stage = "malformed" if isinstance(e, Malformed) else "invalid"
        raise DylinkError("bad-module", f"{name} ({path}) is {stage}: {e}") from None
    return LinkedModule(name, path, data, module, info)


def discover(main_path: str | os.PathLike, search_paths: Sequence[str | os.PathLike] = (),
             features: Features | None = None, main_name: str | None = None) -> Program:
    """Load the main module and every library it needs (see the module docstring for the rules)."""
    from ..features import WASM_2_0
    features = features or WASM_2_0
    main_file = Path(main_path).resolve()
    folders = [Path(p).resolve() for p in search_paths]
    main = load_module_file(main_file, main_name or main_file.name, features)
    main.is_main = True
    modules = [main]
    by_name: dict[str, LinkedModule] = {}
    by_path: dict[Path, LinkedModule] = {main_file: main}
    warnings = list(main.dylink.warnings) if main.dylink else []
    queue = [main]
    while queue:
        requester = queue.pop(0)
        if requester.dylink is None:
            continue
        for name in requester.dylink.needed:
            lib = by_name.get(name)
            if lib is None:
                looked = candidates(name, requester, folders)
                path = next((p.resolve() for p in looked if p.is_file()), None)
                if path is None:
                    where = ", ".join(str(p) for p in looked) or "nowhere (no search folders)"
                    raise DylinkError("missing-library", f"{requester.name} needs {name}, which was not found; "
                                      f"looked in: {where}")
                lib = by_path.get(path)
                if lib is None:
                    lib = load_module_file(path, name, features)
                    if lib.dylink is None:
                        raise DylinkError("not-a-library", f"{name} ({path}), needed by {requester.name}, has no "
                                          "dylink.0 section, so it is not a dynamic library")
                    lib.index = len(modules)
                    modules.append(lib)
                    by_path[path] = lib
                    warnings += lib.dylink.warnings
                    queue.append(lib)
                by_name[name] = lib
            requester.needed.append(lib)
    return Program(modules, _init_order(main), warnings)


def _init_order(main: LinkedModule) -> list[LinkedModule]:
    """Dependencies first (depth-first post-order); a cycle is a ``library-cycle`` error naming it."""
    order: list[LinkedModule] = []
    done: set[int] = set()
    path: list[LinkedModule] = []

    def visit(m: LinkedModule) -> None:
        if id(m) in done:
            return
        if m in path:
            cycle = path[path.index(m):] + [m]
            raise DylinkError("library-cycle", "the needed libraries form a cycle: "
                              + " -> ".join(x.name for x in cycle))
        path.append(m)
        for dep in m.needed:
            visit(dep)
        path.pop()
        done.add(id(m))
        order.append(m)

    visit(main)
    return order
