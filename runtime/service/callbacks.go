package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/xuchang-gov/tongban/runtime"
)

// ErrDuplicateCallback is a callback already applied: its sender repeated it.
var ErrDuplicateCallback = errors.New("callback already applied")

// departmentMessage is what a department system calls back: a step of its own process, or the
// result, naming the case and the waiting token the push carried.
type departmentMessage struct {
	Case   string `json:"case"`
	Token  int    `json:"token"`
	Node   string `json:"node"`
	Step   any    `json:"step"`
	Result struct {
		Decision string `json:"decision"`
		Opinion  string `json:"opinion"`
		License  any    `json:"license"`
	} `json:"result"`
}

// ApplyCallback applies a verified callback of a push connector, once: a process step becomes
// an audit event; the result completes the case's waiting connector step with approve or deny.
// The message id is recorded in the same transaction, so a repeated callback changes nothing
// (ErrDuplicateCallback).
func (s *Service) ApplyCallback(ctx context.Context, connector, id, typ string, body json.RawMessage) error {
	var msg departmentMessage
	if err := json.Unmarshal(body, &msg); err != nil || msg.Case == "" {
		return runtime.Invalid("回调内容应为含办件编号 case 的 JSON")
	}
	actor := "connector:" + connector
	return s.db.WithTx(ctx, func(tx runtime.Tx) error {
		dup, err := tx.RecordInbound(id, connector)
		if err != nil {
			return err
		}
		if dup {
			return ErrDuplicateCallback
		}
		c, err := tx.GetCaseByNumber(msg.Case)
		if err != nil {
			return runtime.Errorf(runtime.ENOTFOUND, "办件 %s 不存在", msg.Case)
		}
		switch typ {
		case "paid", "tracking":
			var data map[string]any
			json.Unmarshal(body, &data)
			if typ == "paid" {
				return s.feePaid(ctx, tx, c, actor, data)
			}
			return s.tracked(ctx, tx, c, actor, data)
		case "step":
			_, err := tx.AppendEvents(c.ID, []runtime.Event{event("department-step", actor, s.now(), map[string]any{"node": msg.Node, "step": msg.Step})})
			return err
		case "result":
			if msg.Result.Decision != "approve" && msg.Result.Decision != "deny" {
				return runtime.Invalid(fmt.Sprintf("办理结果应为 approve 或 deny，收到 %q", msg.Result.Decision))
			}
			return s.completeWaiting(ctx, tx, c.ID, msg.Token, msg.Result.Decision, actor,
				map[string]any{"opinion": msg.Result.Opinion, "license": msg.Result.License})
		}
		return runtime.Invalid("不认识的回调类型 " + typ)
	})
}
