"""The engine interface: what the script executor needs from a WebAssembly implementation, and the optional
capabilities an engine may declare.

``wast_runner.script`` drives an ``Engine`` only through this interface, so any implementation (the oracle, a
native runtime, a subprocess speaking a protocol) can run the official scripts. Values cross the boundary in the
oracle's value model (``oracle.runtime.values``): i32/i64 as unsigned ints, f32/f64 as floats (f32 NaN payloads in
the top mantissa bits), v128 as ints, references as ``None`` / a function reference object / ``ExternRef``. Types
are the oracle's (``"i32"`` ... or ``RefType``).

Every operation returns a typed outcome instead of raising for anything WebAssembly defines (traps, exhaustion,
load failures); an exception escaping an engine method is a bug in the engine, and the runner records it as an
``error`` outcome.

Capabilities beyond the interface are declared, not discovered: an engine lists them in its ``capabilities``
attribute (``COVERAGE``, ``RELAXED_VARIANTS``, ``EXACT_STAGES``; a whole-script engine is a ``ScriptEngine``,
whose capabilities hold ``WHOLE_SCRIPT``), and implements the matching Protocol (``CoverageSource``,
``RelaxedVariants``). Code that needs a capability asks ``has(engine, CAPABILITY)`` and then uses the Protocol's
methods.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, Sequence, Union

from oracle.features import WASM_2_0, Features

class EngineSpecError(Exception):
    """An engine that cannot be made as asked (unknown name, bad arguments, program not found); printed without
    traceback. Here, not in the registry, so adapters raise it without importing the registry."""


#: Capabilities an engine may declare in ``capabilities`` (each with its Protocol below).
WHOLE_SCRIPT = "whole-script"          # runs a whole converted script at once (``ScriptEngine``)
COVERAGE = "coverage"                  # collects coverage of what scripts exercise (``CoverageSource``)
RELAXED_VARIANTS = "relaxed-variants"  # reports relaxed parameters consulted, makes variants (``RelaxedVariants``)
#: The engine tells decoding errors (malformed) from validation errors (invalid) exactly as the spec does, so the
#: stage of a rejection is judged for it (for others only rejected-vs-accepted is; ``--strict-stages`` forces it).
#: A declaration without a Protocol: nothing more to call.
EXACT_STAGES = "exact-stages"


#: The ways loading a module can fail, in the order an embedder finds out: decoding (``assert_malformed``),
#: validation (``assert_invalid``), import resolution and matching (``assert_unlinkable``), and a trap while
#: instantiating, e.g. in the start function or an out-of-bounds segment (``assert_uninstantiable``).
LOAD_STAGES = ("malformed", "invalid", "unlinkable", "uninstantiable")


class Arg(NamedTuple):
    """One argument of an invocation: its value type and its value in the oracle's value model."""

    type: Any
    value: Any


@dataclass(frozen=True)
class Loaded:
    """A module was decoded, validated and instantiated; ``handle`` is the engine's opaque instance handle."""

    handle: Any


@dataclass(frozen=True)
class LoadFailed:
    """Loading a module failed at ``stage`` (one of ``LOAD_STAGES``) with ``message``. ``inferred`` is true when
    the engine only said that it rejected the module and the adapter inferred the stage (malformed or invalid)
    from the message (``wast_runner.engines.classify``)."""

    stage: str
    message: str
    inferred: bool = False


@dataclass(frozen=True)
class Returned:
    """An action completed with ``values``; ``types`` are their value types when the engine knows them."""

    values: list
    types: list | None = None


@dataclass(frozen=True)
class Trapped:
    """An action trapped (spec ``exec/runtime.rst``, "trap")."""

    message: str


@dataclass(frozen=True)
class Exhausted:
    """An action ran out of a resource, in practice the call stack."""

    message: str


@dataclass(frozen=True)
class Thrown:
    """An action ended with an uncaught WebAssembly exception (exception handling; ``assert_exception``)."""

    message: str = "uncaught exception"


@dataclass(frozen=True)
class NotFound:
    """The export an action names does not exist or is not of the kind the action needs."""

    message: str


@dataclass(frozen=True)
class Unsupported:
    """The adapter cannot express the request to its engine (a protocol that has no way to address a named
    module, a value type it cannot pass, ...): the runner records the command as ``skipped`` with this reason
    instead of guessing."""

    message: str


class OpaqueRef:
    """A non-null reference an engine returned whose identity the runner cannot see (a function reference, a GC
    object). Only its heap type is known; it matches expectations that ask for "any non-null reference"."""

    __slots__ = ("heap",)

    def __init__(self, heap: str = "func"):
        self.heap = heap

    def __repr__(self) -> str:
        return f"OpaqueRef({self.heap!r})"


class EngineFailure(Exception):
    """The engine broke instead of answering: its process crashed, hung past the request timeout, or printed
    something that is not an answer. ``output`` is what it printed (stderr and unparsed stdout, the tail). The
    runner records an ``error`` for the command; the adapter restarts the engine on the next request."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.message = message
        self.output = output


LoadOutcome = Union[Loaded, LoadFailed, Unsupported]
ActionOutcome = Union[Returned, Trapped, Exhausted, Thrown, NotFound, Unsupported]


@dataclass(frozen=True)
class EngineOptions:
    """What the command line passes to an engine factory: the text after ``NAME:`` in ``--engine NAME:ARGS``,
    and the call depth budget (``--max-call-depth``), ``None`` for the engine's default."""

    args: str | None = None
    max_call_depth: int | None = None
    extra: dict = field(default_factory=dict)
    #: Seconds an out-of-process engine may take to answer one request (``--timeout``); ``None``: the adapter's
    #: default (``DEFAULT_TIMEOUT``).
    timeout: float | None = None
    #: Check failure messages against the script's (``--strict-messages``); ``None``: the engine's own
    #: ``spec_messages``.
    strict_messages: bool | None = None


