package service

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
)

// UploadMaterial stores a file of a material on the applicant's draft or correction case: the
// size limit of the material, the real content type against its allowed file types, a safe name
// and the SHA-256 recorded.
func (s *Service) UploadMaterial(ctx context.Context, u *runtime.User, number, material, filename string, r io.Reader) (*runtime.MaterialFile, error) {
	c, m, limitMB, err := s.uploadTarget(ctx, u, number, material)
	if err != nil {
		return nil, err
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
	ext, ok := blob.TypeAllowed(mediaType, m.FileTypes)
	if !ok {
		allowed := strings.Join(m.FileTypes, "、")
		return nil, runtime.Invalid("「"+m.Name+"」只接受 "+allowed+" 文件，上传的「"+blob.SafeName(filename)+"」实际是"+blob.Describe(mediaType)+"，请换成 "+allowed+" 文件后重新上传",
			runtime.FieldError{Pointer: "/file", Message: "文件类型不符：实际是" + blob.Describe(mediaType) + "，应为 " + allowed})
	}
	ref, err := s.blobs.Put(br, int64(limitMB)<<20)
	if errors.Is(err, blob.ErrTooLarge) {
		return nil, runtime.Errorf(runtime.ETOOLARGE, "「%s」单个文件不能超过 %d MB", m.Name, limitMB)
	}
	if err != nil {
		return nil, err
	}
	name := blob.SafeName(filename)
	if !strings.HasSuffix(strings.ToLower(name), "."+ext) {
		name += "." + ext
	}
	file := runtime.MaterialFile{Name: name, MediaType: mediaType, Size: ref.Size, SHA256: ref.SHA256, At: s.now()}
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		c, err := tx.GetCase(c.ID)
		if err != nil {
			return err
		}
		recs, err := decodeMaterials(c.Materials)
		if err != nil {
			return err
		}
		events := []runtime.Event{event("material-uploaded", actorOf(u), file.At,
			map[string]any{"material": material, "name": file.Name, "sha256": file.SHA256, "size": file.Size})}
		found := false
		for i := range recs {
			if recs[i].ID != material {
				continue
			}
			recs[i].Files = append(recs[i].Files, file)
			found = true
			if !recs[i].Deferred {
				continue
			}
			if c.Status == runtime.StatusDraft || c.Status == runtime.StatusCorrection {
				recs[i].Deferred, recs[i].DueAt = false, nil
				continue
			}
			more, err := s.deferredSupplied(ctx, tx, c, &recs[i], actorOf(u))
			if err != nil {
				return err
			}
			events = append(events, more...)
		}
		if !found {
			recs = append(recs, materialRecord{ID: material, Files: []runtime.MaterialFile{file}})
		}
		if c.Materials, err = json.Marshal(recs); err != nil {
			return err
		}
		if err := tx.UpdateCase(c); err != nil {
			return err
		}
		_, err = tx.AppendEvents(c.ID, events)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &file, nil
}

// emptyFile is the refusal of a file of no bytes: never a material, and most often a file
// the applicant's device failed to read.
func emptyFile(filename string) error {
	return runtime.Invalid("文件「"+blob.SafeName(filename)+"」是空的（0 字节），请重新选择文件",
		runtime.FieldError{Pointer: "/file", Message: "文件是空的"})
}

// Evaluate records the applicant's rating (好差评), once per case.
func (s *Service) Evaluate(ctx context.Context, u *runtime.User, number string, e runtime.Evaluation) error {
	if e.Score < 1 || e.Score > 5 {
		return runtime.Invalid("评分应为 1 到 5 分", runtime.FieldError{Pointer: "/score", Message: "应为 1–5"})
	}
	if len([]rune(e.Comment)) > 500 {
		return runtime.Invalid("评价内容不能超过 500 字", runtime.FieldError{Pointer: "/comment", Message: "太长"})
	}
	c, err := s.db.GetCaseByNumber(ctx, number)
	if err != nil || c.ApplicantID != u.ID {
		return caseNotFound(number)
	}
	if c.ConcludedAt == nil {
		return runtime.Errorf(runtime.ECONFLICT, "办件办结后才能评价")
	}
	e.At = s.now()
	return s.db.WithTx(ctx, func(tx runtime.Tx) error {
		if err := tx.SaveEvaluation(c.ID, u.ID, e); err != nil {
			return err
		}
		_, err := tx.AppendEvents(c.ID, []runtime.Event{event("evaluated", actorOf(u), e.At, e)})
		return err
	})
}
