package chain

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/internal/secrets"
)

// Publishing verified sources: after the verify stage proves a deployed
// contract's source, it publishes it to the services a network's "verify"
// object names, a Sourcify server and/or an Etherscan-compatible explorer
// API (Etherscan's API v2, Blockscout's Etherscan-compatible /api):
//
//	"verify": {"sourcify":  {"url": "https://…/server", "window": "1h"},
//	           "etherscan": {"url": "https://…/v2/api", "apiKey": "env:ETHERSCAN_API_KEY",
//	                         "browserUrl": "https://…", "window": "1h"}}
//
// URLs come from here only: Slipway knows no service's host of its own.

// Service names, as PublishInput.Service and metrics label them.
const (
	VerifyServiceSourcify  = "sourcify"
	VerifyServiceEtherscan = "etherscan"
)

// Bounds of a service's retry window: how long a publication keeps being
// retried while the service answers "not indexed yet", rate-limits or
// fails, before it is given up as FAILED with the service's last answer.
const (
	DefaultVerifyWindow = time.Hour
	MinVerifyWindow     = time.Minute
	MaxVerifyWindow     = 48 * time.Hour
)

// VerifyServices are the services a network's verified sources are
// published to; either may be absent.
type VerifyServices struct {
	Sourcify  *SourcifyService  `json:"sourcify,omitempty"`
	Etherscan *EtherscanService `json:"etherscan,omitempty"`
}

// SourcifyService is a Sourcify server (API v2: POST /v2/verify/{chainId}/{address}).
type SourcifyService struct {
	// URL is the server's base: the API's paths (/v2/…) are appended.
	URL string `json:"url"`
	// Window bounds the retries (DefaultVerifyWindow when unset).
	Window Duration `json:"window,omitzero"`
}

// EtherscanService is an Etherscan-v2-compatible API (verifysourcecode,
// checkverifystatus).
type EtherscanService struct {
	// URL is the API endpoint itself, such as "https://…/v2/api" or a
	// Blockscout instance's "https://…/api"; the module and action go in
	// its query.
	URL string `json:"url"`
	// APIKey is a secret reference ("env:NAME", "file:/path", "vault:…")
	// to the API key, resolved inside the publishing activity only.
	// Optional: some explorers (Blockscout) need none.
	APIKey string `json:"apiKey,omitempty"`
	// BrowserURL is the explorer's web site, for the link to the verified
	// contract ({browserUrl}/address/{address}#code); unset, the link is
	// the API's getsourcecode query (without the key).
	BrowserURL string `json:"browserUrl,omitempty"`
	// Window bounds the retries (DefaultVerifyWindow when unset).
	Window Duration `json:"window,omitzero"`
}

// Names answers the configured services' names: sourcify first.
func (v *VerifyServices) Names() []string {
	var out []string
	if v == nil {
		return out
	}
	if v.Sourcify != nil {
		out = append(out, VerifyServiceSourcify)
	}
	if v.Etherscan != nil {
		out = append(out, VerifyServiceEtherscan)
	}
	return out
}

// RetryWindow answers how long publishing to service keeps being retried,
// and false when the service is not configured.
func (v *VerifyServices) RetryWindow(service string) (time.Duration, bool) {
	var w Duration
	switch {
	case v == nil:
		return 0, false
	case service == VerifyServiceSourcify && v.Sourcify != nil:
		w = v.Sourcify.Window
	case service == VerifyServiceEtherscan && v.Etherscan != nil:
		w = v.Etherscan.Window
	default:
		return 0, false
	}
	if w == 0 {
		return DefaultVerifyWindow, true
	}
	return time.Duration(w), true
}

// validate checks the services of network; nil (no publishing) is valid.
func (v *VerifyServices) validate(network string) error {
	if v == nil {
		return nil
	}
	var errs []error
	if v.Sourcify == nil && v.Etherscan == nil {
		errs = append(errs, fmt.Errorf("%s: verify names no service: set sourcify and/or etherscan, or leave verify out", network))
	}
	if s := v.Sourcify; s != nil {
		if err := checkServiceURL(s.URL); err != nil {
			errs = append(errs, fmt.Errorf("%s: verify.sourcify.url: %w", network, err))
		}
		if err := checkVerifyWindow(s.Window); err != nil {
			errs = append(errs, fmt.Errorf("%s: verify.sourcify.window: %w", network, err))
		}
	}
	if e := v.Etherscan; e != nil {
		if err := checkServiceURL(e.URL); err != nil {
			errs = append(errs, fmt.Errorf("%s: verify.etherscan.url: %w", network, err))
		}
		if e.BrowserURL != "" {
			if err := checkServiceURL(e.BrowserURL); err != nil {
				errs = append(errs, fmt.Errorf("%s: verify.etherscan.browserUrl: %w", network, err))
			}
		}
		if e.APIKey != "" {
			if err := checkAPIKeyRef(e.APIKey); err != nil {
				errs = append(errs, fmt.Errorf("%s: verify.etherscan.apiKey: %w", network, err))
			}
		}
		if err := checkVerifyWindow(e.Window); err != nil {
			errs = append(errs, fmt.Errorf("%s: verify.etherscan.window: %w", network, err))
		}
	}
	return errors.Join(errs...)
}

// credentialParams are query parameters that would put a credential in
// the networks file: the key belongs in apiKey, as a reference.
var credentialParams = []string{"apikey", "api_key", "key", "token", "access_token"}

// checkServiceURL checks a service URL; the error never quotes its path or
// query.
func checkServiceURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q: want an http:// or https:// URL with a host", secrets.RedactURL(raw))
	}
	if u.User != nil {
		return fmt.Errorf("%s: user info in the URL is not allowed (credentials go in a secret reference)", secrets.RedactURL(raw))
	}
	for k := range u.Query() {
		if slices.Contains(credentialParams, strings.ToLower(k)) {
			return fmt.Errorf("%s: the query holds %q: put the key in apiKey as a secret reference", secrets.RedactURL(raw), k)
		}
	}
	if u.Fragment != "" {
		return fmt.Errorf("%s: a fragment is not allowed", secrets.RedactURL(raw))
	}
	return nil
}

// checkAPIKeyRef checks that an apiKey is a reference, never the key; the
// error does not quote a value that is not one.
func checkAPIKeyRef(ref string) error {
	if _, err := secrets.ParseRef(ref); err != nil {
		return fmt.Errorf("want a secret reference such as env:NAME, file:/path or vault:MOUNT/data/PATH#FIELD, not the key itself: %w", err)
	}
	return nil
}

func checkVerifyWindow(w Duration) error {
	if d := time.Duration(w); d != 0 && (d < MinVerifyWindow || d > MaxVerifyWindow) {
		return fmt.Errorf("%s is out of range: want 1m to 48h (default 1h)", d)
	}
	return nil
}
