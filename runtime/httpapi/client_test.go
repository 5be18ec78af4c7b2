package httpapi_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/httpapi/apiclient"
)

// client is the generated client of the API acting as who (a demo user's name, or staff by
// "org/role").
func (e *env) client(who string) *apiclient.ClientWithResponses {
	e.T.Helper()
	token := e.Token(who)
	c, err := apiclient.NewClientWithResponses(e.URL, apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// TestGeneratedClient files an application, accepts and decides it and reads its progress
// through the Go client generated from the document (apiclient), as an integrator would: the
// document generates a client that works against the real server.
func TestGeneratedClient(t *testing.T) {
	e := sqliteEnv(t)
	const matter = "sole-proprietor-registration"
	applicant, clerk, decider := e.client(citizen), e.client("wd-amr/clerk"), e.client("wd-amr/decider")

	guide, err := applicant.GetMattersSlugWithResponse(ctx, matter)
	if err != nil || guide.JSON200 == nil {
		t.Fatalf("guide: %v %s", err, guide.Body)
	}
	types := map[string][]any{}
	for _, m := range guide.JSON200.Materials.([]any) {
		m := m.(map[string]any)
		types[m["id"].(string)], _ = m["fileTypes"].([]any)
	}

	form := map[string]any(sample(t, matter))
	draft := true
	created, err := applicant.PostCasesWithResponse(ctx, &apiclient.PostCasesParams{}, apiclient.SubmitCase{Matter: matter, Form: &form, Draft: &draft})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("draft: %v %d %s", err, created.StatusCode(), created.Body)
	}
	number := created.JSON201.Number

	// The submission names the materials still missing; each is uploaded, the deferrable ones
	// left for later (容缺).
	refused, err := applicant.PostCasesNumberSubmitWithResponse(ctx, number, apiclient.DraftForm{})
	if err != nil || refused.JSON400 == nil || refused.JSON400.Error.Fields == nil {
		t.Fatalf("submission without materials: %v %d %s", err, refused.StatusCode(), refused.Body)
	}
	var deferred []string
	for _, f := range *refused.JSON400.Error.Fields {
		id, _ := strings.CutPrefix(f.Pointer, "/materials/")
		if strings.Contains(f.Message, "容缺") {
			deferred = append(deferred, id)
			continue
		}
		name, content := fileFor(types[id])
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		part, _ := w.CreateFormFile("file", name)
		part.Write(content)
		w.Close()
		up, err := applicant.PostCasesNumberMaterialsMaterialWithBodyWithResponse(ctx, number, id, w.FormDataContentType(), &body)
		if err != nil || up.JSON201 == nil || up.JSON201.Sha256 == "" {
			t.Fatalf("upload %s: %v %d %s", id, err, up.StatusCode(), up.Body)
		}
	}
	submitted, err := applicant.PostCasesNumberSubmitWithResponse(ctx, number, apiclient.DraftForm{Deferred: &deferred})
	if err != nil || submitted.JSON200 == nil || submitted.JSON200.Status != "submitted" || submitted.JSON200.QueryCode == nil {
		t.Fatalf("submit: %v %d %s", err, submitted.StatusCode(), submitted.Body)
	}

	accepted, err := clerk.PostCasesNumberAcceptWithResponse(ctx, number, apiclient.OpinionOnly{})
	if err != nil || accepted.JSON200 == nil || accepted.JSON200.Status != "in-approval" {
		t.Fatalf("accept: %v %d %s", err, accepted.StatusCode(), accepted.Body)
	}
	tasks, err := decider.GetTasksWithResponse(ctx, &apiclient.GetTasksParams{})
	if err != nil || tasks.JSON200 == nil {
		t.Fatalf("tasks: %v %s", err, tasks.Body)
	}
	var task int64
	for _, it := range tasks.JSON200.Items {
		if it.CaseNumber == number && it.Node == "decision" {
			task = it.Id
		}
	}
	opinion := "符合条件，准予登记"
	decided, err := decider.PostTasksIdCompleteWithResponse(ctx, task, apiclient.Decision{Outcome: "approve", Opinion: &opinion})
	if err != nil || decided.JSON200 == nil || decided.JSON200.ConcludedAt == nil {
		t.Fatalf("decide task %d: %v %d %s", task, err, decided.StatusCode(), decided.Body)
	}

	// Anyone with the number and the query code reads the progress, without an account.
	public, err := apiclient.NewClientWithResponses(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	progress, err := public.GetProgressWithResponse(ctx, &apiclient.GetProgressParams{Number: number, QueryCode: *submitted.JSON200.QueryCode})
	if err != nil || progress.JSON200 == nil || progress.JSON200.Status != decided.JSON200.Status || len(progress.JSON200.Steps) < 3 {
		t.Fatalf("progress: %v %d %s", err, progress.StatusCode(), progress.Body)
	}
	wrong, err := public.GetProgressWithResponse(ctx, &apiclient.GetProgressParams{Number: number, QueryCode: "000000"})
	if err != nil || wrong.JSON404 == nil || wrong.JSON404.Error.Code != apiclient.NotFound {
		t.Fatalf("progress with a wrong code: %v %d %s", err, wrong.StatusCode(), wrong.Body)
	}
}
