package server

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// fuzzRoute is one route of the API. unimplemented names the message an
// answer of "unimplemented" must carry there; empty means the route is
// implemented and must never answer unimplemented (HTTP 501).
type fuzzRoute struct {
	method, path  string
	unimplemented string
	// valid is a body the route accepts, seeding the corpus.
	valid string
}

// notYet is the answer of a capability the server has no backend for
// (compile without a compiler, the feed without its handler); notWired
// that of a service the server was built without (connect-go's generated
// unimplemented handlers).
const (
	notYet   = "is not available yet: it arrives with the "
	notWired = "is not implemented"
)

var fuzzRoutes = []fuzzRoute{
	// REST
	{"POST", "/api/v1/auth/register", notWired, `{"email":"ada@example.com","password":"correct horse battery"}`},
	{"POST", "/api/v1/auth/login", notWired, `{"email":"ada@example.com","password":"x"}`},
	{"POST", "/api/v1/auth/refresh", notWired, `{"refreshToken":"t"}`},
	{"POST", "/api/v1/auth/logout", notWired, `{"refresh_token":"t"}`},
	{"GET", "/api/v1/me", notWired, ``},
	{"POST", "/api/v1/api-keys", notWired, `{"name":"ci"}`},
	{"GET", "/api/v1/api-keys", notWired, ``},
	{"DELETE", "/api/v1/api-keys/" + testUUID, notWired, ``},
	{"DELETE", "/api/v1/api-keys/not-a-uuid", notWired, ``},
	{"POST", "/api/v1/contracts/generate", "", `{"template":{"kind":"ERC20","name":"MyToken","symbol":"MTK","options":{"premint":"1000","mintable":true}}}`},
	{"POST", "/api/v1/contracts/compile", notYet, `{"source":"contract C {}","optimizer":{"enabled":true,"runs":200}}`},
	{"POST", "/api/v1/contracts/audit", notYet, `{"sources":{"C.sol":"contract C {}"}}`},
	{"POST", "/api/v1/contracts/deploy", notWired, `{"network":"dev","template":{"kind":"ERC20","name":"T"},"constructorArgs":["0x0000000000000000000000000000000000000001",1,true,[1,"2"]],"idempotencyKey":"k1"}`},
	{"GET", "/api/v1/deployments", notWired, ``},
	{"GET", "/api/v1/deployments/" + testUUID, notWired, ``},
	{"POST", "/api/v1/deployments/" + testUUID + "/cancel", notWired, ``},
	{"GET", "/api/v1/deployments/" + testUUID + "/updates", notYet, ``},
	{"POST", "/api/v1/deployments/" + testUUID + "/approve", notWired, `{"comment":"reviewed"}`},
	{"POST", "/api/v1/deployments/" + testUUID + "/reject", notWired, `{"comment":"no"}`},
	{"GET", "/api/v1/approvals", notWired, ``},
	{"POST", "/api/v1/deployments/" + testUUID + "/upgrade", notWired, `{"source":"contract C {}","contractName":"C","callData":"0x8129fc1c"}`},
	{"GET", "/api/v1/deployments/" + testUUID + "/provenance", notWired, ``},
	{"POST", "/api/v1/users/" + testUUID + "/role", notWired, `{"role":"approver"}`},
	{"GET", "/api/v1/networks", "", ``},
	{"GET", "/api/v1/nothing", "", ``},
	// Connect, gRPC and gRPC-Web
	{"POST", "/slipway.v1.AuthService/Register", notWired, `{"email":"ada@example.com","password":"correct horse battery"}`},
	{"POST", "/slipway.v1.AuthService/Login", notWired, `{"email":"a","password":"b"}`},
	{"POST", "/slipway.v1.AuthService/Refresh", notWired, `{"refreshToken":"t"}`},
	{"POST", "/slipway.v1.AuthService/Logout", notWired, `{"refreshToken":"t"}`},
	{"POST", "/slipway.v1.AuthService/GetMe", notWired, `{}`},
	{"POST", "/slipway.v1.ApiKeyService/CreateApiKey", notWired, `{"name":"ci"}`},
	{"POST", "/slipway.v1.ApiKeyService/ListApiKeys", notWired, `{}`},
	{"POST", "/slipway.v1.ApiKeyService/DeleteApiKey", notWired, `{"id":"` + testUUID + `"}`},
	{"POST", "/slipway.v1.ContractService/GenerateContract", "", `{"template":{"kind":"ERC721","name":"Art"}}`},
	{"POST", "/slipway.v1.ContractService/CompileContract", notYet, `{"source":"contract C {}"}`},
	{"POST", "/slipway.v1.ContractService/AuditContract", notYet, `{"source":"contract C {}"}`},
	{"POST", "/slipway.v1.DeploymentService/CreateDeployment", notWired, `{"network":"dev","source":"contract C {}","contractName":"C"}`},
	{"POST", "/slipway.v1.DeploymentService/ListDeployments", notWired, `{"pageSize":5}`},
	{"POST", "/slipway.v1.DeploymentService/GetDeployment", notWired, `{"id":"` + testUUID + `"}`},
	{"POST", "/slipway.v1.DeploymentService/CancelDeployment", notWired, `{"id":"` + testUUID + `"}`},
	{"POST", "/slipway.v1.DeploymentService/WatchDeployment", notWired, `{"id":"` + testUUID + `","afterSeq":2}`},
	{"POST", "/slipway.v1.DeploymentService/ApproveDeployment", notWired, `{"id":"` + testUUID + `","comment":"ok"}`},
	{"POST", "/slipway.v1.DeploymentService/ListApprovals", notWired, `{"pageSize":5}`},
	{"POST", "/slipway.v1.DeploymentService/UpgradeDeployment", notWired, `{"id":"` + testUUID + `","template":{"kind":"ERC20","name":"T","options":{"upgradeable":"uups"}}}`},
	{"POST", "/slipway.v1.DeploymentService/GetProvenance", notWired, `{"id":"` + testUUID + `"}`},
	{"POST", "/slipway.v1.UserService/SetUserRole", notWired, `{"email":"ada@example.com","role":"admin"}`},
	{"POST", "/slipway.v1.NetworkService/ListNetworks", "", `{}`},
	{"GET", "/slipway.v1.NetworkService/ListNetworks", "", ``},
	{"POST", "/slipway.v1.NetworkService/Nothing", "", `{}`},
	{"POST", "/grpc.health.v1.Health/Check", "", `{"service":""}`},
	{"POST", "/grpc.health.v1.Health/Watch", "watching health state is not supported", `{}`},
	// Probes
	{"GET", "/healthz", "", ``},
	{"GET", "/readyz", "", ``},
	{"GET", "/metrics", "", ``},
	{"POST", "/healthz", "", ``},
	{"OPTIONS", "/api/v1/networks", "", ``},
}

