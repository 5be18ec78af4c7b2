package main

import (
	"bufio"
	"debug/elf"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStaticBinaryServesInAnEmptyRoot builds the binary as the image does (CGO_ENABLED=0) and
// runs serve --demo chrooted into a folder holding only the binary and a data folder — no /etc,
// no zone files, no CA certificates, no /tmp — as the distroless image is, and less: the binary
// is static, the demo starts, the probes answer, a page renders, and SIGTERM ends it with 0.
func TestStaticBinaryServesInAnEmptyRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	root := t.TempDir()
	bin := filepath.Join(root, "tongban")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	libs, _ := f.ImportedLibraries()
	if len(libs) > 0 || f.Section(".interp") != nil {
		t.Fatalf("the binary is not static: it needs %v", libs)
	}
	f.Close()
	if err := os.Mkdir(filepath.Join(root, "data"), 0o750); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/tongban", "serve", "--demo", "--data", "/data", "--addr", "127.0.0.1:0")
	cmd.Dir = "/"
	cmd.Env = []string{}
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	logFile, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		for lines := bufio.NewScanner(stdout); lines.Scan(); {
			if rest, ok := strings.CutPrefix(lines.Text(), "tongban 已启动："); ok {
				urls <- strings.TrimSuffix(rest, "/api/v1/openapi.json")
			}
		}
	}()
	log := func() string { raw, _ := os.ReadFile(logFile.Name()); return string(raw) }
	var url string
	select {
	case url = <-urls:
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start in the empty root:\n%s", log())
	}
	for _, path := range []string{"/healthz", "/api/v1/matters", "/", "/matters/senior-longevity-allowance"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s in the empty root: %d\n%s", path, resp.StatusCode, log())
		}
	}
	ready := false
	for deadline := time.Now().Add(10 * time.Second); !ready && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
	}
	if !ready {
		t.Errorf("/readyz never answered 200 in the empty root:\n%s", log())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, log())
	}
}
