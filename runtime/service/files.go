package service

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
)

// maxFileMB bounds a file uploaded before its case exists; the material's own limit is checked
// when the file is attached.
const maxFileMB = 50

// fileClaim is what a file reference vouches for.
type fileClaim struct {
	User      int64  `json:"u"`
	SHA256    string `json:"h"`
	Size      int64  `json:"s"`
	MediaType string `json:"t"`
	Name      string `json:"n"`
}

// UploadFile keeps a file for an application not yet created and returns its reference, signed
// with the server's secret for this user: no database write, so a portal or a load of
// applications can upload once and submit each application in one request.
func (s *Service) UploadFile(ctx context.Context, u *runtime.User, filename string, r io.Reader) (*runtime.UploadedFile, error) {
	if err := mustApply(u); err != nil {
		return nil, err
	}
	if len(s.fileSecret) < 16 {
		return nil, runtime.Errorf(runtime.EINTERNAL, "no file secret is configured")
	}
	done, err := s.startUpload(u)
	if err != nil {
		return nil, err
	}
	defer done()
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(512)
	if len(head) == 0 {
		return nil, emptyFile(filename)
	}
	mediaType := blob.SniffType(head)
	ref, err := s.blobs.Put(br, maxFileMB<<20)
	if errors.Is(err, blob.ErrTooLarge) {
		return nil, runtime.Errorf(runtime.ETOOLARGE, "单个文件不能超过 %d MB（更大的材料请用断点续传）", maxFileMB)
	}
	if err != nil {
		return nil, err
	}
	claim := fileClaim{User: u.ID, SHA256: ref.SHA256, Size: ref.Size, MediaType: mediaType, Name: blob.SafeName(filename)}
	raw, _ := json.Marshal(claim)
	body := base64.RawURLEncoding.EncodeToString(raw)
	return &runtime.UploadedFile{Ref: body + "." + s.sign(body), Name: claim.Name, MediaType: mediaType, Size: ref.Size, SHA256: ref.SHA256}, nil
}

// maxUploadsPerAccount bounds the files one account uploads at once. A browser sends a few
// materials in parallel; sixty at once from one token is a flood, and each holds a file being
// written and hashed.
const maxUploadsPerAccount = 4

// perAccount counts something each account has under way.
type perAccount struct {
	mu sync.Mutex
	n  map[int64]int
}

// take counts one more for account id unless it has max under way; release gives it back.
func (p *perAccount) take(id int64, max int) (release func(), ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n[id] >= max {
		return nil, false
	}
	if p.n == nil {
		p.n = map[int64]int{}
	}
	p.n[id]++
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.n[id]--; p.n[id] == 0 {
			delete(p.n, id)
		}
	}, true
}

// startUpload counts an upload of u's, refusing one over maxUploadsPerAccount.
func (s *Service) startUpload(u *runtime.User) (done func(), err error) {
	done, ok := s.uploading.take(u.ID, maxUploadsPerAccount)
	if !ok {
		return nil, runtime.Errorf(runtime.ETOOMANY, "同时上传的文件过多（每个账号最多 %d 个），请等前面的文件上传完成后再试", maxUploadsPerAccount)
	}
	return done, nil
}

func (s *Service) sign(body string) string { return s.mac("tongban-file:", []byte(body)) }

// mac is the HMAC of body under the server's secret, with a label per purpose so that a
// signature made for one purpose is never valid for another.
func (s *Service) mac(label string, body []byte) string {
	mac := hmac.New(sha256.New, s.fileSecret)
	mac.Write([]byte(label))
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// attachFiles turns a submission's file references into material records, checking each is
// this user's, still kept, of a type the material allows and within its size.
func (s *Service) attachFiles(mp *definitions.MatterPlan, u *runtime.User, refs []runtime.MaterialFiles) ([]materialRecord, []runtime.FieldError) {
	var recs []materialRecord
	var problems []runtime.FieldError
	for i, mf := range refs {
		at := fmt.Sprintf("/materials/%d", i)
		m := materialByID(mp, mf.ID)
		if m == nil || !m.Uploadable() {
			problems = append(problems, runtime.FieldError{Pointer: at + "/id", Message: "此事项没有需要上传的材料 " + mf.ID})
			continue
		}
		rec := materialRecord{ID: m.ID}
		limit := int64(m.SizeLimitMB())
		for j, ref := range mf.Files {
			fat := fmt.Sprintf("%s/files/%d", at, j)
			claim, ok := s.verifyRef(ref, u)
			switch {
			case !ok:
				problems = append(problems, runtime.FieldError{Pointer: fat, Message: "文件引用无效，请重新上传"})
				continue
			case claim.Size > limit<<20:
				problems = append(problems, runtime.FieldError{Pointer: fat, Message: fmt.Sprintf("「%s」单个文件不能超过 %d MB", m.Name, limit)})
				continue
			}
			ext, allowed := blob.TypeAllowed(claim.MediaType, m.FileTypes)
			if !allowed {
				problems = append(problems, runtime.FieldError{Pointer: fat, Message: "「" + m.Name + "」只接受 " + strings.Join(m.FileTypes, "、") + " 文件"})
				continue
			}
			if rc, err := s.blobs.Open(claim.SHA256); err != nil {
				problems = append(problems, runtime.FieldError{Pointer: fat, Message: "文件已不在服务器上，请重新上传"})
				continue
			} else {
				rc.Close()
			}
			name := claim.Name
			if !strings.HasSuffix(strings.ToLower(name), "."+ext) {
				name += "." + ext
			}
			rec.Files = append(rec.Files, runtime.MaterialFile{Name: name, MediaType: claim.MediaType, Size: claim.Size, SHA256: claim.SHA256, At: s.now()})
		}
		recs = append(recs, rec)
	}
	return recs, problems
}

func (s *Service) verifyRef(ref string, u *runtime.User) (fileClaim, bool) {
	var claim fileClaim
	body, sig, ok := strings.Cut(ref, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(body))) {
		return claim, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(raw, &claim) != nil || claim.User != u.ID {
		return claim, false
	}
	return claim, true
}
