package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

var resumableMB = flag.Int("resumable-mb", 4096, "BenchmarkResumableUpload: size of the file in MB")

const (
	tusApplicant = "许昌瑞祥置业有限公司"
	tusOther     = "张伟"
	// tusMatter's material tusBig is raised to the largest limit the format allows (4096 MB);
	// both it and tusSmall (20 MB) take PDF only.
	tusMatter = "construction-permit"
	tusBig    = "constructionContract"
	tusSmall  = "applicationForm"
)

// TestResumableUpload sends a 1 GB file in three pieces, the connection cut twice mid-way,
// resuming each time from the offset the server reports, and finds it on the case byte for byte.
func TestResumableUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GB upload")
	}
	e := newTusEnv(t)
	owner := e.Token(tusApplicant)
	number := e.draft(owner)
	st := e.uploadInterrupted(owner, number, genFile{size: 1 << 30, seed: 1}, 2)
	t.Logf("1 GB: %s", st)
}

// BenchmarkResumableUpload is the same with a larger file (-resumable-mb, 4096 by default):
//
//	go test ./runtime/httpapi -run '^$' -bench ResumableUpload -benchtime 1x -timeout 30m
func BenchmarkResumableUpload(b *testing.B) {
	e := newTusEnv(b)
	owner := e.Token(tusApplicant)
	size := int64(*resumableMB) << 20
	for i := 0; b.Loop(); i++ {
		number := e.draft(owner)
		st := e.uploadInterrupted(owner, number, genFile{size: size, seed: uint64(100 + i)}, 2)
		b.Logf("%d MB: %s", *resumableMB, st)
		// The time per op also counts the client's hashing and the byte-for-byte check; these
		// are the server's figures.
		b.ReportMetric(st.mbps(st.send), "upload-MB/s")
		b.ReportMetric(st.mbps(st.attach), "attach-MB/s")
		b.ReportMetric(st.mbps(st.send+st.attach), "total-MB/s")
	}
}

// TestResumableUploadSmall resumes a small file once, so -short runs the whole path too.
func TestResumableUploadSmall(t *testing.T) {
	e := newTusEnv(t)
	owner := e.Token(tusApplicant)
	number := e.draft(owner)
	e.uploadInterrupted(owner, number, genFile{size: 8 << 20, seed: 2}, 1)
}

