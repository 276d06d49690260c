"""The oracle's layers (issue 18): the runtime knows no execution machine and no semantics module; the machines
sit beside the semantics and the semantics modules reach into ``oracle.machine`` only for the ``Op`` form."""
from __future__ import annotations

from test_architecture import import_graph


def _imports(prefix: str) -> dict[str, set[str]]:
    return {m: ts for m, ts in import_graph().items() if m == prefix or m.startswith(prefix + ".")}


def test_runtime_imports_no_machine_and_no_semantics() -> None:
    bad = {m: sorted(t for t in ts if t.startswith(("oracle.machine", "oracle.exec")))
           for m, ts in _imports("oracle.runtime").items()}
    assert not {m: t for m, t in bad.items() if t}


def test_semantics_use_only_the_op_form_of_the_machines() -> None:
    # instantiate is where the instance injects the machine into its functions (and binds the legend's names)
    allowed = {"oracle.machine.ops"}
    bad = {m: sorted(t for t in ts if t.startswith("oracle.machine") and t not in allowed)
           for m, ts in _imports("oracle.exec").items() if m != "oracle.exec.instantiate"}
    assert not {m: t for m, t in bad.items() if t}
