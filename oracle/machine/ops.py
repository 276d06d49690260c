"""The form in which instruction semantics are handed to the execution machines (``oracle.machine``).

The semantics modules (``oracle.exec.scalar_ops``, ``vector_ops``, ``gc_ops``) give each instruction as an ``Op``:
an expression template plus two honest facts the machines need to place it:

* ``traps``: the instruction may trap (``i32.div_s``, ``struct.get`` of null, ``ref.cast``);
* ``effects``: it changes or observes the store (allocation gives a fresh identity, heap reads and writes), so it
  must run exactly once, in program order, even when it cannot trap.

The compiler (``oracle.machine.compile``) emits an ``Op`` as a Python expression only when it is pure (neither);
otherwise as a statement in program order (``Op.statement``).
"""
from typing import NamedTuple


class Op(NamedTuple):
    """An instruction given as a Python expression template.

    ``{0}``, ``{1}``, ... stand for the operands in push order and ``{i0}``, ``{i1}``, ... for the instruction's
    immediates; the template may call the public functions of ``oracle.exec.numerics``, ``oracle.exec.vector``,
    ``oracle.exec.relaxed`` (the last with ``RELAXED``, the store's relaxed parameters) and ``oracle.exec.gc_instr``,
    and the names of the generated-code legend (``oracle.machine.legend``).
    """

    template: str
    traps: bool = False     # may trap
    results: int = 1        # values pushed: 0 for instructions that only have an effect (``struct.set``)
    effects: bool = False   # changes or observes the store (allocation, heap access): never reordered or dropped

    @property
    def pure(self) -> bool:
        """Neither traps nor touches the store: an expression the compiler may move, share or drop."""
        return not (self.traps or self.effects)

    @property
    def statement(self) -> bool:
        """Must run as a statement in program order (it may trap, or it has effects)."""
        return self.traps or self.effects
