#!/usr/bin/env python3
"""A scripted fake of WAMR's ``iwasm --repl FILE.wasm``, backed by the oracle, for the ``iwasm:`` adapter's tests.
It prints what the real REPL prints (see ``wast_runner/engines/iwasm.py``): the module loads at start (or the process
ends with ``WASM module load failed: ...``), prompts ``webassembly> ``, takes ``NAME ARGS``, answers ``0x3:i32``
(floats with ``%.7g``) or ``Exception: MESSAGE``. ``--spec-test`` stands for a ``WAMR_BUILD_SPEC_TEST=1`` build
(a ``spectest`` module to import from); without it such imports fail to instantiate.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from oracle import embedding  # noqa: E402
from oracle.errors import Exhaustion, Invalid, Malformed, Trap, Unlinkable  # noqa: E402
from oracle.features import WASM_2_0  # noqa: E402
from oracle.host.spectest import spectest_exports  # noqa: E402
from oracle.runtime.values import f32_from_bits, f64_from_bits  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repl", action="store_true")
    p.add_argument("--spec-test", action="store_true")
    p.add_argument("file")
    args = p.parse_args()
    store = embedding.store_init()
    spectest = dict(spectest_exports(store)) if args.spec_test else {}
    try:
        module = embedding.module_decode(Path(args.file).read_bytes(), WASM_2_0)
        embedding.module_validate(module, WASM_2_0)
    except (Malformed, Invalid) as e:
        print(f"WASM module load failed: {e.message}", flush=True)
        sys.exit(1)
    externs = []
    for mod, name, _kind, _type in embedding.module_imports(module):
        if mod != "spectest" or name not in spectest:
            print(f"WASM module instantiate failed: failed to link import {mod}.{name}", flush=True)
            sys.exit(1)
        externs.append(spectest[name])
    try:
        inst = embedding.module_instantiate(store, module, externs)
    except Unlinkable as e:
        print(f"WASM module instantiate failed: import {e.message}", flush=True)
        sys.exit(1)
    except Trap as e:
        print(f"WASM module instantiate failed: Exception: {e.message}", flush=True)
        sys.exit(1)
    while True:
        sys.stdout.write("webassembly> ")
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            return
        words = line.split()
        if not words:
            continue
        func = inst.exports.get(words[0])
        if func is None or not hasattr(func, "type"):
            print(f"Exception: lookup function {words[0]} failed", flush=True)
            continue
        values = []
        for t, w in zip(func.type.params, words[1:]):
            if t in ("i32", "i64"):
                values.append(int(w, 0) & ((1 << (32 if t == "i32" else 64)) - 1))
            else:
                values.append(float.fromhex(w) if "0x" in w else float(w))
        try:
            results = embedding.func_invoke(store, func, values)
        except Trap as e:
            print(f"Exception: {e.message}", flush=True)
            continue
        except Exhaustion:
            print("Exception: native stack overflow", flush=True)
            continue
        text = []
        for t, v in zip(func.type.results, results):
            if t in ("i32", "i64"):
                text.append(f"0x{v:x}:{t}")
            else:
                text.append(f"{v:.7g}:{t}")
        print(",".join(text), flush=True)


if __name__ == "__main__":
    main()