var fuzzContentTypes = []string{
	"application/json",
	"application/json; charset=utf-8",
	"application/proto",
	"application/grpc",
	"application/grpc+proto",
	"application/grpc+json",
	"application/grpc-web",
	"application/grpc-web+json",
	"application/grpc-web-text",
	"application/connect+json",
	"application/connect+proto",
	"text/plain",
	"",
	"multipart/form-data; boundary=x",
	"application/json; charset=latin1",
}

// envelope frames msg as gRPC, gRPC-Web and Connect streaming do.
func envelope(flags byte, msg []byte) []byte {
	out := make([]byte, 5, 5+len(msg))
	out[0] = flags
	binary.BigEndian.PutUint32(out[1:], uint32(len(msg)))
	return append(out, msg...)
}

// seedRoute answers the fuzz input that selects the route method path, so
// that a seed names its route and keeps it when routes are added before it.
func seedRoute(f *testing.F, method, path string) uint8 {
	for i, r := range fuzzRoutes {
		if r.method == method && r.path == path {
			return uint8(i)
		}
	}
	f.Fatalf("no fuzz route %s %s", method, path)
	return 0
}

// seedContentType answers the fuzz input that selects content type ct.
func seedContentType(f *testing.F, ct string) uint8 {
	for i, c := range fuzzContentTypes {
		if c == ct {
			return uint8(i)
		}
	}
	f.Fatalf("no fuzz content type %q", ct)
	return 0
}

