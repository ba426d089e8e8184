package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"connectrpc.com/vanguard"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// strictUnmarshal refuses unknown fields: connect-go and vanguard discard
// them by default, which turns a client's typo ("emial") into a silently
// empty field and a confusing validation error, or worse, a default applied
// where the client asked for something else.
var strictUnmarshal = protojson.UnmarshalOptions{DiscardUnknown: false}

// jsonCodec is the Connect JSON codec with unknown fields refused. Connect
// registers JSON under two names; both are replaced.
type jsonCodec struct{ name string }

var _ connect.Codec = jsonCodec{}

func (c jsonCodec) Name() string { return c.name }

func (c jsonCodec) Marshal(msg any) ([]byte, error) {
	return c.MarshalAppend(nil, msg)
}

func (c jsonCodec) MarshalAppend(dst []byte, msg any) ([]byte, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("marshal %T: not a proto.Message", msg)
	}
	return protojson.MarshalOptions{}.MarshalAppend(dst, m)
}

// MarshalStable is used for Connect GET requests built by clients; servers
// only need it to satisfy connect.StableCodec.
func (c jsonCodec) MarshalStable(msg any) ([]byte, error) {
	data, err := c.Marshal(msg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return nil, fmt.Errorf("compact JSON: %w", err)
	}
	return buf.Bytes(), nil
}

func (c jsonCodec) IsBinary() bool { return false }

// Unmarshal treats an empty body as an empty message, as REST and
// grpc-gateway do, so `curl -X POST` of an RPC without fields just works.
func (c jsonCodec) Unmarshal(data []byte, msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return fmt.Errorf("unmarshal into %T: not a proto.Message", msg)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		proto.Reset(m)
		return nil
	}
	if !utf8.Valid(data) {
		return errNotUTF8
	}
	if err := strictUnmarshal.Unmarshal(data, m); err != nil {
		return badJSON(err)
	}
	return nil
}

// restCodec is vanguard's JSON codec for REST with unknown fields refused and
// decode failures reported as invalid_argument: vanguard turns any other
// error into 502, which is wrong for a bad request.
type restCodec struct{ vanguard.JSONCodec }

func newRESTCodec(res vanguard.TypeResolver) vanguard.Codec {
	c := vanguard.NewJSONCodec(res)
	c.UnmarshalOptions.DiscardUnknown = false
	return restCodec{*c}
}

func (c restCodec) Unmarshal(data []byte, msg proto.Message) error {
	if !utf8.Valid(data) {
		return connect.NewError(connect.CodeInvalidArgument, errNotUTF8)
	}
	if err := c.JSONCodec.Unmarshal(data, msg); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, badJSON(err))
	}
	return nil
}

// MarshalAppend encodes answers, and error answers whose message is not
// UTF-8 too: the transcoder words some refusals of a query or path parameter
// with the parameter's raw bytes ("unknown enum: \xff"), and protojson
// refuses to encode such a message, which vanguard then answers as an
// internal error ("failed to marshal end error").
func (c restCodec) MarshalAppend(dst []byte, msg proto.Message) ([]byte, error) {
	out, err := c.JSONCodec.MarshalAppend(dst, msg)
	if err == nil || msg.ProtoReflect().Descriptor().FullName() != "google.rpc.Status" {
		return out, err
	}
	m := proto.Clone(msg).ProtoReflect()
	fd := m.Descriptor().Fields().ByName("message")
	if fd == nil || fd.Kind() != protoreflect.StringKind {
		return out, err
	}
	m.Set(fd, protoreflect.ValueOfString(strings.ToValidUTF8(m.Get(fd).String(), "\uFFFD")))
	return c.JSONCodec.MarshalAppend(dst, m.Interface())
}

func (c restCodec) UnmarshalField(data []byte, msg proto.Message, field protoreflect.FieldDescriptor) error {
	if err := c.JSONCodec.UnmarshalField(data, msg, field); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, badJSON(err))
	}
	return nil
}

// errBadJSON marks a request body that is not valid JSON for its message.
var errBadJSON = errors.New("invalid JSON request body")

// errNotUTF8 is a body that is not UTF-8, as JSON must be (RFC 8259). It is
// refused before decoding so that the answer says so plainly: the decoder's
// own error quotes the offending bytes, and an error message that is not
// UTF-8 cannot be encoded as a JSON error answer at all (vanguard then
// answers "failed to marshal end error" as an internal error).
var errNotUTF8 = fmt.Errorf("%w: invalid UTF-8 (JSON must be UTF-8)", errBadJSON)

// badJSON words a protojson error for a client: protojson prefixes every
// message with "proto:", which says nothing to a REST user, and quotes
// what it could not parse, which may be bytes that are not UTF-8 (a query
// parameter's value, say); those become U+FFFD so the answer stays
// encodable.
func badJSON(err error) error {
	msg := strings.TrimPrefix(err.Error(), "proto:")
	msg = strings.TrimSpace(strings.ReplaceAll(msg, "\u00a0", " "))
	return fmt.Errorf("%w: %s", errBadJSON, strings.ToValidUTF8(msg, "\uFFFD"))
}
