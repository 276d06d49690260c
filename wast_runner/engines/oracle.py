"""The oracle as an ``Engine``: everything goes through ``oracle.embedding`` (spec ``appendix/embedding.rst``).

Loading a module follows the embedder's order: ``module_decode`` (Malformed), ``module_validate`` (Invalid),
resolving each import from the registered modules by (module name, import name) -- absent is Unlinkable
"unknown import", as in the reference interpreter -- then ``module_instantiate`` (Unlinkable on a type mismatch,
Trap while initialising = uninstantiable).

``--engine oracle:fmin=1,fmadd=1`` runs the oracle under that choice of the relaxed operations' global
parameters (``oracle.runtime.relaxed``) instead of the deterministic profile; ``machine=interpret`` (or
``compile``) chooses how the oracle executes functions, by default the environment variable ``WAST_ORACLE_ENGINE``
(read here, at the application's edge), else ``compile``. Coverage always runs on the compiled machine (the one
that counts opcodes).
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from oracle import embedding
from oracle.errors import Exhaustion, Invalid, Malformed, Trap, UncaughtException, Unlinkable
from oracle.features import WASM_2_0, Features
from oracle.runtime.function import FuncInst, HostFunc
from oracle.runtime.global_ import GlobalInst
from oracle.runtime.relaxed import PARAMETERS, parse_relaxed

from .base import (COVERAGE, EXACT_STAGES, RELAXED_VARIANTS, ActionOutcome, Arg, Engine, EngineOptions, EngineSpecError,
                   Exhausted, Loaded, LoadFailed, LoadOutcome, NotFound, Returned, Thrown, Trapped)
from .oracle_coverage import OracleCoverage

DEFAULT_MAX_CALL_DEPTH = 10_000
#: How the oracle executes functions: compiled to Python (the default) or on the plain interpreter.
MACHINES = ("compile", "interpret")
#: The environment variable choosing the machine when ``--engine oracle:machine=...`` does not.
MACHINE_ENV = "WAST_ORACLE_ENGINE"


def default_machine() -> str:
    """The machine when none is named: ``WAST_ORACLE_ENGINE`` (read here, at the application's edge), else
    ``compile``. A bad value is the store's to reject when it is made."""
    return os.environ.get(MACHINE_ENV) or "compile"


def parse_args(text: str) -> tuple[str | None, dict[str, int]]:
    """``machine=interpret,fmin=2`` -> (the machine or None, the relaxed parameters' choice)."""
    machine, rest = None, []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if key.strip() == "machine" and sep:
            if value.strip() not in MACHINES:
                raise ValueError(f"machine {value.strip()!r}: expected one of {', '.join(MACHINES)}")
            machine = value.strip()
        else:
            rest.append(item)
    return machine, parse_relaxed(",".join(rest))


class OracleEngine(Engine):
    name = "oracle"
    capabilities = frozenset({COVERAGE, RELAXED_VARIANTS, EXACT_STAGES})
    relaxed_parameters = dict(PARAMETERS)

    def __init__(self, options: EngineOptions | None = None):
        options = options or EngineOptions()
        self.max_call_depth = options.max_call_depth or DEFAULT_MAX_CALL_DEPTH
        self.features: Features = WASM_2_0
        self.store: Any = None
        self.registry: dict[str, dict[str, Any]] = {}
        self._spectest_error: ImportError | None = None
        self.coverage: OracleCoverage | None = None   # after start_coverage()
        try:
            machine, relaxed = parse_args(options.args or "")
        except ValueError as e:
            raise EngineSpecError(f"oracle: {e}") from None
        #: ``compile`` or ``interpret`` (the module docstring). A bad value of the environment variable is the
        #: store's to reject, at ``reset`` (every command of the script then records why).
        self.machine: str = machine or default_machine()
        #: The relaxed parameters' choice (``{}``: the deterministic profile).
        self.relaxed: dict[str, int] = relaxed

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

    def relaxed_variant(self, choice: dict[str, int]) -> "OracleEngine":
        """An oracle like this one (machine, call depth) with the relaxed parameters' ``choice``."""
        variant = OracleEngine(EngineOptions(args=f"machine={self.machine}", max_call_depth=self.max_call_depth))
        variant.relaxed = dict(choice)
        return variant

    def supported_features(self) -> frozenset[str] | None:
        return None  # the oracle accepts any feature set; what it implements is what the suites measure

    def reset(self, features: Features = WASM_2_0) -> None:
        self.features = features
        self.store = self._new_store()
        self.registry = {}
        self._spectest_error = None
        try:
            from oracle.host.spectest import spectest_exports
        except ImportError as e:
            # Reported when a module actually imports from spectest, as an error of that command.
            self._spectest_error = e
        else:
            self.registry["spectest"] = dict(spectest_exports(self.store))

    def _new_store(self) -> Any:
        """The one place the oracle's store is made (coverage counts opcodes on the compiled machine only)."""
        counting = {"coverage": True} if self.coverage is not None else {}
        return embedding.store_init(max_call_depth=self.max_call_depth, relaxed=self.relaxed,
                                    machine="compile" if counting else self.machine, **counting)

    def _decode_validate(self, data: bytes) -> Any:
        """The validated module, or the ``LoadFailed`` saying why there is none."""
        try:
            module = embedding.module_decode(data, self.features)
        except Malformed as e:
            if self.coverage:
                self.coverage.malformed_module(e.message)
            return LoadFailed("malformed", e.message)
        except Exhaustion as e:
            # A well-formed module beyond one of the oracle's implementation limits (too many locals): the oracle
            # cannot run it, as when instantiation exhausts a resource; the message says which limit.
            return LoadFailed("uninstantiable", e.message)
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
        self.coverage = OracleCoverage()

    def take_coverage(self) -> dict | None:
        """The coverage since the last call (one file's), or None when not collecting."""
        return self.coverage.take(self.store) if self.coverage else None


#: ``(module (func (export "f") (result i32) (i32.add (i32.const 1) (i32.const 2))))``
_WARM_UP = bytes.fromhex("0061736d01000000010501600001" "7f" "030201000705010166" "0000" "0a0901070041014102" "6a0b")


def preload() -> None:
    """Import and build everything a script run needs, so worker processes forked afterwards (``-j N``) share it
    instead of each doing it again: a tiny module runs on both machines, through the public interface only."""
    for machine in MACHINES:
        engine = OracleEngine(EngineOptions(args=f"machine={machine}"))
        engine.reset()
        loaded = engine.load(_WARM_UP)
        assert isinstance(loaded, Loaded)
        engine.invoke(loaded.handle, "f", [])


def make(options: EngineOptions) -> Engine:
    return OracleEngine(options)
