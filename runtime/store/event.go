package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"gorm.io/gorm"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

type eventRow struct {
	CaseID   int64 `gorm:"primaryKey;autoIncrement:false"`
	Seq      int   `gorm:"primaryKey;autoIncrement:false"`
	Type     string
	Actor    string
	At       time.Time
	Data     *string
	PrevHash string
	Hash     string
}

func (eventRow) TableName() string { return "case_events" }

func (r *eventRow) domain() runtime.Event {
	return runtime.Event{CaseID: r.CaseID, Seq: r.Seq, Type: r.Type, Actor: r.Actor, At: r.At.UTC(),
		Data: rawJSON(r.Data), PrevHash: r.PrevHash, Hash: r.Hash}
}

// EventHash is the hash that chains an event to the one before it: the lowercase hex SHA-256 of
// the JSON array [prevHash, caseID, seq, type, actor, at, data] — at in RFC 3339 UTC with up
// to microseconds, data the stored (compact) JSON as a string, "" when there is none — encoded
// without HTML escaping. The first event of a case has prevHash "". Anyone holding a copy of
// the trail can recompute it.
func EventHash(prevHash string, e runtime.Event) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode([]any{prevHash, e.CaseID, e.Seq, e.Type, e.Actor,
		e.At.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano), string(e.Data)})
	sum := sha256.Sum256(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return hex.EncodeToString(sum[:])
}

// AppendEvents adds events to the end of a case's audit trail and returns them as stored. The
// store assigns CaseID, Seq (continuing the trail without gaps), PrevHash and Hash, and At where
// it is zero. It returns not_found if there is no such case and invalid for an event without a
// type or with data that is not JSON.
func (db *DB) AppendEvents(ctx context.Context, caseID int64, events []runtime.Event) (out []runtime.Event, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		out, err = tx.AppendEvents(caseID, events)
		return err
	})
	return out, err
}

// AppendEvents is DB.AppendEvents inside a unit of work.
func (tx *Tx) AppendEvents(caseID int64, events []runtime.Event) ([]runtime.Event, error) {
	if len(events) == 0 {
		return nil, nil
	}
	// Lock the case: appends to one case take turns on PostgreSQL, so the sequence stays
	// contiguous (the primary key on (case_id, seq) is the backstop). The trail continues from
	// the head its row records.
	var heads []struct {
		EventCount int
		EventHead  string
	}
	if err := tx.g.Raw("SELECT event_count, event_head FROM cases WHERE id = ?"+tx.db.forUpdate(false), caseID).Scan(&heads).Error; err != nil {
		return nil, wrap(err, "lock case")
	}
	if len(heads) == 0 {
		return nil, notFound("办件不存在")
	}
	seq, prev := heads[0].EventCount, heads[0].EventHead
	rows := make([]eventRow, len(events))
	out := make([]runtime.Event, len(events))
	for i, e := range events {
		if e.Type == "" {
			return nil, runtime.Invalid("事件缺少类型", runtime.FieldError{Pointer: fmt.Sprintf("/events/%d/type", i), Message: "缺少事件类型"})
		}
		data, err := jsonText(fmt.Sprintf("/events/%d/data", i), e.Data)
		if err != nil {
			return nil, err
		}
		seq++
		e.CaseID, e.Seq, e.PrevHash, e.Data = caseID, seq, prev, rawJSON(data)
		if e.At.IsZero() {
			e.At = tx.now
		}
		e.At = e.At.UTC().Truncate(time.Microsecond)
		e.Hash = EventHash(prev, e)
		prev = e.Hash
		rows[i] = eventRow{CaseID: caseID, Seq: seq, Type: e.Type, Actor: e.Actor, At: e.At, Data: data,
			PrevHash: e.PrevHash, Hash: e.Hash}
		out[i] = e
	}
	if err := tx.g.Create(&rows).Error; err != nil {
		if isUnique(err) {
			return nil, conflict("办件记录正被同时修改，请重试")
		}
		return nil, wrap(err, "insert events")
	}
	if err := tx.g.Exec("UPDATE cases SET event_count = ?, event_head = ? WHERE id = ?", seq, prev, caseID).Error; err != nil {
		return nil, wrap(err, "anchor events")
	}
	if hook := tx.db.cfg.hooks.Event; hook != nil {
		tx.AfterCommit(func() {
			for _, e := range out {
				hook(e.Type)
			}
		})
	}
	return out, nil
}

