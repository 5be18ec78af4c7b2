package app

import (
	"net/http"
	"runtime"
)

// maxInFlight is how many requests of one kind — reads, or writes — the server works on at
// once; the rest wait for a turn, connected and not yet read. Past a few requests per core
// more concurrency buys no throughput — SQLite has one writer and the CPU is shared — but
// every request being worked on holds its decoded body, form and response: under 3,000
// connections that was most of the server's memory, and the garbage collector's work grew
// with it.
func maxInFlight() int { return 64 * runtime.GOMAXPROCS(0) }

// limitInFlight lets at most n reads (GET, HEAD) and n other requests into h at a time. Reads
// take their turns apart from writes, so that a portal page is not queued behind
// applications waiting for the single writer. A request waits for its turn until its client
// goes away; it is never refused, so a burst is queued rather than failed.
func limitInFlight(h http.Handler, n int) http.Handler {
	reads, writes := make(chan struct{}, n), make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		turns := writes
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			turns = reads
		}
		select {
		case turns <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-turns }()
		h.ServeHTTP(w, r)
	})
}
