"""Every outcome the spec allows for a command whose execution reached relaxed operations.

The spec's relaxed operations (``exec/numerics.rst``, "Relaxed Operations") depend on global parameters that an
implementation fixes once for the whole execution of a program. So the outcomes a script command may have are
its outcomes in the runs of the *whole script* under each choice of the parameters. The oracle notes which
parameters an execution consulted where their alternatives differ (the ``RELAXED_VARIANTS`` capability,
``engines.base.RelaxedVariants``; the oracle has it); while
none was, every choice runs identically and the command has one outcome. Once some were, ``RelaxedExplorer``
runs the script again on further oracle instances, one per choice of exactly those parameters (each replaying
the script from its start, then kept in step), until the choices reached consult nothing new.

A record then carries ``relaxed`` (the parameters explored) and, when other choices give other outcomes,
``allowed``: one entry per further distinct outcome, with the choice that gives it, its ``actual`` and whether
the script accepts it (``outcome``). The three-way diff (``wast_runner.judge.diff``) calls an engine's result that is
one of these outcomes ``allowed``.
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Callable

from oracle.features import Features
from oracle.runtime.relaxed import PARAMETERS

from ..commands import Command
from ..engines.base import RELAXED_VARIANTS, AnyEngine, Engine, RelaxedVariants, has
from ..model import FileContext
from ..script import ScriptRun

#: Choices explored per command at most; beyond, the record says ``allowed_incomplete``.
MAX_CHOICES = 256

Choice = tuple[tuple[str, int], ...]   # the non-zero parameters, sorted by name


class _ChoiceRun:
    """The script run on an oracle with one choice of the parameters, stepped forward on demand."""

    def __init__(self, engine: Engine, ctx: FileContext, module_bytes: Callable[[str], bytes],
                 commands: list[Command], features: Features):
        self.engine, self.commands = engine, commands
        self.run = ScriptRun(engine, ctx, module_bytes)
        self.run.start(features)
        self.position = 0
        self.last: tuple[int, dict, frozenset[str]] | None = None

    def record_at(self, k: int) -> tuple[dict, frozenset[str]]:
        """The record of command ``k`` and the parameters consulted up to it (commands before ``k`` that this
        run has not yet executed are executed first)."""
        if self.last is not None and self.last[0] == k:
            return self.last[1], self.last[2]
        assert k >= self.position, "choice runs only move forward"
        while self.position <= k:
            rec = self.run.step(self.commands[self.position])
            self.position += 1
        consulted = self.engine.relaxed_consulted()  # type: ignore[attr-defined]
        self.last = (k, rec, consulted)
        return rec, consulted


def describe(choice: Choice) -> str:
    """``fmin=2,fmadd=1``, or ``deterministic`` when every parameter is 0."""
    return ",".join(f"{n}={i}" for n, i in choice) or "deterministic"


def _key(actual: Any) -> str:
    return json.dumps(actual, sort_keys=True)


#: What the choices explored for one command give: each distinct ``actual`` (the run's own first) with the
#: choices giving it.
Outcomes = list[tuple[Any, list[Choice]]]


class RelaxedExplorer:
    """Explores the other choices of the relaxed parameters for the commands of one script run on an oracle."""

    def __init__(self, engine: RelaxedVariants, ctx: FileContext, module_bytes: Callable[[str], bytes],
                 commands: list[Command], features: Features):
        self.engine = engine
        self.ctx, self.module_bytes, self.commands, self.features = ctx, module_bytes, commands, features
        self.base: dict[str, int] = dict(engine.relaxed)
        self.runs: dict[Choice, _ChoiceRun] = {}

    @classmethod
    def for_engine(cls, engine: AnyEngine, ctx: FileContext, module_bytes: Callable[[str], bytes],
                   commands: list[Command], features: Features) -> "RelaxedExplorer | None":
        """An explorer when ``engine`` declares ``RELAXED_VARIANTS``, else None."""
        if not has(engine, RELAXED_VARIANTS):
            return None
        return cls(engine, ctx, module_bytes, commands, features)  # type: ignore[arg-type]

    def explore(self, k: int, cmd: Command, rec: dict) -> Outcomes | None:
        """Add ``relaxed`` / ``allowed`` / ``allowed_incomplete`` to the record of command ``k`` (an action) and
        return the outcomes of the choices explored; None when there were none (or more than ``MAX_CHOICES``)."""
        if cmd.action is None or "actual" not in rec:
            return None
        consulted = self.engine.relaxed_consulted()
        if not consulted:
            return None
        params, explored, complete = self._explore(k, consulted)
        rec["relaxed"] = sorted(params)
        # Grouped once by value: the record lists each further outcome once, the diff judges each once.
        groups: dict[str, tuple[Any, list[Choice]]] = {_key(rec["actual"]): (rec["actual"], [self._choice({})])}
        allowed = []
        for choice, alt in explored:
            actual = alt.get("actual")
            key = _key(actual)
            if key in groups:
                groups[key][1].append(choice)
                continue
            groups[key] = (actual, [choice])
            allowed.append({"relaxed": describe(choice), "outcome": alt["outcome"], "actual": actual})
        if allowed:
            rec["allowed"] = allowed
        if not complete:
            rec["allowed_incomplete"] = True
            return None
        return list(groups.values())

    def _explore(self, k: int, consulted: frozenset[str]) -> tuple[set[str], list[tuple[Choice, dict]], bool]:
        params = set(consulted)
        done: set[Choice] = {self._choice({})}
        outcomes: list[tuple[Choice, dict]] = []
        complete = True
        while True:
            names = sorted(params)
            choices = [self._choice(dict(zip(names, values)))
                       for values in itertools.product(*(range(self.engine.relaxed_parameters[n]) for n in names))]
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
            engine = self.engine.relaxed_variant(dict(choice))
            run = self.runs[choice] = _ChoiceRun(engine, self.ctx, self.module_bytes, self.commands, self.features)
        return run


class ChoiceTracker:
    """Whether one choice of the relaxed parameters gives every result an engine returned so far in a script.

    The spec fixes the parameters for the whole execution of a program, so an engine whose relaxed results need
    different choices in different commands (say a fused multiply-add in one and an unfused one in the next) departs
    from it even though each result alone is allowed. ``possible`` holds the choices (every parameter's index, in
    ``PARAMETERS`` order) that agree with all results so far, as far as the parameters in ``varied`` go (the
    others had no say yet); None before the first relaxed result.
    """

    def __init__(self) -> None:
        self.possible: set[tuple[int, ...]] | None = None
        self.varied: set[int] = set()
        self.since = 0   # line of the first result ``possible`` accounts for

    def observe(self, line: int, matching: set[Choice], explored: set[Choice]) -> bool:
        """Narrow to the choices in ``matching`` (of those ``explored`` for this command); False when none is
        left -- then start again from this command's."""
        matching_full = {_full(c) for c in matching}
        explored_full = {_full(c) for c in explored}
        varied_now = {k for k in range(len(_NAMES)) if len({c[k] for c in explored_full}) > 1}
        if self.possible is not None:
            earlier = {_project(p, self.varied) for p in self.possible}
            narrowed = {c for c in matching_full if _project(c, self.varied) in earlier}
            if narrowed:
                self.possible, self.varied = narrowed, self.varied | varied_now
                return True
        consistent = self.possible is None
        self.possible, self.varied, self.since = matching_full, varied_now, line
        return consistent


_NAMES = list(PARAMETERS)


def _full(choice: Choice) -> tuple[int, ...]:
    given = dict(choice)
    return tuple(given.get(n, 0) for n in _NAMES)


def _project(c: tuple[int, ...], params: set[int]) -> tuple[int, ...]:
    """The indices of the parameters ``params``."""
    return tuple(c[k] for k in sorted(params))
