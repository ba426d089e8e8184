// Package verifier is the test harness's local verification service: one
// HTTP listener that serves a Sourcify server's API v2 (under /sourcify/)
// and an Etherscan-v2-compatible API (under /etherscan/api), in the request
// and response shapes of their public documentation, over a local chain.
// Its verification is real: each job reads the contract's code
// (eth_getCode) and creation transaction from the chain and runs
// lib-sourcify's matching (compile.Pool.Verify) on the submitted standard
// JSON input, asynchronously, so that clients poll as they must with the
// real services. The behaviours that make publishing hard to get right are
// switched on by Options: "not indexed yet" answers for an address's first
// submissions, rate limiting every Nth request, jobs that take a while.
//
//	POST /sourcify/v2/verify/{chainId}/{address}   {stdJsonInput, compilerVersion, contractIdentifier, creationTransactionHash?}
//	                                               → 202 {verificationId}; 409 already_verified; 400; 429
//	GET  /sourcify/v2/verify/{verificationId}      → {isJobCompleted, verificationId, jobStartTime, contract?, error?}
//	GET  /sourcify/v2/contract/{chainId}/{address} → the verified contract, or 404
//	GET|POST /etherscan/api?module=contract&action=verifysourcecode|checkverifystatus|getsourcecode
//	                                               → {status, message, result}
package verifier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/slipway-dev/slipway/activities/compile"
)

// Options configure a Server.
type Options struct {
	// Pool runs lib-sourcify; required.
	Pool *compile.Pool
	// RPCURL is the chain's JSON-RPC endpoint (anvil's); required.
	RPCURL string
	// ChainID is the chain's id; requests for another are refused.
	ChainID uint64
	// APIKey, when set, is the key the Etherscan API requires ("Invalid
	// API Key" otherwise). The Sourcify API takes none.
	APIKey string
	// NotIndexedFirst answers the first N submissions for each address
	// (per API) as an explorer that has not indexed the contract yet:
	// Sourcify's job ends with contract_not_deployed, Etherscan's submit
	// answers "Unable to locate ContractCode at …".
	NotIndexedFirst int
	// RateLimitEvery answers every Nth request (both APIs counted
	// together) as rate-limited: Sourcify's 429 too_many_requests,
	// Etherscan's "Max rate limit reached".
	RateLimitEvery int
	// JobDelay holds each job that long before it verifies (pending
	// meanwhile), so that a poll right after a submit sees it pending.
	JobDelay time.Duration
}

// Counts are what the server has answered so far, for tests.
type Counts struct {
	Requests, RateLimited, NotIndexed, Submits, Polls, Verified, Failed int
}

// Server is a running verifier.
type Server struct {
	opts   Options
	ln     net.Listener
	srv    *http.Server
	ec     *ethclient.Client
	rc     *rpc.Client
	ctx    context.Context
	cancel context.CancelFunc
	jobs   sync.WaitGroup
	reqs   atomic.Int64
	closed sync.Once

	mu       sync.Mutex
	byID     map[string]*job
	submits  map[string]int  // api + address → submissions
	verified map[string]*job // api + address → the job that verified it
	counts   Counts
	keysSeen map[string]string // the last key each action was sent
}

// job is one verification.
type job struct {
	api, id         string
	address         common.Address
	started         time.Time
	done            bool
	finished        time.Time
	notIndexed      bool
	result          compile.VerifyResult
	code, message   string // failure: Sourcify's customCode and the message
	longVersion     string
	identifier      string
	standardJSON    json.RawMessage
	ctorArgs        string // Etherscan's submitted constructor arguments, hex without 0x
	creationTx      string
	compilationTime time.Duration
}

// Start listens on a free port of 127.0.0.1 and serves until Close or
// until ctx ends.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Pool == nil || opts.RPCURL == "" || opts.ChainID == 0 {
		return nil, errors.New("verifier: Pool, RPCURL and ChainID are required")
	}
	rc, err := rpc.DialContext(ctx, opts.RPCURL)
	if err != nil {
		return nil, fmt.Errorf("verifier: dial the chain: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("verifier: listen: %w", err)
	}
	s := &Server{
		opts: opts, ln: ln, ec: ethclient.NewClient(rc), rc: rc,
		byID: map[string]*job{}, submits: map[string]int{}, verified: map[string]*job{}, keysSeen: map[string]string{},
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sourcify/v2/verify/{chainId}/{address}", s.limited(s.sourcifySubmit))
	mux.HandleFunc("GET /sourcify/v2/verify/{id}", s.limited(s.sourcifyJob))
	mux.HandleFunc("GET /sourcify/v2/contract/{chainId}/{address}", s.limited(s.sourcifyContract))
	mux.HandleFunc("/etherscan/api", s.limited(s.etherscan))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.ctx.Done():
		}
	}()
	return s, nil
}

