"""The oracle's execution machines, and the one place that knows how a test chooses one.

The oracle runs function bodies on one of two machines: ``compile`` (bodies compiled to Python source) or
``interpret`` (the plain interpreter). Tests choose only through this module: ``new_store`` / ``init_store`` give
the choice to a store (``machine=``; the oracle's default is ``compile``, whatever the environment says),
``machine_env`` names it in the environment, where the runner's oracle adapter reads it (a CLI run, a subprocess),
``store_machine`` / ``func_machine`` read it back. When the oracle renames its keyword, its attribute or the
runner its environment variable, only this module changes.
"""
from __future__ import annotations

from typing import Any

from oracle import embedding
from oracle.runtime.store import Store

MACHINES = ("compile", "interpret")
#: Chooses the machine of every store the runner's oracle adapter creates (a whole run on the other path).
MACHINE_ENV = "WAST_ORACLE_ENGINE"


def _choice(machine: str | None) -> dict[str, str]:
    # No keyword at all when the test leaves the choice to the oracle's default.
    return {} if machine is None else {"machine": machine}


def new_store(machine: str | None = None, **options: Any) -> Store:
    """A store (``oracle.runtime.store.Store``) running on ``machine`` (None: the oracle's default)."""
    return Store(**_choice(machine), **options)


def init_store(machine: str | None = None, **options: Any) -> Store:
    """The same through the embedding interface (``embedding.store_init``)."""
    return embedding.store_init(**_choice(machine), **options)


def store_machine(store: Store) -> str:
    return store.machine if isinstance(store.machine, str) else store.machine.name


def func_machine(func: Any) -> str:
    """The machine a function instance runs on (compiled code carries no mark)."""
    return getattr(func.call, "__wasm_engine__", "compile")


def machine_env(machine: str) -> dict[str, str]:
    """Environment entries that make ``machine`` the default of every store (for ``os.environ`` or a
    subprocess)."""
    return {MACHINE_ENV: machine}
