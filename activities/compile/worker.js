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
// {"id": N, "unsupported": "message"} answers a compiler that cannot be
// used (its package does not load, or it has no interface spoken here).
// On start it writes {"ready": true, "version": "<full version of the default module>"}.
//
// A request with "kind": "verify" runs @ethereum-sourcify/lib-sourcify's
// matching instead (see verify below); its answer is {"id": N, "output":
// <verdict>} for every outcome lib-sourcify reports, "recycle" as above.
// A request with "kind": "upgrade-safety" runs @openzeppelin/upgrades-core's
// checks instead (see upgradeSafety below), answered the same way.
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
// retained holds the debug 'retain' request's memory for the process's life.
const retained = [];

// Unsupported is a compiler this worker cannot use: its package does not
// load (solc 0.4.0 on npm ships a web page as soljson.js) or it has no
// interface spoken here. It is answered as {"id": N, "unsupported":
// "message"}; the process is unharmed.
class Unsupported extends Error {}

function load(dir, version) {
  let solc = compilers.get(dir);
  if (!solc) {
    try {
      solc = require(dir);
      if (typeof solc.version !== 'function') throw new Error('it has no version()');
      solc.version();
    } catch (e) {
      const why = String((e && e.message) || e).split('\n')[0].slice(0, 300);
      throw new Unsupported('solc ' + (version || dir) + ' cannot be used: its solc-js package does not load (' + why + ')');
    }
    compilers.set(dir, solc);
  }
  return solc;
}