// URL is the server's base, http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// SourcifyURL is the base of the Sourcify API (its /v2/… paths follow).
func (s *Server) SourcifyURL() string { return s.URL() + "/sourcify" }

// EtherscanURL is the Etherscan-compatible API endpoint.
func (s *Server) EtherscanURL() string { return s.URL() + "/etherscan/api" }

// Counts answers what the server has answered so far.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts
	c.Requests = int(s.reqs.Load())
	return c
}

// KeySeen answers the API key the last Etherscan request of action carried.
func (s *Server) KeySeen(action string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keysSeen[action]
}

// Close stops the listener and waits for running jobs.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.cancel()
		_ = s.srv.Close()
		s.jobs.Wait()
		s.rc.Close()
	})
}

// limited counts requests and answers every RateLimitEvery-th one as
// rate-limited, in the shape of the API it was meant for.
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := s.reqs.Add(1)
		if every := int64(s.opts.RateLimitEvery); every > 0 && n%every == 0 {
			s.mu.Lock()
			s.counts.RateLimited++
			s.mu.Unlock()
			if strings.HasPrefix(r.URL.Path, "/sourcify/") {
				w.Header().Set("Retry-After", "1")
				sourcifyError(w, http.StatusTooManyRequests, "too_many_requests", "Too many requests, please try again later.")
				return
			}
			// Etherscan answers its rate limit with 200 and NOTOK.
			etherscanAnswer(w, "0", "NOTOK", "Max rate limit reached")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 2*compile.MaxStandardJSONBytes)
		h(w, r)
	}
}

var (
	addressPattern = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	hashPattern    = regexp.MustCompile(`^0x[0-9a-fA-F]{64}$`)
	// longVersion is solc's long version, "0.8.37+commit.1234abcd".
	longVersion = regexp.MustCompile(`^(\d+\.\d+\.\d+)\+commit\.[0-9a-f]{8}$`)
	hexArgs     = regexp.MustCompile(`^(0x)?([0-9a-fA-F]{2})*$`)
)

