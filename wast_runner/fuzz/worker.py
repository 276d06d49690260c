"""A sandboxed process that runs cases on the oracle and on the engine under test.

Why a process: a case must not take the machine down (a huge declared table, an allocation loop in an engine) or
stop the campaign (a hang). The worker sets ``RLIMIT_DATA`` (private writable memory; unlike ``RLIMIT_AS`` it
leaves the large ``PROT_NONE`` reservations of engines such as wasmtime alone) and the parent gives each case a
deadline, killing and restarting the worker when it passes. Python exceptions escaping an engine are reported as
``("error", ...)`` outcomes: for the oracle they are findings in themselves.
"""
from __future__ import annotations

import multiprocessing as mp
import resource
from dataclasses import dataclass
from typing import Any

from ..engines.process import kill_with_engines
from . import judge

DEFAULT_MEMORY_LIMIT = 2 << 30
DEFAULT_CASE_TIMEOUT = 20.0


@dataclass
class Request:
    """``calls``: ``[(field, [(type, bits)...], [result types])]``, or ``None``: call every exported function
    of the module (as the oracle sees it) with zero arguments."""

    wasm: bytes
    features: list[str]
    calls: list | None
    validate_only: bool = False     # decode and validate only (``Engine.check``): no instantiation, no calls


def _args(pairs: list) -> list:
    from oracle.runtime.values import f32_from_bits, f64_from_bits
    from wast_runner.engines.base import Arg
    out = []
    for t, bits in pairs:
        v = f32_from_bits(bits) if t == "f32" else f64_from_bits(bits) if t == "f64" else bits
        out.append(Arg(t, v))
    return out


def _run(engine: Any, req: Request, features: Any, calls: list | None, oracle: bool) -> tuple:
    try:
        engine.reset(features)
        if req.validate_only:
            failed = engine.check(req.wasm)
            return (("valid",) if failed is None else judge.load_outcome(failed)), [], []
        loaded = engine.load(req.wasm)
    except Exception as e:
        return ("error", f"{type(e).__name__}: {e}"), [], calls
    load = judge.load_outcome(loaded)
    if calls is None and oracle:
        calls = []
        if load[0] == "loaded":
            for name, ext in loaded.handle.exports.items():
                ft = getattr(ext, "type", None)
                if hasattr(ft, "params") and hasattr(ft, "results") and all(
                        p in ("i32", "i64", "f32", "f64", "v128") for p in ft.params):
                    calls.append((name, [(p, 0) for p in ft.params], list(ft.results)))
    results = []
    if load[0] == "loaded":
        for field, args, types in calls or []:
            try:
                results.append(judge.action_outcome(engine.invoke(loaded.handle, field, _args(args)), types))
            except Exception as e:
                results.append(("error", f"{type(e).__name__}: {e}"))
    return load, results, calls


def _serve(conn: Any, engine_spec: str, against: str, memory_limit: int) -> None:
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, hard))
    except (ValueError, OSError):
        pass
    from oracle.features import Features
    from wast_runner.engines import make_engine
    ref = make_engine(against)
    eng = ref if engine_spec == against else make_engine(engine_spec)
    while True:
        try:
            req = conn.recv()
        except EOFError:
            return
        if req is None:
            return
        features = Features.from_names(req.features)
        o_load, o_res, calls = _run(ref, req, features, req.calls, True)
        conn.send(("oracle", o_load, o_res, calls))
        e_load, e_res, _ = _run(eng, req, features, calls, False)
        conn.send(("engine", e_load, e_res))


class Worker:
    """The parent's side: ``run(request)`` -> (oracle (load, results, calls), engine (load, results)); a side
    that did not answer in time is ``("hang", ...)``."""

    def __init__(self, engine: str, against: str = "oracle", memory_limit: int = DEFAULT_MEMORY_LIMIT,
                 timeout: float = DEFAULT_CASE_TIMEOUT):
        self.engine, self.against, self.memory_limit, self.timeout = engine, against, memory_limit, timeout
        self.proc = None
        self.restarts = 0

    def _start(self) -> None:
        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, self.engine, self.against, self.memory_limit),
                                daemon=True)
        self.proc.start()
        child.close()

    def _recv(self) -> Any:
        if self.conn.poll(self.timeout):
            try:
                return self.conn.recv()
            except (EOFError, OSError):
                return None
        return None

    def run(self, req: Request) -> tuple:
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.conn.send(req)
        first = self._recv()
        if first is None:
            why = self._kill()
            return (why, [], req.calls or []), (why, [])
        second = self._recv()
        if second is None:
            why = self._kill()
            return (first[1], first[2], first[3]), (why, [])
        return (first[1], first[2], first[3]), (second[1], second[2])

    def _kill(self) -> tuple:
        """Stop a worker that hung or died; the outcome names which."""
        alive = self.proc.is_alive()
        kill_with_engines(self.proc.pid)   # and the engine it runs: a hung engine process must not outlive it
        self.proc.join()
        self.proc = None
        self.restarts += 1
        return ("hang", "no answer within the case timeout") if alive else ("crash", "worker process died")

    def close(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(2)
            if self.proc.is_alive():
                kill_with_engines(self.proc.pid)
                self.proc.join()
        self.proc = None
