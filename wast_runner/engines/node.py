"""``node[:FLAGS]``: V8 through Node's WebAssembly JS API, driven over the jsonl protocol by ``node_engine.js``
(shipped in this package).

V8 flags are process-wide, so the adapter starts node with the flags the script's features need (e.g.
``--experimental-wasm-memory64`` for the memory64 suite) and restarts it when a later script needs others.
``FLAGS`` (``--engine "node:--stack-size=2000"``) are passed to every node it starts; ``$WAST_RUNNER_NODE``
names the node binary (default: ``node`` on PATH).

Features: the features this node has, started with the flags it has, are probed at start-up (``validate`` of
``feature_gate.PROBES``: V8 in Node 20 has no multi-memory, no exnref exceptions, no custom page sizes and no wide
arithmetic), and a module that needs one it lacks, or whose verdict depends on a feature the script leaves off and
V8 has on (reference types, in the threads suite's 1.0 scripts), is ``Unsupported`` with that reason (skipped, not
failed; ``feature_gate``).
"""
from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
from pathlib import Path

from oracle.features import WASM_2_0_FEATURES, Features

from .base import EngineOptions, EngineSpecError, LoadFailed, LoadOutcome, Unsupported
from .feature_gate import PROBES, feature_mismatch, unsupported_reason
from .jsonl import JsonlEngine

SCRIPT = Path(__file__).with_name("node_engine.js")

#: Always on: the adapter needs ``WebAssembly.Function.type`` to read export types.
BASE_FLAGS = ("--experimental-wasm-type-reflection",)

#: Feature (``oracle.features`` name) -> the V8 flag enabling it in Node 20, when it is not on by default.
FEATURE_FLAGS = {
    "memory64": "--experimental-wasm-memory64",
    "gc": "--experimental-wasm-gc",
    "function-references": "--experimental-wasm-typed-funcref",
    "relaxed-simd": "--experimental-wasm-relaxed-simd",
    "extended-const": "--experimental-wasm-extended-const",
    "tail-call": "--experimental-wasm-return-call",
}


def node_binary() -> str | None:
    return os.environ.get("WAST_RUNNER_NODE") or shutil.which("node")


@functools.lru_cache(maxsize=None)
def known_v8_flags(node: str) -> frozenset[str]:
    """The ``--experimental-wasm-*`` flags this node accepts (an unknown flag would stop it from starting)."""
    out = subprocess.run([node, "--v8-options"], capture_output=True, text=True, check=False).stdout
    return frozenset(w for w in out.split() if w.startswith("--experimental-wasm-"))


class NodeEngine(JsonlEngine):
    name = "node"

    def __init__(self, options: EngineOptions | None = None):
        node = node_binary()
        if node is None:
            raise EngineSpecError("node not found (install Node.js 20 or set WAST_RUNNER_NODE)")
        self.node = node
        self.user_flags = shlex.split((options.args if options else None) or "")
        self._flags: tuple[str, ...] = ()
        self._features: frozenset[str] | None = None
        super().__init__(options, argv=[node, str(SCRIPT)])

    def flags_for(self, features: Features) -> tuple[str, ...]:
        known = known_v8_flags(self.node)
        wanted = [FEATURE_FLAGS[f] for f in sorted(features.enabled) if f in FEATURE_FLAGS]
        return BASE_FLAGS + tuple(f for f in wanted if f in known)

    def command(self) -> list[str]:
        return [self.node, *self._flags, *self.user_flags, str(SCRIPT)]

    def _start(self) -> None:
        super()._start()
        probed = {name for name, data in PROBES.items() if self._do_check(data) is None}
        if "legacy-exceptions" in probed:
            # Tags and ``throw``, which the oracle files under ``exceptions``, are the legacy proposal's too: with
            # them V8 runs what the two proposals share, and fails what it lacks of the 3.0 one (``try_table``,
            # ``throw_ref``, ``exnref``) as the engine's own departure.
            probed.add("exceptions")
        self._features = WASM_2_0_FEATURES | frozenset(probed)

    def supported_features(self) -> frozenset[str] | None:
        """What this node, started with the flags the current script needs, accepts (probed, not claimed)."""
        if self._features is None and not self._live:
            self._restart(restore=False)
        return self._features

    def _lacking(self, data: bytes) -> Unsupported | None:
        # What the probes found is what this node has on (it was started with the flags of the script's features).
        supported = self.supported_features()
        why = feature_mismatch(data, self.features, supported, always_on=supported or frozenset())
        return Unsupported(unsupported_reason(f"node {self.info.get('version', '')}".strip(), why)) if why else None

    def load(self, data: bytes, name: str | None = None) -> LoadOutcome:
        return self._lacking(data) or super().load(data, name)

    def check(self, data: bytes) -> LoadFailed | Unsupported | None:  # type: ignore[override]
        return self._lacking(data) or super().check(data)

    def reset(self, features: Features = Features()) -> None:
        flags = self.flags_for(features)
        if flags != self._flags:
            self.close()   # V8 flags cannot change in a running node
            self._flags = flags
        super().reset(features)

    def version(self) -> str:
        if not self._flags:
            self._flags = self.flags_for(self.features)
        return super().version()


def make(options: EngineOptions) -> NodeEngine:
    return NodeEngine(options)
