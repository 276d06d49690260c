// Runs one WASI preview1 command program with Node's node:wasi (wast_runner/wasi/engines.py, NodeProgram).
// argv: node node_wasi.js SPEC.json  where SPEC = {wasm, args, env, preopens: {guest: host}}
// The program's stdout/stderr are this process's; its exit code is this process's exit code; a trap prints
// "wasi-trap: MESSAGE" on stderr and exits with 134.
'use strict';
const fs = require('node:fs');
const { WASI } = require('node:wasi');
process.removeAllListeners('warning');
const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const wasi = new WASI({ version: 'preview1', args: spec.args, env: spec.env, preopens: spec.preopens,
                        returnOnExit: true });
(async () => {
  let instance;
  try {
    const module = await WebAssembly.compile(fs.readFileSync(spec.wasm));
    instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  } catch (e) {
    process.stderr.write('wasi-load: ' + e.message + '\n');
    process.exitCode = 135;
    return;
  }
  try {
    const code = wasi.start(instance);
    process.exitCode = code;
  } catch (e) {
    process.stderr.write('wasi-trap: ' + e.message + '\n');
    process.exitCode = 134;
  }
})();
