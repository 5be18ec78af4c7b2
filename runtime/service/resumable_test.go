package service_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

const (
	uploader = "许昌瑞祥置业有限公司"
	stranger = "张伟"
)

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// draftCase is a draft construction permit of uploader's; its applicationForm takes PDF up to
// 20 MB.
func draftCase(t *testing.T, f *fixture) string {
	t.Helper()
	v, err := f.svc.SubmitCase(ctx, f.users[uploader], runtime.SubmitCase{Matter: "construction-permit", Form: []byte(`{}`), Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	return v.Number
}

func TestCheckUploadRefusesBeforeAnyByte(t *testing.T) {
	f := newFixture(t, memBundle(t))
	number := draftCase(t, f)
	submitted := f.apply(uploader, "food-business-license", sampleForm(t, "food-business-license")).Number
	sum := digest(pdf)
	cases := []struct {
		name     string
		who      string
		number   string
		material string
		size     int64
		sha      string
		code     string
		message  string
	}{
		{"within the limit", uploader, number, "applicationForm", 20 << 20, sum, "", ""},
		{"a digest in capitals", uploader, number, "applicationForm", 1, strings.ToUpper(sum), "", ""},
		{"over the limit", uploader, number, "applicationForm", 20<<20 + 1, sum, runtime.ETOOLARGE, "「建筑工程施工许可证申请表」单个文件不能超过 20 MB"},
		{"empty", uploader, number, "applicationForm", 0, sum, runtime.EINVALID, "文件是空的"},
		{"another applicant's case", stranger, number, "applicationForm", 1, sum, runtime.ENOTFOUND, "办件 " + number + " 不存在"},
		{"a submitted case", uploader, submitted, "application", 1, sum, runtime.ECONFLICT, "只有草稿或补正中的办件可以上传材料"},
		{"an unknown material", uploader, number, "passport", 1, sum, runtime.EINVALID, "没有需要上传的材料"},
		{"an e-license material", uploader, number, "planningPermit", 1, sum, runtime.EINVALID, "没有需要上传的材料"},
		{"a malformed digest", uploader, number, "applicationForm", 1, "abc", runtime.EINVALID, "SHA-256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.svc.CheckUpload(ctx, f.users[c.who], c.number, c.material, c.size, c.sha)
			if runtime.ErrorCode(err) != c.code || !strings.Contains(runtime.ErrorMessage(err), c.message) {
				t.Fatalf("got %v, want %s %q", err, c.code, c.message)
			}
		})
	}
}

func TestAttachUploadedFileIsUploadMaterialWithAChecksum(t *testing.T) {
	f := newFixture(t, memBundle(t))
	number := draftCase(t, f)
	u := f.users[uploader]

	direct, err := f.svc.UploadMaterial(ctx, u, number, "applicationForm", "申请表.pdf", bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	attached, err := f.svc.AttachUploadedFile(ctx, u, number, "applicationForm", "申请表.pdf", bytes.NewReader(pdf), strings.ToUpper(digest(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	attached.At = direct.At
	if *attached != *direct {
		t.Fatalf("attached %+v, uploaded %+v", attached, direct)
	}

	refusals := []struct {
		name    string
		content []byte
		sha     string
		message string
	}{
		{"a checksum that differs", pdf, digest([]byte("something else")), "与申报的 SHA-256 不一致"},
		{"content of another type", []byte("MZ\x90\x00\x03"), digest([]byte("MZ\x90\x00\x03")), "只接受 pdf 文件"},
		{"a malformed checksum", pdf, "", "SHA-256"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.AttachUploadedFile(ctx, u, number, "applicationForm", "申请表.pdf", bytes.NewReader(c.content), c.sha)
			if runtime.ErrorCode(err) != runtime.EINVALID || !strings.Contains(runtime.ErrorMessage(err), c.message) {
				t.Fatalf("got %v, want invalid %q", err, c.message)
			}
		})
	}

	v, err := f.svc.GetCase(ctx, u, number)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range v.Materials {
		if m.ID == "applicationForm" && len(m.Files) != 2 {
			t.Fatalf("files %+v, want the uploaded and the attached one only", m.Files)
		}
	}
	uploaded := 0
	for _, e := range f.events(number) {
		if e.Type == "material-uploaded" {
			uploaded++
		}
	}
	if uploaded != 2 {
		t.Fatalf("%d material-uploaded events, want 2", uploaded)
	}
}

func TestUploadStagingDirIsBesideTheBlobs(t *testing.T) {
	data := t.TempDir()
	blobs, err := blob.NewDir(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := service.New(storetest.OpenSQLite(t), blobs, nil).UploadStagingDir()
	if err != nil || dir != filepath.Join(data, "uploads") {
		t.Fatalf("got %q %v, want %q", dir, err, filepath.Join(data, "uploads"))
	}
}