// Imports are resolved (and restricted) in Go before the request is sent;
// anything solc still asks for is refused here so the restriction holds even
// if the Go resolver and solc ever disagree on a path.
function findImports(path) {
  return { error: 'import "' + path + '" is not available: only the request\'s own sources, @openzeppelin/contracts and @openzeppelin/contracts-upgradeable can be imported' };
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
// pinned to old compilers (0.4.0 onwards) compiles through the same pool:
// before 0.6 the wrapper takes the import callback as a bare function and
// only compileStandardWrapper speaks standard JSON (compile() of 0.4.x is
// the legacy combined-JSON entry point); from 0.6 compile() takes standard
// JSON and an object of callbacks. Releases before 0.4.11 have no standard
// JSON at all and go through compileLegacy.
function compileWith(solc, full, input) {
  const m = /^(\d+)\.(\d+)\./.exec(full);
  const legacyAPI = m && Number(m[1]) === 0 && Number(m[2]) < 6;
  if (legacyAPI) {
    let standard;
    if (typeof solc.compileStandardWrapper === 'function') {
      standard = solc.compileStandardWrapper;
    } else if (typeof solc.compileStandard === 'function') {
      standard = solc.compileStandard;
    } else {
      return compileLegacy(solc, full, input);
    }
    // 0.4.11 answers standard JSON but has no compact `ast` output yet, only
    // `legacyAST`: ask for that and hand it back as `ast`, where the Go side
    // looks (the linter recognises and converts the legacy shape).
    const noCompactAST = Number(m[2]) < 4 || (Number(m[2]) === 4 && Number(/^0\.4\.(\d+)/.exec(full)[1]) < 12);
    if (noCompactAST) {
      input = withLegacyAST(input);
    }
    const out = standard(input, findImports);
    return noCompactAST ? legacyASTAsAST(out) : out;
  }
  return solc.compile(input, { import: findImports });
}

// compileLegacy compiles standard JSON input with the legacy interface of
// solc-js before 0.4.11 (compile({sources}, optimize), every source given,
// so no import callback) and answers standard JSON output: contracts by
// file and name with abi, metadata and bytecodes, each source's (legacy)
// AST as `ast`, and errors parsed from their formatted text. The optimizer
// runs are fixed at 200 there: other runs add a warning.
function compileLegacy(solc, full, input) {
  if (!solc.supportsMulti) {
    throw new Unsupported('solc ' + full + ' has neither standard JSON nor multi-source input');
  }
  const req = JSON.parse(input);
  const sources = {};
  for (const name of Object.keys(req.sources || {})) {
    sources[name] = String(req.sources[name].content || '');
  }
  const opt = (req.settings || {}).optimizer || {};
  const out = solc.compile({ sources }, opt.enabled ? 1 : 0);
  const res = { errors: [], sources: {}, contracts: {} };
  if (opt.enabled && opt.runs !== undefined && Number(opt.runs) !== 200) {
    res.errors.push({
      severity: 'warning', type: 'Warning', component: 'general',
      message: 'solc ' + full.split('+')[0] + ' has no standard JSON interface: its optimizer runs are fixed at 200, not ' + opt.runs,
    });
  }
  for (const e of out.errors || []) {
    res.errors.push(legacyError(String(e), sources));
  }
  const list = Array.isArray(out.sourceList) ? out.sourceList : Object.keys(out.sources || {});
  for (const name of Object.keys(out.sources || {})) {
    res.sources[name] = { id: list.indexOf(name), ast: out.sources[name].AST };
  }
  for (const key of Object.keys(out.contracts || {})) {
    const c = out.contracts[key];
    const i = key.lastIndexOf(':');
    // Before 0.4.9 contracts are keyed by bare name: the file is the one
    // whose AST declares it.
    const file = i >= 0 ? key.slice(0, i) : declaringFile(out.sources || {}, list, key);
    const name = i >= 0 ? key.slice(i + 1) : key;
    if (file === undefined) continue;
    let abi = [];
    try {
      abi = JSON.parse(c.interface || '[]');
    } catch (e) { /* left empty */ }
    res.contracts[file] = res.contracts[file] || {};
    res.contracts[file][name] = {
      abi,
      metadata: c.metadata || '',
      evm: {
        bytecode: { object: c.bytecode || '', sourceMap: c.srcmap || '', opcodes: c.opcodes || '' },
        deployedBytecode: { object: c.runtimeBytecode || '', sourceMap: c.srcmapRuntime || '' },
        methodIdentifiers: c.functionHashes || {},
      },
    };
  }
  return JSON.stringify(res);
}

function declaringFile(sources, list, name) {
  for (const file of list) {
    const ast = (sources[file] || {}).AST || {};
    for (const n of ast.children || []) {
      if (n && n.name === 'ContractDefinition' && n.attributes && n.attributes.name === name) return file;
    }
  }
  return undefined;
}

// legacyError parses a legacy formatted error, "file:line:column: Type:
// message" then the source line and a caret line, into a standard JSON
// error whose location is a byte offset, as solc's own are.
function legacyError(text, sources) {
  const err = { severity: 'error', type: 'Error', component: 'general', message: text.split('\n')[0], formattedMessage: text };
  let m = /^([^\n]*?):(\d+):(\d+): ([A-Za-z]+): ([^\n]*)/.exec(text);
  if (m) {
    err.type = m[4];
    err.message = m[5];
    if (Object.prototype.hasOwnProperty.call(sources, m[1])) {
      const start = byteOffset(sources[m[1]], Number(m[2]), Number(m[3]));
      if (start >= 0) err.sourceLocation = { file: m[1], start, end: start };
    }
  } else if ((m = /^([A-Za-z]+): ([^\n]*)/.exec(text))) {
    err.type = m[1];
    err.message = m[2];
  }
  if (err.type === 'Warning') err.severity = 'warning';
  return err;
}

// byteOffset is the UTF-8 offset of a 1-based line and byte column.
function byteOffset(content, line, column) {
  const buf = Buffer.from(content, 'utf8');
  let off = 0;
  for (let l = 1; l < line; l++) {
    const n = buf.indexOf(10, off);
    if (n < 0) return -1;
    off = n + 1;
  }
  return Math.min(off + Math.max(column - 1, 0), buf.length);
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
  if (req.kind === 'verify') {
    // Asynchronous, unlike a compile: the pool sends the next request to
    // this process only after this answer, so nothing interleaves.
    verify(req).then(
      (v) => write('{"id":' + id + ',"output":' + JSON.stringify(v.verdict) + (v.recycle ? ',"recycle":true' : '') + '}'),
      (e) => write(e instanceof Unsupported ? '{"id":' + id + ',"unsupported":' + JSON.stringify(e.message) + '}'
        : '{"id":' + id + ',"output":' + JSON.stringify({ code: 'internal', message: String((e && e.stack) || e) }) + ',"recycle":true}'));
    return;
  }
  if (req.kind === 'upgrade-safety') {
    upgradeSafety(req).then(
      (v) => write('{"id":' + id + ',"output":' + JSON.stringify(v.verdict) + (v.recycle ? ',"recycle":true' : '') + '}'),
      (e) => write(e instanceof Unsupported ? '{"id":' + id + ',"unsupported":' + JSON.stringify(e.message) + '}'
        : '{"id":' + id + ',"output":' + JSON.stringify({ code: 'internal', message: String((e && e.stack) || e) }) + ',"recycle":true}'));
    return;
  }
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
  if (debug && req.debug === 'retain') {
    // Simulates compilers loaded and kept: size MiB made resident and held
    // after the answer.
    for (let i = 0; i < (req.size | 0) / 16; i++) retained.push(Buffer.alloc(16 << 20, 1));
    write('{"id":' + id + ',"output":"retained"}');
    return;
  }
  if (debug && req.debug === 'big') {
    write('{"id":' + id + ',"output":"' + 'x'.repeat(req.size | 0) + '"}');
    return;
  }
  try {
    const solc = load(req.module, req.version);
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
    if (e instanceof Unsupported) {
      write('{"id":' + id + ',"unsupported":' + JSON.stringify(e.message) + '}');
      return;
    }
    write(JSON.stringify({ id: req.id === undefined ? null : req.id, error: String((e && e.message) || e) }));
  }
}

// Verification: lib-sourcify (the library behind sourcify.dev) recompiles
// the contract from its standard JSON input with the solc-js module the Go
// side selected, exactly as compiles do (compileWith), and matches the
// result against the on-chain bytecode, ignoring the metadata hash (CBOR
// auxdata) only for a partial match. It never touches the network: the
// chain data, fetched in Go, comes in the request and is served to
// lib-sourcify by a SourcifyChain without RPC endpoints.
//
// req.verify: {library: lib-sourcify's package folder, file, contract,
//   candidates: [files to look for contract in when file is empty],
//   address, chainId, runtimeBytecode: "0x…" (eth_getCode),
//   creation: {txHash, input: "0x…", blockNumber, txIndex, from} or absent}
// verdict: {runtimeMatch, creationMatch: "perfect"|"partial"|null,
//   code: lib-sourcify's error code when it found no match or could not
//   compile ("no_match", "bytecode_length_mismatch", "compiler_error", …),
//   message, file, compilerVersion (the metadata's long version),
//   constructorArguments: "0x…" (from a creation match), libraries}

const sourcifyLibs = new Map();

function loadSourcify(dir) {
  let lib = sourcifyLibs.get(dir);
  if (!lib) {
    lib = require(dir);
    // Its info and warning lines narrate ordinary outcomes (a mismatch is
    // one); the verdict carries what matters. Errors still reach stderr.
    lib.setLibSourcifyLogger({
      logLevel: 0,
      setLevel(level) { this.logLevel = level; },
      log(level, msg) { if (level <= this.logLevel) toStderr('lib-sourcify: ' + msg); },
    });
    sourcifyLibs.set(dir, lib);
  }
  return lib;
}

// offlineChain is a SourcifyChain with no RPC endpoints (an unsupported
// chain creates no providers) whose three lookups Verification makes answer
// the request's data.
function offlineChain(lib, v) {
  // rpcs: lib-sourcify 3 (rpc before it).
  const chain = new lib.SourcifyChain({ name: 'slipway', chainId: Number(v.chainId), rpcs: [], rpc: [], supported: false });
  const c = v.creation;
  const missing = (what) => { throw new Error(what + ' was not provided by Slipway'); };
  chain.getBytecode = async () => v.runtimeBytecode;
  chain.getTx = async (hash) => {
    if (!c || hash !== c.txHash) missing('transaction ' + hash);
    return { hash: c.txHash, blockNumber: c.blockNumber, from: c.from, data: c.input };
  };
  chain.getContractCreationBytecodeAndReceipt = async (address, hash) => {
    if (!c || hash !== c.txHash) missing('transaction ' + hash);
    return { creationBytecode: c.input, txReceipt: { index: c.txIndex, contractAddress: address, blockNumber: c.blockNumber } };
  };
  return chain;
}

async function verify(req) {
  const v = req.verify || {};
  const lib = loadSourcify(v.library);
  const solc = load(req.module, req.version);
  const full = solc.version();
  if (req.version && !full.startsWith(req.version + '+') && full !== req.version) {
    throw new Error('module ' + req.module + ' is solc ' + full + ', not ' + req.version);
  }
  let recycle = false;
  let threw = null;
  // lib-sourcify compiles the same input more than once (to find the file
  // of the contract below, then in verify()); solc answers it once.
  const outputs = new Map();
  const compiler = {
    async compile(_version, input) {
      const text = JSON.stringify(input);
      let out = outputs.get(text);
      if (out === undefined) {
        try {
          out = compileWith(solc, full, text);
        } catch (e) {
          recycle = true;
          threw = String((e && e.message) || e);
          throw e;
        }
        if (internalError(out)) recycle = true;
        outputs.set(text, out);
      }
      const parsed = JSON.parse(out);
      const errors = (parsed.errors || []).filter((e) => e.severity === 'error');
      if (errors.length > 0) {
        // lib-sourcify reads compiler errors from the thrown error's
        // `errors`, as @ethereum-sourcify/compilers throws them.
        const err = new Error('Compiler error');
        err.errors = errors;
        throw err;
      }
      return parsed;
    },
  };
  const verdict = { runtimeMatch: null, creationMatch: null, code: '', message: '', file: v.file || '' };
  const fail = (e) => {
    verdict.code = threw !== null ? 'solc_threw' : (e && e.code) || 'internal';
    verdict.message = threw !== null ? threw : String((e && e.message) || e);
    if (verdict.code === 'compiler_error' && e.data && Array.isArray(e.data.compilerErrors)) {
      verdict.message = 'Compiler error: ' + e.data.compilerErrors.map((x) => x.formattedMessage || x.message).join('\n');
    }
    if (verdict.code === 'internal') recycle = true;
    return { verdict, recycle };
  };
  const compilation = new lib.SolidityCompilation(compiler, req.version || full, JSON.parse(req.input),
    { path: v.file || '', name: v.contract });
  if (!verdict.file) {
    // Find the file that defines the contract: compile once (solc's answer
    // is kept for verify()) and look among the candidate files.
    try {
      await compilation.compile();
    } catch (e) {
      if (!compilation.compilerOutput) return fail(e);
    }
    const contracts = compilation.compilerOutput.contracts || {};
    const files = (v.candidates && v.candidates.length > 0 ? v.candidates : Object.keys(contracts))
      .filter((f) => contracts[f] && contracts[f][v.contract]);
    if (files.length !== 1) {
      verdict.code = 'contract_file';
      verdict.message = files.length === 0
        ? 'contract ' + v.contract + ' is not defined in the sources'
        : 'contract ' + v.contract + ' is defined in more than one file (' + files.join(', ') + '); name the file';
      return { verdict, recycle };
    }
    verdict.file = files[0];
    compilation.compilationTarget.path = verdict.file;
  }
  const c = v.creation;
  const verification = new lib.Verification(compilation, offlineChain(lib, v), v.address, c ? c.txHash : undefined);
  try {
    await verification.verify();
  } catch (e) {
    fail(e);
  }
  const status = verification.status;
  verdict.runtimeMatch = status.runtimeMatch;
  verdict.creationMatch = status.creationMatch;
  try {
    verdict.compilerVersion = verification.compilation.metadata.compiler.version;
  } catch (e) { /* not compiled */ }
  const values = verification.transformations.creation.values || {};
  if (values.constructorArguments) verdict.constructorArguments = values.constructorArguments;
  const libs = verification.libraryMap.runtime || verification.libraryMap.creation;
  if (libs && Object.keys(libs).length > 0) verdict.libraries = libs;
  if (!verdict.code) {
    const creation = status.creationMatch ? status.creationMatch + ' match' : c ? 'no match' : 'not checked';
    verdict.message = 'runtime bytecode: ' + (status.runtimeMatch || 'no') + ' match; creation bytecode: ' + creation;
  }
  return { verdict, recycle };
}

// Upgrade safety: @openzeppelin/upgrades-core, the library behind
// OpenZeppelin's upgrades plugins, validates an implementation for use
// behind a proxy and compares its storage layout with the previous
// version's. Each version is compiled here with the solc-js module the Go
// side selected (compileWith, as compiles do), asking for what
// upgrades-core reads: every contract's AST, storage layout and bytecode
// (whose hash identifies the contract, and whose link references reveal
// external libraries). For a layout comparison with ERC-7201 namespaces,
// each version is compiled once more as upgrades-core's
// makeNamespacedInput rewrites it (storage only, cheap), as the Hardhat
// plugin does, so that namespaced variables are compared with their slots.
//
// req.upgrade: {library: upgrades-core's package folder,
//   kind: "uups"|"transparent", file, contract (of the new version, which
//   req.version, module and input compile),
//   previous: {version, module, input, file, contract} or absent}
// verdict: {safe, errors: [one line per problem: kind, contract, location,
//   message], report: upgrades-core's explain() text without colour, then
//   warnings}, or, when there is no verdict, {code: "compiler_error" (with
//   solcErrors, solc's errors) | "solc_threw" | "contract" | "internal",
//   side: "new"|"previous", message}

// upgradesSelection is the output upgrades-core reads (validate,
// solcInputOutputDecoder, extractStorageLayout); it must cover every
// contract, not only the one checked, as it validates them all.
const upgradesSelection = {
  '*': {
    '*': ['evm.bytecode.object', 'evm.bytecode.linkReferences', 'storageLayout'],
    '': ['ast'],
  },
};

const upgradesLibs = new Map();

function loadUpgrades(dir) {
  let lib = upgradesLibs.get(dir);
  if (!lib) {
    lib = require(dir);
    // It writes its warnings (initializer call order, allowed exceptions)
    // to stderr, where the pool logs them as a worker's trouble; the
    // verdict carries them instead. Silencing announces itself, once.
    const error = console.error;
    console.error = () => {};
    try {
      lib.silenceWarnings();
    } finally {
      console.error = error;
    }
    upgradesLibs.set(dir, lib);
  }
  return lib;
}

// Stop ends a check with an answer that is not a verdict on the contract:
// its sources do not compile, or it is not there.
class Stop extends Error {
  constructor(verdict) {
    super(verdict.message);
    this.verdict = verdict;
  }
}

function upgradesSolc(side, input, state, solc, full) {
  let out;
  try {
    out = compileWith(solc, full, JSON.stringify(input));
  } catch (e) {
    state.recycle = true;
    throw new Stop({ code: 'solc_threw', side, message: String((e && e.message) || e) });
  }
  if (internalError(out)) state.recycle = true;
  return JSON.parse(out);
}

// compileForUpgrades compiles one version for upgrades-core; its answer
// holds what validate() takes.
function compileForUpgrades(side, module, version, text, state) {
  const solc = load(module, version);
  const full = solc.version();
  if (version && !full.startsWith(version + '+') && full !== version) {
    throw new Error('module ' + module + ' is solc ' + full + ', not ' + version);
  }
  const input = JSON.parse(text);
  input.settings = Object.assign({}, input.settings, { outputSelection: upgradesSelection });
  const output = upgradesSolc(side, input, state, solc, full);
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Stop({ code: 'compiler_error', side, message: errors.map((e) => e.formattedMessage || e.message).join('\n'), solcErrors: output.errors });
  }
  return { solc, full, bare: /^\d+\.\d+\.\d+/.exec(full)[0], input, output };
}