// newID answers n random hex digits.
func newID(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// submission is what both APIs' submits come down to.
type submission struct {
	api         string
	address     common.Address
	std         json.RawMessage
	longVersion string
	identifier  string // "path:Name"
	creationTx  string
	ctorArgs    string
}

// submit records a submission and starts its job; notIndexed tells the
// caller to answer "not indexed" (Etherscan does at submit time).
func (s *Server) submit(sub submission) (j *job, notIndexed bool) {
	key := sub.api + " " + strings.ToLower(sub.address.Hex())
	s.mu.Lock()
	s.counts.Submits++
	s.submits[key]++
	notIndexed = s.submits[key] <= s.opts.NotIndexedFirst
	if notIndexed {
		s.counts.NotIndexed++
	}
	id := newUUID()
	if sub.api == "etherscan" {
		id = newID(50) // Etherscan's receipt GUIDs are 50 characters
	}
	j = &job{
		api: sub.api, id: id, address: sub.address, started: time.Now(), notIndexed: notIndexed,
		longVersion: sub.longVersion, identifier: sub.identifier, standardJSON: sub.std,
		ctorArgs: sub.ctorArgs, creationTx: sub.creationTx,
	}
	s.byID[id] = j
	s.mu.Unlock()
	if notIndexed && sub.api == "etherscan" {
		return j, true
	}
	s.jobs.Add(1)
	go s.run(j)
	return j, false
}

// run verifies j and records the verdict.
func (s *Server) run(j *job) {
	defer s.jobs.Done()
	if d := s.opts.JobDelay; d > 0 {
		select {
		case <-time.After(d):
		case <-s.ctx.Done():
		}
	}
	ctx, cancel := context.WithTimeout(s.ctx, 3*time.Minute)
	defer cancel()
	start := time.Now()
	res, code, msg := s.verify(ctx, j)
	s.mu.Lock()
	defer s.mu.Unlock()
	j.done, j.finished, j.compilationTime = true, time.Now(), time.Since(start)
	j.result, j.code, j.message = res, code, msg
	if code == "" {
		s.counts.Verified++
		s.verified[verifiedKey(j.api, j.address)] = j
	} else {
		s.counts.Failed++
	}
}

// verifiedKey is the key of Server.verified: the API and the address.
func verifiedKey(api string, a common.Address) string {
	return api + " " + strings.ToLower(a.Hex())
}

// verifiedJob answers the job that verified address a through api, if one
// has.
func (s *Server) verifiedJob(api string, a common.Address) (*job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.verified[verifiedKey(api, a)]
	return j, ok
}

// verify runs the matching; a non-empty code is a failure (Sourcify's
// customCode) with its message.
func (s *Server) verify(ctx context.Context, j *job) (compile.VerifyResult, string, string) {
	if j.notIndexed {
		return compile.VerifyResult{}, "contract_not_deployed",
			fmt.Sprintf("Chain %d does not have a contract deployed at %s.", s.opts.ChainID, j.address.Hex())
	}
	code, err := s.ec.CodeAt(ctx, j.address, nil)
	if err != nil {
		return compile.VerifyResult{}, "cannot_fetch_bytecode", fmt.Sprintf("Cannot fetch the bytecode of %s: %v", j.address.Hex(), err)
	}
	if len(code) == 0 {
		return compile.VerifyResult{}, "contract_not_deployed",
			fmt.Sprintf("Chain %d does not have a contract deployed at %s.", s.opts.ChainID, j.address.Hex())
	}
	m := longVersion.FindStringSubmatch(j.longVersion)
	file, name, _ := cutLast(j.identifier, ":")
	creation, err := s.creation(ctx, j)
	if err != nil {
		return compile.VerifyResult{}, "cannot_fetch_bytecode", err.Error()
	}
	res, err := s.opts.Pool.Verify(ctx, compile.VerifyRequest{
		StandardJSON: j.standardJSON, CompilerVersion: m[1], ContractName: name, ContractFile: file,
		ChainID: s.opts.ChainID, Address: j.address.Hex(), RuntimeBytecode: code, Creation: creation,
	})
	var ie *compile.VerifyInputError
	switch {
	case errors.As(err, &ie):
		return compile.VerifyResult{}, ie.Code, ie.Message
	case err != nil:
		return compile.VerifyResult{}, "internal_error", err.Error()
	case res.Status == compile.VerifyMismatch:
		return res, cmpOr(res.Code, "no_match"), res.Message
	case res.LongVersion != "" && res.LongVersion != j.longVersion:
		return res, "compiler_version_mismatch", fmt.Sprintf("The contract was compiled with %s, not %s.", res.LongVersion, j.longVersion)
	}
	if j.api == "etherscan" && res.CreationMatch != "" {
		got := strings.ToLower(strings.TrimPrefix(res.ConstructorArguments, "0x"))
		if got != j.ctorArgs {
			return res, "invalid_constructor_arguments", "Invalid constructor arguments provided. Please verify that they are in ABI-encoded format"
		}
	}
	return res, "", ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// cutLast splits s around the last sep.
func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+len(sep):], true
}