func TestResumableUploadRefusals(t *testing.T) {
	e := newTusEnv(t)
	owner, other := e.Token(tusApplicant), e.Token(tusOther)
	number := e.draft(owner)
	pdf := genFile{size: 1 << 20, seed: 3}
	meta := func(material string, g genFile) map[string]string {
		return map[string]string{"case": number, "material": material, "filename": "施工合同.pdf", "sha256": g.sha256()}
	}
	refusedAtCreation := []struct {
		name    string
		token   string
		size    int64
		meta    map[string]string
		status  int
		message string
	}{
		{"no token", "", pdf.size, meta(tusBig, pdf), 401, "请先登录"},
		{"a bad token", "nonsense", pdf.size, meta(tusBig, pdf), 401, "访问令牌无效"},
		{"another applicant's case", other, pdf.size, meta(tusBig, pdf), 404, "办件 " + number + " 不存在"},
		{"a case that does not exist", owner, pdf.size, func() map[string]string { m := meta(tusBig, pdf); m["case"] = "XC000"; return m }(), 404, "不存在"},
		{"over the material's limit", owner, 20<<20 + 1, meta(tusSmall, pdf), 413, "「建筑工程施工许可证申请表」单个文件不能超过 20 MB"},
		{"over the largest limit", owner, 4096<<20 + 1, meta(tusBig, pdf), 413, "单个文件不能超过 4096 MB"},
		{"a material not uploaded", owner, pdf.size, meta("planningPermit", pdf), 400, "没有需要上传的材料"},
		{"an empty file", owner, 0, meta(tusBig, pdf), 400, "文件是空的"},
		{"no checksum", owner, pdf.size, func() map[string]string { m := meta(tusBig, pdf); delete(m, "sha256"); return m }(), 400, "SHA-256"},
		{"a malformed checksum", owner, pdf.size, func() map[string]string { m := meta(tusBig, pdf); m["sha256"] = "abc"; return m }(), 400, "SHA-256"},
	}
	for _, c := range refusedAtCreation {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := e.create(c.token, c.size, c.meta)
			if status != c.status || !strings.Contains(body, c.message) {
				t.Fatalf("status %d %s, want %d %q", status, body, c.status, c.message)
			}
			e.noneStaged()
		})
	}

	t.Run("someone else's upload is not there for them", func(t *testing.T) {
		url := e.mustCreate(owner, pdf.size, meta(tusBig, pdf))
		if status, _ := e.offset(other, url); status != 404 {
			t.Fatalf("HEAD by another applicant: %d", status)
		}
		if status, _, body := e.patch(http.DefaultClient, other, url, 0, pdf.from(0), pdf.size); status != 404 {
			t.Fatalf("PATCH by another applicant: %d %s", status, body)
		}
		if status, off := e.offset(owner, url); status != 200 || off != 0 {
			t.Fatalf("HEAD by the owner: %d offset %d", status, off)
		}
		if status := e.delete(owner, url); status != 204 {
			t.Fatalf("DELETE: %d", status)
		}
		e.noneStaged()
	})

	t.Run("an upload that does not exist", func(t *testing.T) {
		for _, id := range []string{"not-an-id", "0123456789abcdef0123456789abcdef", "..%2F..%2Fdata.db"} {
			if status, _ := e.offset(owner, e.URL+uploadsPath+id); status != 404 {
				t.Fatalf("HEAD %s: %d", id, status)
			}
		}
	})

	refusedAtCompletion := []struct {
		name    string
		file    genFile
		meta    map[string]string
		message string
	}{
		{"a wrong checksum", pdf, func() map[string]string {
			m := meta(tusBig, pdf)
			m["sha256"] = genFile{size: pdf.size, seed: 99}.sha256()
			return m
		}(), "与申报的 SHA-256 不一致"},
		{"not a PDF", genFile{size: 64 << 10, seed: 4, raw: true}, meta(tusBig, genFile{size: 64 << 10, seed: 4, raw: true}), "只接受 pdf 文件"},
	}
	for _, c := range refusedAtCompletion {
		t.Run(c.name, func(t *testing.T) {
			url := e.mustCreate(owner, c.file.size, c.meta)
			status, _, body := e.patch(http.DefaultClient, owner, url, 0, c.file.from(0), c.file.size)
			if status != 400 || !strings.Contains(body, c.message) {
				t.Fatalf("final PATCH: %d %s, want 400 %q", status, body, c.message)
			}
			if status, _ := e.offset(owner, url); status != 404 {
				t.Fatalf("the refused upload is still there: HEAD %d", status)
			}
			e.noneStaged()
			if files := e.caseFiles(owner, number, tusBig); len(files) != 0 {
				t.Fatalf("refused file recorded: %+v", files)
			}
			if _, err := os.Stat(e.blobPath(c.file.sha256())); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("refused content kept in the blob store: %v", err)
			}
		})
	}
}

