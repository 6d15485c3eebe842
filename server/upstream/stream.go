package upstream

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"playground/server/httperr"
)

// errStreamClosed is returned to the proxy's writes after the server ended a stream.
var errStreamClosed = errors.New("stream ended by the server")

// Stream sits between the proxy and the browser for one model call. Once the response turns
// out to be an event stream it writes a comment line (": ping") whenever nothing was written for
// keepAlive, so that idle-timeout proxies between the browser and the server do not cut a stream
// while the model thinks; and End writes a final error event and refuses further writes, so a
// stream the server ends (at shutdown) ends cleanly rather than breaking off.
type Stream struct {
	http.ResponseWriter
	// KeepReading, when set, makes writes that fail (the client went away) and those after them
	// succeed without writing, so that the proxy reads the answer to its end for the meter.
	KeepReading bool
	keepAlive   time.Duration
	gone        bool // a write failed with KeepReading set

	mu        sync.Mutex
	sse       bool
	closed    bool
	lastWrite time.Time
	stop      chan struct{}
	stopOnce  sync.Once
}

// NewStream wraps w for one model call; keepAlive 0 disables the pings.
func NewStream(w http.ResponseWriter, keepAlive time.Duration) *Stream {
	return &Stream{ResponseWriter: w, keepAlive: keepAlive, stop: make(chan struct{})}
}

// WriteHeader starts the keep-alive pings when the response is an event stream.
func (w *Stream) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.sse = strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream")
	w.lastWrite = time.Now()
	w.ResponseWriter.WriteHeader(code)
	if w.sse && w.keepAlive > 0 {
		go w.ping()
	}
}

// Write writes b unless the server ended the stream.
func (w *Stream) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, errStreamClosed
	}
	if w.gone {
		return len(b), nil
	}
	w.lastWrite = time.Now()
	n, err := w.ResponseWriter.Write(b)
	if err != nil && w.KeepReading {
		w.gone = true
		return len(b), nil
	}
	return n, err
}

// Flush sends what was written so far.
func (w *Stream) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed && !w.gone {
		if err := http.NewResponseController(w.ResponseWriter).Flush(); err != nil && w.KeepReading {
			w.gone = true
		}
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flushing).
func (w *Stream) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *Stream) ping() {
	t := time.NewTicker(w.keepAlive / 2)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			w.mu.Lock()
			if !w.closed && now.Sub(w.lastWrite) >= w.keepAlive {
				if _, err := io.WriteString(w.ResponseWriter, ": ping\n\n"); err == nil {
					_ = http.NewResponseController(w.ResponseWriter).Flush()
				}
				w.lastWrite = now
			}
			w.mu.Unlock()
		}
	}
}

// End closes the stream from the server's side: an event stream gets a final error event with
// e; nothing more is written after it.
func (w *Stream) End(e *httperr.Error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	if w.sse {
		_, _ = w.ResponseWriter.Write(httperr.Event(e))
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
	w.closed = true
}

// Done stops the pings and any later write; the handler calls it before it returns, since the
// connection must not be touched after that. It waits for a ping being written.
func (w *Stream) Done() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.stopOnce.Do(func() { close(w.stop) })
}
