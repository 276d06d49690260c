"""WebAssembly feature sets, threaded through decoding and validation.

A feature is named as wabt's ``--enable-NAME`` flags name it, so suite manifests can list them once for both the
converter and the oracle.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Everything WebAssembly 2.0 standardised on top of 1.0 (spec ``appendix/changes.rst``).
WASM_2_0_FEATURES = frozenset({
    "sign-extension", "saturating-float-to-int", "multi-value", "bulk-memory", "reference-types", "simd",
    "mutable-globals",
})

#: What WebAssembly 3.0 adds (spec ``appendix/changes.rst``).
WASM_3_0_EXTRA = frozenset({
    "multi-memory", "memory64", "tail-call", "extended-const", "function-references", "gc", "exceptions",
    "relaxed-simd",
})

#: Proposals the oracle implements beyond 3.0 (none part of any preset): legacy exception handling, threads (shared
#: memories and atomic instructions, run with one agent), custom page sizes (a memory's page size is 1 or 65,536
#: bytes, ``proposals/custom-page-sizes``), wide arithmetic (``i64.add128`` and friends,
#: ``proposals/wide-arithmetic``), custom descriptors (a GC extension: exact reference types, ``describes`` /
#: ``descriptor`` clauses, ``struct.new_desc`` and the descriptor casts, exact function imports;
#: ``proposals/custom-descriptors``), annotations (the text reader's ``@name`` annotations and the decoder's
#: reading of the name section, ``appendix/custom.rst``) and branch hinting (``@metadata.code.branch_hint`` and
#: the ``metadata.code.branch_hint`` section; ``oracle/binary/custom_sections.py``).
ALL_FEATURES = WASM_2_0_FEATURES | WASM_3_0_EXTRA | frozenset({
    "legacy-exceptions", "threads", "custom-page-sizes", "wide-arithmetic", "custom-descriptors", "annotations",
    "branch-hinting",
})
#: Features that make the oracle read custom sections strictly (a malformed name or branch hint section rejects the
#: module, as the reference interpreter does with those handlers on): for checking tools and scripts, not for
#: running programs, whose custom sections "may be ignored" (appendix/custom.rst) -- toolchains write name
#: subsections the appendix does not define.
CUSTOM_SECTION_FEATURES = frozenset({"annotations", "branch-hinting"})


@dataclass(frozen=True)
class Features:
    """An immutable set of enabled feature names."""

    enabled: frozenset[str] = WASM_2_0_FEATURES

    def __contains__(self, name: str) -> bool:
        return name in self.enabled

    def with_(self, *names: str) -> "Features":
        unknown = set(names) - ALL_FEATURES
        if unknown:
            raise ValueError(f"unknown feature(s): {', '.join(sorted(unknown))}")
        return Features(self.enabled | frozenset(names))

    @classmethod
    def from_names(cls, names) -> "Features":
        names = frozenset(names)
        unknown = names - ALL_FEATURES
        if unknown:
            raise ValueError(f"unknown feature(s): {', '.join(sorted(unknown))}")
        return cls(names)


WASM_2_0 = Features(WASM_2_0_FEATURES)
WASM_3_0 = Features(WASM_2_0_FEATURES | WASM_3_0_EXTRA)
