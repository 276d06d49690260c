"""Dynamic linking (the tool convention ``DynamicLinking.md``): the ``dylink.0`` section decoder and a loader that
links a main module and its shared libraries in the oracle.

* ``section``: ``read_dylink(data)`` decodes ``dylink.0`` and the legacy ``dylink`` section.
* ``program``: finds the libraries a main module needs (search folders, runtime-path, ``$ORIGIN``).
* ``plan``: resolves symbols and lays out memory and table (engine independent).
* ``loader``: ``load_program(main, search_paths)`` runs the plan in an oracle store.

Every rule the convention leaves open is listed in ``docs/dylink.md``.
"""
from .errors import CODES, DylinkError
from .loader import DEFAULT_FEATURES, LoadedProgram, link, load_program
from .plan import LinkPlan, make_plan
from .program import Program, discover
from .section import DylinkInfo, read_dylink

__all__ = ["CODES", "DylinkError", "DEFAULT_FEATURES", "LoadedProgram", "link", "load_program", "LinkPlan",
           "make_plan", "Program", "discover", "DylinkInfo", "read_dylink"]