func TestResumableUploadCleanup(t *testing.T) {
	e := newTusEnv(t)
	owner := e.Token(tusApplicant)
	number := e.draft(owner)
	g := genFile{size: 1 << 20, seed: 5}
	meta := map[string]string{"case": number, "material": tusBig, "filename": "a.pdf", "sha256": g.sha256()}
	id := func(url string) string { return url[strings.LastIndex(url, "/")+1:] }

	t.Run("an upload abandoned for three days goes when another is created", func(t *testing.T) {
		abandoned := e.mustCreate(owner, g.size, meta)
		if status, _, body := e.patch(http.DefaultClient, owner, abandoned, 0, io.LimitReader(g.from(0), 1000), 1000); status != 204 {
			t.Fatalf("PATCH: %d %s", status, body)
		}
		recent := e.mustCreate(owner, g.size, meta)
		old := time.Now().Add(-staleAfter + time.Hour)
		os.Chtimes(filepath.Join(e.Data, "uploads", id(abandoned)), old, old)
		e.mustCreate(owner, g.size, meta)
		if status, off := e.offset(owner, abandoned); status != 200 || off != 1000 {
			t.Fatalf("idle less than %s: HEAD %d offset %d", staleAfter, status, off)
		}
		old = time.Now().Add(-staleAfter - time.Hour)
		os.Chtimes(filepath.Join(e.Data, "uploads", id(abandoned)), old, old)
		e.mustCreate(owner, g.size, meta)
		if status, _ := e.offset(owner, abandoned); status != 404 {
			t.Fatalf("abandoned upload: HEAD %d", status)
		}
		if status, _ := e.offset(owner, recent); status != 200 {
			t.Fatalf("recent upload: HEAD %d", status)
		}
	})

	t.Run("a complete upload the server stopped attaching goes at the next start", func(t *testing.T) {
		url := e.mustCreate(owner, g.size, meta)
		// All its bytes are staged, as when the server stops between the last byte and the case.
		f, err := os.OpenFile(filepath.Join(e.Data, "uploads", id(url)), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(f, g.from(0))
		f.Close()
		partial := e.mustCreate(owner, g.size, meta)
		restarted := apptest.Start(t, e.Config)
		if status, _ := e.offset(owner, restarted.URL+uploadsPath+id(url)); status != 404 {
			t.Fatalf("complete, unattached upload after a restart: HEAD %d", status)
		}
		if status, _ := e.offset(owner, restarted.URL+uploadsPath+id(partial)); status != 200 {
			t.Fatalf("partial upload after a restart: HEAD %d", status)
		}
	})
}

// TestResumableUploadLimits: a draft has at most ten open uploads and an account twenty; one
// more is refused (429, in Chinese) and nothing is staged for it; a cancelled one frees its
// place; another account's are its own.
func TestResumableUploadLimits(t *testing.T) {
	e := newTusEnv(t)
	owner := e.Token(tusApplicant)
	g := genFile{size: 10 << 20, seed: 6}
	meta := func(number string) map[string]string {
		return map[string]string{"case": number, "material": tusBig, "filename": "a.pdf", "sha256": g.sha256()}
	}
	staged := func() int {
		entries, _ := os.ReadDir(filepath.Join(e.Data, "uploads"))
		return len(entries)
	}
	first, second, third := e.draft(owner), e.draft(owner), e.draft(owner)
	var urls []string
	for range 10 {
		urls = append(urls, e.mustCreate(owner, g.size, meta(first)))
	}
	before := staged()
	if status, _, body := e.create(owner, g.size, meta(first)); status != 429 || !strings.Contains(body, "办件 "+first+" 已有 10 个未完成的断点续传") {
		t.Errorf("an eleventh on one draft: %d %s", status, body)
	}
	if staged() != before {
		t.Error("a refused upload was staged")
	}
	if status := e.delete(owner, urls[0]); status != 204 {
		t.Fatalf("DELETE: %d", status)
	}
	e.mustCreate(owner, g.size, meta(first))
	for range 10 {
		e.mustCreate(owner, g.size, meta(second))
	}
	if status, _, body := e.create(owner, g.size, meta(third)); status != 429 || !strings.Contains(body, "您已有 20 个未完成的断点续传") {
		t.Errorf("a twenty-first for the account: %d %s", status, body)
	}
	other := e.anotherEnterprise()
	e.mustCreate(other, g.size, meta(e.draft(other)))
}

// anotherEnterprise is the token of an enterprise account besides the demo's, for matters only
// enterprises may apply for.
func (e *env) anotherEnterprise() string {
	e.T.Helper()
	u, err := e.Accounts.CreateUser(ctx, service.NewUser{User: runtime.User{Name: "许昌恒达建材有限公司", Kind: "enterprise",
		USCC: cn.MakeUSCC("91411082MA3XK2P05"), Mobile: "13903745678", DivisionCode: "411082"}})
	if err != nil {
		e.T.Fatal(err)
	}
	token, err := e.Accounts.CreateToken(ctx, u.ID, "test")
	if err != nil {
		e.T.Fatal(err)
	}
	return token
}

// uploadStats are the figures of one upload.
type uploadStats struct {
	size               int64
	hash, send, attach time.Duration
	offsets            []int64
}

func (s uploadStats) mbps(d time.Duration) float64 { return float64(s.size) / (1 << 20) / d.Seconds() }

func (s uploadStats) String() string {
	total := s.send + s.attach
	return fmt.Sprintf("client SHA-256 %.0f MB/s; upload %.0f MB/s (%.1fs, resumed at %v); attach (sniff, SHA-256, into the blob store, recorded) %.0f MB/s (%.1fs); upload+attach %.0f MB/s (%.1fs)",
		s.mbps(s.hash), s.mbps(s.send), s.send.Seconds(), s.offsets, s.mbps(s.attach), s.attach.Seconds(), s.mbps(total), total.Seconds())
}

// uploadInterrupted uploads g to the big material of the case, cutting the connection cuts
// times at even intervals and resuming from the server's offset, then checks that the file is
// on the case, byte for byte in the blob store, and that nothing is left staged.
func (e *env) uploadInterrupted(token, number string, g genFile, cuts int) uploadStats {
	e.T.Helper()
	st := uploadStats{size: g.size}
	start := time.Now()
	sum := g.sha256()
	st.hash = time.Since(start)

	start = time.Now()
	url := e.mustCreate(token, g.size, map[string]string{"case": number, "material": tusBig, "filename": "施工合同（全套）.pdf", "sha256": sum})
	var offset int64
	for i := 1; i <= cuts; i++ {
		cutAt := g.size * int64(i) / int64(cuts+1)
		_, _, _ = e.patch(cuttingClient(cutAt-offset), token, url, offset, g.from(offset), g.size-offset)
		status, next := e.offset(token, url)
		if status != 200 || next <= offset || next > cutAt {
			e.T.Fatalf("after cut %d at %d: HEAD %d offset %d (was %d)", i, cutAt, status, next, offset)
		}
		offset = next
		st.offsets = append(st.offsets, offset)
	}
	body := &timedReader{r: g.from(offset)}
	status, _, answer := e.patch(http.DefaultClient, token, url, offset, body, g.size-offset)
	done := time.Now()
	if status != 204 {
		e.T.Fatalf("final PATCH: %d %s", status, answer)
	}
	st.send, st.attach = body.eof.Sub(start), done.Sub(body.eof)

	files := e.caseFiles(token, number, tusBig)
	if len(files) == 0 || files[len(files)-1].SHA256 != sum || files[len(files)-1].Size != g.size ||
		files[len(files)-1].MediaType != "application/pdf" || files[len(files)-1].Name != "施工合同（全套）.pdf" {
		e.T.Fatalf("case files %+v, want sha256 %s size %d", files, sum, g.size)
	}
	if status, _ := e.offset(token, url); status != 404 {
		e.T.Fatalf("the attached upload is still there: HEAD %d", status)
	}
	e.noneStaged()
	f, err := os.Open(e.blobPath(sum))
	if err != nil {
		e.T.Fatal(err)
	}
	defer f.Close()
	if err := sameContent(f, g.from(0)); err != nil {
		e.T.Fatalf("stored file: %v", err)
	}
	return st
}

// uploadsPath is where the API serves resumable uploads.
const uploadsPath = "/api/v1/uploads/"

// staleAfter is how long the server keeps an unfinished upload after its last byte: three days.
const staleAfter = 72 * time.Hour

// newTusEnv is the API on SQLite with the example matters, one material raised to the largest
// size limit, and the demo users.
func newTusEnv(t testing.TB) *env {
	t.Helper()
	return newEnv(t, "", bundleWithLargeMaterial(t))
}

// bundleWithLargeMaterial is the examples with tusBig allowed up to 4096 MB.
func bundleWithLargeMaterial(t testing.TB) fstest.MapFS {
	out := exampleBundle(t)
	name := "matters/" + tusMatter + "/materials.json"
	var doc map[string]any
	if err := json.Unmarshal(out[name].Data, &doc); err != nil {
		t.Fatal(err)
	}
	raised := false
	for _, m := range doc["materials"].([]any) {
		if m := m.(map[string]any); m["id"] == tusBig {
			m["maxSizeMB"], raised = 4096, true
		}
	}
	if !raised {
		t.Fatalf("%s has no material %s", name, tusBig)
	}
	raw, _ := json.Marshal(doc)
	out[name] = &fstest.MapFile{Data: raw}
	return out
}

func (e *env) do(req *http.Request, client *http.Client, token string) (*http.Response, string, error) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// draft creates a draft case of tusMatter and returns its number.
func (e *env) draft(token string) string {
	e.T.Helper()
	req, _ := http.NewRequest("POST", e.URL+"/api/v1/cases", strings.NewReader(`{"matter":"`+tusMatter+`","form":{},"draft":true}`))
	req.Header.Set("Content-Type", "application/json")
	resp, body, err := e.do(req, http.DefaultClient, token)
	if err != nil || resp.StatusCode != 201 {
		e.T.Fatalf("draft: %v %s", err, body)
	}
	var c struct{ Number string }
	json.Unmarshal([]byte(body), &c)
	return c.Number
}

// caseFiles are the files the case shows for a material.
func (e *env) caseFiles(token, number, material string) []runtime.MaterialFile {
	e.T.Helper()
	req, _ := http.NewRequest("GET", e.URL+"/api/v1/cases/"+number, nil)
	resp, body, err := e.do(req, http.DefaultClient, token)
	if err != nil || resp.StatusCode != 200 {
		e.T.Fatalf("case: %v %s", err, body)
	}
	var v runtime.CaseView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		e.T.Fatal(err)
	}
	for _, m := range v.Materials {
		if m.ID == material {
			return m.Files
		}
	}
	return nil
}

