// Package cachetest tests the compile artifact cache against a real
// Postgres. It is a package of its own so that only these tests start a
// database, not every test of package compile.
package cachetest
