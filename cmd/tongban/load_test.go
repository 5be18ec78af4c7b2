package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	loadtool "github.com/xuchang-gov/tongban/cmd/tongban/load"
	"github.com/xuchang-gov/tongban/examples"
)

// TestLoadScenariosAreSane starts the real binary on a fresh data folder and runs a small
// version of each scenario against it: the numbers must be sane — throughput, no errors (an
// approve run ends when its prepared cases are done), p99 under a generous bound, the server's
// memory read — not fast. The full run is scripts/load.sh and the commands in its header.
func TestLoadScenariosAreSane(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads it for a few seconds per scenario")
	}
	bin := filepath.Join(t.TempDir(), "tongban")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	srv := startServer(t, bin, data)
	creds := readCredentials(t, filepath.Join(data, app.DemoCredentialsFile))
	form, err := fs.ReadFile(examples.Bundle, "matters/food-business-license/sample.json")
	if err != nil {
		t.Fatal(err)
	}

	for _, scenario := range loadtool.Scenarios {
		t.Run(scenario, func(t *testing.T) {
			// An approval works a case through all five of its steps: give it time to finish
			// some even on a busy machine.
			duration := 2 * time.Second
			if scenario == loadtool.Approve {
				duration = 8 * time.Second
			}
			res, err := loadtool.Run(context.Background(), loadtool.Config{
				Target: srv.url, Scenario: scenario, Clients: 16, Duration: duration, Prepare: 60,
				Credentials: creds, Form: form, ServerPID: srv.cmd.Process.Pid,
			})
			if err != nil {
				t.Fatal(err)
			}
			var table strings.Builder
			loadtool.WriteTable(&table, res)
			t.Logf("\n%s", table.String())
			if problems := res.Check(loadtool.Checks{MaxErrors: 0, MaxP99: 5 * time.Second}); len(problems) > 0 {
				t.Errorf("not sane: %v", problems)
			}
			if res.Server == nil || res.Server.PeakRSSMB <= 0 {
				t.Errorf("the server's memory was not read: %+v %v", res.Server, res.Notes)
			}
			for _, tx := range res.Transactions {
				if tx.Failed > 0 {
					t.Errorf("%d %s transactions failed", tx.Failed, tx.Kind)
				}
			}
			if scenario == loadtool.Mixed && len(res.Transactions) < 2 {
				t.Errorf("mixed ran only %v", res.Transactions)
			}
		})
	}

	// The command itself: flags after the scenario, a request count, the JSON file, the checks.
	t.Run("command", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "result.json")
		code, stdout, stderr := run(t, ".", "load", "--scenario", "browse", "--target", srv.url, "--clients", "8",
			"--requests", "300", "--credentials", filepath.Join(data, app.DemoCredentialsFile), "--json", out, "--max-errors", "0")
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		for _, want := range []string{"事务 transactions", "p99", "峰值内存 peak RSS"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("the table lacks %q:\n%s", want, stdout)
			}
		}
		var res loadtool.Result
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		// The budget is met exactly: requests in flight finish, no new one starts.
		if res.Requests != 300 || res.ErrorCount != 0 {
			t.Errorf("sent %d requests with %d errors, want 300 and 0", res.Requests, res.ErrorCount)
		}
	})
	srv.stop(t)
}

func TestLoadRefusesRemoteTargets(t *testing.T) {
	code, _, stderr := run(t, ".", "load", "--target", "http://192.0.2.10:8080", "--credentials", "../../examples/orgs.json")
	if code == 0 || !strings.Contains(stderr, "--allow-remote") {
		t.Fatalf("exit %d, want a refusal naming --allow-remote: %s", code, stderr)
	}
}

func readCredentials(t *testing.T, path string) []loadtool.Credential {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var creds []loadtool.Credential
	if err := json.Unmarshal(raw, &creds); err != nil {
		t.Fatal(err)
	}
	return creds
}