// findContract answers the fully qualified name ("file:Name") upgrades-core
// keys its results by.
function findContract(side, output, file, name) {
  const contracts = output.contracts || {};
  const stop = (message) => { throw new Stop({ code: 'contract', side, message }); };
  const files = file ? [file] : Object.keys(contracts).filter((f) => contracts[f][name]);
  if (files.length > 1) {
    stop('contract ' + name + ' is defined in more than one file (' + files.join(', ') + '); name the file');
  }
  const c = files.length === 1 && contracts[files[0]] && contracts[files[0]][name];
  if (!c) stop('contract ' + name + ' is not defined in ' + (file || 'the sources'));
  if (!c.evm || !c.evm.bytecode || !c.evm.bytecode.object) {
    stop('contract ' + name + ' is abstract or an interface: it cannot be deployed as an implementation');
  }
  return files[0] + ':' + name;
}

// namespacedOutput compiles upgrades-core's storage-only rewrite of a
// version, when it has namespaces and its compiler supports them; when
// that fails (a limit of the rewrite, not of the sources), namespaces are
// compared as the AST describes them, and the report says so.
async function namespacedOutput(lib, side, v, state) {
  const annotated = Object.values(v.input.sources).some((s) => String(s.content || '').indexOf('@custom:storage-location') >= 0);
  if (!annotated || !lib.isNamespaceSupported(v.bare)) return undefined;
  let output;
  try {
    let input = lib.makeNamespacedInput(v.input, v.output, v.bare);
    try {
      input = await lib.trySanitizeNatSpec(input, v.bare);
    } catch (e) { /* Slang could not parse it: solc gets it as it is */ }
    output = upgradesSolc(side, input, state, v.solc, v.full);
  } catch (e) {
    if (e instanceof Stop) throw e;
    output = { errors: [{ severity: 'error', message: String((e && e.message) || e) }] };
  }
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length === 0) return output;
  state.warnings.push('Warning: the ' + side + ' version\'s namespaced storage layout could not be compiled ('
    + String(errors[0].message).split('\n')[0] + '); its namespaces are compared without slot details');
  return undefined;
}

