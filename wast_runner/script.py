"""Executing a converted script against an ``Engine``: one function per command kind, one record per command.

The semantics are the official interpreter's (spec repository, ``interpreter/script/run.ml``): ``module`` makes
the module current (and binds its name), ``register`` makes a module's exports importable under a name, actions
run on the named or the current module, and each ``assert_*`` checks one outcome, failure messages by prefix.
Nothing an engine does stops the script: wrong answers are ``failed`` records, Python exceptions ``error`` records.

One primitive, ``ScriptRun.step(cmd) -> record``, runs one command; ``ScriptRun.records`` loops over it for a
whole script, and the judging layer (``wast_runner.judge``) steps several runs in lockstep with it. A whole-script
engine (``engines.base.ScriptEngine``) gives its records through ``script_engine_records``.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from oracle.features import Features

from .commands import Command
from .compare import message_matches, results_match, undecidable
from .engines.base import (EXACT_STAGES, Engine, EngineFailure, Exhausted, Loaded, LoadFailed, NotFound, Returned,
                           ScriptEngine, Thrown, Trapped, Unsupported, has)
from .engines.binary_types import import_module_names
from .model import FileContext
from .results import make_record
from .values import EncodingError, decode_arg, encode_value, guess_type, render

#: ``judged_by`` of a command judged from the text reader's verdict (``Command.text_verdict``): its module has no
#: binary form, so no engine saw it; every engine's record carries that verdict and says so.
TEXT_JUDGE = "oracle-text-parser"
TEXT_MODULE_REASON = "text-module"
TEXT_MODULE_DETAIL = "module given in text form: judging it needs a text parser"
#: ``skip_reason`` of commands the engine's adapter cannot express (``engines.base.Unsupported``).
ENGINE_LIMITATION_REASON = "engine-limitation"
#: ``skip_reason`` of the threads proposal's ``thread``/``wait`` commands (several agents at once), and of every
#: command after the first of them: what follows may depend on what the other agents did.
MULTI_AGENT_REASON = "multi-agent"
MULTI_AGENT_KINDS = ("thread", "wait")

#: The custom-section assertions (annotations proposal), judged from the oracle's verdict only.
CUSTOM_KINDS = ("assert_malformed_custom", "assert_invalid_custom")
#: The load stage each module assertion expects.
EXPECTED_STAGE = {
    "assert_malformed": "malformed",
    "assert_invalid": "invalid",
    "assert_unlinkable": "unlinkable",
    "assert_uninstantiable": "uninstantiable",
    # The custom-section assertions (annotations proposal): always judged from the oracle's verdict
    # (``native.custom_verdict``), as an engine may ignore custom sections.
    "assert_malformed_custom": "malformed",
    "assert_invalid_custom": "invalid",
}
#: The stages that reject a module (before any import is looked at): which of them is judged only strictly.
REJECTION_STAGES = frozenset({"malformed", "invalid"})
#: The action outcome each action assertion expects.
EXPECTED_ACTION = {"assert_trap": Trapped, "assert_exhaustion": Exhausted, "assert_exception": Thrown}
_OUTCOME_NAME = {Trapped: "trap", Exhausted: "exhaustion", Thrown: "exception", NotFound: "not-found"}


@dataclass(frozen=True)
class Broken:
    """Stands for a module whose ``module`` command failed, so later commands on it can say why they fail;
    ``unsupported``: the adapter could not load it at all (later commands on it are skipped, not failed)."""

    line: int
    why: str
    unsupported: bool = False
    errored: bool = False      # the engine broke while loading it (later commands on it are errors too)


class Verdict(Exception):
    """Raised inside a command handler to end it with a record (keeps the handlers linear)."""

    def __init__(self, outcome: str, detail: str, **extra: Any):
        super().__init__(detail)
        self.outcome, self.detail, self.extra = outcome, detail, extra


class ScriptRun:
    """The state of one script: the engine, the current module and the named ones (with the module file each came
    from, which the judging layer reads to see what code an action reaches)."""

    def __init__(self, engine: Engine, ctx: FileContext, module_bytes: Callable[[str], bytes],
                 strict_messages: bool | None = None, strict_stages: bool = False):
        self.engine = engine
        # Messages are checked for engines that speak the spec's (see ``Engine.spec_messages``).
        self.strict_messages = engine.spec_messages if strict_messages is None else strict_messages
        # Malformed vs invalid counts only for engines that claim to tell them apart (or ``--strict-stages``):
        # many engines decode and validate in one pass and report one rejection.
        self.strict_stages = strict_stages or has(engine, EXACT_STAGES)
        self.ctx = ctx
        self.module_bytes = module_bytes
        self.current: Any = None            # a module handle, a Broken, or None before the first module
        self.named: dict[str, Any] = {}
        self.current_file: str | None = None   # the module file of ``current``
        self.named_files: dict[str, str] = {}  # ... and of each named module
        self.definitions: dict[str | None, Any] = {}   # ``module definition``s: name -> module file or Broken
        self.unregistered: set[str] = set()   # names the engine adapter could not register (Unsupported)
        self.registered: dict[str, Any] = {}  # name -> the module handle registered under it
        #: Modules whose state a module the adapter could not load would have changed (it imports from them):
        #: id(handle) -> that module's line. Their later results cannot be judged.
        self.tainted: dict[int, int] = {}
        self.multi_agent_from: int | None = None   # line of the first ``thread``/``wait`` command
        #: Why the engine could not start this script (the extra keys of every command's ``error`` record).
        self.failure: dict | None = None

    # -- driving -----------------------------------------------------------------------------------------------

    def records(self, commands: list[Command], features: Features) -> Iterator[dict]:
        """Start the script and yield every command's record, in order."""
        self.start(features)
        for cmd in commands:
            yield self.step(cmd)

    def start(self, features: Features) -> None:
        """Reset the engine for this script; when that fails, ``failure`` says why (and every command gets an
        ``error`` record saying so, so counts stay right)."""
        self.failure = None
        try:
            self.engine.reset(features)
        except EngineFailure as e:
            self.failure = {"detail": f"engine reset failed: {e.message}", "engine_output": e.output or None}
        except Exception as e:
            self.failure = {"detail": f"engine reset failed: {_last_line(e)}", "traceback": _tb(e)}

    def step(self, cmd: Command) -> dict:
        """The record of the script's next command (``start`` first)."""
        if self.failure is None:
            return self.execute(cmd)
        extra = dict(self.failure)
        detail = extra.pop("detail")
        return make_record(self.ctx, cmd.line, cmd.kind, "error", detail, **extra)

    def module_file(self, name: str | None) -> str | None:
        """The module file of the module ``name`` (the current one when None), if one was given."""
        return self.named_files.get(name) if name else self.current_file

    def execute(self, cmd: Command) -> dict:
        """Run one command and return its record."""
        extra: dict[str, Any] = {}
        if cmd.action is not None:
            extra["action"] = cmd.raw.get("action")
        handler = getattr(self, "do_" + cmd.kind, None)
        try:
            self._skip_multi_agent(cmd)
            if handler is None:
                raise Verdict("error", f"command kind {cmd.kind!r} is not supported by the runner")
            outcome, detail, more = handler(cmd)
        except Verdict as v:
            outcome, detail, more = v.outcome, v.detail, v.extra
        except EngineFailure as e:
            # The engine crashed, hung or printed garbage; its adapter restarts it for the next command.
            outcome, detail, more = "error", f"engine failure: {e.message}", {"engine_output": e.output or None}
        except Exception as e:
            outcome, detail, more = "error", f"exception in the engine: {_last_line(e)}", {"traceback": _tb(e)}
        extra.update(more)
        return make_record(self.ctx, cmd.line, cmd.kind, outcome, detail, **extra)

    def _skip_multi_agent(self, cmd: Command) -> None:
        """``thread`` and ``wait`` (threads proposal) run several agents at once, which the runner cannot do; they
        are skipped, and so is everything after them, which may rely on what the other agents did."""
        if cmd.kind in MULTI_AGENT_KINDS and self.multi_agent_from is None:
            self.multi_agent_from = cmd.line
        if self.multi_agent_from is None:
            return
        if cmd.kind in MULTI_AGENT_KINDS:
            what = f"{cmd.kind} command: running several agents (threads) at once is not supported by the runner"
        else:
            what = (f"follows the thread/wait command at line {self.multi_agent_from}, whose effects the runner "
                    "cannot reproduce")
        raise Verdict("skipped", what, skip_reason=MULTI_AGENT_REASON)

    # -- modules -----------------------------------------------------------------------------------------------

    def _skip_text(self, cmd: Command) -> None:
        if cmd.text_verdict is not None:
            raise self._text_verdict(cmd)
        if cmd.is_text_module:
            raise Verdict("skipped", TEXT_MODULE_DETAIL, skip_reason=TEXT_MODULE_REASON)

    def _text_verdict(self, cmd: Command) -> Verdict:
        """The verdict on a command whose module the oracle's text reader rejected (``text_verdict_of``); a module
        command's module (or definition) is broken for the commands after it."""
        v = cmd.text_verdict
        assert v is not None
        if cmd.kind not in EXPECTED_STAGE:
            broken = Broken(cmd.line, f"the text reader rejected it: {v['message']}")
            if cmd.kind == "module_definition" or cmd.raw.get("definition") in (True, "true"):
                self.definitions[cmd.name] = self.definitions[None] = broken
            else:
                self.current, self.current_file = broken, cmd.filename
                if cmd.name:
                    self.named[cmd.name], self.named_files[cmd.name] = broken, cmd.filename  # type: ignore[assignment]
        outcome, detail, extra = text_verdict_of(cmd)
        return Verdict(outcome, detail, **extra)

    def _instantiate(self, filename: str, name: str | None, line: int, what: str):
        """Load a module; it becomes the current one (and ``name``'s) -- a ``Broken`` one if it fails."""
        self.current = Broken(line, f"its {what} command raised an exception")  # until we know better
        self.current_file = filename
        if name:
            self.named[name] = self.current
            self.named_files[name] = filename
        data = self.module_bytes(filename)
        try:
            out = self.engine.load(data, name)
        except EngineFailure as e:
            self.current = Broken(line, f"the engine broke while loading it: {e.message}", errored=True)
            if name:
                self.named[name] = self.current
            raise
        if isinstance(out, LoadFailed):
            try:
                self._skip_if_unregistered_import(data, out)
            except Verdict:
                self.current = Broken(line, "it imports from a module the adapter could not register",
                                      unsupported=True)
                if name:
                    self.named[name] = self.current
                raise
        if isinstance(out, Loaded):
            handle: Any = out.handle
            result = ("passed", "", {})
        elif isinstance(out, Unsupported):
            handle = Broken(line, out.message, unsupported=True)
            result = ("skipped", f"the engine adapter cannot load this module: {out.message}",
                      {"skip_reason": ENGINE_LIMITATION_REASON})
            self._taint_sources(data, line)
        else:
            handle = Broken(line, f"{out.stage}: {out.message}")
            result = ("failed", f"{what} did not load ({out.stage}): {out.message}",
                      {"actual": _failure(out)})
        self.current = handle
        if name:
            self.named[name] = handle
        return result

    def do_module(self, cmd: Command):
        self._skip_text(cmd)
        assert cmd.filename is not None
        if cmd.raw.get("definition") in (True, "true"):
            return self._define(cmd)
        return self._instantiate(cmd.filename, cmd.name, cmd.line, "module")

    def _define(self, cmd: Command):
        """``(module definition $M ...)``: a module validated now and instantiated by later ``instance``
        commands (the last definition is the default); it does not become the current module."""
        assert cmd.filename is not None
        self.definitions[cmd.name] = self.definitions[None] = Broken(cmd.line, "its command raised an exception")
        out = self.engine.check(self.module_bytes(cmd.filename))
        if isinstance(out, Unsupported):
            out = None  # the adapter cannot validate separately: judged when instantiated
        if out is None:
            self.definitions[cmd.name] = self.definitions[None] = cmd.filename
            return "passed", "", {}
        self.definitions[cmd.name] = self.definitions[None] = Broken(cmd.line, f"{out.stage}: {out.message}")
        return ("failed", f"module definition is {out.stage}: {out.message}", {"actual": _failure(out)})

    def do_instance(self, cmd: Command):
        """``(module instance $I $M)``: instantiate a module definition; the instance becomes current."""
        return self._instantiate_definition(cmd, cmd.raw.get("definition"))

    def do_module_definition(self, cmd: Command):
        """wabt's spelling of ``(module definition $M ...)``."""
        self._skip_text(cmd)
        return self._define(cmd)

    def do_module_instance(self, cmd: Command):
        """wabt's spelling of ``(module instance $I $M)``: ``module`` names the definition."""
        return self._instantiate_definition(cmd, cmd.raw.get("module"))

    def _instantiate_definition(self, cmd: Command, definition: str | None):
        filename = self.definitions.get(definition)
        if filename is None:
            raise Verdict("failed", f"unknown module definition {definition}" if definition
                          else "no module definition before this command")
        if isinstance(filename, Broken):
            raise Verdict("failed", f"module definition from line {filename.line} is not valid ({filename.why})")
        assert isinstance(filename, str)
        return self._instantiate(filename, cmd.raw.get("instance"), cmd.line, "instance")

    def _module_assertion(self, cmd: Command):
        self._skip_text(cmd)
        assert cmd.filename is not None
        stage = EXPECTED_STAGE[cmd.kind]
        expected = {"failure": stage, "message": cmd.text or ""}
        data = self.module_bytes(cmd.filename)
        out = self.engine.load(data, None)
        if isinstance(out, Unsupported):
            if stage == "uninstantiable":   # a trap while instantiating leaves the writes made before it
                self._taint_sources(data, cmd.line)
            return ("skipped", f"the engine adapter cannot judge this module: {out.message}",
                    {"expected": expected, "skip_reason": ENGINE_LIMITATION_REASON})
        if isinstance(out, LoadFailed):
            self._skip_if_unregistered_import(data, out, expected)
        if isinstance(out, Loaded):
            return "failed", f"module loaded, expected it to be {stage} ({cmd.text!r})", {"expected": expected}
        actual = _failure(out)
        if out.stage != stage:
            guess = " (stage inferred from the engine's message)" if out.inferred else ""
            if not self.strict_stages and {stage, out.stage} <= REJECTION_STAGES:
                # Rejected as the script wants; only the stage differs (noted, like a message).
                return ("passed", f"stage differs (not checked for this engine): expected {stage} ({cmd.text!r}), "
                        f"got {out.stage}{guess} ({out.message!r})",
                        {"expected": expected, "actual": actual, "stage_matches": False})
            return ("failed", f"wrong outcome: expected {stage} ({cmd.text!r}), got {out.stage}{guess} "
                    f"({out.message!r})", {"expected": expected, "actual": actual})
        return self._check_message(cmd.text or "", out.message, {"expected": expected, "actual": actual})

    def _taint_sources(self, data: bytes, line: int) -> None:
        """A module the adapter could not load: its element and data segments (and its code, later) would have
        written into the registered modules it imports from, so their later results cannot be judged."""
        for source in import_module_names(data) & set(self.registered):
            self.tainted.setdefault(id(self.registered[source]), line)

    def _skip_if_unregistered_import(self, data: bytes, out: LoadFailed, expected: dict | None = None) -> None:
        """A module importing from a name whose ``register`` the adapter could not perform cannot be judged."""
        if not self.unregistered:
            return
        missing = sorted(import_module_names(data) & self.unregistered)
        if missing:
            raise Verdict("skipped", f"the module imports from {', '.join(missing)}, which the engine adapter "
                          f"could not register (the engine said {out.stage}: {out.message})",
                          skip_reason=ENGINE_LIMITATION_REASON, expected=expected)

    def _check_message(self, expected: str, actual: str, extra: dict):
        """The verdict on a failure of the right kind: the message must start with the script's, unless the
        engine's messages are not the spec's (then the difference is only noted)."""
        if message_matches(expected, actual):
            return "passed", "", extra
        if self.strict_messages:
            return "failed", f"message mismatch: expected {expected!r}, got {actual!r}", extra
        return ("passed", f"message differs (not checked for this engine): expected {expected!r}, got {actual!r}",
                dict(extra, message_matches=False))

    do_assert_malformed = _module_assertion
    do_assert_invalid = _module_assertion
    do_assert_unlinkable = _module_assertion
    do_assert_uninstantiable = _module_assertion
    do_assert_malformed_custom = _module_assertion
    do_assert_invalid_custom = _module_assertion

    def do_register(self, cmd: Command):
        assert cmd.as_name is not None
        given = self.named.get(cmd.name) if cmd.name else self.current
        if isinstance(given, Broken) and given.unsupported:
            # The adapter could not load it: modules importing from the name cannot be judged either.
            self.unregistered.add(cmd.as_name)
        handle = self._module(cmd.name)
        out = self.engine.register(handle, cmd.as_name)
        if isinstance(out, Unsupported):
            self.unregistered.add(cmd.as_name)
            return ("skipped", f"the engine adapter cannot register modules: {out.message}",
                    {"skip_reason": ENGINE_LIMITATION_REASON})
        self.registered[cmd.as_name] = handle
        return "passed", "", {}

    def _module(self, name: str | None) -> Any:
        """The module a command refers to; a ``failed`` verdict if there is none or it did not load."""
        handle = self.named.get(name) if name else self.current
        if handle is None:
            raise Verdict("failed", f"unknown module {name}" if name else "no module defined before this command")
        if isinstance(handle, Broken):
            if handle.errored:
                raise Verdict("error", f"module from line {handle.line} was not loaded ({handle.why})")
            if handle.unsupported:
                raise Verdict("skipped", f"module from line {handle.line} could not be loaded by the engine "
                              f"adapter ({handle.why})", skip_reason=ENGINE_LIMITATION_REASON)
            raise Verdict("failed", f"module from line {handle.line} did not load ({handle.why})")
        if id(handle) in self.tainted:
            raise Verdict("skipped", f"the module from line {self.tainted[id(handle)]}, which the engine adapter "
                          "could not load, imports from this one: its state cannot be judged",
                          skip_reason=ENGINE_LIMITATION_REASON)
        return handle

    # -- actions -----------------------------------------------------------------------------------------------

    def _act(self, cmd: Command):
        a = cmd.action
        assert a is not None
        handle = self._module(a.module)
        if a.type == "invoke":
            try:
                args = [decode_arg(x) for x in a.args]
            except (EncodingError, KeyError, ValueError) as e:
                raise Verdict("error", f"cannot make the arguments: {e}") from None
            out = self.engine.invoke(handle, a.field, args)
        elif a.type == "get":
            out = self.engine.get(handle, a.field)
        else:
            raise Verdict("error", f"action type {a.type!r} is not supported by the runner")
        if isinstance(out, Unsupported):
            raise Verdict("skipped", f"the engine adapter cannot perform this action: {out.message}",
                          skip_reason=ENGINE_LIMITATION_REASON)
        return out

    def _encode_actual(self, out: Any, expected: list[dict] | None) -> Any:
        if isinstance(out, Returned):
            return [self._encode_result(out, k, expected) for k in range(len(out.values))]
        return {"failure": _OUTCOME_NAME[type(out)], "message": out.message}

    @staticmethod
    def _encode_result(out: Returned, k: int, expected: list[dict] | None) -> dict:
        v = out.values[k]
        exp = expected[k] if expected and k < len(expected) else None
        if exp is not None and exp.get("type") == "either":
            exp = exp["values"][0] if exp["values"] else None
        if out.types is not None and k < len(out.types) and out.types[k] is not None:
            t: Any = out.types[k]
        elif exp is not None:
            t = exp["type"]
        else:
            t = guess_type(v)
        return encode_value(t, v, exp.get("lane_type") if exp else None)

    def do_action(self, cmd: Command):
        out = self._act(cmd)
        actual = self._encode_actual(out, cmd.expected)
        if isinstance(out, Returned):
            return "passed", "", {"actual": actual}
        return "failed", f"action failed: {_describe(out)}", {"actual": actual}

    def do_assert_return(self, cmd: Command):
        expected = cmd.expected or []
        out = self._act(cmd)
        actual = self._encode_actual(out, expected)
        extra = {"expected": expected, "actual": actual}
        if not isinstance(out, Returned):
            return "failed", f"expected results, got {_describe(out)}", extra
        reason = results_match(expected, out.values, out.types)
        if reason is not None and (limit := undecidable(expected, out.values)):
            return "skipped", limit, {**extra, "skip_reason": ENGINE_LIMITATION_REASON}
        if reason is not None:
            return "failed", f"{reason}; got {', '.join(render(v) for v in actual) or 'no results'}", extra
        return "passed", "", extra

    def _action_assertion(self, cmd: Command):
        want = EXPECTED_ACTION[cmd.kind]
        name = _OUTCOME_NAME[want]
        expected = {"failure": name, "message": cmd.text or ""}
        out = self._act(cmd)
        actual = self._encode_actual(out, None)
        extra = {"expected": expected, "actual": actual}
        if not isinstance(out, want):
            got = ("results " + (", ".join(render(v) for v in actual) or "(none)")
                   if isinstance(out, Returned) else _describe(out))
            return "failed", f"expected {name} ({cmd.text!r}), got {got}", extra
        if cmd.text is None or want is Thrown:
            return "passed", "", extra
        return self._check_message(cmd.text, out.message, extra)

    do_assert_trap = _action_assertion
    do_assert_exhaustion = _action_assertion
    do_assert_exception = _action_assertion


