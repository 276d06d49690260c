"""The oracle as an ``Engine``: everything goes through ``oracle.embedding`` (spec ``appendix/embedding.rst``).

Loading a module follows the embedder's order: ``module_decode`` (Malformed), ``module_validate`` (Invalid),
resolving each import from the registered modules by (module name, import name) -- absent is Unlinkable
"unknown import", as in the reference interpreter -- then ``module_instantiate`` (Unlinkable on a type mismatch,
Trap while initialising = uninstantiable).

``--engine oracle:fmin=1,fmadd=1`` runs the oracle under that choice of the relaxed operations' global
parameters (``oracle.runtime.relaxed``) instead of the deterministic profile.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from oracle import embedding
from oracle.errors import Exhaustion, Invalid, Malformed, Trap, UncaughtException, Unlinkable
from oracle.features import WASM_2_0, Features
from oracle.runtime.function import FuncInst, HostFunc
from oracle.runtime.global_ import GlobalInst
from oracle.runtime.relaxed import parse_relaxed

from .base import (ActionOutcome, Arg, Engine, EngineOptions, Exhausted, Loaded, LoadFailed, LoadOutcome,
                   NotFound, Returned, Thrown, Trapped)

DEFAULT_MAX_CALL_DEPTH = 10_000


class OracleEngine(Engine):
    name = "oracle"

    def __init__(self, options: EngineOptions | None = None):
        options = options or EngineOptions()
        self.max_call_depth = options.max_call_depth or DEFAULT_MAX_CALL_DEPTH
        self.features: Features = WASM_2_0
        self.store: Any = None
        self.registry: dict[str, dict[str, Any]] = {}
        self._spectest_error: ImportError | None = None
        self.coverage: Any = None   # a wast_runner.coverage.OracleCoverage after start_coverage()
        try:
            #: The relaxed parameters' choice (``{}``: the deterministic profile).
            self.relaxed: dict[str, int] = parse_relaxed(options.args or "")
        except ValueError as e:
            from . import EngineSpecError
            raise EngineSpecError(f"oracle: {e}") from None

    def version(self) -> str:
        try:
            from importlib.metadata import version
            return version("wast-oracle")
        except Exception:  # not installed (running from a checkout)
            return "dev"

    def relaxed_consulted(self) -> frozenset[str]:
        """The relaxed parameters this script's execution has so far consulted where their alternatives differ
        (while it is empty, every choice of the parameters gives the same outcomes)."""
        return frozenset(self.store.relaxed.consulted) if self.store is not None else frozenset()

    def supported_features(self) -> frozenset[str] | None:
        return None  # the oracle accepts any feature set; what it implements is what the suites measure

    def reset(self, features: Features = WASM_2_0) -> None:
        self.features = features
        options = {"machine": oracle_machine(), **(self.coverage.store_options() if self.coverage else {})}
        self.store = embedding.store_init(max_call_depth=self.max_call_depth, relaxed=self.relaxed, **options)
        self.registry = {}
        self._spectest_error = None
        try:
            from oracle.host.spectest import spectest_exports
        except ImportError as e:
            # Reported when a module actually imports from spectest, as an error of that command.
            self._spectest_error = e
        else:
            self.registry["spectest"] = dict(spectest_exports(self.store))

    def _decode_validate(self, data: bytes) -> Any:
        """The validated module, or the ``LoadFailed`` saying why there is none."""
        try:
            module = embedding.module_decode(data, self.features)
        except Malformed as e:
            if self.coverage:
                self.coverage.malformed_module(e.message)
            return LoadFailed("malformed", e.message)
        try:
            if self.coverage:
                self.coverage.validate(module, self.features)   # module_validate, counting rules
            else:
                embedding.module_validate(module, self.features)
        except Invalid as e:
            return LoadFailed("invalid", e.message)
        return module

    def check(self, data: bytes) -> LoadFailed | None:
        module = self._decode_validate(data)
        return module if isinstance(module, LoadFailed) else None

    def load(self, data: bytes, name: str | None = None) -> LoadOutcome:
        module = self._decode_validate(data)
        if isinstance(module, LoadFailed):
            return module
        externvals = []
        for mod_name, imp_name, _kind, _type in embedding.module_imports(module):
            if mod_name == "spectest" and self._spectest_error is not None:
                raise self._spectest_error
            exports = self.registry.get(mod_name)
            if exports is None or imp_name not in exports:
                return LoadFailed("unlinkable", "unknown import")
            externvals.append(exports[imp_name])
        try:
            instantiate = self.coverage.instantiate if self.coverage else embedding.module_instantiate
            inst = instantiate(self.store, module, externvals)
        except Unlinkable as e:
            return LoadFailed("unlinkable", e.message)
        except (Trap, Exhaustion, UncaughtException) as e:
            return LoadFailed("uninstantiable", e.message)
        return Loaded(inst)

    def register(self, handle: Any, as_name: str) -> None:
        self.registry[as_name] = dict(handle.exports)

    @staticmethod
    def _export(handle: Any, field: str, kinds: tuple[type, ...]) -> Any:
        try:
            ext = embedding.instance_export(handle, field)
        except KeyError:
            return None
        return ext if isinstance(ext, kinds) else None

    def invoke(self, handle: Any, field: str, args: Sequence[Arg]) -> ActionOutcome:
        func = self._export(handle, field, (FuncInst, HostFunc))
        if func is None:
            return NotFound(f"no exported function {field!r}")
        try:
            results = embedding.func_invoke(self.store, func, [a.value for a in args])
        except Trap as e:
            return Trapped(e.message)
        except Exhaustion as e:
            return Exhausted(e.message)
        except UncaughtException:
            return Thrown()
        return Returned(list(results), list(func.type.results))

    def get(self, handle: Any, field: str) -> ActionOutcome:
        glob = self._export(handle, field, (GlobalInst,))
        if glob is None:
            return NotFound(f"no exported global {field!r}")
        return Returned([embedding.global_read(glob)], [glob.type.type])


    # -- coverage (``wast-runner run --coverage``) ----------------------------------------------------------

    def start_coverage(self) -> None:
        """Count executed opcodes, raised traps and exercised validation rules from the next ``reset`` on."""
        from ..coverage import OracleCoverage
        self.coverage = OracleCoverage()

    def take_coverage(self) -> dict | None:
        """The coverage since the last call (one file's), or None when not collecting."""
        return self.coverage.take(self.store) if self.coverage else None


def preload() -> None:
    """Import everything a script run needs, so worker processes forked afterwards (``-j N``) share it instead of
    each importing it again."""
    import oracle.binary.decode  # noqa: F401
    import oracle.host.spectest  # noqa: F401
    import oracle.valid.module  # noqa: F401
    import oracle.exec.instantiate  # noqa: F401
    from oracle.machine import legend, machines  # noqa: F401
    legend.base_namespace()
    from .. import relaxed  # noqa: F401


def oracle_machine() -> str:
    """The oracle's execution machine for this run: ``WAST_ORACLE_ENGINE`` (``compile`` or ``interpret``), so a
    whole test run can be repeated on the plain path; ``compile`` by default."""
    return os.environ.get("WAST_ORACLE_ENGINE") or "compile"


def make(options: EngineOptions) -> Engine:
    return OracleEngine(options)
