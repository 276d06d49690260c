"""wast-oracle's reference interpreter for WebAssembly.

The layout follows the spec's table of contents: ``syntax`` (Structure), ``binary`` (Binary format),
``valid`` (Validation), ``runtime`` and ``exec`` (Execution), ``host`` (host modules such as ``spectest``).
``oracle.embedding`` is the public entry point (spec ``appendix/embedding.rst``).
"""
