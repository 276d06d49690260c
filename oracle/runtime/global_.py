"""Global instances (spec ``exec/runtime.rst``, "Global Instances")."""
from __future__ import annotations

from ..syntax.types import GlobalType


class GlobalInst:
    """``{type, value}``."""

    __slots__ = ("type", "value")

    def __init__(self, type: GlobalType, value: object):
        self.type = type
        self.value = value
