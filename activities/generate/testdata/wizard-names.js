// The OpenZeppelin Contracts Wizard's name handling, verbatim (MIT), for the
// generate package's parity test: toIdentifier from
// packages/core/solidity/src/utils/to-identifier.ts and stringifyUnicodeSafe
// from packages/core/solidity/src/utils/sanitize.ts, at commit
// 01e90e084e5fb3748ea5d4dbe805723815a609ba of OpenZeppelin/contracts-wizard.
// ContractBuilder calls toIdentifier(name, true) for the contract name, and
// printValue prints string arguments (the token name) with
// stringifyUnicodeSafe.
// stdin: JSON array of names; stdout: JSON array of {ident, literal}.
'use strict';
const fs = require('fs');

function toIdentifier(str, capitalize = false) {
  return str
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '') // remove accents
    .replace(/^[^a-zA-Z$_]+/, '')
    .replace(/^(.)/, c => (capitalize ? c.toUpperCase() : c))
    .replace(/[^\w$]+(.?)/g, (_, c) => c.toUpperCase());
}

function stringifyUnicodeSafe(str) {
  const needsUnicode = /[^\x20-\x7E]/u.test(str);
  if (!needsUnicode) {
    return `"${str.replace(/[\\"]/g, '\\$&')}"`;
  }
  // eslint-disable-next-line no-control-regex
  const body = str.replace(/[\\"\r\n\x0b]/gu, c =>
    c === '"' ? '\\"' : c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\x0b',
  );
  return `unicode"${body}"`;
}

const names = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(names.map(n => ({ ident: toIdentifier(n, true), literal: stringifyUnicodeSafe(n) }))));
