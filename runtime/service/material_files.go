package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/xuchang-gov/tongban/runtime"
)

// EventMaterialOpened is the account audit log's entry of a material file opened or downloaded.
const EventMaterialOpened = "material-opened"

// OpenMaterialFile opens the index-th file (from 0) of a case's material for a user who may see
// the case — its applicant, or staff entitled to it — and records the opening in the account
// audit log, so that who read an applicant's papers is on record. Anything else is not found.
func (s *Service) OpenMaterialFile(ctx context.Context, u *runtime.User, number, material string, index int) (*runtime.MaterialFile, io.ReadCloser, error) {
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return nil, nil, err
	}
	var recs []materialRecord
	if len(c.Materials) > 0 {
		if err := json.Unmarshal(c.Materials, &recs); err != nil {
			return nil, nil, err
		}
	}
	var file *runtime.MaterialFile
	for _, r := range recs {
		if r.ID == material && index >= 0 && index < len(r.Files) {
			file = &r.Files[index]
		}
	}
	if file == nil {
		return nil, nil, runtime.Errorf(runtime.ENOTFOUND, "办件 %s 没有材料 %s 的第 %d 个文件", number, material, index+1)
	}
	rc, err := s.blobs.Open(file.SHA256)
	if err != nil {
		return nil, nil, runtime.Errorf(runtime.ENOTFOUND, "材料文件「%s」已不在服务器上", file.Name)
	}
	e := runtime.AccountEvent{Type: EventMaterialOpened, UserID: u.ID, Detail: fmt.Sprintf("查看办件 %s 的材料 %s：%s", number, material, file.Name)}
	if err := s.recordAccountEvents(ctx, e); err != nil {
		rc.Close()
		return nil, nil, err
	}
	return file, rc, nil
}
