"""CPU time of the wasi-p1 suite on the oracle and on pywasm 2.2 (a pure-Python engine with WASI), side by side.

    python3 bench/wasi_pywasm.py [--pywasm-path DIR] [--timeout S] [--only GLOB]

Each program runs once per engine in a fresh child process and a fresh copy of its fixture; the figure is the
child's CPU time (user + system, from ``resource.getrusage(RUSAGE_CHILDREN)``), interpreter start included, so both
engines pay the same start-up. A run is judged as the suite judges it (``wast_runner.wasi.spec.judge``).
pywasm is imported from ``--pywasm-path`` (a ``pip install --target`` folder) or the environment. Not a test.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wast_runner.suites import get_manifest, locate, suite_files  # noqa: E402
from wast_runner.wasi.spec import judge, load_spec  # noqa: E402
from wast_runner.wasi.suite import prepare_root  # noqa: E402

CHILD_ORACLE = r"""
import io, json, sys
sys.path.insert(0, sys.argv[1])
from oracle.host.wasi import WasiConfig, run_program
spec = json.loads(sys.argv[2])
out, err = io.BytesIO(), io.BytesIO()
cfg = WasiConfig(args=spec["args"], env=spec["env"], preopens=spec["preopens"], stdin=io.BytesIO(), stdout=out,
                 stderr=err, seed=0)
o = run_program(open(spec["wasm"], "rb").read(), cfg)
print(json.dumps({"end": o.kind, "exit_code": o.exit_code, "stdout": out.getvalue().decode("utf-8", "replace"),
                  "stderr": err.getvalue().decode("utf-8", "replace"), "message": o.message[:200]}))
"""

CHILD_PYWASM = r"""
import io, json, sys
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
sys.setrecursionlimit(100000)
import pywasm
spec = json.loads(sys.argv[2])
wasi = pywasm.wasi.Preview1(spec["args"], {g: h for g, h in spec["preopens"]}, spec["env"])
wasi.fd[1].pipe, wasi.fd[2].pipe = io.BytesIO(), io.BytesIO()
runtime = pywasm.core.Runtime()
wasi.bind(runtime)
end, code, msg = "exit", None, ""
try:
    module = runtime.instance_from_file(spec["wasm"])
    code = wasi.main(runtime, module)
except Exception as e:
    end, msg = "trap", f"{type(e).__name__}: {e}"[:200]
print(json.dumps({"end": end, "exit_code": code, "stdout": wasi.fd[1].pipe.getvalue().decode("utf-8", "replace"),
                  "stderr": wasi.fd[2].pipe.getvalue().decode("utf-8", "replace"), "message": msg}))
"""


def run_child(code: str, extra_path: str, spec: dict, timeout: float) -> tuple[dict, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.run([sys.executable, "-c", code, extra_path, json.dumps(spec)], capture_output=True,
                           text=True, timeout=timeout)
        lines = p.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if p.returncode == 0 and lines else \
            {"end": "error", "message": (p.stderr.strip().splitlines() or ["?"])[-1][:200]}
    except subprocess.TimeoutExpired:
        result = {"end": "error", "message": f"timed out after {timeout} s"}
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return result, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pywasm-path", default=os.environ.get("PYWASM_PATH", ""))
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--only", default="*")
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = ap.parse_args()
    m = get_manifest("wasi-p1")
    rows = []
    totals = {"oracle": [0.0, 0], "pywasm": [0.0, 0]}
    print(f"{'program':<55} {'oracle s':>9} {'ok':>3} {'pywasm s':>9} {'ok':>3}")
    for path, rel in suite_files(m, locate(m)):
        if not fnmatch.fnmatch(rel, args.only):
            continue
        spec = load_spec(path)
        row = {"program": rel}
        for name, code, extra in (("oracle", CHILD_ORACLE, str(ROOT)), ("pywasm", CHILD_PYWASM, args.pywasm_path)):
            with tempfile.TemporaryDirectory(prefix="wasi-bench-") as tmp:
                root = prepare_root(path, spec, Path(tmp))
                child_spec = {"wasm": str(path), "args": [path.name] + spec.args, "env": spec.env,
                              "preopens": [["/", root]] if root else []}
                result, cpu = run_child(code, extra, child_spec, args.timeout)
            ok = result.get("end") == "exit" and not judge(spec, result)
            row[name] = {"cpu": round(cpu, 3), "passed": ok, "end": result.get("end"),
                         "message": result.get("message", "")}
            totals[name][0] += cpu
            totals[name][1] += ok
        rows.append(row)
        print(f"{rel:<55} {row['oracle']['cpu']:>9.2f} {'yes' if row['oracle']['passed'] else 'NO':>3} "
              f"{row['pywasm']['cpu']:>9.2f} {'yes' if row['pywasm']['passed'] else 'NO':>3}", flush=True)
    print(f"{'total (' + str(len(rows)) + ' programs)':<55} {totals['oracle'][0]:>9.2f} {totals['oracle'][1]:>3} "
          f"{totals['pywasm'][0]:>9.2f} {totals['pywasm'][1]:>3}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