// ListEvents returns a case's audit trail in order.
func (db *DB) ListEvents(ctx context.Context, caseID int64) ([]runtime.Event, error) {
	var events []runtime.Event
	err := db.readOne(ctx, func(g *gorm.DB) (err error) {
		events, err = listEvents(g, caseID)
		return err
	})
	return events, err
}

func listEvents(g *gorm.DB, caseID int64) ([]runtime.Event, error) {
	var rows []eventRow
	if err := g.Where("case_id = ?", caseID).Order("seq").Find(&rows).Error; err != nil {
		return nil, wrap(err, "list events")
	}
	out := make([]runtime.Event, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// trailColumns are the case's columns CaseTrail reads: not the form, workflow state,
// materials and fees, which are most of a row and none of the lookup's business.
var trailColumns = []string{"id", "number", "query_code", "matter", "matter_version", "channel", "status", "org_code",
	"division_code", "applicant_id", "submitted_at", "accepted_at", "concluded_at", "due_at", "stopped_at", "created_at", "updated_at", "revision"}

// CaseTrail reads together what the public progress lookup shows of a case: the case without
// its form, workflow state, materials and fees, its applicant's name ("" when the case has
// none) and the type, time and data of its audit events of the given types, in order.
func (db *DB) CaseTrail(ctx context.Context, number string, eventTypes []string) (c *runtime.Case, applicant string, events []runtime.Event, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		if c, err = tx.findCase("number = ?", number, trailColumns...); err != nil {
			return err
		}
		if c.ApplicantID != 0 {
			var names []string
			if err := tx.g.Model(&userRow{}).Where("id = ?", c.ApplicantID).Limit(1).Pluck("name", &names).Error; err != nil {
				return wrap(err, "applicant name")
			}
			if len(names) == 1 {
				applicant = names[0]
			}
		}
		var rows []eventRow
		err = tx.g.Select("seq", "type", "at", "data").Where("case_id = ? AND type IN ?", c.ID, eventTypes).Order("seq").Find(&rows).Error
		if err != nil {
			return wrap(err, "case trail")
		}
		events = make([]runtime.Event, len(rows))
		for i := range rows {
			events[i] = rows[i].domain()
		}
		return nil
	})
	return c, applicant, events, err
}

// ChainError says where a case's audit trail stopped verifying: an event was changed, removed
// or inserted behind the store's back. It is an internal error: logged and alerted on, never
// shown to users.
type ChainError struct {
	CaseID int64
	Seq    int
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("store: audit trail of case %d broken at event %d: %s", e.CaseID, e.Seq, e.Reason)
}

// VerifyChain recomputes the hash chain of a case's audit trail and compares its end with the
// head the case row records and, when since.Count > 0, its event since.Count with since.Head. It
// returns nil if every event is intact and in place, a *ChainError at the first one that is not,
// and not_found if the case does not exist.
func (db *DB) VerifyChain(ctx context.Context, caseID int64, since runtime.CaseHead) error {
	return db.read(ctx, func(tx *Tx) error {
		var c []caseRow
		if err := tx.g.Select("id", "event_count", "event_head").Where("id = ?", caseID).Limit(1).Find(&c).Error; err != nil {
			return wrap(err, "read case")
		}
		if len(c) == 0 {
			return notFound("办件不存在")
		}
		var rows []eventRow
		if err := tx.g.Where("case_id = ?", caseID).Order("seq").Find(&rows).Error; err != nil {
			return wrap(err, "read events")
		}
		prev := ""
		for i := range rows {
			e := rows[i].domain()
			switch {
			case e.Seq != i+1:
				return &ChainError{caseID, i + 1, fmt.Sprintf("sequence has a gap (found %d)", e.Seq)}
			case e.PrevHash != prev:
				return &ChainError{caseID, e.Seq, "previous hash does not match the event before"}
			case EventHash(prev, e) != e.Hash:
				return &ChainError{caseID, e.Seq, "content does not match its hash"}
			case e.Seq == since.Count && e.Hash != since.Head:
				return &ChainError{caseID, e.Seq, "event differs from the one the checkpoint recorded"}
			}
			prev = e.Hash
		}
		switch {
		case len(rows) != c[0].EventCount:
			return &ChainError{caseID, len(rows) + 1, fmt.Sprintf("trail has %d events, its case row records %d", len(rows), c[0].EventCount)}
		case prev != c[0].EventHead:
			return &ChainError{caseID, len(rows), "last event is not the head its case row records"}
		case len(rows) < since.Count:
			return &ChainError{caseID, len(rows) + 1, fmt.Sprintf("trail ends before the %d events the checkpoint recorded", since.Count)}
		}
		return nil
	})
}
