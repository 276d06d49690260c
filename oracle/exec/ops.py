"""The form in which pure instruction semantics are handed to the compiler (``oracle.exec.compile``)."""
from typing import NamedTuple


class Op(NamedTuple):
    """A pure instruction: a Python expression template and whether it may trap.

    ``{0}``, ``{1}``, ... stand for the operands in push order and ``{i0}``, ``{i1}``, ... for the instruction's
    immediates; the template may call the public functions of ``oracle.exec.numerics``, ``oracle.exec.vector`` and
    ``oracle.exec.relaxed`` (the last with ``RELAXED``, the store's relaxed parameters).
    """

    template: str
    traps: bool = False
    results: int = 1   # values pushed: 0 for instructions that only have an effect (``struct.set``)
