package verifyapi

import "time"

// PublishResult.Status values.
const (
	// PublishVerified: the service holds the contract as verified (now,
	// or already before).
	PublishVerified = StatusVerified
	// PublishPending: submitted, or still queued: call Publish again
	// with Job after a short wait (PublishDelay).
	PublishPending = "PENDING"
	// PublishRetry: the service cannot take it now — it has not indexed
	// the contract yet, it rate-limits, it fails (5xx): call Publish again
	// later with Job (empty Job: submit again), until the window ends.
	PublishRetry = "RETRY"
	// PublishFailed: the service refused the source for good (no match,
	// bad input, a refused key); Message says why in its words.
	PublishFailed = StatusFailed
)

// PublishInput says what to publish where. The contract and its sources
// are given as Verify takes them; the compiler's long version, the
// contract's file and the constructor arguments come from the local
// verification's Result.
type PublishInput struct {
	// Service is chain.VerifyServiceSourcify or chain.VerifyServiceEtherscan,
	// configured for Network.
	Service string `json:"service"`
	// Input is the contract and its sources, its fields inline in the
	// JSON. Publishing passes CreationTxHash, optional, to Sourcify
	// (creationTransactionHash); ContractFile is the local verification's
	// Result.ContractFile, optional when the compile request has only one
	// file; the sources are not needed when polling (Job set).
	Input
	// LongCompilerVersion is the compiler's long version,
	// "0.8.37+commit.…" (Result.CompilerVersion); a leading "v" is
	// allowed. Required to submit.
	LongCompilerVersion string `json:"longCompilerVersion,omitempty"`
	// ConstructorArguments are the ABI-encoded arguments, hex with or
	// without 0x (Result.ConstructorArguments); Etherscan needs them.
	ConstructorArguments string `json:"constructorArguments,omitempty"`
	// Job is the verificationId (Sourcify) or GUID (Etherscan) of an
	// earlier submission to poll; empty to submit.
	Job string `json:"job,omitempty"`
}

// PublishResult is one attempt's outcome.
type PublishResult struct {
	// Status is PublishVerified, PublishPending, PublishRetry or
	// PublishFailed.
	Status string `json:"status"`
	// Job is what to pass as PublishInput.Job next time: the submission's
	// id while PENDING (and on a RETRY of a poll), empty when the next
	// attempt must submit again.
	Job string `json:"job,omitempty"`
	// URL links to the verified contract: Sourcify's
	// {url}/v2/contract/{chainId}/{address}; the explorer's
	// {browserUrl}/address/{address}#code, or without a browserUrl the
	// API's getsourcecode query (no key). Set with VERIFIED.
	URL string `json:"url,omitempty"`
	// Match is MatchFull or MatchPartial when the service says (Sourcify's
	// exact_match and match).
	Match string `json:"match,omitempty"`
	// Message is the service's answer in its own words (scrubbed of the
	// API key), or what went wrong with it.
	Message string `json:"message"`
}

// PublishDelay is how long the workflow waits before the next attempt
// after an outcome with status; attempt counts the attempts with that
// status in a row, from 1. Deterministic, so workflows may call it.
func PublishDelay(status string, attempt int) time.Duration {
	attempt = max(attempt, 1)
	switch status {
	case PublishPending:
		// Jobs take seconds: 3 s, 6 s, then every 10 s.
		return min(time.Duration(attempt)*3*time.Second, 10*time.Second)
	case PublishRetry:
		// Indexers take minutes, rate limits reset in seconds: 15 s
		// doubling to 5 min.
		d := 15 * time.Second
		for i := 1; i < attempt && d < 5*time.Minute; i++ {
			d *= 2
		}
		return min(d, 5*time.Minute)
	}
	return 0
}