def text_verdict_of(cmd: Command) -> tuple[str, str, dict]:
    """``(outcome, detail, extra)`` of a command whose module the oracle's text reader rejected (there is no
    binary to give any engine): the reader's stage and message against the script's. Messages are always
    checked: they are the oracle's. ``extra`` has ``judged_by``, ``actual`` and, for assertions, ``expected``."""
    v = cmd.text_verdict
    assert v is not None
    actual = {"failure": v["failure"], "message": v["message"]}
    note = f"judged by the oracle's text reader only ({v.get('where', '')}): no binary form for the engine"
    if cmd.kind in CUSTOM_KINDS:
        note = (f"judged by the oracle only ({v.get('where', '')}): engines may ignore custom sections "
                "(appendix/custom.rst)")
    extra: dict[str, Any] = {"judged_by": TEXT_JUDGE, "actual": actual}
    stage = EXPECTED_STAGE.get(cmd.kind)
    if stage is None:
        return "failed", f"{cmd.kind} did not load ({v['failure']}): {v['message']}; {note}", extra
    extra["expected"] = {"failure": stage, "message": cmd.text or ""}
    if v["failure"] is None:
        del extra["actual"]
        return "failed", f"expected {stage} ({cmd.text!r}), but the oracle accepted the module; {note}", extra
    if v["failure"] != stage:
        return ("failed", f"wrong outcome: expected {stage} ({cmd.text!r}), got {v['failure']} ({v['message']!r}); "
                f"{note}", extra)
    if not message_matches(cmd.text or "", v["message"]):
        return "failed", f"message mismatch: expected {cmd.text!r}, got {v['message']!r}; {note}", extra
    return "passed", note, extra


