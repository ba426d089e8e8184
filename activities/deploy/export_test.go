package deploy

// SkipSpend turns the spend reservation off on a, for the benchmark's
// baseline.
func SkipSpend(a *Activities) { a.skipSpend = true }
