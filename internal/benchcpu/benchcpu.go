// Package benchcpu measures benchmarks by the CPU time the process spends, which other work on a
// shared machine does not inflate as it does the wall time.
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Time is the CPU time this process has used, in user and system mode.
func Time() time.Duration {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// Report adds the CPU time used since start, per operation, to b's results as cpu-ns/op.
func Report(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((Time()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
