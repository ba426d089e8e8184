package ratelimit

import (
	"time"

	"github.com/slipway-dev/slipway/db"
)

// Leases
//
// A bucket with a high limit (an operator's custom tier, a service account)
// can see hundreds of requests a second from one replica, and a statement
// per request then costs more than the requests' own work. For such buckets
// a replica asks, in the statement it sends anyway, for a few tokens beyond
// its waiting calls: a lease, which it spends itself on the next requests
// for that bucket, without a statement, until the tokens run out or the
// lease ends (Config.Window/1000: 60 ms for a one-minute window).
//
// Leases never admit a request the bucket would refuse, across any number
// of replicas: the statement admits the leased tokens against the bucket as
// it is at the statement's instant, and moves the TAT as if they were all
// spent at the lease's end (queries/rate_limit_batches.sql), so however the
// replica spends them within the lease, every other decision is made
// against a bucket at least as full as the truth. What a lease costs is
// capacity: tokens a replica leased and did not spend are lost, as is the
// drain of one lease period, so a bucket leased from may refuse a little
// early. Both are bounded: a lease is at most 1 % of the limit and grows
// only while the previous one was spent before it ended, halving when not.
//
// Buckets whose limit is under Config.LeaseMinLimit (1000 per window by
// default, so every API.md tier: 10 and 100 a minute) never lease: each of
// their requests is decided by its own statement, a tier change applies to
// the very next request, and the headers are exact. On leasing buckets a
// tier change applies within one lease period, and RateLimit-Remaining is
// this replica's view.

// DefaultLeaseMinLimit is the smallest limit per window whose buckets lease
// tokens; see Leases above.
const DefaultLeaseMinLimit = 1000

// leaseShare bounds a lease to limit/leaseShare tokens, and leaseTTL is
// Window/leaseTTLShare.
const (
	leaseShare    = 100
	leaseTTLShare = 1000
	// leaseStart is the first lease's size, once a bucket is seen twice
	// within one lease period.
	leaseStart = 4
	// maxLeases bounds the lease table; beyond it, ended leases are
	// dropped at the next grant.
	maxLeases = 4096
)

func leaseTTL(cfg Config) time.Duration { return cfg.Window / leaseTTLShare }

// lease is what a replica knows of one leasing bucket: the tokens it holds
// and the figures of the statement that granted them, for the headers of
// the requests it admits from them.
type lease struct {
	left int32 // tokens not yet spent
	// granted is when the statement that granted them was sent: on the
	// local clock, so granted + the lease period is never later than the
	// database's lease end.
	granted time.Time
	// size is how many tokens to ask for in the bucket's next statement; 0
	// until the bucket is seen again within a lease period.
	size int32
	// The statement's figures: limit, tier, emission interval, and the
	// bucket's TAT - now once the lease's tokens are spent.
	lim        int32
	tier       string
	emissionUs int64
	aheadUs    int64
}

// live reports whether l's lease period has not ended at now.
func (b *batcher) live(l *lease, now time.Time) bool { return now.Before(l.granted.Add(b.leaseTTL)) }

// spendLease admits a request on bucket from this replica's lease, if it
// holds a live one with tokens left. Called with b.mu held.
func (b *batcher) spendLease(bucket string, now time.Time) (answer, bool) {
	l := b.leases[bucket]
	if l == nil || l.left <= 0 || !b.live(l, now) {
		return answer{}, false
	}
	l.left--
	// The request sees the bucket as the statement left it, drained by the
	// time since, with the tokens still leased counted as available.
	elapsed := now.Sub(l.granted).Microseconds()
	ahead := max(l.aheadUs-elapsed-int64(l.left)*l.emissionUs, l.emissionUs)
	return answer{allowed: true, lim: l.lim, tier: l.tier, emissionUs: l.emissionUs, aheadUs: ahead}, true
}

// leaseWanted answers how many tokens to ask for beyond the waiting calls
// in a statement on bucket sent at now, and adapts the lease's size: it
// doubles when the last lease was spent before it ended and halves when
// tokens were left over. Called with b.mu held.
func (b *batcher) leaseWanted(bucket string, now time.Time) int32 {
	l := b.leases[bucket]
	if l == nil || b.leaseMin == 0 || l.lim < b.leaseMin {
		return 0
	}
	limit := max(l.lim/leaseShare, 1)
	switch {
	case b.live(l, now) && l.left == 0:
		// Spent within the lease, or seen twice within one period: the
		// bucket is busy here.
		l.size = min(max(2*l.size, leaseStart), limit)
	case l.left > 0:
		l.size /= 2
	default:
		// The lease ended before the bucket was used again: quiet.
		l.size = 0
	}
	return l.size
}

// grantLease records what a statement on row's bucket, carrying calls of
// this replica's waiting calls, left this replica: the tokens beyond the
// calls, as a lease until sent + the lease period. Buckets that do not
// lease are not recorded. Called with b.mu held.
func (b *batcher) grantLease(row db.TakeRateLimitsRow, calls int, sent time.Time) {
	if b.leaseMin == 0 || row.Lim < b.leaseMin {
		delete(b.leases, row.Bucket)
		return
	}
	l := b.leases[row.Bucket]
	if l == nil {
		if len(b.leases) >= maxLeases {
			b.pruneLeases(sent)
		}
		l = &lease{}
		b.leases[row.Bucket] = l
	}
	l.left = max(row.Taken-int32(calls), 0) // calls ≤ maxBatch.
	l.granted = sent
	l.lim, l.tier, l.emissionUs, l.aheadUs = row.Lim, row.Tier, row.EmissionUs, row.AheadUs
}

// pruneLeases drops the leases that have ended, and with them what the
// replica knew of their buckets' load.
func (b *batcher) pruneLeases(now time.Time) {
	for k, l := range b.leases {
		if !b.live(l, now) {
			delete(b.leases, k)
		}
	}
}
