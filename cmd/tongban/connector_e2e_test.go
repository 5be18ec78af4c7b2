package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/cmd/tongban/app/apptest"
	"github.com/xuchang-gov/tongban/connectors/simulate"
	"github.com/xuchang-gov/tongban/examples"
	"github.com/xuchang-gov/tongban/runtime"
)

// TestDepartmentSystemRoundTrip wires the server as serve does and puts a push to the housing
// department's approval system (a simulator on a real port) before the decision of 建筑工程施工
// 许可: the outbox delivers the push, the department calls back its steps and result — each
// callback twice — and the case moves on once.
func TestDepartmentSystemRoundTrip(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bundle := fstest.MapFS{}
	fs.WalkDir(examples.Bundle, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(examples.Bundle, name)
			bundle[name] = &fstest.MapFile{Data: data}
		}
		return err
	})
	name := "matters/construction-permit/workflow.json"
	var wf map[string]any
	json.Unmarshal(bundle[name].Data, &wf)
	wf["nodes"] = append(wf["nodes"].([]any), map[string]any{"id": "deptSystem", "type": "connector", "name": "住建审批系统办理", "connector": "housing-approval-system"})
	for _, e := range wf["edges"].([]any) {
		if e := e.(map[string]any); e["from"] == "check" && e["on"] == "approve" {
			e["to"] = "deptSystem"
		}
	}
	wf["edges"] = append(wf["edges"].([]any), map[string]any{"from": "deptSystem", "to": "decide", "on": "approve"},
		map[string]any{"from": "deptSystem", "to": "endDenied", "on": "deny"})
	bundle[name].Data, _ = json.Marshal(wf)

	srv := apptest.Start(t, app.Config{Definitions: bundle,
		Simulators: simulate.Config{CallbackDelay: 20 * time.Millisecond, Faults: simulate.Faults{DuplicateRate: 1}}})
	go srv.Run(ctx)
	svc, d := srv.Service, srv.Deliverer
	user := func(name, org string) *runtime.User {
		who := name
		if org != "" {
			who = org + "/" + name
		}
		u, err := svc.Authenticate(ctx, srv.Token(who))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	applicant := user("许昌瑞祥置业有限公司", "")
	form, _ := os.ReadFile("../../examples/matters/construction-permit/sample.json")
	draft, err := svc.SubmitCase(ctx, applicant, runtime.SubmitCase{Matter: "construction-permit", Form: form, Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.SubmitDraft(ctx, applicant, draft.Number, nil, nil)
	var deferred []string
	if e, ok := err.(*runtime.Error); ok {
		for _, f := range e.Fields {
			id := f.Pointer[len("/materials/"):]
			if strings.Contains(f.Message, "容缺") {
				deferred = append(deferred, id)
				continue
			}
			if _, err := svc.UploadMaterial(ctx, applicant, draft.Number, id, "材料.pdf", strings.NewReader("%PDF-1.4\n%%EOF\n")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.SubmitDraft(ctx, applicant, draft.Number, nil, deferred); err != nil {
		t.Fatal(err)
	}
	act := func(org, role, node string) {
		u := user(role, org)
		tasks, _ := svc.ListTasks(ctx, u, false)
		for _, task := range tasks {
			if task.CaseNumber == draft.Number && task.Node == node {
				if _, err := svc.CompleteTask(ctx, u, task.ID, runtime.TaskAction{Outcome: map[bool]string{true: "accept", false: "approve"}[node == "accept"]}); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatalf("no task %s", node)
	}
	act("xc-housing", "clerk", "accept")
	act("xc-nr", "reviewer", "planningCheck")
	act("xc-civil-defense", "reviewer", "civilDefenseReview")
	act("xc-housing", "reviewer", "qualitySafetyReview")
	act("xc-housing", "checker", "check")
	d.Wake()

	decider := user("decider", "xc-housing")
	deadline := time.Now().Add(10 * time.Second)
	for {
		tasks, _ := svc.ListTasks(ctx, decider, false)
		if len(tasks) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the department's result never reached the case")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	events, _ := svc.CaseEvents(ctx, applicant, draft.Number)
	steps, results := 0, 0
	for _, e := range events {
		switch e.Type {
		case "department-step":
			steps++
		case "waiting-completed":
			results++
		}
	}
	if steps != 3 || results != 1 {
		t.Fatalf("applied %d steps and %d results; every callback came twice and must apply once", steps, results)
	}
}
