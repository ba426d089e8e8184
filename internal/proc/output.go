package proc

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
)

// maxLine bounds a line without a newline, so that a misbehaving child
// cannot grow one without limit.
const maxLine = 64 << 10

// Output turns a child's output into log records line by line, keeps its
// last lines for error messages (a child that fails to start is best
// explained by what it said last), and hands every line to OnLine (which
// may look for a "listening on" line). The dev stack's postgres and anvil
// and the test harness share it.
type Output struct {
	// Logger receives one record per line, with Msg and the stream's name.
	Logger *slog.Logger
	Msg    string
	// Keep is how many last lines Tail answers.
	Keep int
	// OnLine, when set, sees every non-blank line.
	OnLine func(string)

	mu   sync.Mutex
	tail []string
}

// Writer answers the io.Writer of one of the child's streams, whose lines
// are logged at level. Each stream needs its own: exec.Cmd copies a stream
// from a single goroutine, so a LineWriter has no lock of its own.
func (o *Output) Writer(stream string, level slog.Level) *LineWriter {
	return &LineWriter{out: o, stream: stream, level: level}
}

func (o *Output) line(stream string, level slog.Level, line string) {
	line = strings.TrimRight(line, "\r ")
	if strings.TrimSpace(line) == "" {
		return
	}
	o.mu.Lock()
	o.tail = append(o.tail, line)
	if len(o.tail) > o.Keep {
		o.tail = o.tail[len(o.tail)-o.Keep:]
	}
	o.mu.Unlock()
	if o.Logger != nil {
		o.Logger.Log(context.Background(), level, o.Msg, "stream", stream, "line", line)
	}
	if o.OnLine != nil {
		o.OnLine(line)
	}
}

// Tail answers the last lines the child wrote, oldest first.
func (o *Output) Tail() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.tail...)
}

// LineWriter splits one stream into lines for its Output.
type LineWriter struct {
	out     *Output
	stream  string
	level   slog.Level
	partial []byte
}

func (w *LineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		var line string
		if len(w.partial) > 0 {
			line = string(append(w.partial, p[:i]...))
			w.partial = w.partial[:0]
		} else {
			line = string(p[:i])
		}
		w.out.line(w.stream, w.level, line)
		p = p[i+1:]
	}
	if len(w.partial)+len(p) > maxLine {
		w.out.line(w.stream, w.level, string(append(w.partial, p...)))
		w.partial = w.partial[:0]
		return n, nil
	}
	w.partial = append(w.partial, p...)
	return n, nil
}

// Flush takes in a last line that had no newline; call it once the child
// has exited.
func (w *LineWriter) Flush() {
	if len(w.partial) > 0 {
		w.out.line(w.stream, w.level, string(w.partial))
		w.partial = nil
	}
}

// FreePort binds host:port (port 0: any free port) and releases it at once,
// answering the port. A child binds it itself afterwards, so another process
// can in principle take it in between: callers that can, retry then.
func FreePort(host string, port int) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
