"""The dylink suite runner: our dynamic-linking scenarios (``suites/dylink``), run with the oracle's loader or
lowered onto any engine, and ``wast-runner dylink`` (run, inspect and plan a main module with its libraries).

``scenario`` reads scenario files; ``suite`` runs them (the driver's runner for jobs of kind ``dylink``);
``lower`` turns a link plan into plain core commands, building modules with ``wasm``; ``toywasm`` runs them with
toywasm's own loader; ``cli`` is the ``dylink`` subcommand.
"""
