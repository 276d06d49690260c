'use strict';
// wast-runner's jsonl engine protocol, version 1 (docs/adapter-protocol.md), over the WebAssembly JS API.
//
// Run as `node --experimental-wasm-type-reflection node_engine.js`. It is both the `node` engine of wast-runner
// and the protocol's reference implementation in a second language.
//
// Values must cross the boundary bit-exactly, but the JS API converts f32/f64 through JS numbers (which may
// quiet a signalling NaN) and refuses v128. So functions and globals whose types involve f32, f64 or v128 are
// reached through a small generated wasm module ("thunk") that takes and returns integer bit patterns (v128 as
// two i64 halves) and reinterprets them inside wasm, where nothing is rounded or quieted.

const readline = require('readline');

const PROTOCOL = 1;

// -- state -----------------------------------------------------------------------------------------------------

let registry = new Map();      // registered module name -> exports object
let instances = new Map();     // handle -> WebAssembly.Instance
let nextHandle = 1;
const hostRefs = new Map();    // host value number (ref.extern N) -> the JS object standing for it
const hostRefIds = new WeakMap();

function hostRef(n) {
  let obj = hostRefs.get(n);
  if (obj === undefined) {
    obj = { hostref: n };
    hostRefs.set(n, obj);
    hostRefIds.set(obj, n);
  }
  return obj;
}

// -- a tiny binary encoder, for thunks and the spectest module --------------------------------------------------

const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, anyfunc: 0x70,
                  externref: 0x6f };

function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function name(s) {
  const bytes = Array.from(Buffer.from(s, 'utf8'));
  return [...uleb(bytes.length), ...bytes];
}

function vec(items) {
  return [...uleb(items.length), ...items.flat()];
}

function section(id, content) {
  return [id, ...uleb(content.length), ...content];
}

function valtype(t) {
  const code = VALTYPE[t];
  if (code === undefined) throw new Unsupported(`value type ${JSON.stringify(t)} cannot cross the JS API here`);
  return code;
}

function functype(params, results) {
  return [0x60, ...vec(params.map((t) => [valtype(t)])), ...vec(results.map((t) => [valtype(t)]))];
}

function moduleBytes(sections) {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}

class Unsupported extends Error {}

// How a value of each type travels between JS and a thunk: the thunk-side types and the conversion code.
const NEEDS_THUNK = new Set(['f32', 'f64', 'v128']);
const CARRIER = { f32: ['i32'], f64: ['i64'], v128: ['i64', 'i64'] };
const I64X2_SPLAT = [0xfd, 18];
const I64X2_EXTRACT = [0xfd, 29];
const I64X2_REPLACE = [0xfd, 30];

function carriers(types) {
  return types.flatMap((t) => CARRIER[t] || [t]);
}

// Code pushing the value of type t from carrier locals starting at index i.
function fromCarrier(t, i) {
  if (t === 'f32') return [0x20, ...uleb(i), 0xbe];                       // f32.reinterpret_i32
  if (t === 'f64') return [0x20, ...uleb(i), 0xbf];                       // f64.reinterpret_i64
  if (t === 'v128') return [0x20, ...uleb(i), ...I64X2_SPLAT, 0x20, ...uleb(i + 1), ...I64X2_REPLACE, 1];
  return [0x20, ...uleb(i)];
}

// Code pushing the carriers of the value of type t held in local i.
function toCarrier(t, i) {
  if (t === 'f32') return [0x20, ...uleb(i), 0xbc];                       // i32.reinterpret_f32
  if (t === 'f64') return [0x20, ...uleb(i), 0xbd];                       // i64.reinterpret_f64
  if (t === 'v128') return [0x20, ...uleb(i), ...I64X2_EXTRACT, 0, 0x20, ...uleb(i), ...I64X2_EXTRACT, 1];
  return [0x20, ...uleb(i)];
}

function localDecls(types) {
  return vec(types.map((t) => [1, valtype(t)]));
}

function codeSection(bodies) {
  return section(10, vec(bodies.map((body) => [...uleb(body.length), ...body])));
}

// A module importing a function of type (params) -> (results) as t.f and exporting "w", which takes and
// returns carriers.
function funcThunkBytes(params, results) {
  const cparams = carriers(params);
  const body = [];
  let i = 0;
  for (const t of params) {
    body.push(...fromCarrier(t, i));
    i += (CARRIER[t] || [t]).length;
  }
  body.push(0x10, 0);                                                     // call 0
  const first = cparams.length;
  for (let k = results.length - 1; k >= 0; k--) body.push(0x21, ...uleb(first + k));   // local.set
  results.forEach((t, k) => body.push(...toCarrier(t, first + k)));
  body.push(0x0b);
  return moduleBytes([
    section(1, vec([functype(params, results), functype(cparams, carriers(results))])),
    section(2, vec([[...name('t'), ...name('f'), 0x00, 0]])),
    section(3, vec([[1]])),
    section(7, vec([[...name('w'), 0x00, 1]])),
    codeSection([[...localDecls(results), ...body]]),
  ]);
}

