"""WASI preview1 (``wasi_snapshot_preview1``) for the oracle: the host (``host.WasiHost``), its sandbox
(``sandbox``), and running a command program (``program.run_program``). Rules: ``docs/wasi.md``."""
from .host import MODULE, SIGNATURES, ProcExit, WasiConfig, WasiHost
from .program import ProgramOutcome, run_program

__all__ = ["MODULE", "SIGNATURES", "ProcExit", "WasiConfig", "WasiHost", "ProgramOutcome", "run_program"]
