"""Suite manifests (``*.toml``), shipped as package data so ``wast-runner`` finds them when installed.

Each manifest pins a commit of https://github.com/WebAssembly/testsuite and says which ``.wast`` files of it form
the suite, which features they need, and how to convert them; see ``wast_runner.suites``.
"""
