package apierr

import (
	"encoding/json"
	"net/http"
	"strconv"

	"connectrpc.com/connect"
)

// statusCodes pairs Connect codes with HTTP statuses as the Connect protocol
// and REST transcoding pair them, in one table read both ways: a code
// answers with the status of its first row (HTTPStatus), and a status reads
// as the code of its first row (CodeForHTTPStatus). So a later row of a code
// only classifies its status (408 is deadline_exceeded, which answers 504),
// and a later row of a status only gives its code a status
// (failed_precondition answers 400, which reads as invalid_argument).
var statusCodes = []struct {
	code   connect.Code
	status int
}{
	{connect.CodeCanceled, 499},
	{connect.CodeInvalidArgument, http.StatusBadRequest},
	{connect.CodeFailedPrecondition, http.StatusBadRequest},
	{connect.CodeOutOfRange, http.StatusBadRequest},
	{connect.CodeDeadlineExceeded, http.StatusGatewayTimeout},
	{connect.CodeDeadlineExceeded, http.StatusRequestTimeout},
	{connect.CodeNotFound, http.StatusNotFound},
	{connect.CodeAborted, http.StatusConflict},
	{connect.CodeAlreadyExists, http.StatusConflict},
	{connect.CodePermissionDenied, http.StatusForbidden},
	{connect.CodeResourceExhausted, http.StatusTooManyRequests},
	{connect.CodeResourceExhausted, http.StatusRequestEntityTooLarge},
	{connect.CodeResourceExhausted, http.StatusRequestHeaderFieldsTooLarge},
	{connect.CodeUnimplemented, http.StatusNotImplemented},
	{connect.CodeUnimplemented, http.StatusMethodNotAllowed},
	{connect.CodeUnavailable, http.StatusServiceUnavailable},
	{connect.CodeUnauthenticated, http.StatusUnauthorized},
}

// statusOfCode and codeOfStatus index statusCodes, first row first.
var statusOfCode, codeOfStatus = func() (map[connect.Code]int, map[int]connect.Code) {
	byCode, byStatus := map[connect.Code]int{}, map[int]connect.Code{}
	for _, r := range statusCodes {
		if _, ok := byCode[r.code]; !ok {
			byCode[r.code] = r.status
		}
		if _, ok := byStatus[r.status]; !ok {
			byStatus[r.status] = r.code
		}
	}
	return byCode, byStatus
}()

// HTTPStatus is the HTTP status of a Connect code, as the Connect protocol
// and REST transcoding define it; 500 for the codes that blame the server.
func HTTPStatus(c connect.Code) int {
	if s, ok := statusOfCode[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// CodeForHTTPStatus classifies an HTTP error status that something other
// than an RPC handler produced (router, transcoder, body limit): HTTPStatus
// the other way. rpcPath says the request addressed an RPC procedure, where
// a 404 means "no such method". Other 4xx statuses are the request's fault
// (invalid_argument), anything else the server's (internal).
func CodeForHTTPStatus(status int, rpcPath bool) connect.Code {
	if status == http.StatusNotFound && rpcPath {
		return connect.CodeUnimplemented
	}
	if c, ok := codeOfStatus[status]; ok {
		return c
	}
	if status >= 400 && status < 500 {
		return connect.CodeInvalidArgument
	}
	return connect.CodeInternal
}

// restStatus is the JSON error body of the REST API: google.rpc.Status, the
// shape the transcoder itself writes, so REST clients parse one shape.
type restStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// connectWireError is the JSON error body of the Connect protocol.
type connectWireError struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// WriteREST answers a REST request with status and a google.rpc.Status
// body carrying code and msg.
func WriteREST(w http.ResponseWriter, status int, code connect.Code, msg string) {
	body, _ := json.Marshal(restStatus{Code: int(code), Message: msg})
	writeJSON(w, status, body)
}

// WriteConnectUnary answers a Connect unary (or non-RPC) request with
// status and a Connect error body; the status stays what the caller chose
// (413, 415…) because Connect clients read the code from the body.
func WriteConnectUnary(w http.ResponseWriter, status int, code connect.Code, msg string) {
	body, _ := json.Marshal(connectWireError{Code: code.String(), Message: msg})
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Del("Content-Encoding")
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