// TestLoadProfile profiles the server under load, in this process: `tongban serve --demo` runs
// inside the test, the load tool drives it over loopback, and the CPU profile is written with
// the load tool's goroutines labelled load=client, so that
//
//	go tool pprof -tagignore load=client -top cmd/tongban.test DIR/cpu.pprof
//
// shows the server alone. It runs only when TONGBAN_LOAD_PROFILE names the folder for the
// profiles; TONGBAN_LOAD_SCENARIO (submit), TONGBAN_LOAD_CLIENTS (3000),
// TONGBAN_LOAD_DURATION (20s) and TONGBAN_LOAD_DB (a PostgreSQL DSN; SQLite by default) tune it:
//
//	TONGBAN_LOAD_PROFILE=/tmp/prof go test -run TestLoadProfile -count=1 -timeout 30m -o /tmp/prof/tongban.test ./cmd/tongban
func TestLoadProfile(t *testing.T) {
	dir := os.Getenv("TONGBAN_LOAD_PROFILE")
	if dir == "" {
		t.Skip("set TONGBAN_LOAD_PROFILE=DIR to profile the server under load")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	scenario := envOr("TONGBAN_LOAD_SCENARIO", loadtool.Submit)
	clients, _ := strconv.Atoi(envOr("TONGBAN_LOAD_CLIENTS", "3000"))
	duration, err := time.ParseDuration(envOr("TONGBAN_LOAD_DURATION", "20s"))
	if err != nil {
		t.Fatal(err)
	}

	data := t.TempDir()
	args := []string{"serve", "--demo", "--data", data, "--addr", "127.0.0.1:0"}
	if dsn := os.Getenv("TONGBAN_LOAD_DB"); dsn != "" {
		args = append(args, "--db", dsn)
	}
	url, stop := serveInProcess(t, data, args)
	defer stop()

	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		t.Fatal(err)
	}
	defer cpu.Close()
	form, err := fs.ReadFile(examples.Bundle, "matters/food-business-license/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadtool.Config{Target: url, Scenario: scenario, Clients: clients, Duration: duration,
		Credentials: readCredentials(t, filepath.Join(data, app.DemoCredentialsFile)), Form: form,
		ServerPID: os.Getpid(), Log: testWriter{t}}
	// The profile covers the scenario's preparation too: short next to the run for submit and
	// browse, about as long as it for approve.
	runtime.SetBlockProfileRate(int(time.Millisecond))
	runtime.SetMutexProfileFraction(100)
	defer runtime.SetBlockProfileRate(0)
	defer runtime.SetMutexProfileFraction(0)
	// Where the goroutines wait, half way through the run (aggregated, as text).
	mid := time.AfterFunc(duration/2, func() {
		if f, err := os.Create(filepath.Join(dir, "goroutine-mid.txt")); err == nil {
			pprof.Lookup("goroutine").WriteTo(f, 1)
			f.Close()
		}
	})
	defer mid.Stop()
	if err := pprof.StartCPUProfile(cpu); err != nil {
		t.Fatal(err)
	}
	res, err := loadtool.Run(context.Background(), cfg)
	pprof.StopCPUProfile()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"heap", "mutex", "block"} {
		f, err := os.Create(filepath.Join(dir, name+".pprof"))
		if err != nil {
			t.Fatal(err)
		}
		pprof.Lookup(name).WriteTo(f, 0)
		f.Close()
	}
	var table strings.Builder
	loadtool.WriteTable(&table, res)
	t.Logf("\n%s", table.String())
	raw, _ := json.MarshalIndent(res, "", "  ")
	os.WriteFile(filepath.Join(dir, "result.json"), raw, 0o644)
}

// serveInProcess runs `tongban serve` in this process and returns its URL and a stop function.
func serveInProcess(t *testing.T, data string, args []string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logFile, err := os.Create(filepath.Join(data, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	cli := &CLI{Stdout: pw, Stderr: logFile, Dir: "."}
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, args)
		pw.Close()
	}()
	urls := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(pr)
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), "tongban 已启动："); ok {
				urls <- strings.TrimSuffix(rest, "/api/v1/openapi.json")
			}
		}
	}()
	select {
	case url := <-urls:
		return url, func() {
			cancel()
			<-done
			logFile.Close()
		}
	case code := <-done:
		cancel()
		raw, _ := os.ReadFile(logFile.Name())
		t.Fatalf("tongban serve exited %d:\n%s", code, raw)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("tongban serve did not start within 30 s")
	}
	return "", nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// testWriter sends the load tool's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
