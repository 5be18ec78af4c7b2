package workbench

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// todoPage is the worklist: the open steps of the user's roles, the most urgent first.
type todoPage struct {
	Tasks []runtime.TaskView
	Mine  bool
	// Late and Soon count the overdue steps and those due within a day.
	Late, Soon int
	UserID     int64
}

func (b *workbench) todo(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	mine := r.URL.Query().Get("mine") == "1"
	tasks, err := b.Tasks.ListTasks(r.Context(), u, mine)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	// Most urgent first: steps without a limit last, then by when they came in.
	slices.SortStableFunc(tasks, func(a, c runtime.TaskView) int {
		switch {
		case a.DueAt == nil && c.DueAt == nil:
			return a.CreatedAt.Compare(c.CreatedAt)
		case a.DueAt == nil:
			return 1
		case c.DueAt == nil:
			return -1
		}
		return a.DueAt.Compare(*c.DueAt)
	})
	d := todoPage{Tasks: tasks, Mine: mine, UserID: u.ID}
	now := b.Now()
	for _, t := range tasks {
		switch {
		case t.DueAt == nil:
		case t.DueAt.Before(now):
			d.Late++
		case t.DueAt.Before(now.Add(24 * time.Hour)):
			d.Soon++
		}
	}
	b.pages.Render(w, r, "todo", http.StatusOK, b.pages.Frame(r, "待办", d))
}

// claim takes an open step for the user.
func (b *workbench) claim(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	id, err := taskID(r)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	t, err := b.Tasks.ClaimTask(r.Context(), u, id)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	site.SeeOther(w, r, "/work/cases/"+url.PathEscape(t.CaseNumber), "claimed")
}

// complete finishes a step with its outcome and the opinion.
func (b *workbench) complete(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	b.act(w, r, u, false)
}

// giveBack returns the case to an earlier step (退回) with the opinion.
func (b *workbench) giveBack(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	b.act(w, r, u, true)
}

func (b *workbench) act(w http.ResponseWriter, r *http.Request, u *runtime.User, back bool) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	id, err := taskID(r)
	if err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	a := runtime.TaskAction{Outcome: r.PostFormValue("outcome"), Opinion: r.PostFormValue("opinion"), To: r.PostFormValue("to")}
	msg := "done"
	if back {
		msg = "returned"
		_, err = b.Tasks.ReturnTask(r.Context(), u, id, a)
	} else {
		_, err = b.Tasks.CompleteTask(r.Context(), u, id, a)
	}
	if err != nil {
		if r.PostFormValue("case") == "" {
			b.pages.Fail(w, r, err)
			return
		}
		b.refused(w, r, u, err, a.Opinion)
		return
	}
	site.SeeOther(w, r, "/work/", msg)
}