// A module importing a global of type t as t.g and exporting "w", returning its carriers.
function globalThunkBytes(t, mutable) {
  const body = [0x23, 0, 0x21, 0, ...toCarrier(t, 0), 0x0b];              // global.get 0; local.set 0; ...
  return moduleBytes([
    section(1, vec([functype([], carriers([t]))])),
    section(2, vec([[...name('t'), ...name('g'), 0x03, valtype(t), mutable ? 1 : 0]])),
    section(3, vec([[0]])),
    section(7, vec([[...name('w'), 0x00, 0]])),
    codeSection([[...localDecls([t]), ...body]]),
  ]);
}

const thunkModules = new Map();   // signature key -> WebAssembly.Module
const thunks = new WeakMap();     // function or global -> thunk function

function thunkFor(target, key, makeBytes, field) {
  let f = thunks.get(target);
  if (f !== undefined) return f;
  let mod = thunkModules.get(key);
  if (mod === undefined) {
    mod = new WebAssembly.Module(makeBytes());
    thunkModules.set(key, mod);
  }
  f = new WebAssembly.Instance(mod, { t: { [field]: target } }).exports.w;
  thunks.set(target, f);
  return f;
}

// -- values ----------------------------------------------------------------------------------------------------

function laneWidth(laneType) {
  return { i8: 8, i16: 16, i32: 32, i64: 64, f32: 32, f64: 64 }[laneType];
}

function v128FromLanes(laneType, lanes) {
  const w = BigInt(laneWidth(laneType));
  const mask = (1n << w) - 1n;
  let v = 0n;
  lanes.forEach((lane, k) => { v |= (BigInt(lane) & mask) << (w * BigInt(k)); });
  return v;
}

// A protocol VALUE -> the JS values carrying it to a thunk (or straight to a function without a thunk).
function toCarriers(enc) {
  const t = enc.type;
  const value = enc.value;
  switch (t) {
    case 'i32': case 'f32': return [Number(BigInt.asIntN(32, BigInt(value)))];
    case 'i64': case 'f64': return [BigInt.asIntN(64, BigInt(value))];
    case 'v128': {
      const v = v128FromLanes(enc.lane_type, enc.value);
      return [BigInt.asIntN(64, v & ((1n << 64n) - 1n)), BigInt.asIntN(64, v >> 64n)];
    }
    default:
      if (value === 'null') return [null];
      if (t === 'externref' && /^-?\d+$/.test(value)) return [hostRef(Number(value))];
      throw new Unsupported(`cannot pass a ${t} argument ${JSON.stringify(value)}`);
  }
}

// The carriers of one result of type t (from a thunk or a direct call) -> a protocol VALUE.
function fromCarriers(t, cs) {
  switch (t) {
    case 'i32': case 'f32': return { type: t, value: String(cs[0] >>> 0) };
    case 'i64': case 'f64': return { type: t, value: BigInt.asUintN(64, BigInt(cs[0])).toString() };
    case 'v128':
      return { type: 'v128', lane_type: 'i64',
               value: [BigInt.asUintN(64, cs[0]).toString(), BigInt.asUintN(64, cs[1]).toString()] };
    default: {
      const name = t === 'anyfunc' ? 'funcref' : String(t);
      const r = cs[0];
      if (r === null || r === undefined) return { type: name, value: 'null' };
      if (hostRefIds.has(r)) return { type: name, value: String(hostRefIds.get(r)) };
      return { type: name };       // a non-null reference the runner cannot look into
    }
  }
}

function resultsFromCarriers(types, raw) {
  const flat = types.length === 0 ? [] : carriers(types).length === 1 ? [raw] : Array.from(raw);
  const out = [];
  let i = 0;
  for (const t of types) {
    const n = (CARRIER[t] || [t]).length;
    out.push(fromCarriers(t, flat.slice(i, i + n)));
    i += n;
  }
  return out;
}

// -- operations --------------------------------------------------------------------------------------------------

function spectest() {
  const nop = () => {};
  const fn = (params) => new WebAssembly.Function({ parameters: params, results: [] }, nop);
  return {
    print: fn([]), print_i32: fn(['i32']), print_i64: fn(['i64']), print_f32: fn(['f32']),
    print_f64: fn(['f64']), print_i32_f32: fn(['i32', 'f32']), print_f64_f64: fn(['f64', 'f64']),
    global_i32: new WebAssembly.Global({ value: 'i32' }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64' }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32' }, 666.6),
    global_f64: new WebAssembly.Global({ value: 'f64' }, 666.6),
    table: new WebAssembly.Table({ element: 'anyfunc', initial: 10, maximum: 20 }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
    shared_memory: new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true }),   // the threads tests
  };
}

function reset() {
  registry = new Map([['spectest', spectest()]]);
  instances = new Map();
  return { ok: true };
}