function shortName(fq) {
  return fq.slice(fq.lastIndexOf(':') + 1);
}

// errorLine is one validation error: the contract whose code has it (the
// error is in that contract's own results; missing-public-upgradeto is
// the checked contract's), its location and upgrades-core's message.
function errorLine(lib, run, name, e) {
  const owner = [name].concat(run[name].inherit).find((n) => run[n] && run[n].errors.indexOf(e) >= 0) || name;
  const text = new lib.UpgradeableContractErrorReport([e]).explain(false).split('\n')[0];
  const msg = text.startsWith(e.src + ': ') ? text.slice(e.src.length + 2) : text;
  return e.kind + ': ' + shortName(owner) + ' (' + e.src + '): ' + msg;
}

// layoutLine is one storage layout change, as report.explain() words it
// without its hints.
function layoutLine(report, op) {
  const item = op.updated || op.original || {};
  const where = op.updated ? op.updated.src : 'previous ' + ((op.original && op.original.src) || 'version');
  const prefix = ('updated' in op ? op.updated.src : op.original.contract) + ':';
  let text = new report.constructor([op]).explain(false);
  if (text.startsWith(prefix)) text = text.slice(prefix.length);
  const msg = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('>')).join(' ');
  return 'storage-' + op.kind + ': ' + item.contract + ' (' + where + '): ' + msg;
}

