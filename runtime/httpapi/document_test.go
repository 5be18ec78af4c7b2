package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite apiclient/openapi.json from the served document")

// committedDocument is the document the generated client is made from.
const committedDocument = "apiclient/openapi.json"

// TestServedDocumentIsCommitted: the document the program serves is the one the client in
// apiclient is generated from, so that a change of the API that is not carried into the client
// fails. After a change: go test ./runtime/httpapi -run TestServedDocumentIsCommitted -update,
// then go generate ./runtime/httpapi/apiclient.
func TestServedDocumentIsCommitted(t *testing.T) {
	e := sqliteEnv(t)
	served := e.document()
	if *update {
		if err := os.WriteFile(committedDocument, served, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile(committedDocument)
	if err != nil || !bytes.Equal(committed, served) {
		t.Fatalf("%s is not the served document (%v): run go test ./runtime/httpapi -run TestServedDocumentIsCommitted -update, then go generate ./runtime/httpapi/apiclient", committedDocument, err)
	}
}

// document is the served OpenAPI document, indented with sorted keys.
func (e *env) document() []byte {
	e.T.Helper()
	resp, err := http.Get(e.URL + "/api/v1/openapi.json")
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		e.T.Fatalf("openapi.json: %v", err)
	}
	out, _ := json.MarshalIndent(doc, "", "  ")
	return append(out, '\n')
}