function compileFailure(e) {
  if (e instanceof WebAssembly.CompileError) return { ok: false, failure: 'rejected', message: e.message };
  throw e;
}

function load(req) {
  let module;
  try {
    module = new WebAssembly.Module(Buffer.from(req.wasm, 'base64'));
  } catch (e) {
    return compileFailure(e);
  }
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const exps = registry.get(imp.module);
    if (exps === undefined || !(imp.name in exps)) {
      return { ok: false, failure: 'unlinkable', message: `unknown import ${imp.module}.${imp.name}` };
    }
    (imports[imp.module] = imports[imp.module] || {})[imp.name] = exps[imp.name];
  }
  let instance;
  try {
    instance = new WebAssembly.Instance(module, imports);
  } catch (e) {
    if (e instanceof WebAssembly.LinkError) return { ok: false, failure: 'unlinkable', message: e.message };
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError ||
        (WebAssembly.Exception && e instanceof WebAssembly.Exception)) {
      return { ok: false, failure: 'uninstantiable', message: String(e.message || e) };
    }
    throw e;
  }
  const handle = `m${nextHandle++}`;
  instances.set(handle, instance);
  return { ok: true, module: handle };
}

function validate(req) {
  try {
    new WebAssembly.Module(Buffer.from(req.wasm, 'base64'));
  } catch (e) {
    return compileFailure(e);
  }
  return { ok: true };
}

function instance(req) {
  const inst = instances.get(req.module);
  if (inst === undefined) throw new Error(`unknown module handle ${req.module}`);
  return inst;
}

function register(req) {
  registry.set(req.as, instance(req).exports);
  return { ok: true };
}

function actionFailure(e) {
  if (e instanceof Unsupported) return { ok: false, failure: 'unsupported', message: e.message };
  if (e instanceof WebAssembly.RuntimeError) return { ok: false, failure: 'trap', message: e.message };
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return { ok: false, failure: 'exhaustion', message: e.message };
  }
  if (WebAssembly.Exception && e instanceof WebAssembly.Exception) {
    return { ok: false, failure: 'exception', message: 'uncaught exception' };
  }
  throw e;
}

function invoke(req) {
  const f = instance(req).exports[req.field];
  if (typeof f !== 'function') return { ok: false, failure: 'not-found', message: `no exported function ${req.field}` };
  try {
    const type = WebAssembly.Function.type(f);
    const args = req.args.flatMap(toCarriers);
    const exact = type.parameters.some((t) => NEEDS_THUNK.has(t)) || type.results.some((t) => NEEDS_THUNK.has(t));
    const callee = exact
      ? thunkFor(f, JSON.stringify(type), () => funcThunkBytes(type.parameters, type.results), 'f')
      : f;
    const raw = callee(...args);
    return { ok: true, results: resultsFromCarriers(type.results, raw) };
  } catch (e) {
    return actionFailure(e);
  }
}

function get(req) {
  const g = instance(req).exports[req.field];
  if (!(g instanceof WebAssembly.Global)) {
    return { ok: false, failure: 'not-found', message: `no exported global ${req.field}` };
  }
  try {
    const type = g.type();
    const t = type.value;
    const raw = NEEDS_THUNK.has(t)
      ? thunkFor(g, `g:${t}:${type.mutable}`, () => globalThunkBytes(t, type.mutable), 'g')()
      : g.value;
    return { ok: true, results: resultsFromCarriers([t], raw) };
  } catch (e) {
    return actionFailure(e);
  }
}

function hello(req) {
  if (req.protocol !== PROTOCOL) {
    return { ok: false, failure: 'unsupported', message: `this engine speaks protocol ${PROTOCOL}` };
  }
  const flag = (f) => process.execArgv.includes(`--experimental-wasm-${f}`);
  const features = ['sign-extension', 'saturating-float-to-int', 'multi-value', 'bulk-memory', 'reference-types',
                    'simd', 'mutable-globals', 'tail-call', 'exceptions'];
  for (const [f, name] of [['memory64', 'memory64'], ['gc', 'gc'], ['typed-funcref', 'function-references'],
                           ['relaxed-simd', 'relaxed-simd'], ['extended-const', 'extended-const'],
                           ['multi-memory', 'multi-memory']]) {
    if (flag(f)) features.push(name);
  }
  return { ok: true, protocol: PROTOCOL, name: 'node', version: `${process.version} (V8 ${process.versions.v8})`,
           features, spec_messages: false };
}

const OPS = { hello, reset, load, validate, register, invoke, get };

function answer(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { id: null, error: `not JSON: ${e.message}` };
  }
  if (req.op === 'bye') process.exit(0);
  const op = OPS[req.op];
  if (op === undefined) return { id: req.id, error: `unknown op ${JSON.stringify(req.op)}` };
  try {
    return { id: req.id, ...op(req) };
  } catch (e) {
    return { id: req.id, error: String((e && e.stack) || e) };
  }
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  process.stdout.write(JSON.stringify(answer(line)) + '\n');
});
rl.on('close', () => process.exit(0));
