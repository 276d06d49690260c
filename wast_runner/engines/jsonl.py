"""``jsonl:COMMAND``: any engine that speaks the runner's line protocol over its stdin and stdout.

The protocol (version 1) is documented in ``docs/adapter-protocol.md``: one JSON object per line each way, a
``hello`` handshake, then ``reset`` / ``load`` / ``validate`` / ``register`` / ``invoke`` / ``get`` requests,
values encoded as wast2json encodes them (``wast_runner.engines.wire``). The engine process is restarted (and
the script's state replayed) after it crashes, hangs past ``--timeout`` or answers with something that is not a
protocol message; each of those is an ``error`` record with what the engine printed.
"""
from __future__ import annotations

import base64
import json
import shlex
from typing import Any, Sequence

from oracle.features import Features

from ..values import EncodingError
from .base import (LOAD_STAGES, ActionOutcome, Arg, EngineFailure, EngineOptions, Exhausted, LoadFailed,
                   NotFound, Returned, Thrown, Trapped, Unsupported)
from .classify import rejection_stage
from .process import PipeSession, RestartingEngine
from .wire import decode_value, encode_arg

PROTOCOL_VERSION = 1

_ACTION_FAILURES = {"trap": Trapped, "exhaustion": Exhausted, "not-found": NotFound}


class EngineReportedError(Exception):
    """The engine answered ``{"error": ...}``: it is alive but could not do the request (its own bug or a
    missing feature); recorded as an ``error``, without a restart."""


class JsonlEngine(RestartingEngine):
    name = "jsonl"
    spec_messages = False

    def __init__(self, options: EngineOptions | None = None, argv: Sequence[str] | None = None):
        super().__init__(options)
        if argv is None:
            if not self.options.args:
                raise ValueError("jsonl needs the engine's command: --engine jsonl:COMMAND")
            argv = shlex.split(self.options.args)
        self.argv = list(argv)
        self.session: PipeSession | None = None
        self.info: dict = {}
        self._id = 0
        # The handshake may claim spec messages; --strict-messages / --no-strict-messages override.
        self._messages_forced = self.options.strict_messages is not None

    # -- the process -----------------------------------------------------------------------------------------

    def command(self) -> list[str]:
        """The command line starting the engine (subclasses add flags per feature set)."""
        return self.argv

    def _start(self) -> None:
        self.session = PipeSession(self.command(), self.timeout)
        hello = self._call({"op": "hello", "protocol": PROTOCOL_VERSION})
        if not hello.get("ok"):
            raise EngineFailure(f"the engine refused protocol {PROTOCOL_VERSION}: {hello.get('message', hello)}")
        if hello.get("protocol", PROTOCOL_VERSION) != PROTOCOL_VERSION:
            raise EngineFailure(f"the engine speaks protocol {hello.get('protocol')}, not {PROTOCOL_VERSION}")
        self.info = hello
        if not self._messages_forced:
            self.spec_messages = bool(hello.get("spec_messages", False))

    def _stop(self) -> None:
        if self.session is not None:
            self.session.close(goodbye=json.dumps({"op": "bye"}) + "\n")
            self.session = None

    def _call(self, request: dict) -> dict:
        """Send one request and read its answer."""
        assert self.session is not None
        self._id += 1
        request = {"id": self._id, **request}
        self.session.send(json.dumps(request, separators=(",", ":")) + "\n")
        while True:
            line = self.session.read_line()
            if line.strip():
                break
        try:
            answer = json.loads(line)
        except ValueError:
            raise self.session.failure(
                f"the engine printed something that is not a JSON answer: {line[:200]!r}") from None
        if not isinstance(answer, dict) or answer.get("id") != self._id:
            raise self.session.failure(f"the engine's answer does not answer request {self._id}: {line[:200]!r}")
        if "error" in answer:
            raise EngineReportedError(str(answer["error"]))
        if "ok" not in answer:
            raise self.session.failure(f"the engine's answer has neither ok nor error: {line[:200]!r}")
        return answer

    def _garbage(self, what: str, answer: Any) -> EngineFailure:
        text = json.dumps(answer)[:200]
        return self.session.failure(f"{what}: {text}") if self.session else EngineFailure(f"{what}: {text}")

    # -- Engine ----------------------------------------------------------------------------------------------

    def version(self) -> str:
        if not self._live:
            self._restart(restore=False)
        name, version = self.info.get("name", "?"), self.info.get("version", "?")
        return f"{name} {version}"

    def supported_features(self) -> frozenset[str] | None:
        feats = self.info.get("features")
        return frozenset(feats) if isinstance(feats, list) else None

    def _do_reset(self, features: Features) -> None:
        answer = self._call({"op": "reset", "features": sorted(features.enabled)})
        if not answer.get("ok"):
            raise EngineFailure(f"the engine refused to reset: {answer.get('message', '')}")

    def _load_failure(self, answer: dict) -> LoadFailed | Unsupported:
        kind, message = answer.get("failure"), str(answer.get("message", ""))
        if kind in LOAD_STAGES:
            return LoadFailed(kind, message)
        if kind == "rejected":  # the engine cannot tell decoding from validation errors
            return LoadFailed(rejection_stage(message), message, inferred=True)
        if kind == "unsupported":
            return Unsupported(message)
        raise self._garbage("not a load failure", answer)

    def _do_load(self, data: bytes, name: str | None) -> Any:
        answer = self._call({"op": "load", "wasm": base64.b64encode(data).decode("ascii"), "name": name})
        if answer["ok"]:
            if "module" not in answer:
                raise self._garbage("a loaded module needs a \"module\" handle", answer)
            return answer["module"]
        return self._load_failure(answer)

    def _do_check(self, data: bytes) -> LoadFailed | Unsupported | None:
        answer = self._call({"op": "validate", "wasm": base64.b64encode(data).decode("ascii")})
        return None if answer["ok"] else self._load_failure(answer)

    def _do_register(self, remote: Any, as_name: str) -> Unsupported | None:
        answer = self._call({"op": "register", "module": remote, "as": as_name})
        if answer["ok"]:
            return None
        if answer.get("failure") == "unsupported":
            return Unsupported(str(answer.get("message", "")))
        raise self._garbage("register failed", answer)

    def _action_outcome(self, answer: dict) -> ActionOutcome:
        if answer["ok"]:
            results = answer.get("results")
            if not isinstance(results, list):
                raise self._garbage("an answer to an action needs a results list", answer)
            try:
                decoded = [decode_value(r) for r in results]
            except EncodingError as e:
                raise self._garbage(f"bad result ({e})", answer) from None
            return Returned([v for _, v in decoded], [t for t, _ in decoded])
        kind, message = answer.get("failure"), str(answer.get("message", ""))
        if kind in _ACTION_FAILURES:
            return _ACTION_FAILURES[kind](message)
        if kind == "exception":
            return Thrown(message or "uncaught exception")
        if kind == "unsupported":
            return Unsupported(message)
        raise self._garbage("not an action failure", answer)

    def _do_invoke(self, remote: Any, field: str, args: Sequence[Arg]) -> ActionOutcome:
        encoded = [encode_arg(a) for a in args]
        return self._action_outcome(self._call({"op": "invoke", "module": remote, "field": field,
                                                "args": encoded}))

    def _do_get(self, remote: Any, field: str) -> ActionOutcome:
        return self._action_outcome(self._call({"op": "get", "module": remote, "field": field}))


def make(options: EngineOptions) -> JsonlEngine:
    return JsonlEngine(options)
