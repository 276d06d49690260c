"""WASI programs: the ``wasi-p1`` suite kind (``suite``), the engines that run programs (``engines``), the test
specifications of wasi-testsuite (``spec``), and ``wast-runner wasi`` (``cli``). Rules: ``docs/wasi.md``."""