def _failure(out: LoadFailed) -> dict:
    """The ``actual`` FAILURE of a module that did not load."""
    actual = {"failure": out.stage, "message": out.message}
    if out.inferred:
        actual["inferred"] = True
    return actual


def _describe(out: Any) -> str:
    return f"{_OUTCOME_NAME[type(out)]} ({out.message!r})"


def _last_line(e: BaseException) -> str:
    """The last line of the exception's traceback, e.g. ``ZeroDivisionError: division by zero``."""
    return traceback.format_exception_only(type(e), e)[-1].strip()


def _tb(e: BaseException) -> str:
    return "".join(traceback.format_exception(type(e), e, e.__traceback__))


def script_engine_records(engine: ScriptEngine, ctx: FileContext, json_path: Any, commands: list[Command],
                          features: Features) -> list[dict]:
    """One record per command from a whole-script engine (``engines.base.ScriptEngine``)."""
    try:
        verdicts = engine.run_script(json_path, commands, features)
        if len(verdicts) != len(commands):
            raise RuntimeError(f"the engine judged {len(verdicts)} commands of {len(commands)}")
    except EngineFailure as e:
        return [make_record(ctx, c.line, c.kind, "error", f"engine failure: {e.message}",
                            engine_output=e.output or None) for c in commands]
    except Exception as e:
        return [make_record(ctx, c.line, c.kind, "error", f"exception in the engine: {_last_line(e)}",
                            traceback=_tb(e)) for c in commands]
    records = []
    for cmd, v in zip(commands, verdicts):
        if cmd.text_verdict is not None:   # no binary reached the engine: the text reader's verdict, said so
            outcome, detail, more = text_verdict_of(cmd)
            records.append(make_record(ctx, cmd.line, cmd.kind, outcome, detail, **more))
            continue
        extra: dict[str, Any] = {"action": cmd.raw.get("action") if cmd.action is not None else None}
        if cmd.kind == "assert_return":
            extra["expected"] = cmd.expected or []
        elif cmd.kind in EXPECTED_STAGE:
            extra["expected"] = {"failure": EXPECTED_STAGE[cmd.kind], "message": cmd.text or ""}
        elif cmd.kind in EXPECTED_ACTION:
            extra["expected"] = {"failure": _OUTCOME_NAME[EXPECTED_ACTION[cmd.kind]], "message": cmd.text or ""}
        extra.update(v.extra)
        records.append(make_record(ctx, cmd.line, cmd.kind, v.outcome, v.detail, **extra))
    return records
