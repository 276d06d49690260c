"""Tag instances (spec ``exec/runtime.rst``, "Tag Instances"): the identity of an exception kind."""
from __future__ import annotations


class TagInst:
    """``{type}``: a function type whose parameters are the exception's payload. Identity is the tag's address."""

    __slots__ = ("type",)

    def __init__(self, type):
        self.type = type

    def __repr__(self) -> str:
        return f"<tag {self.type}>"
