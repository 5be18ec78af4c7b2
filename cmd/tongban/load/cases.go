package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// GeneratedMatter is a published matter cases are generated for.
type GeneratedMatter struct {
	Slug, OrgCode, DivisionCode string
	Version                     int
	// LimitDays is the promised limit; 0 for a matter concluded on the spot (即办件).
	LimitDays int
}

// Generate describes the cases to write: how many, over how many days before End, for which
// matters, rated by whom.
type Generate struct {
	Cases   int
	Days    int
	End     time.Time
	Matters []GeneratedMatter
	// Rater is the applicant the generated ratings are by (an existing user).
	Rater int64
	Seed  uint64
	// SetNow sets the store's clock, which numbers cases by their day; it is set before each
	// unit of work.
	SetNow func(time.Time)
	// Progress, if set, is told how many cases are written after every batch.
	Progress func(done int)
}

// generateBatch is how many cases one unit of work writes.
const generateBatch = 2000

// GenerateCases writes g.Cases cases through the store's ports, as a city's history for
// measuring the datasets and the monitor: mostly concluded (a tenth of them late), the recent
// ones still running, in correction, waiting for acceptance or overdue, some rated, a share
// by window and cross-district, each correction with its event. It runs no workflow and writes
// no other events or tasks: the cases are facts for counting only.
func GenerateCases(ctx context.Context, st runtime.Store, g Generate) error {
	if len(g.Matters) == 0 {
		return fmt.Errorf("没有已发布的事项")
	}
	rnd := rand.New(rand.NewPCG(g.Seed, 17))
	start := g.End.AddDate(0, 0, -g.Days)
	span := g.End.Sub(start)
	// The cases are written in time order, so that each day's numbers follow one another.
	for done := 0; done < g.Cases; {
		n := min(generateBatch, g.Cases-done)
		atOf := func(i int) time.Time {
			return start.Add(time.Duration(float64(span) * float64(done+i) / float64(g.Cases)))
		}
		g.SetNow(atOf(0))
		err := st.WithTx(ctx, func(tx runtime.Tx) error {
			for i := range n {
				at := atOf(i)
				c, events, score := generatedCase(rnd, g.Matters[rnd.IntN(len(g.Matters))], at, g.End)
				created, _, err := tx.CreateCase(runtime.NewCase{Case: c, Events: events})
				if err != nil {
					return err
				}
				if score > 0 {
					if err := tx.SaveEvaluation(created.ID, g.Rater, runtime.Evaluation{Score: score, At: *c.ConcludedAt}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
		if g.Progress != nil {
			g.Progress(done)
		}
	}
	return nil
}

// generatedCase is one case submitted at at, as it stands at end, with its events and rating
// (0 for none).
func generatedCase(rnd *rand.Rand, m GeneratedMatter, at, end time.Time) (runtime.Case, []runtime.Event, int) {
	channel := "online"
	switch r := rnd.IntN(100); {
	case r < 30:
		channel = "window"
	case r < 36:
		channel = "cross-region"
	}
	c := runtime.Case{Matter: m.Slug, MatterVersion: m.Version, Channel: channel, OrgCode: m.OrgCode, DivisionCode: m.DivisionCode,
		Form: []byte(`{}`), SubmittedAt: &at}
	var events []runtime.Event
	accepted := at.Add(time.Duration(rnd.IntN(4*60)) * time.Minute)
	due := runtime.EndOfDay(accepted.AddDate(0, 0, m.LimitDays*7/5))
	age := end.Sub(at)
	recent := age < time.Duration(m.LimitDays+3)*24*time.Hour
	switch r := rnd.IntN(100); {
	case recent && r < 15:
		c.Status = runtime.StatusSubmitted
	case recent && r < 25:
		c.Status, c.AcceptedAt, c.DueAt = runtime.StatusCorrection, &accepted, &due
		stopped := accepted.Add(time.Hour)
		c.StoppedAt = &stopped
		events = append(events, runtime.Event{Type: "correction-requested", Actor: "system:generate", At: stopped, Data: []byte(`{}`)})
	case recent && r < 70:
		c.Status, c.AcceptedAt, c.DueAt = runtime.StatusInApproval, &accepted, &due
	case r < 3:
		concluded := accepted
		c.Status, c.ConcludedAt = runtime.StatusNotAccepted, &concluded
	default:
		took := time.Duration(rnd.Float64() * float64(due.Sub(accepted)))
		if rnd.IntN(10) == 0 { // a tenth concluded late
			took = due.Sub(accepted) + time.Duration(1+rnd.IntN(5*24))*time.Hour
		}
		if m.LimitDays == 0 {
			took = time.Duration(rnd.IntN(3*60)) * time.Minute
		}
		concluded := accepted.Add(took)
		if concluded.After(end) {
			concluded = end
		}
		c.Status, c.AcceptedAt, c.DueAt, c.ConcludedAt = runtime.StatusDelivered, &accepted, &due, &concluded
		if rnd.IntN(20) == 0 {
			c.Status = runtime.StatusDenied
		}
	}
	score := 0
	if c.ConcludedAt != nil && rnd.IntN(3) == 0 {
		score = []int{5, 5, 5, 5, 4, 4, 3, 2, 1}[rnd.IntN(9)]
	}
	return c, events, score
}
