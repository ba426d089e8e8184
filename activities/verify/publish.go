package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
	"github.com/slipway-dev/slipway/internal/secrets"
)

// Publishing: once the verify stage has proved a contract's source
// locally, Publish hands the same standard JSON input to the services the
// network configures (chain.VerifyServices): a Sourcify server (API v2,
// POST /v2/verify/{chainId}/{address}, then GET /v2/verify/{verificationId})
// and/or an Etherscan-compatible explorer API (verifysourcecode, then
// checkverifystatus with the returned GUID). Both verify asynchronously, so
// Publish is one step of a loop the workflow runs on durable timers: submit
// (PENDING with a Job), poll the Job until VERIFIED or FAILED, and on RETRY
// ("not indexed yet", rate limited, the service failing) wait and try
// again, until the service's window (chain.VerifyServices.RetryWindow)
// runs out; then the publication is FAILED with the last answer.
//
// The Etherscan API key is a secret reference resolved here, on each
// attempt; it goes into requests only, never into results, errors or logs
// (every message and error is scrubbed of it).

// publishHTTP is the publishing activity's HTTP client; each request is
// also bounded by requestTimeout and the activity's context.
var publishHTTP = &http.Client{Timeout: 2 * time.Minute}

const (
	requestTimeout = time.Minute
	// maxAnswerBytes bounds what is read of an answer.
	maxAnswerBytes = 1 << 20
	// maxMessage bounds a service's words in a result.
	maxMessage = 1000
)

var (
	longVersionPattern = regexp.MustCompile(`^v?(\d+\.\d+\.\d+)\+commit\.[0-9a-f]{8}$`)
	hexArgsPattern     = regexp.MustCompile(`^(0x)?([0-9a-fA-F]{2})*$`)
)

// publisher is one attempt's context: where, what, and the key's scrubber.
type publisher struct {
	service string
	network chain.Network
	address common.Address
	key     string
}

// scrub removes the API key from text, raw and URL-escaped.
func (p *publisher) scrub(s string) string {
	if p.key == "" {
		return s
	}
	for _, k := range []string{p.key, url.QueryEscape(p.key), url.PathEscape(p.key)} {
		s = strings.ReplaceAll(s, k, secrets.Redacted)
	}
	return s
}

// message is a service's words, scrubbed and bounded.
func (p *publisher) message(s string) string {
	s = p.scrub(strings.TrimSpace(s))
	if len(s) > maxMessage {
		s = s[:maxMessage] + "…"
	}
	return s
}

// Publish is the publishing activity: one attempt at publishing the
// verified source to one service, a submission (Job empty) or a poll of an
// earlier one (Job set). The service's answers are results, never errors:
// a refusal is FAILED, "try later" is RETRY. Errors are transport failures
// (plain, so Temporal retries them; scrubbed of the API key) and input or
// configuration that cannot work (non-retryable verifyapi.ErrTypeInput,
// verifyapi.ErrTypeConfig).
func (a *Activities) Publish(ctx context.Context, in verifyapi.PublishInput) (verifyapi.PublishResult, error) {
	p, err := a.publisher(ctx, in)
	if err != nil {
		return verifyapi.PublishResult{}, err
	}
	var res verifyapi.PublishResult
	switch {
	case in.Job != "" && p.service == chain.VerifyServiceSourcify:
		res, err = p.sourcifyPoll(ctx, in.Job)
	case in.Job != "":
		res, err = p.etherscanPoll(ctx, in.Job)
	default:
		var sub submission
		if sub, err = a.submission(ctx, in); err != nil {
			return verifyapi.PublishResult{}, err
		}
		if p.service == chain.VerifyServiceSourcify {
			res, err = p.sourcifySubmit(ctx, sub, in.CreationTxHash)
		} else {
			res, err = p.etherscanSubmit(ctx, sub)
		}
	}
	var ae *temporal.ApplicationError
	switch {
	case errors.As(err, &ae):
		return verifyapi.PublishResult{}, err // built here, without the key
	case err != nil:
		// Rebuilt from its text: the chain below (a *url.Error quoting a
		// query with the key) must not reach Temporal's history.
		return verifyapi.PublishResult{}, errors.New(p.scrub(err.Error()))
	}
	if res.Status == verifyapi.PublishVerified {
		res.URL = p.link()
	}
	res.Message = p.message(res.Message)
	return res, nil
}

