'use strict';
// Slipway solc worker: one persistent node process that loads solc-js once
// and answers line-delimited JSON requests, so that a compile costs the
// compile and not the ~1 s it takes node to load the 8 MB soljson module.
//
// Request:  {"id": N, "version": "0.8.37", "module": "/abs/node_modules/solc", "input": "<standard JSON text>"}
// Response: {"id": N, "output": <solc standard JSON output>} or {"id": N, "error": "message"};
//           "recycle": true when solc reported an internal compiler error.
// An "error" answer means solc-js threw mid-compile (stack overflow, wasm
// abort): its C++ state is then left half-built and every later compile in
// this process fails ("You shall not have another CompilerStack"), so the
// pool replaces the process after either answer.
// On start it writes {"ready": true, "version": "<full version of the default module>"}.
//
// The transport is the unix socket named by SLIPWAY_COMPILE_SOCKET when set
// (internal/proc gives children no stdin), else stdin/stdout. Nothing here
// calls process.exit(): that truncates output still buffered in a pipe; the
// process ends on its own once its input closes.

const net = require('net');
const readline = require('readline');

// solc or a dependency printing to stdout would corrupt the protocol stream.
const toStderr = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;

const debug = process.env.SLIPWAY_COMPILE_WORKER_DEBUG === '1';
const compilers = new Map();

function load(dir) {
  let solc = compilers.get(dir);
  if (!solc) {
    solc = require(dir);
    compilers.set(dir, solc);
  }
  return solc;
}

// Imports are resolved (and restricted) in Go before the request is sent;
// anything solc still asks for is refused here so the restriction holds even
// if the Go resolver and solc ever disagree on a path.
function findImports(path) {
  return { error: 'import "' + path + '" is not available: only the request\'s own sources and @openzeppelin/contracts can be imported' };
}

function withLegacyAST(input) {
  const req = JSON.parse(input);
  const sel = ((req.settings || {}).outputSelection || {});
  for (const file of Object.keys(sel)) {
    const unit = sel[file][''];
    if (Array.isArray(unit) && unit.indexOf('ast') >= 0 && unit.indexOf('legacyAST') < 0) {
      unit.push('legacyAST');
    }
  }
  return JSON.stringify(req);
}

function legacyASTAsAST(out) {
  const res = JSON.parse(out);
  for (const name of Object.keys(res.sources || {})) {
    const src = res.sources[name];
    if (src.ast === undefined && src.legacyAST !== undefined) {
      src.ast = src.legacyAST;
    }
    delete src.legacyAST;
  }
  return JSON.stringify(res);
}

// compileWith bridges the solc-js API generations, so that audit input
// pinned to old compilers (0.4.11 onwards) compiles through the same pool:
// before 0.6 the wrapper takes the import callback as a bare function and
// only compileStandardWrapper speaks standard JSON (compile() of 0.4.x is
// the legacy combined-JSON entry point); from 0.6 compile() takes standard
// JSON and an object of callbacks.
function compileWith(solc, full, input) {
  const m = /^(\d+)\.(\d+)\./.exec(full);
  const legacyAPI = m && Number(m[1]) === 0 && Number(m[2]) < 6;
  if (legacyAPI) {
    // 0.4.11 answers standard JSON but has no compact `ast` output yet, only
    // `legacyAST`: ask for that and hand it back as `ast`, where the Go side
    // looks (the linter recognises and converts the legacy shape).
    const noCompactAST = Number(m[2]) < 4 || (Number(m[2]) === 4 && Number(/^0\.4\.(\d+)/.exec(full)[1]) < 12);
    if (noCompactAST) {
      input = withLegacyAST(input);
    }
    let out;
    if (typeof solc.compileStandardWrapper === 'function') {
      out = solc.compileStandardWrapper(input, findImports);
    } else if (typeof solc.compileStandard === 'function') {
      out = solc.compileStandard(input, findImports);
    } else {
      throw new Error('solc ' + full + ' has no standard JSON interface');
    }
    return noCompactAST ? legacyASTAsAST(out) : out;
  }
  return solc.compile(input, { import: findImports });
}

// internalError reports solc output whose errors include an internal
// compiler error or an uncaught C++ exception, after which solc's state in
// this process cannot be trusted. The cheap text test comes first: output
// runs to megabytes and almost never has one.
function internalError(out) {
  if (out.indexOf('InternalCompilerError') < 0 && out.indexOf('Uncaught exception') < 0) {
    return false;
  }
  try {
    return (JSON.parse(out).errors || []).some((e) =>
      e.type === 'InternalCompilerError' || String(e.message || '').indexOf('Uncaught exception') >= 0);
  } catch (e) {
    return true;
  }
}

function handle(line, write) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    write(JSON.stringify({ id: null, error: 'bad request line: ' + e.message }));
    return;
  }
  const id = JSON.stringify(req.id === undefined ? null : req.id);
  if (debug && req.debug === 'hang') {
    // Simulates solc stuck in a synchronous compile: the event loop never
    // gets control back, exactly like a real hang inside wasm.
    for (;;) { /* spin */ }
  }
  if (debug && req.debug === 'alloc') {
    // Simulates solc's memory running away: size MiB made resident, held,
    // then a spin, so that only the pool's memory cap ends it.
    const hold = [];
    for (let i = 0; i < (req.size | 0) / 16; i++) hold.push(Buffer.alloc(16 << 20, 1));
    for (;;) { /* spin */ }
  }
  if (debug && req.debug === 'big') {
    write('{"id":' + id + ',"output":"' + 'x'.repeat(req.size | 0) + '"}');
    return;
  }
  try {
    const solc = load(req.module);
    const full = solc.version();
    if (req.version && !full.startsWith(req.version + '+') && full !== req.version) {
      throw new Error('module ' + req.module + ' is solc ' + full + ', not ' + req.version);
    }
    let out = compileWith(solc, full, req.input);
    if (out.indexOf('\n') >= 0) {
      out = JSON.stringify(JSON.parse(out)); // keep the answer on one line
    }
    write('{"id":' + id + ',"output":' + out + (internalError(out) ? ',"recycle":true' : '') + '}');
  } catch (e) {
    write(JSON.stringify({ id: req.id === undefined ? null : req.id, error: String((e && e.message) || e) }));
  }
}

function serve(input, output) {
  const write = (s) => output.write(s + '\n');
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  rl.on('line', (line) => handle(line, write));
  rl.on('close', () => {
    process.exitCode = 0;
    if (output !== process.stdout) output.end();
  });
  const solc = load(process.argv[2]);
  write(JSON.stringify({ ready: true, version: solc.version() }));
}

const socketPath = process.env.SLIPWAY_COMPILE_SOCKET;
if (socketPath) {
  const sock = net.createConnection(socketPath, () => serve(sock, sock));
  sock.on('error', (e) => {
    toStderr('solc worker socket error: ' + e.message);
    process.exitCode = 1;
  });
} else {
  serve(process.stdin, process.stdout);
}
