package main

import (
	"os"
	"runtime/debug"
)

// Defaults for the garbage collector of `tongban serve`, used unless GOGC or GOMEMLIMIT is set.
// With the default GOGC of 100 the collector ran whenever the heap had doubled — under the
// submit load about one CPU-second in ten. Letting the heap grow to five times what is live,
// but never past a soft limit, collects a third as often while keeping the server's memory
// within what the procurement allows (300 MB at 3,000 connections; SQLite's page caches and
// the connections' buffers come on top of the Go heap the limit covers).
const (
	serveGCPercent   = 400
	serveMemoryLimit = 200 << 20
)

func tuneGarbageCollector() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}
