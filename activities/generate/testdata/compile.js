// Compiles Solidity sources with solc-js for the generate package's tests.
// stdin: {"nodeModules": dir, "jobs": [{"sources": {file: content}, "bytecode": bool, "optimizer": bool}]}
// stdout: [{"errors": [solc error objects], "constructors": {file: [{name, type}]},
//           "initializers": {file: [{name, type}]}}] (initializers: files whose
//           contract has an initialize function)
// Imports resolve only under node_modules/@openzeppelin/contracts and
// node_modules/@openzeppelin/contracts-upgradeable.
'use strict';
const fs = require('fs');
const path = require('path');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const solc = require(path.join(input.nodeModules, 'solc'));
const packages = ['contracts', 'contracts-upgradeable'];

function findImports(p) {
  const pkg = packages.find((name) => p.startsWith('@openzeppelin/' + name + '/'));
  if (pkg === undefined || p.includes('..')) {
    return { error: 'import outside @openzeppelin/contracts and @openzeppelin/contracts-upgradeable refused: ' + p };
  }
  const root = path.join(input.nodeModules, '@openzeppelin', pkg);
  try {
    return { contents: fs.readFileSync(path.join(root, p.slice(('@openzeppelin/' + pkg + '/').length)), 'utf8') };
  } catch (e) {
    return { error: 'not found: ' + p };
  }
}

function inputs(entry) {
  return entry ? entry.inputs.map((i) => ({ name: i.name, type: i.type })) : [];
}

const results = input.jobs.map((job) => {
  const sources = {};
  for (const [file, content] of Object.entries(job.sources)) sources[file] = { content };
  const std = {
    language: 'Solidity',
    sources,
    settings: {
      outputSelection: { '*': { '*': job.bytecode ? ['abi', 'evm.bytecode.object'] : ['abi'] } },
      optimizer: { enabled: !!job.optimizer, runs: 200 },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(std), { import: findImports }));
  const constructors = {};
  const initializers = {};
  for (const [file, contracts] of Object.entries(out.contracts || {})) {
    if (!(file in job.sources)) continue;
    for (const c of Object.values(contracts)) {
      const abi = c.abi || [];
      constructors[file] = inputs(abi.find((e) => e.type === 'constructor'));
      const init = abi.find((e) => e.type === 'function' && e.name === 'initialize');
      if (init) initializers[file] = inputs(init);
    }
  }
  return { errors: out.errors || [], constructors, initializers };
});
process.stdout.write(JSON.stringify(results));
process.exitCode = 0;