// create asks for a new upload (tus POST) and returns the status, its URL and the answer.
func (e *env) create(token string, size int64, meta map[string]string) (int, string, string) {
	e.T.Helper()
	req, _ := http.NewRequest("POST", e.URL+uploadsPath, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	var pairs []string
	for k, v := range meta {
		pairs = append(pairs, k+" "+base64.StdEncoding.EncodeToString([]byte(v)))
	}
	sort.Strings(pairs)
	req.Header.Set("Upload-Metadata", strings.Join(pairs, ","))
	resp, body, err := e.do(req, http.DefaultClient, token)
	if err != nil {
		e.T.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), body
}

func (e *env) mustCreate(token string, size int64, meta map[string]string) string {
	e.T.Helper()
	status, url, body := e.create(token, size, meta)
	if status != 201 || url == "" {
		e.T.Fatalf("create: %d %s", status, body)
	}
	return url
}

// offset asks where to resume (tus HEAD).
func (e *env) offset(token, url string) (int, int64) {
	e.T.Helper()
	req, _ := http.NewRequest("HEAD", url, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	resp, _, err := e.do(req, http.DefaultClient, token)
	if err != nil {
		e.T.Fatal(err)
	}
	off, _ := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	return resp.StatusCode, off
}

// patch sends n bytes of body from offset (tus PATCH). A connection that breaks gives status 0.
func (e *env) patch(client *http.Client, token, url string, offset int64, body io.Reader, n int64) (int, int64, string) {
	req, _ := http.NewRequest("PATCH", url, body)
	req.ContentLength = n
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	resp, answer, err := e.do(req, client, token)
	if err != nil {
		return 0, 0, err.Error()
	}
	off, _ := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	return resp.StatusCode, off, answer
}

func (e *env) delete(token, url string) int {
	e.T.Helper()
	req, _ := http.NewRequest("DELETE", url, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	resp, _, err := e.do(req, http.DefaultClient, token)
	if err != nil {
		e.T.Fatal(err)
	}
	return resp.StatusCode
}

// noneStaged checks that no upload is waiting in <data>/uploads.
func (e *env) noneStaged() {
	e.T.Helper()
	entries, err := os.ReadDir(filepath.Join(e.Data, "uploads"))
	if err != nil {
		e.T.Fatal(err)
	}
	if len(entries) > 0 {
		e.T.Fatalf("%d files left in the upload folder, first %s", len(entries), entries[0].Name())
	}
}

func (e *env) blobPath(sum string) string {
	return filepath.Join(e.Data, "blobs", sum[:2], sum)
}

// cuttingClient sends through a connection that breaks, abruptly (a reset, so what is in
// flight is lost), once limit bytes have been written to it.
func cuttingClient(limit int64) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &cutConn{Conn: c, left: limit}, nil
		},
	}}
}