// creation finds the transaction that created j's contract: the one the
// submission names, else the chain's answer to ots_getContractCreator
// (anvil serves Otterscan's API), else a scan of recent blocks, as an
// explorer's index would know it. Nil when none is found: only the
// runtime code is matched then.
func (s *Server) creation(ctx context.Context, j *job) (*compile.CreationTx, error) {
	var h common.Hash
	switch {
	case j.creationTx != "":
		h = common.HexToHash(j.creationTx)
	default:
		var c struct {
			Hash common.Hash `json:"hash"`
		}
		if err := s.rc.CallContext(ctx, &c, "ots_getContractCreator", j.address); err == nil && c.Hash != (common.Hash{}) {
			h = c.Hash
		} else if h, err = s.scan(ctx, j.address); err != nil || h == (common.Hash{}) {
			return nil, err
		}
	}
	rcpt, err := s.ec.TransactionReceipt(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch the creation transaction %s: %v", h, err)
	}
	if rcpt.ContractAddress != j.address {
		return nil, fmt.Errorf("transaction %s did not create %s", h, j.address.Hex())
	}
	tx, _, err := s.ec.TransactionByHash(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch the creation transaction %s: %v", h, err)
	}
	c := &compile.CreationTx{TxHash: h.Hex(), Input: tx.Data(), TxIndex: rcpt.TransactionIndex}
	if rcpt.BlockNumber != nil {
		c.BlockNumber = rcpt.BlockNumber.Uint64()
	}
	if from, err := types.Sender(types.LatestSignerForChainID(new(big.Int).SetUint64(s.opts.ChainID)), tx); err == nil {
		c.From = from.Hex()
	}
	return c, nil
}

// scan looks for addr's creation in the last 2,000 blocks.
func (s *Server) scan(ctx context.Context, addr common.Address) (common.Hash, error) {
	head, err := s.ec.BlockNumber(ctx)
	if err != nil {
		return common.Hash{}, err
	}
	for n := int64(head); n >= 0 && n > int64(head)-2000; n-- {
		b, err := s.ec.BlockByNumber(ctx, big.NewInt(n))
		if err != nil {
			return common.Hash{}, err
		}
		for _, tx := range b.Transactions() {
			if tx.To() != nil {
				continue
			}
			r, err := s.ec.TransactionReceipt(ctx, tx.Hash())
			if err == nil && r.ContractAddress == addr {
				return tx.Hash(), nil
			}
		}
	}
	return common.Hash{}, nil
}

// ---- Sourcify API v2 ----

type sourcifyErr struct {
	CustomCode string `json:"customCode"`
	Message    string `json:"message"`
	ErrorID    string `json:"errorId"`
}

