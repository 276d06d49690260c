"""The oracle's execution machines, and the one place that knows how a test chooses one.

The oracle runs function bodies on one of two machines: ``compile`` (bodies compiled to Python source) or
``interpret`` (the plain interpreter). Tests choose only through this module: ``new_store`` / ``init_store`` give
the choice to a store, ``machine_env`` names it in the environment (a CLI run, a subprocess), ``store_machine`` /
``func_machine`` read it back. When the oracle renames its keyword, its attribute or its environment variable,
only this module changes.
"""
from __future__ import annotations

from typing import Any

from oracle import embedding
from oracle.runtime.store import Store

MACHINES = ("compile", "interpret")
#: Chooses the machine of every store created without an explicit choice (a whole run on the other path).
MACHINE_ENV = "WAST_ORACLE_ENGINE"


def _choice(machine: str | None) -> dict[str, str]:
    # No keyword at all when the test leaves the choice to the environment.
    return {} if machine is None else {"engine": machine}


def new_store(machine: str | None = None, **options: Any) -> Store:
    """A store (``oracle.runtime.store.Store``) running on ``machine`` (None: the environment's choice)."""
    return Store(**_choice(machine), **options)


def init_store(machine: str | None = None, **options: Any) -> Store:
    """The same through the embedding interface (``embedding.store_init``)."""
    return embedding.store_init(**_choice(machine), **options)


def store_machine(store: Store) -> str:
    return store.engine


def func_machine(func: Any) -> str:
    """The machine a function instance runs on (compiled code carries no mark)."""
    return getattr(func.call, "__wasm_engine__", "compile")


def machine_env(machine: str) -> dict[str, str]:
    """Environment entries that make ``machine`` the default of every store (for ``os.environ`` or a
    subprocess)."""
    return {MACHINE_ENV: machine}
