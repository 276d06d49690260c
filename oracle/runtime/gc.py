"""Run-time objects of garbage-collected references (spec ``exec/runtime.rst``, "Values", "Structure Instances",
"Array Instances"; ``exec/values.rst``, "Reference Values").

The value model (``oracle.runtime.values``) gives a reference as ``None`` (null), a function instance, an
``ExternRef`` (``ref.extern (ref.host a)``: a host value made external) or an exception instance. WebAssembly 3.0
adds the references of the ``any`` hierarchy, represented here:

* ``StructInst`` / ``ArrayInst``: ``ref.struct a`` / ``ref.array a``, the instance itself (identity is the address).
  Packed fields (``i8``, ``i16``) hold the unsigned value wrapped to their width; ``f32`` fields hold the value
  model's f32 floats.
* ``I31Ref``: ``ref.i31 i``, an unboxed scalar; compared by value (``ref.eq``).
* ``HostRef``: ``ref.host a``, a bare host reference, which is "considered internalized" (spec ``exec/values.rst``,
  "Host References"): what ``any.convert_extern`` makes of a host ``ExternRef``.
* ``ExternalizedRef``: ``ref.extern addrref`` for any other reference of the ``any`` hierarchy (what
  ``extern.convert_any`` makes of a structure, array or i31 reference).

So ``any.convert_extern`` and ``extern.convert_any`` are inverse: ``ExternRef(v) <-> HostRef(v)`` and
``ExternalizedRef(r) <-> r``; a null stays null.
"""
from __future__ import annotations

from typing import Any

from ..syntax.types import DefType


class StructInst:
    """A structure instance ``{type, fields}`` (spec ``exec/runtime.rst``, "Structure Instances"); ``desc`` is its
    custom descriptor (custom descriptors overview, "Allocation With Descriptors": the descriptor a
    ``struct.new_desc`` was given, a ``StructInst`` itself), ``None`` for a type without ``descriptor`` clause."""

    __slots__ = ("type", "fields", "desc")

    def __init__(self, type: DefType, fields: list, desc: "StructInst | None" = None):
        self.type = type
        self.fields = fields
        self.desc = desc

    def __repr__(self) -> str:
        return f"<struct {self.type} {self.fields}>"


class ArrayInst:
    """An array instance ``{type, fields}`` (spec ``exec/runtime.rst``, "Array Instances"); its elements are
    ``elems``."""

    __slots__ = ("type", "elems")

    def __init__(self, type: DefType, elems: list):
        self.type = type
        self.elems = elems

    def __repr__(self) -> str:
        shown = self.elems if len(self.elems) <= 8 else [*self.elems[:8], "..."]
        return f"<array {self.type} len={len(self.elems)} {shown}>"


class I31Ref:
    """``ref.i31 i`` (spec ``exec/runtime.rst``, "Values"): ``value`` is the 31-bit pattern, ``0 <= value < 2**31``.
    Equal when the values are (``ref.eq`` compares unboxed scalars by value)."""

    __slots__ = ("value",)

    def __init__(self, value: int):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return other.__class__ is I31Ref and other.value == self.value

    def __hash__(self) -> int:
        return hash(("i31", self.value))

    def __repr__(self) -> str:
        return f"I31Ref({self.value})"


class HostRef:
    """``ref.host a``: a host value as a reference of the ``any`` hierarchy (an internalized ``ExternRef``)."""

    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return other.__class__ is HostRef and other.value == self.value

    def __hash__(self) -> int:
        return hash(("host", self.value))

    def __repr__(self) -> str:
        return f"HostRef({self.value!r})"


class ExternalizedRef:
    """``ref.extern addrref``: a reference of the ``any`` hierarchy other than a host reference, made external by
    ``extern.convert_any``; ``ref`` is the reference it wraps. Equal when the wrapped references are."""

    __slots__ = ("ref",)

    def __init__(self, ref: Any):
        self.ref = ref

    def __eq__(self, other: object) -> bool:
        return other.__class__ is ExternalizedRef and (other.ref is self.ref or other.ref == self.ref)

    def __hash__(self) -> int:
        return hash(("extern", self.ref))

    def __repr__(self) -> str:
        return f"ExternalizedRef({self.ref!r})"


__all__ = ["StructInst", "ArrayInst", "I31Ref", "HostRef", "ExternalizedRef"]
