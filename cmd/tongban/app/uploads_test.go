package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// uploadRequest is a pre-upload (POST /api/v1/files) of a PDF of size bytes, made as it is
// sent, so that the test holds none of it.
func uploadRequest(t *testing.T, srv *apptest.Server, token string, size int64) *http.Request {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", "证明.pdf")
		if err == nil {
			_, err = io.Copy(part, io.LimitReader(io.MultiReader(strings.NewReader("%PDF-1.4\n"), neverEnding{}), size))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/files", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// slowUpload starts a pre-upload of 10 MB that sends its first kilobyte and then waits, until
// the test ends.
func slowUpload(t *testing.T, srv *apptest.Server, token string) {
	t.Helper()
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	const boundary = "slow-boundary"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\n" + strings.Repeat(" ", 1<<10)
	fmt.Fprintf(conn, "POST /api/v1/files HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%s",
		addr, token, boundary, 10<<20, head)
}

// TestPreUploadsPerAccount: an account has at most four pre-uploads under way; a fifth is
// refused at once (429, in Chinese) while another account's is taken.
func TestPreUploadsPerAccount(t *testing.T) {
	srv := apptest.Start(t, app.Config{})
	token := srv.Token("张伟")
	for range 4 {
		slowUpload(t, srv, token)
	}
	time.Sleep(300 * time.Millisecond) // the four are being received
	status, body := send(t, uploadRequest(t, srv, token, 1<<10))
	if status != http.StatusTooManyRequests || !strings.Contains(fmt.Sprint(body["error"]), "同时上传的文件过多") {
		t.Errorf("a fifth upload: status %d %v, want 429 saying too many at once", status, body)
	}
	if status, body := send(t, uploadRequest(t, srv, srv.Token("李秀兰"), 1<<10)); status != http.StatusCreated {
		t.Errorf("another account's upload: status %d %v, want 201", status, body)
	}
}

// TestPreUploadMemory: sixty 20 MB pre-uploads at once — fifteen accounts, four each — are
// streamed to the file store, not held in memory: the test process (server and clients) stays
// under 400 MB of resident memory while they run. The figure is logged.
func TestPreUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 1.2 GB through the server")
	}
	srv := apptest.Start(t, app.Config{})
	var tokens []string
	for i := range 15 {
		u, err := srv.Accounts.CreateUser(context.Background(), service.NewUser{User: runtime.User{Kind: "person",
			Name: "上传测试" + strconv.Itoa(i), IDNumber: cn.MakeIDNumber("411002", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 100+i),
			DivisionCode: "411002"}})
		if err != nil {
			t.Fatal(err)
		}
		token, err := srv.Accounts.CreateToken(context.Background(), u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, token)
	}
	// What earlier tests in this process left is given back first; then the resident memory
	// is sampled while the uploads run.
	debug.FreeOSMemory()
	before := residentMB(t)
	peak := before
	sampling, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-sampling:
				return
			case <-time.After(20 * time.Millisecond):
				peak = max(peak, residentMB(t))
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 60 {
		wg.Go(func() {
			resp, err := http.DefaultClient.Do(uploadRequest(t, srv, tokens[i%len(tokens)], 20<<20))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			statuses[resp.StatusCode]++
		})
	}
	wg.Wait()
	close(sampling)
	<-sampled
	t.Logf("60 × 20 MB pre-uploads at once: resident memory %d MB before, peak %d MB; answers %v", before, peak, statuses)
	if statuses[http.StatusCreated] != 60 {
		t.Errorf("answers %v, want 60 × 201", statuses)
	}
	if peak > 400 {
		t.Errorf("peak resident memory %d MB, want under 400 MB", peak)
	}
}

// residentMB reads the process's resident memory (VmRSS) from /proc, in MB.
func residentMB(t *testing.T) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc here:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb >> 10
		}
	}
	return 0
}
