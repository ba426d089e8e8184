package secrets

// An in-process stand-in for a Vault/OpenBao dev server, used when no real
// server binary is available (see vaultServer in vault_test.go). It serves
// the few endpoints the provider and the tests' setup use, with Vault's
// paths, bodies, status codes and error shapes:
//
//	GET|POST /v1/<kv2 mount>/data/<path>[?version=N]   KV v2 read/write
//	POST     /v1/sys/mounts/<path>                       enable KV v2
//	PUT      /v1/sys/policies/acl/<name>                 HCL path rules
//	POST     /v1/sys/auth/approle                        enable AppRole
//	POST     /v1/auth/approle/role/<name>                create a role
//	GET      /v1/auth/approle/role/<name>/role-id
//	POST     /v1/auth/approle/role/<name>/secret-id
//	POST     /v1/auth/approle/login
//	GET      /v1/auth/token/lookup-self
//	POST     /v1/auth/token/renew-self
//	POST     /v1/auth/token/create
//	POST     /v1/auth/token/revoke
//	PUT      /v1/sys/seal, GET /v1/sys/health
//
// Token leases, max TTLs and renewal caps follow Vault's rules; policies
// support exact paths and a trailing "*".

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

type fakeVault struct {
	mu       sync.Mutex
	sealed   bool
	tokens   map[string]*fakeToken
	policies map[string][]fakeRule
	kv       map[string]map[string][]fakeVersion // mount → path → versions
	approle  bool
	roles    map[string]*fakeRole
}

type fakeToken struct {
	policies  []string
	root      bool
	issued    time.Time
	ttl       time.Duration // 0: no expiry
	maxTTL    time.Duration
	expires   time.Time
	renewable bool
}

type fakeRule struct {
	path string
	caps map[string]bool
}

type fakeVersion struct {
	data    map[string]any
	created time.Time
	deleted bool
}

type fakeRole struct {
	roleID    string
	secretIDs map[string]bool
	policies  []string
	ttl       time.Duration
	maxTTL    time.Duration
}

func newFakeVault(rootToken string) *fakeVault {
	return &fakeVault{
		tokens:   map[string]*fakeToken{rootToken: {root: true, issued: time.Now()}},
		policies: map[string][]fakeRule{},
		kv:       map[string]map[string][]fakeVersion{"secret": {}},
		roles:    map[string]*fakeRole{},
	}
}

func fakeID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func writeVault(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if body != nil {
		_ = json.NewEncoder(w).Encode(body)
	}
}

func vaultErrors(w http.ResponseWriter, status int, msgs ...string) {
	if msgs == nil {
		msgs = []string{}
	}
	writeVault(w, status, map[string]any{"errors": msgs})
}

// parseTTL reads Vault's duration parameters: seconds as a number or a
// numeric string, or a Go duration string.
func parseTTL(v any) time.Duration {
	switch v := v.(type) {
	case float64:
		return time.Duration(v) * time.Second
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return time.Duration(n) * time.Second
		}
		d, _ := time.ParseDuration(v)
		return d
	}
	return 0
}

