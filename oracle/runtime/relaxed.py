"""The global parameters of relaxed operations (spec ``exec/numerics.rst``, "Relaxed Operations").

The result of a relaxed operator is ``relaxed(R)[A_0, ..., A_n]``: the alternative that the global parameter
``R`` selects. An implementation fixes every parameter once, for the whole execution of a program; the
deterministic profile fixes every one to 0. A store carries one ``RelaxedParameters`` (``Store(relaxed=...)``),
so one oracle run is one choice of all parameters -- the deterministic profile unless asked otherwise.

Besides choosing, the object notes which parameters an execution *consulted* with alternatives that differ
(``consulted``): a parameter never consulted that way cannot have changed anything, so the set of results the
spec allows is one result unless this set is non-empty -- and then it is found by running again under the
other choices of exactly these parameters (``wast_runner.judge.relaxed``).
"""
from __future__ import annotations

import struct
from typing import Any, Mapping

#: Each parameter ``R_name`` and how many alternatives it selects among (its range ``{0, ..., n-1}``).
PARAMETERS: dict[str, int] = {
    "fmadd": 2,        # frelaxed_madd / nmadd: unfused or fused
    "fmin": 4,         # frelaxed_min: on NaNs and on zeroes of opposite sign
    "fmax": 4,         # frelaxed_max: likewise
    "idot": 2,         # relaxed_dot(_add): second operand signed or unsigned
    "iq15mulr": 2,     # irelaxed_q15mulr_s: on overflow, saturate or wrap
    "trunc_u": 2,      # relaxed_trunc_u: on NaN / out of range, saturate or the implementation's value
    "trunc_s": 2,      # relaxed_trunc_s: likewise
    "swizzle": 2,      # relaxed_swizzle: on indices 16..127, 0 or the index modulo 16
    "laneselect": 2,   # relaxed_laneselect: the mask as given or each lane's top bit spread
}

_DOUBLE = struct.Struct("<d")


def _same(a: Any, b: Any) -> bool:
    """Whether two alternatives are the same value: floats by bit pattern (so NaN payloads and the sign of zero
    count), everything else by equality."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, float) and isinstance(b, float) and _DOUBLE.pack(a) == _DOUBLE.pack(b)
    return a == b


class RelaxedParameters:
    """One choice of every global parameter, fixed for the store's lifetime."""

    __slots__ = ("choice", "consulted")

    def __init__(self, choice: Mapping[str, int] | None = None):
        choice = dict(choice or {})
        for name, index in choice.items():
            if name not in PARAMETERS:
                raise ValueError(f"unknown relaxed parameter {name!r}: expected one of {', '.join(PARAMETERS)}")
            if not isinstance(index, int) or not 0 <= index < PARAMETERS[name]:
                raise ValueError(f"relaxed parameter {name!r} selects among {PARAMETERS[name]} alternatives: "
                                 f"{index!r} is not in 0..{PARAMETERS[name] - 1}")
        #: ``R_name`` for every parameter (0 where not given).
        self.choice: dict[str, int] = {name: choice.get(name, 0) for name in PARAMETERS}
        #: The parameters consulted so far where their alternatives differed.
        self.consulted: set[str] = set()

    @property
    def deterministic(self) -> bool:
        """Whether this is the deterministic profile (every parameter 0)."""
        return not any(self.choice.values())

    def relaxed(self, name: str, *alternatives: Any) -> Any:
        """``relaxed(R_name)[A_0, ..., A_n]``: the alternative this choice selects."""
        if name not in self.consulted:
            first = alternatives[0]
            if any(not _same(first, a) for a in alternatives[1:]):
                self.consulted.add(name)
        return alternatives[self.choice[name]]


def parse_relaxed(text: str) -> dict[str, int]:
    """``"fmin=2,fmadd=1"`` as a choice for ``RelaxedParameters`` (raises ``ValueError`` saying what is wrong)."""
    choice: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, index = item.partition("=")
        if not sep or not index.strip().isdigit():
            raise ValueError(f"relaxed parameter {item!r}: expected NAME=INDEX, e.g. fmin=1")
        choice[name.strip()] = int(index)
    RelaxedParameters(choice)   # validates names and ranges
    return choice