// publisher checks the network, the service and the address, and
// resolves the API key.
func (a *Activities) publisher(ctx context.Context, in verifyapi.PublishInput) (*publisher, error) {
	n, ok := a.Networks.Lookup(in.Network)
	if !ok {
		return nil, configError("network %q is not configured on this worker", in.Network)
	}
	if in.Service != chain.VerifyServiceSourcify && in.Service != chain.VerifyServiceEtherscan {
		return nil, inputError("service %q: want %q or %q", in.Service, chain.VerifyServiceSourcify, chain.VerifyServiceEtherscan)
	}
	if _, ok := n.Verify.RetryWindow(in.Service); !ok {
		return nil, configError("network %s publishes no verified sources to %s (its verify.%s is not configured)", n.Name, in.Service, in.Service)
	}
	if !common.IsHexAddress(in.Address) || !strings.HasPrefix(in.Address, "0x") {
		return nil, inputError("address %q is not 0x and 40 hex digits", in.Address)
	}
	if strings.ContainsAny(in.Job, "/?#&% \t\r\n") || len(in.Job) > 200 {
		return nil, inputError("job %q is not a verification id", in.Job)
	}
	p := &publisher{service: in.Service, network: n, address: common.HexToAddress(in.Address)}
	if e := n.Verify.Etherscan; in.Service == chain.VerifyServiceEtherscan && e.APIKey != "" {
		if a.Secrets == nil {
			return nil, configError("network %s: verify.etherscan.apiKey %s cannot be resolved: this worker has no secrets provider", n.Name, e.APIKey)
		}
		s, err := a.Secrets.Get(ctx, e.APIKey)
		switch {
		case errors.Is(err, secrets.ErrUnavailable):
			return nil, fmt.Errorf("resolve the %s API key of %s: %w", in.Service, n.Name, err)
		case err != nil:
			return nil, configError("network %s: verify.etherscan.apiKey: %v", n.Name, err)
		}
		p.key = strings.TrimSpace(s.RevealString())
		if p.key == "" {
			return nil, configError("network %s: verify.etherscan.apiKey %s is empty", n.Name, e.APIKey)
		}
		secrets.Conceal(p.key)
	}
	return p, nil
}

// submission is what a submit sends, whichever the service.
type submission struct {
	std         json.RawMessage
	longVersion string // without the "v"
	file, name  string
	ctorArgs    string // hex without 0x, lower case
}

// submission builds the sources as Verify does (Activities.source) and
// checks the fields a submit needs.
func (a *Activities) submission(ctx context.Context, in verifyapi.PublishInput) (submission, error) {
	m := longVersionPattern.FindStringSubmatch(in.LongCompilerVersion)
	if m == nil {
		return submission{}, inputError("long compiler version %q: want 0.8.x+commit.xxxxxxxx, as the local verification answers it", in.LongCompilerVersion)
	}
	if !hexArgsPattern.MatchString(in.ConstructorArguments) {
		return submission{}, inputError("constructor arguments are not ABI-encoded hex")
	}
	req, err := a.source(ctx, in.Input)
	if err != nil {
		return submission{}, err
	}
	if req.CompilerVersion != m[1] {
		return submission{}, inputError("the sources are compiled with %s, but the long compiler version is %s", req.CompilerVersion, in.LongCompilerVersion)
	}
	file := req.ContractFile
	if file == "" && len(req.CandidateFiles) == 1 {
		file = req.CandidateFiles[0]
	}
	if file == "" {
		return submission{}, inputError("which file defines %s? give the contract file (the local verification's contractFile)", req.ContractName)
	}
	var probe struct {
		Sources map[string]json.RawMessage `json:"sources"`
	}
	if err := json.Unmarshal(req.StandardJSON, &probe); err != nil {
		return submission{}, inputError("standard JSON input does not parse: %v", err)
	}
	if _, ok := probe.Sources[file]; !ok {
		return submission{}, inputError("contract file %q is not among the sources", file)
	}
	return submission{
		std: req.StandardJSON, longVersion: strings.TrimPrefix(in.LongCompilerVersion, "v"), file: file, name: req.ContractName,
		ctorArgs: strings.ToLower(strings.TrimPrefix(in.ConstructorArguments, "0x")),
	}, nil
}

