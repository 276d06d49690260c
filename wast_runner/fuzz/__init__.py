"""Differential fuzzing (issue 13): generated cases run on an engine and on the oracle, compared with the diff's
rules; each distinct disagreement is written once as a self-contained ``.wast`` repro. See docs/fuzzing.md.

Modules: ``wasm`` (binary encoding), ``gen`` (typed expression trees over any chooser), ``strategies`` (public
hypothesis strategies), ``judge`` (outcome comparison), ``worker`` (sandboxed engine process), ``repro`` (.wast
writer), ``smith`` / ``mutate`` (the other generators), ``campaign`` (the driver), ``cli`` (``wast-runner fuzz``),
``targets`` (the same check as a hypothesis test, for HypoFuzz or pytest), ``agreement`` (mutants' classification
against wabt's ``wasm-validate``).
"""
