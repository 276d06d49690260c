"""Every outcome the spec allows for a command whose execution reached relaxed operations.

The spec's relaxed operations (``exec/numerics.rst``, "Relaxed Operations") depend on global parameters that an
implementation fixes once for the whole execution of a program. So the outcomes a script command may have are
its outcomes in the runs of the *whole script* under each choice of the parameters. The oracle notes which
parameters an execution consulted where their alternatives differ (``OracleEngine.relaxed_consulted``); while
none was, every choice runs identically and the command has one outcome. Once some were, ``RelaxedExplorer``
runs the script again on further oracle instances, one per choice of exactly those parameters (each replaying
the script from its start, then kept in step), until the choices reached consult nothing new.

A record then carries ``relaxed`` (the parameters explored) and, when other choices give other outcomes,
``allowed``: one entry per further distinct outcome, with the choice that gives it, its ``actual`` and whether
the script accepts it (``outcome``). The three-way diff (``wast_runner.diff``) calls an engine's result that is
one of these outcomes ``allowed``.
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Callable

from oracle.features import Features
from oracle.runtime.relaxed import PARAMETERS

from .commands import Command
from .engines.base import EngineOptions
from .results import FileContext
from .script import ScriptRun

#: Choices explored per command at most; beyond, the record says ``allowed_incomplete``.
MAX_CHOICES = 256

Choice = tuple[tuple[str, int], ...]   # the non-zero parameters, sorted by name


class _ChoiceRun:
    """The script run on an oracle with one choice of the parameters, stepped forward on demand."""

    def __init__(self, engine: Any, ctx: FileContext, module_bytes: Callable[[str], bytes],
                 commands: list[Command], features: Features):
        self.engine, self.commands = engine, commands
        self.run = ScriptRun(engine, ctx, module_bytes, _unused)
        self.failure = self.run.start(features)
        self.position = 0
        self.last: tuple[int, dict, frozenset[str]] | None = None

    def record_at(self, k: int) -> tuple[dict, frozenset[str]]:
        """The record of command ``k`` and the parameters consulted up to it (commands before ``k`` that this
        run has not yet executed are executed first)."""
        if self.last is not None and self.last[0] == k:
            return self.last[1], self.last[2]
        assert k >= self.position, "choice runs only move forward"
        while self.position <= k:
            cmd = self.commands[self.position]
            rec = (self.run.reset_failed_record(cmd, self.failure) if self.failure else self.run.execute(cmd))
            self.position += 1
        consulted = self.engine.relaxed_consulted()
        self.last = (k, rec, consulted)
        return rec, consulted


def _unused(rec: dict) -> None:
    raise AssertionError("choice runs return their records")


def _key(actual: Any) -> str:
    return json.dumps(actual, sort_keys=True)


class RelaxedExplorer:
    """Explores the other choices of the relaxed parameters for the commands of one script run on an oracle."""

    def __init__(self, engine: Any, ctx: FileContext, module_bytes: Callable[[str], bytes],
                 commands: list[Command], features: Features):
        self.engine = engine
        self.ctx, self.module_bytes, self.commands, self.features = ctx, module_bytes, commands, features
        self.base: dict[str, int] = dict(engine.relaxed)
        self.runs: dict[Choice, _ChoiceRun] = {}

    @classmethod
    def for_engine(cls, engine: Any, ctx: FileContext, module_bytes: Callable[[str], bytes],
                   commands: list[Command], features: Features) -> "RelaxedExplorer | None":
        """An explorer when ``engine`` is an oracle (it reports what it consulted), else None."""
        if not hasattr(engine, "relaxed_consulted"):
            return None
        return cls(engine, ctx, module_bytes, commands, features)

    def annotate(self, k: int, cmd: Command, rec: dict) -> None:
        """Add ``relaxed`` / ``allowed`` / ``allowed_incomplete`` to the record of command ``k`` (an action)."""
        if cmd.action is None or "actual" not in rec:
            return
        consulted = self.engine.relaxed_consulted()
        if not consulted:
            return
        params, outcomes, complete = self._explore(k, consulted)
        rec["relaxed"] = sorted(params)
        seen = {_key(rec["actual"])}
        allowed = []
        for choice, alt in outcomes:
            key = _key(alt.get("actual"))
            if key in seen:
                continue
            seen.add(key)
            allowed.append({"relaxed": ",".join(f"{n}={i}" for n, i in choice) or "deterministic",
                            "outcome": alt["outcome"], "actual": alt.get("actual")})
        if allowed:
            rec["allowed"] = allowed
        if not complete:
            rec["allowed_incomplete"] = True

    def _explore(self, k: int, consulted: frozenset[str]) -> tuple[set[str], list[tuple[Choice, dict]], bool]:
        params = set(consulted)
        done: set[Choice] = {self._choice({})}
        outcomes: list[tuple[Choice, dict]] = []
        complete = True
        while True:
            names = sorted(params)
            choices = [self._choice(dict(zip(names, values)))
                       for values in itertools.product(*(range(PARAMETERS[n]) for n in names))]
            if len(choices) > MAX_CHOICES:
                choices, complete = choices[:MAX_CHOICES], False
            todo = [c for c in choices if c not in done]
            if not todo:
                return params, outcomes, complete
            for choice in todo:
                done.add(choice)
                rec, more = self._run(choice).record_at(k)
                outcomes.append((choice, rec))
                params |= more

    def _choice(self, assignment: dict[str, int]) -> Choice:
        full = {**self.base, **assignment}
        return tuple(sorted((n, i) for n, i in full.items() if i))

    def _run(self, choice: Choice) -> _ChoiceRun:
        run = self.runs.get(choice)
        if run is None:
            from .engines.oracle import OracleEngine
            engine = OracleEngine(EngineOptions(args=",".join(f"{n}={i}" for n, i in choice),
                                                max_call_depth=self.engine.max_call_depth))
            run = self.runs[choice] = _ChoiceRun(engine, self.ctx, self.module_bytes, self.commands, self.features)
        return run
