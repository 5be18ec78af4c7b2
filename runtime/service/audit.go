package service

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// checkpointEvery is how often RunTimers signs the heads of every case's audit trail.
const checkpointEvery = time.Hour

// Checkpoint signs every case's audit-trail head as the case rows record them now and stores
// the checkpoint: from then on a case deleted whole, or a trail cut back together with its
// row, is found by VerifyAudit.
func (s *Service) Checkpoint(ctx context.Context) (runtime.AuditCheckpoint, error) {
	if len(s.fileSecret) < 16 {
		return runtime.AuditCheckpoint{}, runtime.Errorf(runtime.EINTERNAL, "no secret is configured to sign audit checkpoints")
	}
	heads, err := s.db.CaseHeads(ctx)
	if err != nil {
		return runtime.AuditCheckpoint{}, err
	}
	cp := runtime.AuditCheckpoint{At: s.now().UTC().Truncate(time.Microsecond), Heads: heads}
	cp.MAC = s.checkpointMAC(cp)
	return s.db.SaveCheckpoint(ctx, cp)
}

// checkpointMAC signs a checkpoint's time and heads.
func (s *Service) checkpointMAC(cp runtime.AuditCheckpoint) string {
	body, _ := json.Marshal(struct {
		At    string             `json:"at"`
		Heads []runtime.CaseHead `json:"heads"`
	}{cp.At.UTC().Format(time.RFC3339Nano), cp.Heads})
	return s.mac("tongban-audit-checkpoint:", body)
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	// Checked is how many cases were verified.
	Checked int
	// Checkpoint is the checkpoint the cases were compared with; nil when there is none (or
	// its signature did not hold, which Broken then says).
	Checkpoint *runtime.AuditCheckpoint
	// Broken lists what does not verify, by case number.
	Broken []AuditBreak
}

// AuditBreak is one case (or checkpoint) that does not verify.
type AuditBreak struct {
	Number  string
	Problem string
}

// VerifyAudit verifies the audit trail of the case numbered number, or of every case when
// number is "": each trail's hash chain, its end against the head its case row records, and the
// newest checkpoint's head of the case; with every case, also that no case the checkpoint
// recorded is gone. It returns ENOTFOUND for a number no case has.
func (s *Service) VerifyAudit(ctx context.Context, number string) (AuditReport, error) {
	var r AuditReport
	cp, err := s.db.LatestCheckpoint(ctx)
	switch {
	case runtime.ErrorCode(err) == runtime.ENOTFOUND:
	case err != nil:
		return r, err
	case !hmac.Equal([]byte(cp.MAC), []byte(s.checkpointMAC(*cp))):
		r.Broken = append(r.Broken, AuditBreak{fmt.Sprintf("检查点 #%d", cp.ID), "检查点的签名不符：检查点被改动过，或不是用本平台的密钥签的"})
	default:
		r.Checkpoint = cp
	}
	var heads []runtime.CaseHead
	if number != "" {
		c, err := s.db.GetCaseByNumber(ctx, number)
		if err != nil {
			return r, err
		}
		heads = []runtime.CaseHead{{CaseID: c.ID, Number: c.Number}}
	} else if heads, err = s.db.CaseHeads(ctx); err != nil {
		return r, err
	}
	recorded := map[int64]runtime.CaseHead{}
	if r.Checkpoint != nil {
		for _, h := range r.Checkpoint.Heads {
			recorded[h.CaseID] = h
		}
	}
	for _, h := range heads {
		r.Checked++
		since, ok := recorded[h.CaseID]
		delete(recorded, h.CaseID)
		if ok && since.Number != h.Number {
			r.Broken = append(r.Broken, AuditBreak{h.Number, fmt.Sprintf("办件编号与检查点 #%d 记录的 %s 不符", r.Checkpoint.ID, since.Number)})
			continue
		}
		if err := s.db.VerifyChain(ctx, h.CaseID, since); err != nil {
			if runtime.ErrorCode(err) == runtime.ENOTFOUND {
				err = fmt.Errorf("办件在校验时已不存在")
			}
			r.Broken = append(r.Broken, AuditBreak{h.Number, "留痕被篡改：" + err.Error()})
		}
	}
	if number == "" && r.Checkpoint != nil {
		for _, h := range r.Checkpoint.Heads {
			if _, gone := recorded[h.CaseID]; !gone {
				continue
			}
			r.Broken = append(r.Broken, AuditBreak{h.Number, fmt.Sprintf("办件已不存在，检查点 #%d（%s）记录了它的 %d 条留痕",
				r.Checkpoint.ID, r.Checkpoint.At.In(runtime.Zone).Format("2006-01-02 15:04:05"), h.Count)})
		}
	}
	return r, nil
}
