package load

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Process is what /proc tells of a process over the run: its memory and the CPU it used.
type Process struct {
	PID int `json:"pid"`
	// PeakRSSMB is VmHWM at the end of the run: the most resident memory the process ever had,
	// start-up included.
	PeakRSSMB float64 `json:"peakRssMB"`
	// MaxRSSMB is the largest VmRSS seen while sampling during the run; StartRSSMB and EndRSSMB
	// are the first and last samples.
	MaxRSSMB   float64 `json:"maxRssMB"`
	StartRSSMB float64 `json:"startRssMB"`
	EndRSSMB   float64 `json:"endRssMB"`
	// CPUSeconds is user plus system time spent during the run; CPUCores is that over the
	// run's wall time (2.0 is both cores of a 2-core machine, busy all along).
	CPUSeconds float64 `json:"cpuSeconds"`
	CPUCores   float64 `json:"cpuCores"`
}

// procSample is one reading of /proc/PID.
type procSample struct {
	rssKB, hwmKB int64
	cpu          time.Duration
}

// readProc reads a process's resident memory (VmRSS, VmHWM) and CPU time from /proc.
func readProc(pid int) (procSample, error) {
	var s procSample
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	lines := bufio.NewScanner(bytes.NewReader(status))
	for lines.Scan() {
		name, value, ok := strings.Cut(lines.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		switch name {
		case "VmRSS":
			s.rssKB, _ = strconv.ParseInt(fields[0], 10, 64)
		case "VmHWM":
			s.hwmKB, _ = strconv.ParseInt(fields[0], 10, 64)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name may hold spaces and parentheses: the fields start after the last ')'.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
		f := strings.Fields(string(stat[i+1:]))
		// utime and stime are fields 14 and 15 of stat, 12 and 13 after the name; in clock
		// ticks, which are 1/100 s on Linux.
		if len(f) > 12 {
			ut, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			s.cpu = time.Duration(ut+st) * 10 * time.Millisecond
		}
	}
	return s, nil
}

// procWatch samples a process until stopped.
type procWatch struct {
	pid         int
	first, last procSample
	maxRSS      int64
	stopc, done chan struct{}
}

func watchProc(pid int, every time.Duration) (*procWatch, error) {
	first, err := readProc(pid)
	if err != nil {
		return nil, err
	}
	w := &procWatch{pid: pid, first: first, last: first, maxRSS: first.rssKB, stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.stopc:
				return
			case <-t.C:
				w.sample()
			}
		}
	}()
	return w, nil
}

func (w *procWatch) sample() {
	s, err := readProc(w.pid)
	if err != nil {
		return
	}
	w.last = s
	w.maxRSS = max(w.maxRSS, s.rssKB)
}

// stop takes a last sample and returns the figures.
func (w *procWatch) stop(elapsed time.Duration) *Process {
	close(w.stopc)
	<-w.done
	w.sample()
	cpu := (w.last.cpu - w.first.cpu).Seconds()
	return &Process{PID: w.pid, PeakRSSMB: mb(w.last.hwmKB), MaxRSSMB: mb(w.maxRSS), StartRSSMB: mb(w.first.rssKB),
		EndRSSMB: mb(w.last.rssKB), CPUSeconds: cpu, CPUCores: cpu / elapsed.Seconds()}
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

// listenerPID finds the process listening on a local TCP port, through /proc/net/tcp{,6} and
// the processes' open sockets. It returns 0 when it cannot tell (another user's process, no
// /proc): the server's memory is then left out of the result.
func listenerPID(port int) int {
	inodes := map[string]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(raw), "\n") {
			f := strings.Fields(line)
			if i == 0 || len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil && int(p) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		fds, err := os.ReadDir(filepath.Join(p, "fd"))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if link, err := os.Readlink(filepath.Join(p, "fd", fd.Name())); err == nil && inodes[link] {
				pid, _ := strconv.Atoi(filepath.Base(p))
				return pid
			}
		}
	}
	return 0
}
