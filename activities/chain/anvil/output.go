package anvil

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
)

// tailLines is how much of anvil's output a start error quotes.
const tailLines = 20

// output turns anvil's stdout and stderr into log records, remembers the last
// lines for error messages, and hands every line to onLine (which finds the
// "Listening on" address).
type output struct {
	logger *slog.Logger
	onLine func(string)

	mu   sync.Mutex
	tail []string
}

func (o *output) writer(stream string, level slog.Level) *lineWriter {
	return &lineWriter{out: o, stream: stream, level: level}
}

func (o *output) line(stream string, level slog.Level, line string) {
	line = strings.TrimRight(line, "\r ")
	if strings.TrimSpace(line) == "" {
		return
	}
	o.mu.Lock()
	o.tail = append(o.tail, line)
	if len(o.tail) > tailLines {
		o.tail = o.tail[len(o.tail)-tailLines:]
	}
	o.mu.Unlock()
	o.logger.Log(context.Background(), level, "anvil output", "stream", stream, "line", line)
	if o.onLine != nil {
		o.onLine(line)
	}
}

// Tail answers the last lines anvil wrote, for quoting in errors.
func (o *output) Tail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.tail, "\n")
}

// lineWriter splits one stream into lines. exec.Cmd copies each stream from
// a single goroutine, so a lineWriter needs no lock of its own.
type lineWriter struct {
	out     *output
	stream  string
	level   slog.Level
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
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
	// Bound a line without a newline so a misbehaving child cannot grow it
	// without limit.
	if len(w.partial)+len(p) > 64<<10 {
		w.out.line(w.stream, w.level, string(append(w.partial, p...)))
		w.partial = w.partial[:0]
		return n, nil
	}
	w.partial = append(w.partial, p...)
	return n, nil
}
