// Package compileapi is the compile stage's side of the workflow boundary:
// the compile activity's request and result, its application error types
// and its registered name, and the timing the workflows' activity options
// rest on. It imports nothing that runs solc or touches Postgres, so that
// workflows/ (and the audit and verify stages' own API types) use it
// without importing package compile.
package compileapi

// ActivityCompile is the compile activity's name, as the worker registers
// it (compile.Activities.Compile); a cmd/slipway test keeps the two equal.
const ActivityCompile = "Compile"