func FuzzHTTP(f *testing.F) {
	h, err := New(Config{Networks: testNetworks, AllowedOrigins: []string{allowedOrigin}}, Deps{
		Logger:   slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(),
	})
	if err != nil {
		f.Fatal(err)
	}
	binaryRegister, _ := proto.Marshal(&slipwayv1.RegisterRequest{Email: "ada@example.com", Password: "correct horse battery"})
	if len(fuzzRoutes) > 256 || len(fuzzContentTypes) > 256 {
		f.Fatal("a uint8 no longer selects every route and content type")
	}
	jsonCT, noCT := seedContentType(f, "application/json"), seedContentType(f, "")
	for i, r := range fuzzRoutes {
		route := uint8(i)
		for ct := range fuzzContentTypes {
			if ct > 10 && i%3 != 0 {
				continue
			}
			body := []byte(r.valid)
			switch {
			case strings.HasPrefix(fuzzContentTypes[ct], "application/grpc"), strings.HasPrefix(fuzzContentTypes[ct], "application/connect+"):
				body = envelope(0, body)
			}
			f.Add(route, uint8(ct), uint8(0), body, "", "")
			f.Add(route, uint8(ct), uint8(1), body, "pageSize=3&status=DEPLOYMENT_STATUS_FAILED", "trace-1")
		}
		for _, bad := range []string{`{`, `{"email":1e400}`, "{\"name\":\"\xff\"}", `{"unknown":true}`, `[]`, `null`, `{"pageSize":99999999999999999999}`, `{"template":{"kind":7}}`} {
			f.Add(route, jsonCT, uint8(0), []byte(bad), "", strings.Repeat("x", 200))
		}
		// Text Postgres refuses, in every string of the valid body (a NUL
		// byte, which is valid JSON and UTF-8, and invalid UTF-8), after
		// the body, and in query parameters.
		for _, text := range []string{`\u0000`, "\xff", "\xc3\x28"} {
			for _, body := range spliceStrings(r.valid, text) {
				f.Add(route, jsonCT, uint8(0), []byte(body), "", "")
				f.Add(route, seedContentType(f, "application/grpc-web-text"), uint8(4), envelope(0, []byte(body)), "", "")
			}
		}
		f.Add(route, jsonCT, uint8(0), []byte(r.valid+"\xff"), "", "")
		f.Add(route, noCT, uint8(0), []byte{}, "pageToken=%00", "nul\x00id")
		f.Add(route, noCT, uint8(0), []byte{}, "status=%FF", "")
		f.Add(route, noCT, uint8(0), []byte{}, "pageToken=%FF", "")
	}
	register := seedRoute(f, "POST", "/slipway.v1.AuthService/Register")
	protoCT, grpcCT := seedContentType(f, "application/proto"), seedContentType(f, "application/grpc")
	badBinary := bytes.Replace(binaryRegister, []byte("ada@example.com"), []byte("ada\xff@example.co"), 1)
	f.Add(register, protoCT, uint8(0), badBinary, "", "")
	f.Add(register, grpcCT, uint8(1), envelope(0, badBinary), "", "")
	f.Add(register, protoCT, uint8(0), binaryRegister, "", "")
	f.Add(register, grpcCT, uint8(1), envelope(0, binaryRegister), "", "")
	f.Add(register, grpcCT, uint8(1), envelope(1, binaryRegister), "", "") // compressed flag, no encoding
	connectGet := seedRoute(f, "GET", "/slipway.v1.NetworkService/ListNetworks")
	f.Add(connectGet, jsonCT, uint8(0), []byte{}, "encoding=json&message=%7B%7D", "")
	f.Add(connectGet, jsonCT, uint8(0), []byte{}, "encoding=proto&base64=1&message=!!", "")
	f.Add(seedRoute(f, "GET", "/api/v1/networks"), noCT, uint8(0), []byte{}, "foo=bar&pageSize=x", "")

	f.Fuzz(func(t *testing.T, route, ct, flags uint8, body []byte, query, requestID string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		contentType := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]
		req := httptest.NewRequest(r.method, "/", bytes.NewReader(body))
		req.URL.Path, req.URL.RawQuery = r.path, query
		req.RequestURI = req.URL.RequestURI()
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if flags&1 != 0 {
			req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/2.0", 2, 0
		}
		if flags&2 != 0 {
			req.ContentLength = -1 // as a chunked upload
		}
		if flags&4 != 0 {
			req.Header.Set("Origin", allowedOrigin)
		}
		if requestID != "" {
			req.Header.Set(RequestIDHeader, requestID)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		answer := rec.Body.Bytes()

		id := res.Header.Get(RequestIDHeader)
		if !saneRequestID(id) || (saneRequestID(requestID) && id != requestID) {
			t.Fatalf("request id %q answered for %q", id, requestID)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s %s: security headers missing", r.method, r.path)
		}

		status := res.StatusCode
		switch {
		case status == http.StatusNotImplemented:
			if r.unimplemented == "" || !bytes.Contains(answer, []byte(r.unimplemented)) {
				t.Fatalf("%s %s (%s): 501 from a route that is not unimplemented on purpose: %s", r.method, r.path, contentType, answer)
			}
		case status >= 500:
			t.Fatalf("%s %s (%s) body %q: answered %d: %s", r.method, r.path, contentType, body, status, answer)
		case status >= 400:
			if !json.Valid(answer) || !bytes.Contains(answer, []byte(`"message"`)) {
				t.Fatalf("%s %s (%s): %d without a JSON error message: %q", r.method, r.path, contentType, status, answer)
			}
			// An error answer that could not be encoded (its message
			// quoting bytes that are not UTF-8) arrives as this.
			if bytes.Contains(answer, []byte("failed to marshal")) || bytes.Contains(answer, []byte(`"code":13`)) {
				t.Fatalf("%s %s (%s) body %q: %d with an internal error: %s", r.method, r.path, contentType, body, status, answer)
			}
		}

		// RPC protocols answer 200 and carry the outcome in trailers or an
		// end-of-stream message: the same rules hold for those codes.
		code, msg, found := rpcOutcome(res, answer)
		if !found {
			return
		}
		switch code {
		case connect.CodeInternal, connect.CodeUnknown, connect.CodeDataLoss:
			t.Fatalf("%s %s (%s) body %q: %s: %s", r.method, r.path, contentType, body, code, msg)
		case connect.CodeUnimplemented:
			// gRPC's rule for a unary call without exactly one message is
			// unimplemented; connect-go follows it.
			cardinality := strings.Contains(msg, "zero messages") || strings.Contains(msg, "multiple messages") ||
				strings.Contains(msg, "unexpected") || strings.HasPrefix(msg, "no such procedure")
			if !cardinality && (r.unimplemented == "" || !strings.Contains(msg, r.unimplemented)) {
				t.Fatalf("%s %s (%s): unimplemented from a route that is not unimplemented on purpose: %s", r.method, r.path, contentType, msg)
			}
		}
	})
}