// link answers where the verified contract can be seen.
func (p *publisher) link() string {
	id := strconv.FormatUint(p.network.ChainID, 10)
	if p.service == chain.VerifyServiceSourcify {
		return strings.TrimRight(p.network.Verify.Sourcify.URL, "/") + "/v2/contract/" + id + "/" + p.address.Hex()
	}
	e := p.network.Verify.Etherscan
	if e.BrowserURL != "" {
		return strings.TrimRight(e.BrowserURL, "/") + "/address/" + p.address.Hex() + "#code"
	}
	u, _ := url.Parse(e.URL) // validated at config load
	q := u.Query()
	q.Set("chainid", id)
	q.Set("module", "contract")
	q.Set("action", "getsourcecode")
	q.Set("address", p.address.Hex())
	u.RawQuery = q.Encode()
	return u.String()
}

// answer is an HTTP answer.
type answer struct {
	status int
	body   []byte
}

// do sends req and reads the answer; errors are the transport's.
func (p *publisher) do(ctx context.Context, method, u string, contentType string, body []byte) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("%s: build the request: %w", p.service, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "slipway")
	resp, err := publishHTTP.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", p.service, method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: read the answer: %w", p.service, method, err)
	}
	return answer{status: resp.StatusCode, body: b}, nil
}

// transient answers RETRY for the HTTP statuses that say "later": 408,
// 425, 429 and 5xx; job is kept for the next attempt.
func (p *publisher) transient(a answer, job string) (verifyapi.PublishResult, bool) {
	switch {
	case a.status == http.StatusTooManyRequests, a.status == http.StatusRequestTimeout, a.status == http.StatusTooEarly, a.status >= 500:
		return verifyapi.PublishResult{Status: verifyapi.PublishRetry, Job: job,
			Message: fmt.Sprintf("%s answered %d %s: %s", p.service, a.status, http.StatusText(a.status), excerpt(a.body))}, true
	}
	return verifyapi.PublishResult{}, false
}

