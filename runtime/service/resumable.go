package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// Resumable uploads (the tus protocol, served by runtime/httpapi) bring large materials in pieces
// that survive interruptions. The service has two parts in them: CheckUpload refuses, before
// any byte is sent, what UploadMaterial would refuse for the case, the material and the
// declared size; AttachUploadedFile then takes the finished file through UploadMaterial itself,
// so both paths sniff, limit, name, store and record a file in one way.

// CheckUpload tells whether u may upload a file of size bytes to material on the case, declaring
// its SHA-256 as declaredSHA: the case must be u's draft or correction case, the material one to
// upload, and size within the material's limit. It returns not_found for a case that is not u's,
// conflict for a case past its draft, invalid for an unknown material, an empty file or a
// malformed digest, and too_large beyond the limit.
func (s *Service) CheckUpload(ctx context.Context, u *runtime.User, number, material string, size int64, declaredSHA string) error {
	_, m, limitMB, err := s.uploadTarget(ctx, u, number, material)
	if err != nil {
		return err
	}
	if _, err := normalDigest(declaredSHA); err != nil {
		return err
	}
	if size <= 0 {
		return runtime.Invalid("文件是空的", runtime.FieldError{Pointer: "/size", Message: "文件大小应大于 0"})
	}
	if size > int64(limitMB)<<20 {
		return runtime.Errorf(runtime.ETOOLARGE, "「%s」单个文件不能超过 %d MB", m.Name, limitMB)
	}
	return nil
}

// AttachUploadedFile records a file that arrived by a resumable upload on the material, exactly
// as UploadMaterial records an uploaded one (and through it: the case, the material, the real
// content type, the size limit, a safe name, the blob store and the audit event), after checking
// that its SHA-256 is declaredSHA, the digest the client computed before sending. A file whose
// digest differs is refused with invalid and not stored.
func (s *Service) AttachUploadedFile(ctx context.Context, u *runtime.User, number, material, filename string, r io.Reader, declaredSHA string) (*runtime.MaterialFile, error) {
	want, err := normalDigest(declaredSHA)
	if err != nil {
		return nil, err
	}
	return s.UploadMaterial(ctx, u, number, material, filename, &verifyingReader{r: r, h: sha256.New(), want: want})
}

// UploadStagingDir returns the folder where resumable uploads wait until they are complete:
// "uploads" beside the blob folder (<data>/uploads), on the same disk as the blobs they become.
func (s *Service) UploadStagingDir() (string, error) {
	return filepath.Join(filepath.Dir(s.blobs.Root()), "uploads"), nil
}

// uploadTarget is the case u may upload to, the material and its size limit in MB: the checks
// UploadMaterial makes before it reads the file.
func (s *Service) uploadTarget(ctx context.Context, u *runtime.User, number, material string) (*runtime.Case, *definitions.Material, int, error) {
	c, err := s.db.GetCaseByNumber(ctx, number)
	if err != nil || c.ApplicantID != u.ID {
		return nil, nil, 0, caseNotFound(number)
	}
	if c.Status != runtime.StatusDraft && c.Status != runtime.StatusCorrection {
		// A deferred (容缺) material is handed in while the case goes on, without a
		// correction round; nothing else changes on a submitted case.
		recs, err := decodeMaterials(c.Materials)
		if err != nil {
			return nil, nil, 0, err
		}
		deferred := slices.ContainsFunc(recs, func(r materialRecord) bool { return r.ID == material && r.Deferred })
		if !deferred || c.ConcludedAt != nil {
			return nil, nil, 0, runtime.Errorf(runtime.ECONFLICT, "只有草稿或补正中的办件可以上传材料（办理中只能补交容缺材料）")
		}
	}
	_, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return nil, nil, 0, err
	}
	m := materialByID(mp, material)
	if m == nil || !m.Uploadable() {
		return nil, nil, 0, runtime.Invalid("此事项没有需要上传的材料 "+material, runtime.FieldError{Pointer: "/material", Message: "没有这项材料"})
	}
	return c, m, m.SizeLimitMB(), nil
}

// normalDigest returns a SHA-256 given in hex in lower case, or invalid.
func normalDigest(sum string) (string, error) {
	sum = strings.ToLower(strings.TrimSpace(sum))
	if raw, err := hex.DecodeString(sum); err != nil || len(raw) != sha256.Size {
		return "", runtime.Invalid("文件的 SHA-256 校验值有误", runtime.FieldError{Pointer: "/sha256", Message: "应为 64 位十六进制 SHA-256"})
	}
	return sum, nil
}

// verifyingReader hashes what is read through it and, at the end, fails instead of reporting
// io.EOF when the digest is not the expected one, so whoever copies it stops before keeping the
// content: blob.Dir.Put then removes its temporary file and UploadMaterial records nothing.
type verifyingReader struct {
	r    io.Reader
	h    hash.Hash
	want string
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			return n, runtime.Invalid("文件校验失败：收到的内容与申报的 SHA-256 不一致，文件可能在传输中损坏，请重新上传",
				runtime.FieldError{Pointer: "/sha256", Message: "申报 " + v.want + "，实际 " + got})
		}
	}
	return n, err
}
