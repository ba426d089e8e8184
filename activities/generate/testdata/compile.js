// Compiles Solidity sources with solc-js for the generate package's tests.
// stdin: {"nodeModules": dir, "jobs": [{"sources": {file: content}, "bytecode": bool}]}
// stdout: [{"errors": [solc error objects], "constructors": {file: [{name, type}]}}]
// Imports resolve only under node_modules/@openzeppelin/contracts.
'use strict';
const fs = require('fs');
const path = require('path');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const solc = require(path.join(input.nodeModules, 'solc'));
const ozRoot = path.join(input.nodeModules, '@openzeppelin', 'contracts');

function findImports(p) {
  const prefix = '@openzeppelin/contracts/';
  if (!p.startsWith(prefix) || p.includes('..')) {
    return { error: 'import outside @openzeppelin/contracts refused: ' + p };
  }
  try {
    return { contents: fs.readFileSync(path.join(ozRoot, p.slice(prefix.length)), 'utf8') };
  } catch (e) {
    return { error: 'not found: ' + p };
  }
}

const results = input.jobs.map((job) => {
  const sources = {};
  for (const [file, content] of Object.entries(job.sources)) sources[file] = { content };
  const std = {
    language: 'Solidity',
    sources,
    settings: {
      outputSelection: { '*': { '*': job.bytecode ? ['abi', 'evm.bytecode.object'] : ['abi'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(std), { import: findImports }));
  const constructors = {};
  for (const [file, contracts] of Object.entries(out.contracts || {})) {
    if (!(file in job.sources)) continue;
    for (const c of Object.values(contracts)) {
      const ctor = (c.abi || []).find((e) => e.type === 'constructor');
      constructors[file] = ctor ? ctor.inputs.map((i) => ({ name: i.name, type: i.type })) : [];
    }
  }
  return { errors: out.errors || [], constructors };
});
process.stdout.write(JSON.stringify(results));
process.exitCode = 0;