// spliceStrings answers body once per JSON string in it (keys and values),
// with text added at that string's end.
func spliceStrings(body, text string) []string {
	var out []string
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		end := strings.IndexByte(body[i+1:], '"')
		if end < 0 {
			break
		}
		end += i + 1
		out = append(out, body[:end]+text+body[end:])
		i = end
	}
	return out
}

// rpcOutcome finds the RPC status of a gRPC, gRPC-Web or Connect streaming
// answer.
func rpcOutcome(res *http.Response, body []byte) (connect.Code, string, bool) {
	for _, h := range []http.Header{res.Header, res.Trailer} {
		if v := h.Get("Grpc-Status"); v != "" {
			n, _ := strconv.Atoi(v)
			return connect.Code(n), h.Get("Grpc-Message"), true
		}
	}
	ct := res.Header.Get("Content-Type")
	for len(body) >= 5 {
		flags, n := body[0], binary.BigEndian.Uint32(body[1:5])
		if uint64(len(body)-5) < uint64(n) {
			break
		}
		frame := body[5 : 5+n]
		body = body[5+n:]
		switch {
		case strings.HasPrefix(ct, "application/grpc-web") && flags&0x80 != 0:
			var code connect.Code
			var msg string
			for _, line := range strings.Split(string(frame), "\r\n") {
				k, v, _ := strings.Cut(line, ":")
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "grpc-status":
					n, _ := strconv.Atoi(strings.TrimSpace(v))
					code = connect.Code(n)
				case "grpc-message":
					msg = strings.TrimSpace(v)
				}
			}
			return code, msg, true
		case strings.HasPrefix(ct, "application/connect+") && flags&0x02 != 0:
			var end struct {
				Error *struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal(frame, &end) != nil {
				return connect.CodeDataLoss, "unparseable end of stream: " + string(frame), true
			}
			if end.Error == nil {
				return 0, "", true
			}
			var code connect.Code
			if err := code.UnmarshalText([]byte(end.Error.Code)); err != nil {
				return connect.CodeDataLoss, "unknown code " + end.Error.Code, true
			}
			return code, end.Error.Message, true
		}
	}
	return 0, "", false
}