// excerpt is a body's text for a message: a JSON error's message where
// there is one.
func excerpt(b []byte) string {
	var e struct {
		CustomCode string `json:"customCode"`
		Message    string `json:"message"`
		Result     any    `json:"result"`
	}
	if json.Unmarshal(b, &e) == nil && e.Message != "" {
		if r, ok := e.Result.(string); ok && r != "" {
			return e.Message + ": " + r
		}
		if e.CustomCode != "" {
			return e.CustomCode + ": " + e.Message
		}
		return e.Message
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// ---- Sourcify API v2 ----

// sourcifyError is the API's GenericErrorResponse.
type sourcifyError struct {
	CustomCode string `json:"customCode"`
	Message    string `json:"message"`
	ErrorID    string `json:"errorId"`
}

func (e sourcifyError) String() string {
	switch {
	case e.CustomCode == "":
		return e.Message
	case e.Message == "":
		return e.CustomCode
	}
	return e.CustomCode + ": " + e.Message
}

// sourcifyRetryCodes are job errors that another submission later may
// not meet: the server's node has not seen the contract yet, or it failed.
var sourcifyRetryCodes = map[string]bool{
	"contract_not_deployed": true,
	"cannot_fetch_bytecode": true,
	"internal_error":        true,
	"too_many_requests":     true,
}

func (p *publisher) sourcifyBase() string {
	return strings.TrimRight(p.network.Verify.Sourcify.URL, "/")
}

func (p *publisher) sourcifySubmit(ctx context.Context, sub submission, creationTx string) (verifyapi.PublishResult, error) {
	body := map[string]any{
		"stdJsonInput":       sub.std,
		"compilerVersion":    sub.longVersion,
		"contractIdentifier": sub.file + ":" + sub.name,
	}
	if creationTx != "" {
		body["creationTransactionHash"] = creationTx
	}
	b, err := json.Marshal(body)
	if err != nil {
		return verifyapi.PublishResult{}, inputError("encode the Sourcify request: %v", err)
	}
	u := p.sourcifyBase() + "/v2/verify/" + strconv.FormatUint(p.network.ChainID, 10) + "/" + p.address.Hex()
	a, err := p.do(ctx, http.MethodPost, u, "application/json", b)
	if err != nil {
		return verifyapi.PublishResult{}, err
	}
	if r, ok := p.transient(a, ""); ok {
		return r, nil
	}
	var ok struct {
		VerificationID string `json:"verificationId"`
	}
	var e sourcifyError
	_ = json.Unmarshal(a.body, &e)
	switch {
	case a.status/100 == 2 && json.Unmarshal(a.body, &ok) == nil && ok.VerificationID != "":
		return verifyapi.PublishResult{Status: verifyapi.PublishPending, Job: ok.VerificationID, Message: "submitted to sourcify as verification job " + ok.VerificationID}, nil
	case e.CustomCode == "already_verified":
		return verifyapi.PublishResult{Status: verifyapi.PublishVerified, Message: e.String()}, nil
	case a.status/100 == 2:
		return verifyapi.PublishResult{Status: verifyapi.PublishRetry, Message: "sourcify answered no verificationId: " + excerpt(a.body)}, nil
	}
	if e.Message == "" && e.CustomCode == "" {
		e.Message = excerpt(a.body)
	}
	return verifyapi.PublishResult{Status: verifyapi.PublishFailed, Message: fmt.Sprintf("sourcify refused the submission (%d): %s", a.status, e)}, nil
}

func (p *publisher) sourcifyPoll(ctx context.Context, job string) (verifyapi.PublishResult, error) {
	a, err := p.do(ctx, http.MethodGet, p.sourcifyBase()+"/v2/verify/"+url.PathEscape(job), "", nil)
	if err != nil {
		return verifyapi.PublishResult{}, err
	}
	if r, ok := p.transient(a, job); ok {
		return r, nil
	}
	if a.status == http.StatusNotFound {
		// The job is gone (a server restarted, or expired it): submit again.
		return verifyapi.PublishResult{Status: verifyapi.PublishRetry, Message: "sourcify does not know job " + job + ": " + excerpt(a.body)}, nil
	}
	var j struct {
		IsJobCompleted bool   `json:"isJobCompleted"`
		VerificationID string `json:"verificationId"`
		Contract       *struct {
			Match         *string `json:"match"`
			CreationMatch *string `json:"creationMatch"`
			RuntimeMatch  *string `json:"runtimeMatch"`
		} `json:"contract"`
		Error *sourcifyError `json:"error"`
	}
	if a.status != http.StatusOK || json.Unmarshal(a.body, &j) != nil {
		return verifyapi.PublishResult{Status: verifyapi.PublishRetry, Job: job, Message: fmt.Sprintf("sourcify answered %d to the job's status: %s", a.status, excerpt(a.body))}, nil
	}
	switch {
	case !j.IsJobCompleted:
		return verifyapi.PublishResult{Status: verifyapi.PublishPending, Job: job, Message: "sourcify verification job " + job + " is still running"}, nil
	case j.Error != nil && j.Error.CustomCode == "already_verified":
		return verifyapi.PublishResult{Status: verifyapi.PublishVerified, Message: j.Error.String()}, nil
	case j.Error != nil && sourcifyRetryCodes[j.Error.CustomCode]:
		return verifyapi.PublishResult{Status: verifyapi.PublishRetry, Message: j.Error.String()}, nil
	case j.Error != nil:
		return verifyapi.PublishResult{Status: verifyapi.PublishFailed, Message: j.Error.String()}, nil
	case j.Contract == nil || j.Contract.Match == nil:
		return verifyapi.PublishResult{Status: verifyapi.PublishFailed, Message: "sourcify completed the job without a match"}, nil
	}
	r := verifyapi.PublishResult{Status: verifyapi.PublishVerified, Message: "sourcify: " + *j.Contract.Match}
	switch *j.Contract.Match {
	case "exact_match", "perfect":
		r.Match = verifyapi.MatchFull
	case "match", "partial":
		r.Match = verifyapi.MatchPartial
	}
	if c := j.Contract.CreationMatch; c != nil {
		r.Message += ", creation " + *c
	}
	if rt := j.Contract.RuntimeMatch; rt != nil {
		r.Message += ", runtime " + *rt
	}
	return r, nil
}

// ---- Etherscan-compatible API ----

// etherscanAnswer is the API's envelope.
type etherscanAnswer struct {
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Result  json.RawMessage `json:"result"`
}

// result is Result as text (it is a string in every answer used here).
func (e etherscanAnswer) result() string {
	var s string
	if json.Unmarshal(e.Result, &s) == nil {
		return s
	}
	return string(e.Result)
}

// etherscanURL answers the API URL with its query plus params.
func (p *publisher) etherscanURL(params url.Values) string {
	u, _ := url.Parse(p.network.Verify.Etherscan.URL) // validated at config load
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// classifyEtherscan turns an answer's text into a status: the documented
// "try later" answers are RETRY; "already verified" is VERIFIED.
func classifyEtherscan(text string) (status string, keepJob bool, ok bool) {
	l := strings.ToLower(text)
	switch {
	case strings.Contains(l, "rate limit"):
		return verifyapi.PublishRetry, true, true
	case strings.Contains(l, "unable to locate contractcode"), strings.Contains(l, "unable to locate contract code"):
		return verifyapi.PublishRetry, false, true
	case strings.Contains(l, "already verified"):
		return verifyapi.PublishVerified, false, true
	}
	return "", false, false
}

func (p *publisher) etherscanSubmit(ctx context.Context, sub submission) (verifyapi.PublishResult, error) {
	id := strconv.FormatUint(p.network.ChainID, 10)
	u := p.etherscanURL(url.Values{"chainid": {id}, "module": {"contract"}, "action": {"verifysourcecode"}})
	form := url.Values{
		"chainid":          {id},
		"module":           {"contract"},
		"action":           {"verifysourcecode"},
		"contractaddress":  {p.address.Hex()},
		"sourceCode":       {string(sub.std)},
		"codeformat":       {"solidity-standard-json-input"},
		"contractname":     {sub.file + ":" + sub.name},
		"compilerversion":  {"v" + sub.longVersion},
		"optimizationUsed": {"0"}, // ignored for standard JSON input, whose settings say
		// Etherscan's own (historic) spelling, and the one its v2 guide
		// and Blockscout use.
		"constructorArguements": {sub.ctorArgs},
		"constructorArguments":  {sub.ctorArgs},
	}
	if p.key != "" {
		form.Set("apikey", p.key) // in the body, never in the URL
	}
	a, err := p.do(ctx, http.MethodPost, u, "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return verifyapi.PublishResult{}, err
	}
	if r, ok := p.transient(a, ""); ok {
		return r, nil
	}
	var e etherscanAnswer
	if err := json.Unmarshal(a.body, &e); err != nil || e.Status == "" {
		return verifyapi.PublishResult{Status: verifyapi.PublishRetry, Message: fmt.Sprintf("etherscan answered %d, not its JSON: %s", a.status, excerpt(a.body))}, nil
	}
	text := e.result()
	if e.Status == "1" && text != "" {
		return verifyapi.PublishResult{Status: verifyapi.PublishPending, Job: text, Message: "submitted to etherscan as " + text}, nil
	}
	if st, _, ok := classifyEtherscan(text); ok {
		return verifyapi.PublishResult{Status: st, Message: text}, nil
	}
	return verifyapi.PublishResult{Status: verifyapi.PublishFailed, Message: strings.TrimSpace(e.Message + ": " + text)}, nil
}

func (p *publisher) etherscanPoll(ctx context.Context, guid string) (verifyapi.PublishResult, error) {
	params := url.Values{"chainid": {strconv.FormatUint(p.network.ChainID, 10)}, "module": {"contract"}, "action": {"checkverifystatus"}, "guid": {guid}}
	if p.key != "" {
		params.Set("apikey", p.key) // the documented GET form; errors are scrubbed
	}
	a, err := p.do(ctx, http.MethodGet, p.etherscanURL(params), "", nil)
	if err != nil {
		return verifyapi.PublishResult{}, err
	}
	if r, ok := p.transient(a, guid); ok {
		return r, nil
	}
	var e etherscanAnswer
	if err := json.Unmarshal(a.body, &e); err != nil || e.Status == "" {
		return verifyapi.PublishResult{Status: verifyapi.PublishRetry, Job: guid, Message: fmt.Sprintf("etherscan answered %d, not its JSON: %s", a.status, excerpt(a.body))}, nil
	}
	text := e.result()
	l := strings.ToLower(text)
	switch {
	case strings.HasPrefix(l, "pending"), strings.Contains(l, "in queue"):
		return verifyapi.PublishResult{Status: verifyapi.PublishPending, Job: guid, Message: text}, nil
	case strings.HasPrefix(l, "pass"):
		return verifyapi.PublishResult{Status: verifyapi.PublishVerified, Message: text}, nil
	case strings.Contains(l, "unknown uid"), strings.Contains(l, "invalid guid"):
		// The submission is lost to the explorer: submit again.
		return verifyapi.PublishResult{Status: verifyapi.PublishRetry, Message: text}, nil
	}
	if st, keep, ok := classifyEtherscan(text); ok {
		r := verifyapi.PublishResult{Status: st, Message: text}
		if keep {
			r.Job = guid
		}
		return r, nil
	}
	return verifyapi.PublishResult{Status: verifyapi.PublishFailed, Message: text}, nil
}

func configError(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return temporal.NewNonRetryableApplicationError(msg, verifyapi.ErrTypeConfig, errors.New(msg))
}
