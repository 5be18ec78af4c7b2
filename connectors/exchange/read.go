package exchange

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/xuchang-gov/tongban/runtime"
)

// MaxPageSize is the most cases one page holds: what a Source's ListCases returns at most.
const MaxPageSize = 500

// Source is what the exchange reads cases from: the runtime's store.
type Source interface {
	// ListCases returns the cases q selects, newest first, and how many there are in all.
	ListCases(ctx context.Context, q runtime.CaseQuery) ([]*runtime.Case, int, error)
	// ListCasesAfter returns up to limit cases with ids above afterID, in id order.
	ListCasesAfter(ctx context.Context, afterID int64, limit int) ([]*runtime.Case, error)
}

// Position is how far a reading of the cases in id order has come: every case up to LastID
// has been read, Done cases in all. It is what a transfer's checkpoint keeps.
type Position struct {
	LastID int64 `json:"lastId"`
	Done   int   `json:"done"`
}

// Page is one page of cases, in ascending id order.
type Page struct {
	Records []Record
	// Pos is the position after this page.
	Pos Position
	// Total is how many cases the source held when the page was read.
	Total int
}

// ReadPages reads the cases after pos in ascending id order, pageSize at a time (at most
// MaxPageSize, default MaxPageSize), and calls fn with each page until no case is left or fn or
// the reading fails.
//
// The store offers pages of newest first by offset (ListCases). Cases are never deleted, so a
// case's rank counted from the oldest never changes while new cases arrive on top: ReadPages
// asks for the page at offset total − Done − n, and asks again when the total it placed the page
// by is not the total in the snapshot the page came from. A case it has read already (one pushed
// up by a case with a lower id committed late on PostgreSQL) is left out, so nothing is read
// twice. Such a late case itself is not read, as with any reading in id order; on SQLite, whose
// one writer commits in id order, that cannot happen.
func ReadPages(ctx context.Context, from Source, pos Position, pageSize int, fn func(Page) error) error {
	if pageSize <= 0 || pageSize > MaxPageSize {
		pageSize = MaxPageSize
	}
	r := reader{db: from, size: pageSize, total: -1}
	if err := r.checkResume(ctx, pos); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		cases, err := r.next(ctx, pos)
		if err != nil {
			return err
		}
		if cases == nil {
			return nil
		}
		page := Page{Records: make([]Record, 0, len(cases)), Pos: pos, Total: r.total}
		for _, c := range cases {
			page.Pos.Done++
			if c.ID <= pos.LastID {
				continue
			}
			page.Records = append(page.Records, RecordOf(c))
			page.Pos.LastID = c.ID
		}
		if err := fn(page); err != nil {
			return err
		}
		pos = page.Pos
	}
}

// Records is every case record of from in id order, read a page at a time, as a sequence for
// PushSeq. A failed read ends it with the error.
func Records(ctx context.Context, from Source, pageSize int) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		errStop := errors.New("stopped")
		err := ReadPages(ctx, from, Position{}, pageSize, func(p Page) error {
			for _, r := range p.Records {
				if !yield(r, nil) {
					return errStop
				}
			}
			return nil
		})
		if err != nil && err != errStop {
			yield(Record{}, err)
		}
	}
}

// reader places pages of cases by rank from the oldest.
type reader struct {
	db    Source
	size  int
	total int // the count of cases at the last read, -1 before the first
}

// count reads how many cases there are.
func (r *reader) count(ctx context.Context) error {
	_, total, err := r.db.ListCases(ctx, runtime.CaseQuery{Limit: 1})
	if err != nil {
		return fmt.Errorf("读取办件总数：%w", err)
	}
	r.total = total
	return nil
}

// checkResume refuses a position that cannot belong to this database: more cases read than
// there are, or a last case that is not where the position says.
func (r *reader) checkResume(ctx context.Context, pos Position) error {
	if pos.Done == 0 {
		return nil
	}
	if err := r.count(ctx); err != nil {
		return err
	}
	if pos.Done > r.total {
		return fmt.Errorf("检查点记录已读 %d 条办件，来源只有 %d 条：检查点不属于这个数据库", pos.Done, r.total)
	}
	cases, _, err := r.db.ListCases(ctx, runtime.CaseQuery{Offset: r.total - pos.Done, Limit: 1})
	if err != nil {
		return fmt.Errorf("读取办件：%w", err)
	}
	// A case that committed late below LastID would put a lower id here; a higher one means the
	// position was not taken from this database.
	if len(cases) == 1 && cases[0].ID > pos.LastID {
		return fmt.Errorf("检查点（第 %d 条，办件 ID %d）与来源数据库不符", pos.Done, pos.LastID)
	}
	return nil
}

// next returns the cases ranked Done to Done+size−1 from the oldest, ascending; nil when there
// are none.
func (r *reader) next(ctx context.Context, pos Position) ([]*runtime.Case, error) {
	cases, err := r.db.ListCasesAfter(ctx, pos.LastID, r.size)
	if err != nil {
		return nil, fmt.Errorf("读取办件：%w", err)
	}
	if len(cases) > 0 {
		if err := r.count(ctx); err != nil {
			return nil, err
		}
	}
	return cases, nil
}