func sourcifyError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, sourcifyErr{CustomCode: code, Message: msg, ErrorID: newUUID()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) sourcifySubmit(w http.ResponseWriter, r *http.Request) {
	chainID, addr := r.PathValue("chainId"), r.PathValue("address")
	if !addressPattern.MatchString(addr) {
		sourcifyError(w, http.StatusBadRequest, "invalid_parameter", "Invalid address: "+addr)
		return
	}
	if chainID != strconv.FormatUint(s.opts.ChainID, 10) {
		sourcifyError(w, http.StatusBadRequest, "unsupported_chain", fmt.Sprintf("Chain %s is not supported for verification.", chainID))
		return
	}
	var body struct {
		StdJSONInput            json.RawMessage `json:"stdJsonInput"`
		CompilerVersion         string          `json:"compilerVersion"`
		ContractIdentifier      string          `json:"contractIdentifier"`
		CreationTransactionHash string          `json:"creationTransactionHash"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		sourcifyError(w, http.StatusBadRequest, "invalid_json", "The request body is not valid JSON: "+err.Error())
		return
	}
	switch {
	case len(body.StdJSONInput) == 0 || body.StdJSONInput[0] != '{':
		sourcifyError(w, http.StatusBadRequest, "invalid_parameter", "stdJsonInput is required and must be an object")
		return
	case !longVersion.MatchString(body.CompilerVersion):
		sourcifyError(w, http.StatusBadRequest, "invalid_parameter", "compilerVersion must be a long version such as 0.8.7+commit.e28d00a7")
		return
	case !strings.Contains(body.ContractIdentifier, ":"):
		sourcifyError(w, http.StatusBadRequest, "invalid_parameter", "contractIdentifier must be path:ContractName")
		return
	case body.CreationTransactionHash != "" && !hashPattern.MatchString(body.CreationTransactionHash):
		sourcifyError(w, http.StatusBadRequest, "invalid_parameter", "creationTransactionHash must be 0x and 64 hex digits")
		return
	}
	a := common.HexToAddress(addr)
	if _, done := s.verifiedJob("sourcify", a); done {
		sourcifyError(w, http.StatusConflict, "already_verified", fmt.Sprintf("Contract %s on chain %s is already verified.", a.Hex(), chainID))
		return
	}
	j, _ := s.submit(submission{
		api: "sourcify", address: a, std: body.StdJSONInput, longVersion: body.CompilerVersion,
		identifier: body.ContractIdentifier, creationTx: body.CreationTransactionHash,
	})
	writeJSON(w, http.StatusAccepted, map[string]string{"verificationId": j.id})
}

// sourcifyMatch turns lib-sourcify's match into API v2's.
func sourcifyMatch(m string) *string {
	var v string
	switch m {
	case "perfect", compile.VerifyFull:
		v = "exact_match"
	case compile.VerifyPartial: // lib-sourcify's "partial" too
		v = "match"
	default:
		return nil
	}
	return &v
}

type sourcifyContract struct {
	Match         *string `json:"match"`
	CreationMatch *string `json:"creationMatch"`
	RuntimeMatch  *string `json:"runtimeMatch"`
	ChainID       string  `json:"chainId"`
	Address       string  `json:"address"`
	VerifiedAt    string  `json:"verifiedAt,omitempty"`
	MatchID       string  `json:"matchId,omitempty"`
}

func (s *Server) contractOf(j *job) *sourcifyContract {
	c := &sourcifyContract{ChainID: strconv.FormatUint(s.opts.ChainID, 10), Address: j.address.Hex()}
	if j.code == "" {
		c.Match, c.CreationMatch, c.RuntimeMatch = sourcifyMatch(j.result.Status), sourcifyMatch(j.result.CreationMatch), sourcifyMatch(j.result.RuntimeMatch)
		c.VerifiedAt, c.MatchID = j.finished.UTC().Format(time.RFC3339), j.id[:8]
	}
	return c
}

func (s *Server) sourcifyJob(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.Polls++
	j, ok := s.byID[r.PathValue("id")]
	if !ok || j.api != "sourcify" {
		sourcifyError(w, http.StatusNotFound, "job_not_found", "No verification job with id "+r.PathValue("id"))
		return
	}
	out := map[string]any{"isJobCompleted": j.done, "verificationId": j.id, "jobStartTime": j.started.UTC().Format(time.RFC3339)}
	if j.done {
		out["jobFinishTime"] = j.finished.UTC().Format(time.RFC3339)
		out["compilationTime"] = strconv.FormatInt(j.compilationTime.Milliseconds(), 10)
		out["contract"] = s.contractOf(j)
		if j.code != "" {
			out["error"] = sourcifyErr{CustomCode: j.code, Message: j.message, ErrorID: newUUID()}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) sourcifyContract(w http.ResponseWriter, r *http.Request) {
	addr := r.PathValue("address")
	if !addressPattern.MatchString(addr) {
		sourcifyError(w, http.StatusBadRequest, "invalid_parameter", "Invalid address: "+addr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.verified[verifiedKey("sourcify", common.HexToAddress(addr))]
	if !ok || r.PathValue("chainId") != strconv.FormatUint(s.opts.ChainID, 10) {
		sourcifyError(w, http.StatusNotFound, "not_found", "Contract "+addr+" is not verified on chain "+r.PathValue("chainId"))
		return
	}
	writeJSON(w, http.StatusOK, s.contractOf(j))
}

// ---- Etherscan API (v2 shapes) ----

func etherscanAnswer(w http.ResponseWriter, status, message string, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "message": message, "result": result})
}

func (s *Server) etherscan(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		etherscanAnswer(w, "0", "NOTOK", "Error! Invalid request: "+err.Error())
		return
	}
	action := r.Form.Get("action")
	s.mu.Lock()
	s.keysSeen[action] = r.Form.Get("apikey")
	s.mu.Unlock()
	if s.opts.APIKey != "" && r.Form.Get("apikey") != s.opts.APIKey {
		etherscanAnswer(w, "0", "NOTOK", "Invalid API Key")
		return
	}
	if c := r.Form.Get("chainid"); c != "" && c != strconv.FormatUint(s.opts.ChainID, 10) {
		etherscanAnswer(w, "0", "NOTOK", "Missing or unsupported chainid parameter (required for v2 api)")
		return
	}
	if r.Form.Get("module") != "contract" {
		etherscanAnswer(w, "0", "NOTOK", "Error! Missing Or invalid Module name")
		return
	}
	switch action {
	case "verifysourcecode":
		s.etherscanSubmit(w, r)
	case "checkverifystatus":
		s.etherscanStatus(w, r)
	case "getsourcecode":
		s.etherscanSource(w, r)
	default:
		etherscanAnswer(w, "0", "NOTOK", "Error! Missing Or invalid Action name")
	}
}

func (s *Server) etherscanSubmit(w http.ResponseWriter, r *http.Request) {
	f := r.Form
	args := f.Get("constructorArguements")
	if args == "" {
		args = f.Get("constructorArguments")
	}
	addr := f.Get("contractaddress")
	switch {
	case r.Method != http.MethodPost:
		etherscanAnswer(w, "0", "NOTOK", "Error! verifysourcecode only supports HTTP POST")
		return
	case !addressPattern.MatchString(addr):
		etherscanAnswer(w, "0", "NOTOK", "Error! Invalid contract address format")
		return
	case f.Get("codeformat") != "solidity-standard-json-input":
		etherscanAnswer(w, "0", "NOTOK", "Error! This service accepts codeformat=solidity-standard-json-input only")
		return
	case !strings.HasPrefix(f.Get("compilerversion"), "v") || !longVersion.MatchString(strings.TrimPrefix(f.Get("compilerversion"), "v")):
		etherscanAnswer(w, "0", "NOTOK", "Error! Invalid compilerversion (want v0.8.x+commit.xxxxxxxx)")
		return
	case !strings.Contains(f.Get("contractname"), ":"):
		etherscanAnswer(w, "0", "NOTOK", "Error! contractname must be path:ContractName for solidity-standard-json-input")
		return
	case !hexArgs.MatchString(args):
		etherscanAnswer(w, "0", "NOTOK", "Error! Invalid constructor arguments: want ABI-encoded hex")
		return
	}
	std := json.RawMessage(f.Get("sourceCode"))
	if !json.Valid(std) || len(std) == 0 || std[0] != '{' {
		etherscanAnswer(w, "0", "NOTOK", "Error! sourceCode is not a standard JSON input")
		return
	}
	a := common.HexToAddress(addr)
	if _, done := s.verifiedJob("etherscan", a); done {
		etherscanAnswer(w, "0", "NOTOK", "Contract source code already verified")
		return
	}
	j, notIndexed := s.submit(submission{
		api: "etherscan", address: a, std: std, longVersion: strings.TrimPrefix(f.Get("compilerversion"), "v"),
		identifier: f.Get("contractname"), ctorArgs: strings.ToLower(strings.TrimPrefix(args, "0x")),
	})
	if notIndexed {
		etherscanAnswer(w, "0", "NOTOK", "Unable to locate ContractCode at "+strings.ToLower(a.Hex()))
		return
	}
	etherscanAnswer(w, "1", "OK", j.id)
}

func (s *Server) etherscanStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.Polls++
	j, ok := s.byID[r.Form.Get("guid")]
	switch {
	case !ok || j.api != "etherscan" || j.notIndexed:
		etherscanAnswer(w, "0", "NOTOK", "Unknown UID")
	case !j.done:
		etherscanAnswer(w, "0", "NOTOK", "Pending in queue")
	case j.code == "":
		etherscanAnswer(w, "1", "OK", "Pass - Verified")
	default:
		etherscanAnswer(w, "0", "NOTOK", "Fail - Unable to verify. "+firstLine(j.message))
	}
}

func (s *Server) etherscanSource(w http.ResponseWriter, r *http.Request) {
	addr := r.Form.Get("address")
	if !addressPattern.MatchString(addr) {
		etherscanAnswer(w, "0", "NOTOK", "Invalid Address format")
		return
	}
	j, ok := s.verifiedJob("etherscan", common.HexToAddress(addr))
	if !ok {
		// Etherscan answers unverified contracts with empty fields.
		etherscanAnswer(w, "1", "OK", []map[string]string{{"SourceCode": "", "ContractName": "", "CompilerVersion": ""}})
		return
	}
	_, name, _ := cutLast(j.identifier, ":")
	etherscanAnswer(w, "1", "OK", []map[string]string{{
		"SourceCode": "{" + string(j.standardJSON) + "}", "ContractName": name, "CompilerVersion": "v" + j.longVersion,
		"ConstructorArguments": j.ctorArgs,
	}})
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