async function upgradeSafety(req) {
  const u = req.upgrade || {};
  const state = { recycle: false, warnings: [] };
  try {
    const lib = loadUpgrades(u.library);
    const cur = compileForUpgrades('new', req.module, req.version, req.input, state);
    const name = findContract('new', cur.output, u.file, u.contract);
    let prev;
    let prevName;
    if (u.previous) {
      const p = u.previous;
      prev = compileForUpgrades('previous', p.module, p.version, p.input, state);
      prevName = findContract('previous', prev.output, p.file, p.contract);
    }
    return { verdict: await checkUpgrade(lib, u.kind, cur, name, prev, prevName, state), recycle: state.recycle };
  } catch (e) {
    if (e instanceof Stop) return { verdict: e.verdict, recycle: state.recycle };
    throw e;
  }
}

async function checkUpgrade(lib, kind, cur, name, prev, prevName, state) {
  const errors = [];
  const reports = [];
  // An UpgradesError is upgrades-core refusing the sources (a namespace
  // outside a contract, a custom layout's base slot moved): a finding.
  const refused = (what, fq, e) => {
    if (!(e instanceof lib.UpgradesError)) throw e;
    errors.push(what + ': ' + shortName(fq) + ': ' + e.message.split('\n')[0]);
    reports.push(e.message.trim());
  };
  const validate = async (side, v) => {
    const ns = prev ? await namespacedOutput(lib, side, v, state) : undefined;
    return lib.validate(v.output, lib.solcInputOutputDecoder(v.input, v.output), v.bare, v.input, ns);
  };
  let run;
  let version;
  try {
    run = await validate('new', cur);
    version = lib.getContractVersion(run, name);
    const found = lib.getErrors(run, version, lib.withValidationDefaults({ kind }));
    for (const e of found) errors.push(errorLine(lib, run, name, e));
    if (found.length > 0) reports.push(new lib.UpgradeableContractErrorReport(found).explain(false));
    // getErrors drops these (upgrades-core only warns of them).
    for (const n of [name].concat(run[name].inherit)) {
      for (const w of (run[n] ? run[n].errors : []).filter((e) => e.kind === 'incorrect-initializer-order')) {
        state.warnings.push('Warning: ' + new lib.UpgradeableContractErrorReport([w]).explain(false));
      }
    }
  } catch (e) {
    refused('validation', name, e);
    run = undefined;
  }
  if (run && prev) {
    try {
      const prevRun = await validate('previous', prev);
      const original = lib.getStorageLayout(prevRun, lib.getContractVersion(prevRun, prevName));
      const report = lib.getStorageUpgradeReport(original, lib.getStorageLayout(run, version), lib.withValidationDefaults({ kind }));
      if (!report.ok) {
        for (const [i, op] of report.ops.entries()) {
          // explain() words a layout change after the first as a
          // consequence of the ones before it; so does this list.
          if (op.kind === 'layoutchange' && i !== 0) continue;
          errors.push(layoutLine(report, op));
        }
        reports.push(report.explain(false));
      }
    } catch (e) {
      refused('storage', prevName, e);
    }
  }
  return { safe: errors.length === 0, errors, report: reports.concat(state.warnings).join('\n\n') };
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