type cutConn struct {
	net.Conn
	left int64
}

func (c *cutConn) Write(p []byte) (int, error) {
	if int64(len(p)) <= c.left {
		n, err := c.Conn.Write(p)
		c.left -= int64(n)
		return n, err
	}
	n, _ := c.Conn.Write(p[:c.left])
	c.left = 0
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Conn.Close()
	return n, errors.New("connection cut")
}

// genFile is a pseudo-random file that starts like a PDF (unless raw), made block by block so
// that any part of it can be produced again without being kept, as a client re-reads its disk.
type genFile struct {
	size int64
	seed uint64
	raw  bool
}

const genBlock = 1 << 20

func (g genFile) from(off int64) io.Reader { return &genReader{g: g, off: off, block: -1} }

func (g genFile) sha256() string {
	h := sha256.New()
	if _, err := io.Copy(h, g.from(0)); err != nil {
		panic(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type genReader struct {
	g     genFile
	off   int64
	block int64
	buf   []byte
}

func (r *genReader) Read(p []byte) (int, error) {
	if r.off >= r.g.size {
		return 0, io.EOF
	}
	if b := r.off / genBlock; b != r.block {
		if r.buf == nil {
			r.buf = make([]byte, genBlock)
		}
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], r.g.seed)
		binary.LittleEndian.PutUint64(seed[8:], uint64(b))
		rand.NewChaCha8(seed).Read(r.buf)
		if b == 0 && !r.g.raw {
			copy(r.buf, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
		}
		r.block = b
	}
	end := min(genBlock, r.g.size-r.block*genBlock)
	n := copy(p, r.buf[r.off%genBlock:end])
	r.off += int64(n)
	return n, nil
}

// timedReader notes when its reader was read to the end.
type timedReader struct {
	r   io.Reader
	eof time.Time
}

func (t *timedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF && t.eof.IsZero() {
		t.eof = time.Now()
	}
	return n, err
}

// sameContent compares two streams byte for byte.
func sameContent(a, b io.Reader) error {
	bufA, bufB := make([]byte, 1<<20), make([]byte, 1<<20)
	var at int64
	for {
		na, errA := io.ReadFull(a, bufA)
		nb, errB := io.ReadFull(b, bufB)
		if !bytes.Equal(bufA[:na], bufB[:nb]) {
			return fmt.Errorf("differs within the MB at %d", at)
		}
		at += int64(na)
		endA, endB := errA == io.EOF || errA == io.ErrUnexpectedEOF, errB == io.EOF || errB == io.ErrUnexpectedEOF
		if endA || endB {
			if endA != endB {
				return fmt.Errorf("lengths differ after %d bytes", at)
			}
			return nil
		}
		if errA != nil {
			return errA
		}
		if errB != nil {
			return errB
		}
	}
}
