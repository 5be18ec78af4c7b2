package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"runtime"
	"time"
)

// maxInFlight is how many requests of one kind — reads, or writes — the server works on at
// once; the rest wait for a turn, connected and not yet read. Past a few requests per core
// more concurrency buys no throughput — SQLite has one writer and the CPU is shared — but
// every request being worked on holds its decoded body, form and response: under 3,000
// connections that was most of the server's memory, and the garbage collector's work grew
// with it.
func maxInFlight() int { return 64 * runtime.GOMAXPROCS(0) }

const (
	// bodyInMemory is how much of a body waiting for its turn is kept in memory; the rest is
	// spooled to a file. Sign-ins and applications fit; thousands of waiting clients then
	// hold at most this much each.
	bodyInMemory = 64 << 10
	// largeBodyTimeout is how long a body too large for memory (a form with its files) may
	// take to arrive: the server's ReadTimeout is for everything else.
	largeBodyTimeout = 10 * time.Minute
	// maxHold bounds how long one request holds its turn: its context ends then, and its
	// answer must be written by then, so that a client that does not read its answer frees
	// the turn too.
	maxHold = 30 * time.Second
)

// inFlight lets at most a fixed number of reads (GET, HEAD) and as many other requests into
// the handlers it limits at a time. Reads take their turns apart from writes, so that a portal
// page is not queued behind applications waiting for the single writer. A request waits for its
// turn until its client goes away; it is never refused, so a burst is queued rather than
// failed. A body is read whole before its request waits for a turn: a client sending slowly
// holds a connection, never a turn.
type inFlight struct {
	reads, writes chan struct{}
	// spool is the folder of bodies larger than bodyInMemory.
	spool string
}

func newInFlight(n int, spool string) *inFlight {
	return &inFlight{reads: make(chan struct{}, n), writes: make(chan struct{}, n), spool: spool}
}

// limit is h with its requests in their turns; maxBody bounds any body read ahead, h its own
// routes' bodies.
func (l *inFlight) limit(h http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { l.serve(w, r, maxBody, h.ServeHTTP) })
}

// serve reads r's body (up to maxBody), waits for a turn and runs next in it.
func (l *inFlight) serve(w http.ResponseWriter, r *http.Request, maxBody int64, next http.HandlerFunc) {
	turns := l.writes
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		turns = l.reads
	}
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		body, err := l.readAhead(w, r, maxBody)
		if err != nil {
			// The client stopped sending, or took longer than the server's read timeout.
			http.Error(w, "请求内容未能完整读取", http.StatusBadRequest)
			return
		}
		defer body.Close()
		r.Body = body
	}
	select {
	case turns <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	defer func() { <-turns }()
	// Not every writer supports a deadline (a recorder in tests): the context still ends.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(maxHold))
	ctx, cancel := context.WithTimeout(r.Context(), maxHold)
	defer cancel()
	next(w, r.WithContext(ctx))
}

// readAhead reads r's body: in memory when small, else into a spool file removed when the
// returned body is closed. A body over maxBody is not read: the handler reading it gets the
// *http.MaxBytesError it answers in its own shape.
func (l *inFlight) readAhead(w http.ResponseWriter, r *http.Request, maxBody int64) (io.ReadCloser, error) {
	if r.ContentLength > maxBody {
		return tooLarge{&http.MaxBytesError{Limit: maxBody}}, nil
	}
	src := http.MaxBytesReader(w, r.Body, maxBody)
	if r.ContentLength > 0 && r.ContentLength <= bodyInMemory {
		buf := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(src, buf); err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(buf)), nil
	}
	var head bytes.Buffer
	if _, err := head.ReadFrom(io.LimitReader(src, bodyInMemory+1)); err != nil {
		return nil, err
	}
	if head.Len() <= bodyInMemory {
		return io.NopCloser(&head), nil
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(largeBodyTimeout))
	f, err := os.CreateTemp(l.spool, "body-*")
	if err != nil {
		return nil, err
	}
	spooled := &spooledBody{f}
	_, err = io.Copy(f, io.MultiReader(&head, src))
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over):
		spooled.Close()
		return tooLarge{over}, nil
	case err != nil:
		spooled.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		spooled.Close()
		return nil, err
	}
	return spooled, nil
}

// spooledBody is a body read ahead into a file; closing it removes the file.
type spooledBody struct{ *os.File }

func (b *spooledBody) Close() error {
	return errors.Join(b.File.Close(), os.Remove(b.Name()))
}

// tooLarge is the body of a request over the limit: reading it fails as http.MaxBytesReader's
// would.
type tooLarge struct{ err *http.MaxBytesError }

func (t tooLarge) Read([]byte) (int, error) { return 0, t.err }
func (tooLarge) Close() error               { return nil }
