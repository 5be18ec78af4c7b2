package service_test

import (
	"testing"

	"github.com/xuchang-gov/tongban/runtime"
)

// TestReturnIsForWhoeverClaimed: a claimed task is returned (退回) only by whoever claimed it; a
// colleague holding the same role is refused and the case stays where it is.
func TestReturnIsForWhoeverClaimed(t *testing.T) {
	f := newFixture(t, memBundle(t))
	v := f.apply("许昌瑞祥置业有限公司", "food-business-license", sampleForm(t, "food-business-license"))
	f.act(v.Number, "wd-amr/clerk", "accept", "accept")
	reviewer := f.users["wd-amr/reviewer"]
	inspector := f.users["wd-amr/inspector"]
	if err := f.db.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		return tx.SetUserRoles(inspector.ID, inspector.Roles, inspector.OrgCode, []string{"inspector", "reviewer"})
	}); err != nil {
		t.Fatal(err)
	}
	colleague, err := f.db.GetUser(ctx, inspector.ID)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := f.svc.ListTasks(ctx, reviewer, false)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, task := range tasks {
		if task.CaseNumber == v.Number && task.Node == "review" {
			id = task.ID
		}
	}
	if _, err := f.svc.ClaimTask(ctx, reviewer, id); err != nil {
		t.Fatal(err)
	}
	back := runtime.TaskAction{To: "accept", Opinion: "场所证明不清晰，退回受理环节核实"}
	if _, err := f.svc.ReturnTask(ctx, colleague, id, back); runtime.ErrorCode(err) != runtime.ECONFLICT {
		t.Fatalf("a colleague returned a task claimed by another: %v", err)
	}
	if hasEvent(f.events(v.Number), "task-returned") {
		t.Fatal("the refused return was recorded")
	}
	if _, err := f.svc.ReturnTask(ctx, reviewer, id, back); err != nil {
		t.Fatalf("the claimant could not return the task: %v", err)
	}
}
