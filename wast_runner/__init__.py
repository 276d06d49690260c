"""wast-runner: runs the official WebAssembly ``.wast`` scripts against an engine (by default the oracle).

Data flows one way: a suite manifest (``suites``) names the ``.wast`` files; ``convert`` turns each into a list of
commands (via ``wast2json``, cached); ``script`` executes the commands against an ``engines.base.Engine`` and
``compare`` judges the results; ``results`` writes one JSON Lines record per command; ``run`` and ``cli`` drive it.
"""
