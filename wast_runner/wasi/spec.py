"""wasi-testsuite's test specifications (``doc/specification.md`` of the snapshot): the legacy form
(``args``, ``env``, ``root``, ``exit_code``, ``stdout``, ``stderr``) and the operation-based form (``proposals``,
``operations``: ``run``, ``wait``, ``read``, ``connect``, ``send``, ``recv``), both read into one ``ProgramSpec``.

What is checked: the exit code always (default 0); stdout and stderr only when the specification gives them (a
legacy key, or a ``read`` operation). The document lists ``""`` as their default, but programs of the snapshot print
diagnostics their specification does not mention (``stdio`` writes to stderr, ``path_open_preopen`` and
``poll_oneoff_stdio`` to stdout) and the suite's own runner does not compare a stream the specification leaves out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

#: Proposals this project can run; a program needing another one is skipped with that reason.
SUPPORTED_PROPOSALS: frozenset[str] = frozenset()


class SpecError(Exception):
    """The specification file is malformed (the suite's "Specification Validation" rules)."""


@dataclass
class ProgramSpec:
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    root: str | None = None               # relative to the test's folder; preopened as "/"
    exit_code: int = 0
    stdout: str | None = None             # None: not checked
    stderr: str | None = None
    proposals: list[str] = field(default_factory=list)
    network: bool = False                 # connect/send/recv operations (sockets, http)

    def expected(self) -> dict:
        out: dict = {"exit_code": self.exit_code}
        if self.stdout is not None:
            out["stdout"] = self.stdout
        if self.stderr is not None:
            out["stderr"] = self.stderr
        return out

    def unsupported(self) -> str | None:
        """Why the program cannot be run here, or None."""
        missing = [p for p in self.proposals if p not in SUPPORTED_PROPOSALS]
        if missing:
            return f"needs the optional proposal(s) {', '.join(missing)}"
        if self.network:
            return "needs network operations (connect/send/recv)"
        return None


def load_spec(wasm: Path) -> ProgramSpec:
    """The specification of the program ``wasm`` (``foo.json`` next to ``foo.wasm``; the defaults without one)."""
    path = wasm.with_suffix(".json")
    if not path.exists():
        return ProgramSpec()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SpecError(f"{path.name}: {e}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path.name}: not a JSON object")
    if "operations" in data:
        return _operations(data, path.name)
    return ProgramSpec(args=list(data.get("args", [])), env=dict(data.get("env", {})), root=data.get("root"),
                       exit_code=int(data.get("exit_code", 0)), stdout=data.get("stdout"),
                       stderr=data.get("stderr"), proposals=list(data.get("proposals", [])))


def _operations(data: dict, name: str) -> ProgramSpec:
    spec = ProgramSpec(proposals=list(data.get("proposals", [])))
    running, runs, waits, conns = False, 0, 0, set()
    for op in data["operations"]:
        kind = op.get("type")
        if kind == "run":
            runs += 1
            running = True
            spec.args, spec.env, spec.root = list(op.get("args", [])), dict(op.get("env", {})), op.get("root")
        elif kind == "wait":
            waits += 1
            spec.exit_code = int(op.get("exit_code", 0))
        elif kind in ("read", "connect", "send", "recv"):
            if not running:
                raise SpecError(f"{name}: {kind} before run")
            if kind == "read":
                stream = op.get("id", "stdout")
                if stream not in ("stdout", "stderr"):
                    raise SpecError(f"{name}: read of unknown stream {stream!r}")
                setattr(spec, stream, (getattr(spec, stream) or "") + op.get("payload", ""))
            else:
                spec.network = True
                cid = op.get("id", "server" if kind == "connect" else None)
                if kind == "connect":
                    if cid in conns:
                        raise SpecError(f"{name}: connection {cid!r} defined twice")
                    conns.add(cid)
                elif cid not in conns:
                    raise SpecError(f"{name}: {kind} on unknown connection {cid!r}")
        else:
            raise SpecError(f"{name}: unknown operation {kind!r}")
    if runs != waits:
        raise SpecError(f"{name}: every run needs a wait")
    return spec


def judge(spec: ProgramSpec, actual: dict) -> list[str]:
    """The ways ``actual`` (``exit_code``, ``stdout``, ``stderr``) departs from ``spec``; empty when it passes."""
    problems = []
    if actual.get("exit_code") != spec.exit_code:
        problems.append(f"exit code {actual.get('exit_code')}, expected {spec.exit_code}")
    for stream in ("stdout", "stderr"):
        want = getattr(spec, stream)
        if want is not None and actual.get(stream) != want:
            problems.append(f"{stream} {actual.get(stream)!r}, expected {want!r}")
    return problems