#: Seconds an engine may take to answer one request unless ``--timeout`` says otherwise.
DEFAULT_TIMEOUT = 30.0


class Engine(ABC):
    """A WebAssembly implementation as the script executor sees it.

    One engine object runs many scripts one after another; ``reset`` starts each script with an empty store in
    which only the ``spectest`` host module is registered.
    """

    #: Short name, used in ``--engine`` and in the ``engine`` key of results records.
    name: str = "engine"
    #: Whether the engine's failure messages are the spec suite's (the oracle's are). The runner checks messages
    #: only for such engines: for the others (adapters of foreign engines set this to False) a right failure with
    #: another message passes, with the difference noted (``message_matches: false``); ``--strict-messages``
    #: checks them anyway.
    spec_messages: bool = True
    #: The optional capabilities this engine implements (see the module docstring).
    capabilities: frozenset[str] = frozenset()

    @abstractmethod
    def version(self) -> str:
        """A version string for results records."""

    def supported_features(self) -> frozenset[str] | None:
        """The feature names (as in ``oracle.features``) this engine implements; ``None`` when unknown."""
        return None

    @abstractmethod
    def reset(self, features: Features = WASM_2_0) -> None:
        """Forget every module and registration; start a fresh store with ``spectest`` registered; judge
        modules with ``features`` enabled from now on."""

    @abstractmethod
    def load(self, data: bytes, name: str | None = None) -> LoadOutcome:
        """Decode, validate and instantiate a binary module, resolving its imports from the registered modules.
        ``name`` is the script's name for it (``$M``), for the engine's diagnostics only."""

    def check(self, data: bytes) -> LoadFailed | None:
        """Decode and validate a module without instantiating it (``module definition``); ``None`` when it is
        valid. The default loads nothing and says nothing, for engines that cannot separate the steps."""
        return None

    @abstractmethod
    def register(self, handle: Any, as_name: str) -> "Unsupported | None":
        """Make the exports of the instance ``handle`` importable under the module name ``as_name`` (an
        ``Unsupported`` when the adapter cannot)."""

    @abstractmethod
    def invoke(self, handle: Any, field: str, args: Sequence[Arg]) -> ActionOutcome:
        """Invoke the function exported as ``field`` by the instance ``handle``."""

    @abstractmethod
    def get(self, handle: Any, field: str) -> ActionOutcome:
        """Read the global exported as ``field`` by the instance ``handle`` (a ``Returned`` with one value)."""

    def close(self) -> None:
        """Release whatever the engine holds (processes, files); the engine is not used afterwards."""


class ScriptEngine(ABC):
    """An engine that can only run a whole converted script at once and report per command (wabt's
    ``spectest-interp``). ``run_script`` returns one verdict per command, in order."""

    name: str = "script-engine"
    spec_messages: bool = False
    capabilities: frozenset[str] = frozenset({WHOLE_SCRIPT})

    @abstractmethod
    def version(self) -> str:
        """A version string for results records."""

    @abstractmethod
    def run_script(self, json_path: Any, commands: Sequence[Any], features: Features) -> list["ScriptVerdict"]:
        """Run the converted script ``json_path`` (whose parsed ``commands`` are given) with ``features``."""

    def close(self) -> None:
        """Release whatever the engine holds."""


@dataclass(frozen=True)
class ScriptVerdict:
    """What a ``ScriptEngine`` says about one command: a results-record ``outcome`` (``passed``, ``failed``,
    ``skipped``, ``error``), a ``detail``, and extra record keys (``actual``, ``skip_reason``,
    ``engine_output``)."""

    outcome: str
    detail: str = ""
    extra: dict = field(default_factory=dict)


#: Whatever an engine factory makes: a command-by-command ``Engine`` or a whole-script ``ScriptEngine``.
AnyEngine = Union[Engine, ScriptEngine]


def has(engine: Any, capability: str) -> bool:
    """Whether ``engine`` declares ``capability``."""
    return capability in engine.capabilities


class CoverageSource(Protocol):
    """``COVERAGE``: the engine counts what scripts exercise (``wast-runner run --coverage``)."""

    def start_coverage(self) -> None:
        """Collect coverage from the next ``reset`` on."""

    def take_coverage(self) -> dict | None:
        """The coverage since the last call (one file's): ``{"ops": {...}, "traps": ..., "valid": ...,
        "invalid": ..., "malformed": ...}``."""


class RelaxedVariants(Protocol):
    """``RELAXED_VARIANTS``: the engine runs the relaxed operations under a choice of their global parameters,
    reports which parameters an execution consulted where their alternatives differ, and makes a fresh engine
    of its kind with another choice (``wast_runner.judge.relaxed`` explores the choices with these)."""

    #: The parameters' choice this engine runs with (``{}``: the deterministic profile).
    relaxed: dict[str, int]
    #: Each parameter's number of alternatives (the choices there are to explore).
    relaxed_parameters: dict[str, int]

    def relaxed_consulted(self) -> frozenset[str]:
        """The parameters this script's execution has consulted so far where their alternatives differ."""

    def relaxed_variant(self, choice: dict[str, int]) -> Engine:
        """A fresh engine like this one, running with ``choice`` instead."""
