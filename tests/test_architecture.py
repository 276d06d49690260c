"""The project's shape, held by tests: imports point one way and modules stay small.

The import graph is built from the source (every ``import`` statement, function-local ones included), so a cycle
cannot hide behind an import placed inside a function.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("oracle", "wast_runner", "reports")
#: "About 800 lines" (issue 18): a module longer than this has more than one job.
MAX_MODULE_LINES = 800


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (anywhere in its body)."""
    sources = _sources()
    graph: dict[str, set[str]] = {name: set() for name in sources}

    def known(name: str) -> str | None:
        # "from pkg import sub" names a module when pkg.sub is one; otherwise the longest known prefix.
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name or None

    for name, path in sources.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node.level, node.module)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in sources else base for a in node.names]
            for t in targets:
                k = known(t)
                if k is not None and k != name:
                    graph[name].add(k)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted.

    A package's ``__init__`` counts as a module like any other: a package that imports its submodules while one
    of them imports the package back is a cycle too.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def edges(v: str) -> list[str]:
        return sorted(graph[v])

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_cycle_finder_sees_function_local_imports(tmp_path: Path) -> None:
    graph = {"p.a": {"p.b"}, "p.b": {"p.a"}, "p.c": set()}
    assert cycles(graph) == [["p.a", "p.b"]]
    assert cycles({"p": {"p.a"}, "p.a": {"p"}}) == [["p", "p.a"]]
    assert cycles({"p": {"p.a"}, "p.a": set()}) == []


def test_oracle_imports_nothing_of_ours() -> None:
    graph = import_graph()
    bad = {m: sorted(t for t in ts if not t.startswith("oracle")) for m, ts in graph.items() if m.startswith("oracle")}
    assert not {m: t for m, t in bad.items() if t}


def test_reports_read_results_only() -> None:
    graph = import_graph()
    bad = {m: sorted(t for t in ts if t.startswith(("oracle", "wast_runner")))
           for m, ts in graph.items() if m.startswith("reports")}
    assert not {m: t for m, t in bad.items() if t}


@pytest.mark.parametrize("name", sorted(_sources()))
def test_module_size(name: str) -> None:
    lines = len(_sources()[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"
