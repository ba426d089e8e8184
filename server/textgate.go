package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/slipway-dev/slipway/server/apierr"
)

// textGate is the one check that every string of every request is text
// Postgres can store, whatever the procedure, protocol or field: it walks
// the decoded message (strings, repeated strings, map keys and values, and
// nested messages, well-known types included) and refuses NUL bytes and
// invalid UTF-8, naming the field. Doing it once here, rather than in each
// handler or validation rule, means a new field or procedure cannot forget
// it. Binary protobuf already refuses invalid UTF-8 in proto3 strings, and
// JSON decoding too; the REST transcoder's path and query parameters and
// NUL bytes (valid UTF-8, and "\u0000" in JSON) get here.
//
// It is the innermost interceptor, so its error passes the error boundary.
type textGate struct{}

func (textGate) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if m, ok := req.Any().(proto.Message); ok && !req.Spec().IsClient {
			if err := checkText(m); err != nil {
				return nil, err
			}
		}
		return next(ctx, req)
	}
}

func (textGate) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (textGate) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return next(ctx, textCheckedConn{conn})
	}
}

// textCheckedConn checks each message a stream receives, which for
// streams happens inside the handler.
type textCheckedConn struct{ connect.StreamingHandlerConn }

func (c textCheckedConn) Receive(msg any) error {
	if err := c.StreamingHandlerConn.Receive(msg); err != nil {
		return err
	}
	if m, ok := msg.(proto.Message); ok {
		return checkText(m)
	}
	return nil
}

// checkText answers an apierr.ErrInvalidText error naming the first field of m
// whose text Postgres would refuse, or nil.
func checkText(m proto.Message) error {
	path, problem := walkText(m.ProtoReflect())
	if problem == "" {
		return nil
	}
	return fmt.Errorf("%w: %s: %s", apierr.ErrInvalidText, path, problem)
}

// textProblem says what is wrong with s, or "" when Postgres takes it.
func textProblem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain NUL bytes"
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	}
	return ""
}

// walkText finds the first bad string in m. The path (as protovalidate
// names fields: template.name, sources["a.sol"], args[2]) is built only on
// failure, so a clean message costs one pass and no allocation.
func walkText(m protoreflect.Message) (path, problem string) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := string(fd.Name())
		switch {
		case fd.IsMap():
			path, problem = walkMap(fd, v.Map())
			if problem != "" {
				path = name + path
			}
		case fd.IsList():
			list := v.List()
			for i := range list.Len() {
				if p, pr := walkValue(fd, list.Get(i)); pr != "" {
					path, problem = name+"["+strconv.Itoa(i)+"]"+p, pr
					break
				}
			}
		default:
			if p, pr := walkValue(fd, v); pr != "" {
				path, problem = name+p, pr
			}
		}
		return problem == ""
	})
	return path, problem
}

func walkMap(fd protoreflect.FieldDescriptor, mp protoreflect.Map) (path, problem string) {
	mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		key := k.String()
		if fd.MapKey().Kind() == protoreflect.StringKind {
			if pr := textProblem(key); pr != "" {
				path, problem = "", "keys "+pr
				return false
			}
		}
		if p, pr := walkValue(fd.MapValue(), v); pr != "" {
			path, problem = "["+strconv.Quote(key)+"]"+p, pr
		}
		return problem == ""
	})
	return path, problem
}

// walkValue checks one singular value of field fd: a string, or a message
// to descend into. The path it answers continues fd's (".name" or "").
func walkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) (path, problem string) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return "", textProblem(v.String())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		p, pr := walkText(v.Message())
		if pr != "" {
			return "." + p, pr
		}
	}
	return "", ""
}
