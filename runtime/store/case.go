package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"gorm.io/gorm"
)

type caseRow struct {
	ID            int64 `gorm:"primaryKey"`
	Number        string
	QueryCode     string
	Matter        string
	MatterVersion int
	ApplicantID   *int64
	Channel       string
	WindowOrg     string
	Status        string
	Form          *string
	OrgCode       string
	DivisionCode  string
	Workflow      *string
	Materials     *string
	Fees          *string
	FeeTotal      float64
	FeePaidAt     *time.Time
	SubmittedAt   *time.Time
	// SubmittedDay is the date of SubmittedAt in the platform's zone (YYYY-MM-DD, "" before
	// submission), so that the datasets count days and months from an index, not per row.
	SubmittedDay string
	AcceptedAt   *time.Time
	ConcludedAt  *time.Time
	DueAt        *time.Time
	StoppedAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Revision     int
	// EventCount and EventHead anchor the audit trail: AppendEvents writes them with the events.
	EventCount int
	EventHead  string
}

func (caseRow) TableName() string { return "cases" }

func (r *caseRow) domain() *runtime.Case {
	c := &runtime.Case{
		ID: r.ID, Number: r.Number, QueryCode: r.QueryCode, Matter: r.Matter, MatterVersion: r.MatterVersion,
		Channel: r.Channel, WindowOrg: r.WindowOrg, Status: runtime.Status(r.Status), Form: rawJSON(r.Form),
		OrgCode: r.OrgCode, DivisionCode: r.DivisionCode, Workflow: rawJSON(r.Workflow), FeeTotal: r.FeeTotal,
		Materials: rawJSON(r.Materials), Fees: rawJSON(r.Fees), FeePaidAt: utcPtr(r.FeePaidAt),
		SubmittedAt: utcPtr(r.SubmittedAt), AcceptedAt: utcPtr(r.AcceptedAt), ConcludedAt: utcPtr(r.ConcludedAt),
		DueAt: utcPtr(r.DueAt), StoppedAt: utcPtr(r.StoppedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Revision: r.Revision,
	}
	if r.ApplicantID != nil {
		c.ApplicantID = *r.ApplicantID
	}
	return c
}

// CreateCase creates nc's case with its events, tasks and outbox messages, and returns it with
// created true. With an idempotency key already used by the same applicant it creates nothing
// and returns the case the key made, with created false — also when the two attempts run at
// the same time. It returns invalid for a malformed case, not_found when the case names a matter
// version that does not exist, conflict when the key was used for another matter and
// idempotency_key_reused when it was used with another request hash.
func (db *DB) CreateCase(ctx context.Context, nc runtime.NewCase) (c *runtime.Case, created bool, err error) {
	err = db.Write(ctx, func(tx *Tx) (err error) {
		c, created, err = tx.CreateCase(nc)
		return err
	})
	return c, created, err
}

// CreateCase is DB.CreateCase inside a unit of work.
func (tx *Tx) CreateCase(nc runtime.NewCase) (*runtime.Case, bool, error) {
	in := nc.Case
	if err := checkNewCase(&in); err != nil {
		return nil, false, err
	}
	if nc.IdempotencyKey != "" {
		// Claim the key first. On PostgreSQL a concurrent attempt with the same key waits here
		// until this transaction ends, then finds the key taken and returns this case.
		res := tx.g.Exec(`INSERT INTO idempotency_keys (applicant_id, idempotency_key, request_hash, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, in.ApplicantID, nc.IdempotencyKey, nc.RequestHash, tx.now)
		if res.Error != nil {
			return nil, false, wrap(res.Error, "claim idempotency key")
		}
		if res.RowsAffected == 0 {
			var key struct {
				CaseID      *int64
				RequestHash string
			}
			err := tx.g.Raw(`SELECT case_id, request_hash FROM idempotency_keys WHERE applicant_id = ? AND idempotency_key = ?`,
				in.ApplicantID, nc.IdempotencyKey).Scan(&key).Error
			if err != nil || key.CaseID == nil {
				return nil, false, wrap(fmt.Errorf("idempotency key without a case: %v", err), "idempotency key")
			}
			existing, err := tx.GetCase(*key.CaseID)
			if err != nil {
				return nil, false, err
			}
			if existing.Matter != in.Matter {
				return nil, false, conflict("幂等键 %q 已用于其他事项的申请", nc.IdempotencyKey)
			}
			// A key recorded before hashes were kept has none: its retries are taken as before.
			if key.RequestHash != "" && key.RequestHash != nc.RequestHash {
				return nil, false, runtime.Errorf(runtime.EKEYREUSED, "幂等键 %q 已用于内容不同的另一次申报；新的申报请换一个键", nc.IdempotencyKey)
			}
			return existing, false, nil
		}
	}

	number, err := tx.nextCaseNumber()
	if err != nil {
		return nil, false, err
	}
	if in.QueryCode == "" {
		in.QueryCode = newQueryCode()
	}
	if nc.Start != nil {
		in.Number = number
		if err := nc.Start(&in); err != nil {
			return nil, false, err
		}
		if err := checkNewCase(&in); err != nil {
			return nil, false, err
		}
	}
	row := caseRow{
		Number: number, QueryCode: in.QueryCode, Matter: in.Matter, MatterVersion: in.MatterVersion,
		Channel: in.Channel, WindowOrg: in.WindowOrg, Status: string(in.Status), OrgCode: in.OrgCode, DivisionCode: in.DivisionCode,
		FeeTotal: in.FeeTotal, SubmittedAt: storedTime(in.SubmittedAt), SubmittedDay: localDay(in.SubmittedAt), AcceptedAt: storedTime(in.AcceptedAt),
		ConcludedAt: storedTime(in.ConcludedAt), DueAt: storedTime(in.DueAt), StoppedAt: storedTime(in.StoppedAt),
		CreatedAt: tx.now, UpdatedAt: tx.now, Revision: 1,
	}
	if in.ApplicantID != 0 {
		row.ApplicantID = &in.ApplicantID
	}
	if row.Form, err = jsonText("/form", in.Form); err != nil {
		return nil, false, err
	}
	if row.Workflow, err = jsonText("/workflow", in.Workflow); err != nil {
		return nil, false, err
	}
	if row.Materials, err = jsonText("/materials", in.Materials); err != nil {
		return nil, false, err
	}
	if row.Fees, err = jsonText("/fees", in.Fees); err != nil {
		return nil, false, err
	}
	if err := tx.g.Create(&row).Error; err != nil {
		switch {
		case isForeignKey(err):
			return nil, false, notFound("事项 %s 第 %d 版不存在，或申请人不存在", in.Matter, in.MatterVersion)
		case isUnique(err):
			return nil, false, conflict("办件编号或查询码重复，请重试")
		}
		return nil, false, wrap(err, "insert case")
	}
	if nc.IdempotencyKey != "" {
		err := tx.g.Exec(`UPDATE idempotency_keys SET case_id = ? WHERE applicant_id = ? AND idempotency_key = ?`,
			row.ID, in.ApplicantID, nc.IdempotencyKey).Error
		if err != nil {
			return nil, false, wrap(err, "record idempotency key")
		}
	}
	if len(nc.Events) > 0 {
		if _, err := tx.AppendEvents(row.ID, nc.Events); err != nil {
			return nil, false, err
		}
	}
	if len(nc.Tasks) > 0 {
		tasks := append([]runtime.Task(nil), nc.Tasks...)
		for i := range tasks {
			tasks[i].CaseID = row.ID
		}
		if _, err := tx.CreateTasks(tasks); err != nil {
			return nil, false, err
		}
	}
	for _, m := range nc.Outbox {
		m.CaseID = row.ID
		if _, err := tx.Enqueue(m); err != nil {
			return nil, false, err
		}
	}
	return row.domain(), true, nil
}

func checkNewCase(c *runtime.Case) error {
	var fields []runtime.FieldError
	if c.Matter == "" {
		fields = append(fields, runtime.FieldError{Pointer: "/matter", Message: "缺少事项"})
	}
	if c.MatterVersion <= 0 {
		fields = append(fields, runtime.FieldError{Pointer: "/matterVersion", Message: "缺少事项版本"})
	}
	if c.Status == "" {
		c.Status = runtime.StatusDraft
	} else if _, ok := runtime.StatusNames[c.Status]; !ok {
		fields = append(fields, runtime.FieldError{Pointer: "/status", Message: "未知的办件状态"})
	}
	if fields != nil {
		return runtime.Invalid("办件信息不完整", fields...)
	}
	return nil
}

// nextCaseNumber takes the next number of today (in the platform's zone): XC, the date, and a six-digit
// count that restarts every day, from a row-locked counter in the sequences table; the unique
// index on cases.number is the backstop.
//
// On SQLite the counter is part of the unit of work, so numbers have no gaps. On PostgreSQL it
// is taken in a transaction of its own on a small separate pool, so the counter's row lock is
// held for one statement rather than for the whole unit of work, which would make every
// instance's submissions wait for one another (230 against 930 submissions a second in
// BenchmarkCreateCaseParallel); a unit of work that fails after taking its number leaves a gap.
// That pool commits without waiting for the disk: a number used by a durable case was written
// to the WAL before that case's commit record, so a crash can lose only numbers nobody used.
func (tx *Tx) nextCaseNumber() (string, error) {
	day := tx.now.In(runtime.Zone).Format("20060102")
	g := tx.g
	if tx.db.seq != nil {
		g = tx.db.seq.WithContext(tx.g.Statement.Context)
	}
	n, err := nextInSequence(g, "case:"+day)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("XC%s%06d", day, n), nil
}

// NextInSequence takes the next number of a named counter inside the unit of work, so that a
// rolled-back transaction leaves no gap (license numbers).
func (tx *Tx) NextInSequence(name string) (int64, error) { return nextInSequence(tx.g, name) }

func nextInSequence(g *gorm.DB, name string) (int64, error) {
	var n int64
	err := g.Raw(`INSERT INTO sequences (name, counter) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET counter = sequences.counter + 1 RETURNING counter`, name).Scan(&n).Error
	return n, wrap(err, "next in sequence "+name)
}

// queryAlphabet leaves out 0, 1, I, L, O and U, which people misread or mistype.
const queryAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// newQueryCode returns eight random characters: the code that lets anyone look up progress.
func newQueryCode() string {
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = queryAlphabet[int(b[i])%len(queryAlphabet)]
	}
	return string(b)
}

// GetCase returns a case by ID; not_found if there is none.
func (db *DB) GetCase(ctx context.Context, id int64) (c *runtime.Case, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		c, err = tx.GetCase(id)
		return err
	})
	return c, err
}

// GetCase reads a case inside a unit of work, seeing the unit's own writes.
func (tx *Tx) GetCase(id int64) (*runtime.Case, error) {
	return tx.findCase("id = ?", id)
}

// GetCaseByNumber returns a case by its number (办件编号); not_found if there is none.
func (db *DB) GetCaseByNumber(ctx context.Context, number string) (c *runtime.Case, err error) {
	err = db.read(ctx, func(tx *Tx) (err error) {
		c, err = tx.findCase("number = ?", number)
		return err
	})
	return c, err
}

// findCase reads the case where selects, all its columns or only those named.
func (tx *Tx) findCase(where string, arg any, columns ...string) (*runtime.Case, error) {
	var rows []caseRow
	q := tx.g
	if len(columns) > 0 {
		q = q.Select(columns)
	}
	if err := q.Where(where, arg).Limit(1).Find(&rows).Error; err != nil {
		return nil, wrap(err, "get case")
	}
	if len(rows) == 0 {
		return nil, notFound("办件不存在")
	}
	return rows[0].domain(), nil
}

// ListCases returns the cases f selects, newest first, and how many there are in all.
func (db *DB) ListCases(ctx context.Context, f runtime.CaseQuery) (cases []*runtime.Case, total int, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		q := tx.g.Model(&caseRow{})
		if f.ApplicantID != 0 {
			q = q.Where("applicant_id = ?", f.ApplicantID)
		}
		if len(f.OrgCodes) > 0 {
			q = q.Where("(org_code IN ? OR window_org IN ?)", f.OrgCodes, f.OrgCodes)
		}
		if len(f.Status) > 0 {
			q = q.Where("status IN ?", f.Status)
		}
		if f.Matter != "" {
			q = q.Where("matter = ?", f.Matter)
		}
		q = q.Session(&gorm.Session{}) // each use below starts from the filter alone
		offset, limit := page(f.Offset, f.Limit)
		var rows []caseRow
		if err := q.Order("id DESC").Offset(offset).Limit(limit).Find(&rows).Error; err != nil {
			return err
		}
		n, err := pageTotal(q, offset, limit, len(rows))
		if err != nil {
			return err
		}
		total = n
		cases = make([]*runtime.Case, len(rows))
		for i := range rows {
			cases[i] = rows[i].domain()
		}
		return nil
	})
	return cases, total, wrap(err, "list cases")
}

// UpdateCase stores c's changeable fields — status, form, workflow state, org and division,
// fee total and the dates — if c.Revision is still the stored revision, then increments
// c.Revision and sets c.UpdatedAt. It returns conflict if someone else changed the case since
// c was read, not_found if there is no such case.
func (db *DB) UpdateCase(ctx context.Context, c *runtime.Case) error {
	next := *c
	err := db.Write(ctx, func(tx *Tx) error {
		next = *c
		return tx.UpdateCase(&next)
	})
	if err == nil {
		*c = next
	}
	return err
}

// UpdateCase is DB.UpdateCase inside a unit of work. If the unit of work fails later, c has
// already been changed: read the case again before retrying.
func (tx *Tx) UpdateCase(c *runtime.Case) error {
	if _, ok := runtime.StatusNames[c.Status]; !ok {
		return runtime.Invalid("办件信息有误", runtime.FieldError{Pointer: "/status", Message: "未知的办件状态"})
	}
	form, err := jsonText("/form", c.Form)
	if err != nil {
		return err
	}
	workflow, err := jsonText("/workflow", c.Workflow)
	if err != nil {
		return err
	}
	materials, err := jsonText("/materials", c.Materials)
	if err != nil {
		return err
	}
	fees, err := jsonText("/fees", c.Fees)
	if err != nil {
		return err
	}
	res := tx.g.Model(&caseRow{}).Where("id = ? AND revision = ?", c.ID, c.Revision).Updates(map[string]any{
		"status": string(c.Status), "form": form, "workflow": workflow, "org_code": c.OrgCode,
		"materials": materials, "fees": fees,
		"division_code": c.DivisionCode, "fee_total": c.FeeTotal, "fee_paid_at": storedTime(c.FeePaidAt),
		"submitted_at": storedTime(c.SubmittedAt), "submitted_day": localDay(c.SubmittedAt), "accepted_at": storedTime(c.AcceptedAt),
		"concluded_at": storedTime(c.ConcludedAt), "due_at": storedTime(c.DueAt), "stopped_at": storedTime(c.StoppedAt),
		"updated_at": tx.now, "revision": gorm.Expr("revision + 1"),
	})
	if res.Error != nil {
		return wrap(res.Error, "update case")
	}
	if res.RowsAffected == 0 {
		if _, err := tx.GetCase(c.ID); err != nil {
			return err
		}
		return conflict("办件已被他人修改，请刷新后重试")
	}
	c.Revision++
	c.UpdatedAt = tx.now
	return nil
}

// jsonText checks and compacts a JSON value for storage; empty means NULL.
func jsonText(pointer string, raw json.RawMessage) (*string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, runtime.Invalid("数据格式有误", runtime.FieldError{Pointer: pointer, Message: "不是合法的 JSON"})
	}
	s := buf.String()
	return &s, nil
}

func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

// ListCasesAfter returns up to limit cases with ids above afterID, in id order: a reading of
// every case in pages that never shifts as cases are added (keyset pagination).
func (db *DB) ListCasesAfter(ctx context.Context, afterID int64, limit int) (cases []*runtime.Case, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		var rows []caseRow
		if err := tx.g.Where("id > ?", afterID).Order("id").Limit(max(1, min(limit, 5000))).Find(&rows).Error; err != nil {
			return wrap(err, "list cases after")
		}
		for i := range rows {
			cases = append(cases, rows[i].domain())
		}
		return nil
	})
	return cases, err
}
