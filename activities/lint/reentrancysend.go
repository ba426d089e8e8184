package lint

// Reentrancy through send and transfer (SWC-107, informational): the
// 2300 gas they forward cannot re-enter a function that writes storage
// today, but the stipend is a gas-schedule constant (EIP-1884 raised the
// cost of SLOAD under it) and the code still reads stale state.

var reentrancySend = &Detector{
	ID:          "reentrancy-unlimited-gas",
	Severity:    Low,
	Confidence:  ConfidenceMedium,
	Title:       "State written after send or transfer",
	Description: "send and transfer forward a 2300 gas stipend, too little for the recipient to re-enter under today's gas costs, so this is not exploitable as such; but the function updates storage it read before the payment only after it, which a change of gas costs or a switch to call{value:} would make a reentrancy. Update state before paying (checks-effects-interactions).",
	run:         runReentrancySend,
}

// runReentrancySend reports the DAO pattern of runReentrancy where the
// payment is a send or a transfer: a state variable read before the
// payment and written after it. reentrancy-eth leaves these out (see
// forwardsControl), so each such function is reported once, at LOW.
// As there, functions only specific stored addresses can call are left
// out (pinnedCaller): the recipient re-entering fails their check.
func runReentrancySend(a *analysis, d *Detector) { a.staleAfterCall(d, sendsStipend, a.pinnedCaller) }

// sendsStipend tells address.send and address.transfer with a value.
func sendsStipend(c *Node) bool {
	ll, ok := lowLevelCall(c)
	return ok && (ll.kind == "send" || ll.kind == "transfer") && ll.value != nil && !isZero(ll.value)
}