func policyList(v any) []string {
	switch v := v.(type) {
	case string:
		var out []string
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	case []any:
		var out []string
		for _, p := range v {
			if s, ok := p.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

var hclRule = regexp.MustCompile(`path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}`)

func (f *fakeVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok {
		vaultErrors(w, http.StatusNotFound)
		return
	}
	if path == "sys/health" {
		if f.sealed {
			writeVault(w, http.StatusServiceUnavailable, map[string]any{"initialized": true, "sealed": true})
			return
		}
		writeVault(w, http.StatusOK, map[string]any{"initialized": true, "sealed": false, "standby": false})
		return
	}
	if f.sealed {
		vaultErrors(w, http.StatusServiceUnavailable, "Vault is sealed")
		return
	}
	var body map[string]any
	if r.Body != nil && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil && err.Error() != "EOF" {
			vaultErrors(w, http.StatusBadRequest, "failed to parse JSON input: "+err.Error())
			return
		}
	}
	write := r.Method == http.MethodPost || r.Method == http.MethodPut

	// Unauthenticated: AppRole login.
	if path == "auth/approle/login" && write {
		f.approleLogin(w, body)
		return
	}
	tok := f.tokens[r.Header.Get("X-Vault-Token")]
	if tok != nil && tok.ttl > 0 && !time.Now().Before(tok.expires) {
		delete(f.tokens, r.Header.Get("X-Vault-Token"))
		tok = nil
	}
	if tok == nil {
		vaultErrors(w, http.StatusForbidden, "permission denied")
		return
	}
	switch {
	case path == "auth/token/lookup-self" && r.Method == http.MethodGet:
		ttl, creation := 0, 0
		if tok.ttl > 0 {
			ttl = int(time.Until(tok.expires).Seconds())
			creation = int(tok.ttl.Seconds())
		}
		writeVault(w, http.StatusOK, map[string]any{"data": map[string]any{
			"ttl": ttl, "creation_ttl": creation, "renewable": tok.renewable, "policies": tok.policies,
		}})
		return
	case path == "auth/token/renew-self" && write:
		if !tok.renewable {
			vaultErrors(w, http.StatusBadRequest, "lease is not renewable")
			return
		}
		f.renew(w, r.Header.Get("X-Vault-Token"), tok)
		return
	}
	if !f.allowed(tok, path, r.Method) {
		vaultErrors(w, http.StatusForbidden, "1 error occurred:\n\t* permission denied\n\n")
		return
	}
	switch {
	case path == "auth/token/create" && write:
		t := &fakeToken{policies: policyList(body["policies"]), issued: time.Now(), ttl: parseTTL(body["ttl"]), renewable: true}
		if r, ok := body["renewable"].(bool); ok {
			t.renewable = r
		}
		t.maxTTL = parseTTL(body["explicit_max_ttl"])
		id := "hvs." + fakeID()
		f.issue(w, id, t)
	case path == "auth/token/revoke" && write:
		id, _ := body["token"].(string)
		delete(f.tokens, id)
		writeVault(w, http.StatusNoContent, nil)
	case path == "sys/seal" && write:
		f.sealed = true
		writeVault(w, http.StatusNoContent, nil)
	case strings.HasPrefix(path, "sys/policies/acl/") && write:
		text, _ := body["policy"].(string)
		var rules []fakeRule
		for _, m := range hclRule.FindAllStringSubmatch(text, -1) {
			caps := map[string]bool{}
			for c := range strings.SplitSeq(m[2], ",") {
				caps[strings.Trim(strings.TrimSpace(c), `"`)] = true
			}
			rules = append(rules, fakeRule{path: m[1], caps: caps})
		}
		f.policies[strings.TrimPrefix(path, "sys/policies/acl/")] = rules
		writeVault(w, http.StatusNoContent, nil)
	case strings.HasPrefix(path, "sys/mounts/") && write:
		mount := strings.TrimPrefix(path, "sys/mounts/")
		opts, _ := body["options"].(map[string]any)
		if body["type"] != "kv" || opts["version"] != "2" {
			vaultErrors(w, http.StatusBadRequest, "this fake mounts KV v2 only")
			return
		}
		f.kv[mount] = map[string][]fakeVersion{}
		writeVault(w, http.StatusNoContent, nil)
	case path == "sys/auth/approle" && write:
		f.approle = true
		writeVault(w, http.StatusNoContent, nil)
	case strings.HasPrefix(path, "auth/approle/role/"):
		f.roleAPI(w, r, strings.TrimPrefix(path, "auth/approle/role/"), body)
	default:
		f.kvAPI(w, r, path, body)
	}
}

func (f *fakeVault) issue(w http.ResponseWriter, id string, t *fakeToken) {
	if t.ttl > 0 {
		t.expires = t.issued.Add(t.ttl)
	}
	f.tokens[id] = t
	writeVault(w, http.StatusOK, map[string]any{"auth": map[string]any{
		"client_token": id, "accessor": fakeID(), "policies": append([]string{"default"}, t.policies...),
		"lease_duration": int(t.ttl.Seconds()), "renewable": t.renewable,
	}})
}

// renew extends the lease by its TTL, capped at the max TTL counted from
// issue, as Vault does (with a warning when capped).
func (f *fakeVault) renew(w http.ResponseWriter, id string, t *fakeToken) {
	now := time.Now()
	lease := t.ttl
	var warnings []string
	if t.maxTTL > 0 {
		if left := t.issued.Add(t.maxTTL).Sub(now); left < lease {
			lease = left.Truncate(time.Second)
			warnings = append(warnings, "TTL of \""+t.ttl.String()+"\" exceeded the effective max_ttl; TTL value is capped accordingly")
		}
	}
	if lease <= 0 {
		delete(f.tokens, id)
		vaultErrors(w, http.StatusForbidden, "permission denied")
		return
	}
	t.expires = now.Add(lease)
	writeVault(w, http.StatusOK, map[string]any{"warnings": warnings, "auth": map[string]any{
		"client_token": id, "lease_duration": int(lease.Seconds()), "renewable": t.renewable,
	}})
}

func (f *fakeVault) approleLogin(w http.ResponseWriter, body map[string]any) {
	if !f.approle {
		vaultErrors(w, http.StatusBadRequest, "no handler for route \"auth/approle/login\". route entry not found.")
		return
	}
	roleID, _ := body["role_id"].(string)
	secretID, _ := body["secret_id"].(string)
	if roleID == "" {
		vaultErrors(w, http.StatusBadRequest, "missing role_id")
		return
	}
	for _, role := range f.roles {
		if role.roleID == roleID && role.secretIDs[secretID] {
			f.issue(w, "hvs."+fakeID(), &fakeToken{
				policies: role.policies, issued: time.Now(), ttl: role.ttl, maxTTL: role.maxTTL, renewable: true,
			})
			return
		}
	}
	vaultErrors(w, http.StatusBadRequest, "invalid role or secret ID")
}

func (f *fakeVault) roleAPI(w http.ResponseWriter, r *http.Request, rest string, body map[string]any) {
	name, sub, _ := strings.Cut(rest, "/")
	role := f.roles[name]
	switch {
	case sub == "" && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		if role == nil {
			role = &fakeRole{roleID: fakeID(), secretIDs: map[string]bool{}}
			f.roles[name] = role
		}
		role.policies = policyList(body["token_policies"])
		role.ttl = parseTTL(body["token_ttl"])
		role.maxTTL = parseTTL(body["token_max_ttl"])
		writeVault(w, http.StatusNoContent, nil)
	case role == nil:
		vaultErrors(w, http.StatusNotFound)
	case sub == "role-id" && r.Method == http.MethodGet:
		writeVault(w, http.StatusOK, map[string]any{"data": map[string]any{"role_id": role.roleID}})
	case sub == "secret-id" && r.Method == http.MethodPost:
		id := fakeID()
		role.secretIDs[id] = true
		writeVault(w, http.StatusOK, map[string]any{"data": map[string]any{"secret_id": id, "secret_id_accessor": fakeID()}})
	default:
		vaultErrors(w, http.StatusMethodNotAllowed)
	}
}

func (f *fakeVault) kvAPI(w http.ResponseWriter, r *http.Request, path string, body map[string]any) {
	for mount, store := range f.kv {
		secretPath, ok := strings.CutPrefix(path, mount+"/data/")
		if !ok {
			continue
		}
		switch r.Method {
		case http.MethodGet:
			versions := store[secretPath]
			n := len(versions)
			if v := r.URL.Query().Get("version"); v != "" && v != "0" {
				n, _ = strconv.Atoi(v)
			}
			if n < 1 || n > len(versions) {
				vaultErrors(w, http.StatusNotFound)
				return
			}
			ver := versions[n-1]
			meta := map[string]any{
				"created_time": ver.created.Format(time.RFC3339Nano), "custom_metadata": nil,
				"deletion_time": "", "destroyed": false, "version": n,
			}
			if ver.deleted {
				meta["deletion_time"] = ver.created.Format(time.RFC3339Nano)
				writeVault(w, http.StatusNotFound, map[string]any{"data": map[string]any{"data": nil, "metadata": meta}})
				return
			}
			writeVault(w, http.StatusOK, map[string]any{
				"request_id": fakeID(), "lease_id": "", "renewable": false, "lease_duration": 0,
				"data": map[string]any{"data": ver.data, "metadata": meta}, "wrap_info": nil, "warnings": nil, "auth": nil,
			})
		case http.MethodPost, http.MethodPut:
			data, _ := body["data"].(map[string]any)
			if data == nil {
				vaultErrors(w, http.StatusBadRequest, "no data provided")
				return
			}
			store[secretPath] = append(store[secretPath], fakeVersion{data: data, created: time.Now()})
			writeVault(w, http.StatusOK, map[string]any{"data": map[string]any{"version": len(store[secretPath])}})
		case http.MethodDelete:
			if vs := store[secretPath]; len(vs) > 0 {
				vs[len(vs)-1].deleted = true
			}
			writeVault(w, http.StatusNoContent, nil)
		}
		return
	}
	vaultErrors(w, http.StatusNotFound, "no handler for route \""+path+"\". route entry not found.")
}

func (f *fakeVault) allowed(t *fakeToken, path, method string) bool {
	if t.root {
		return true
	}
	capability := map[string]string{
		http.MethodGet: "read", http.MethodPost: "update", http.MethodPut: "update", http.MethodDelete: "delete",
	}[method]
	for _, p := range t.policies {
		for _, rule := range f.policies[p] {
			match := rule.path == path
			if prefix, ok := strings.CutSuffix(rule.path, "*"); ok {
				match = strings.HasPrefix(path, prefix)
			}
			if match && (rule.caps[capability] || (capability == "update" && rule.caps["create"])) {
				return true
			}
		}
	}
	return false
}
