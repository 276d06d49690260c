"""Helpers shared by the test modules (test modules import these, never each other).

* ``fake_engine``: the runner's fake engine (decides by export names and ``fake-*`` custom sections);
* ``cli``: running ``wast-runner run`` in process and reading its records, engine specs of the test engines;
* ``wasm_binary``: hand-encoding binary modules (LEB128, sections, code) and patching converter output;
* ``machines``: the oracle's execution machines -- the one place that knows how a test picks one;
* ``differential``: one module run on every machine, outcomes and instruction counts compared;
* ``suites``: the official suites through ``wast_runner.suites`` / ``wast_runner.convert`` (a missing suite is a
  skip with a reason).
"""
