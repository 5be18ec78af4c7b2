package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"testing/fstest"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/blob"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// BenchmarkThemeSubmission files a theme of three members that all start at once — the
// combined form validated, mapped onto three member forms with provenance, the shared
// materials checked once and referenced by each, the theme case and three member cases written
// in one unit of work — on a SQLite file.
func BenchmarkThemeSubmission(b *testing.B) {
	ctx := context.Background()
	bundle := memBundle(b)
	threeMembers(b, bundle)
	db := storetest.OpenSQLite(b)
	blobs, err := blob.NewDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	svc := service.New(db, blobs, nil, service.WithFileSecret([]byte("benchmark-file-secret-of-32-bytes")))
	if _, problems, err := svc.Import(ctx, bundle, true); err != nil || len(problems) > 0 {
		b.Fatalf("import: %v %v", err, problems)
	}
	creds, err := svc.SeedDemo(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var citizen *runtime.User
	for _, c := range creds {
		if c.Name == "张伟" {
			citizen, _ = svc.Authenticate(ctx, c.Token)
		}
	}
	up, err := svc.UploadFile(ctx, citizen, "经营场所使用证明.pdf", bytes.NewReader(benchPDF))
	if err != nil {
		b.Fatal(err)
	}
	req := runtime.SubmitTheme{Theme: "bench-three", Form: bundle["themes/barbershop-opening/sample.json"].Data,
		Materials: []runtime.MaterialFiles{{ID: "premisesProof", Files: []string{up.Ref}}}}
	if v, err := svc.SubmitTheme(ctx, citizen, req); err != nil || len(v.Members) != 3 || v.Members[2].CaseNumber == "" {
		b.Fatalf("submission: %v %+v", err, v)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.SubmitTheme(ctx, citizen, req); err != nil {
			b.Fatal(err)
		}
	}
}

// threeMembers adds themes/bench-three: 开办理发店一件事's combined form filling three business
// licence members at once, with the premises proof and the operator's identity shared by all.
func threeMembers(b *testing.B, bundle fstest.MapFS) {
	var theme map[string]any
	var mappings struct {
		Members map[string]json.RawMessage `json:"members"`
	}
	json.Unmarshal(bundle["themes/barbershop-opening/theme.json"].Data, &theme)
	json.Unmarshal(bundle["themes/barbershop-opening/mappings.json"].Data, &mappings)
	ids := []string{"first", "second", "third"}
	var members []any
	maps := map[string]json.RawMessage{}
	shared := map[string]string{}
	for _, id := range ids {
		members = append(members, map[string]any{"id": id, "matter": "sole-proprietor-registration", "minVersion": 1})
		maps[id] = mappings.Members["license"]
		shared[id] = "premisesProof"
	}
	theme["members"], theme["dependencies"], theme["name"] = members, nil, "三个成员的一件事"
	delete(theme, "dependencies")
	put := func(name string, v any) {
		raw, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		bundle["themes/bench-three/"+name] = &fstest.MapFile{Data: raw}
	}
	put("theme.json", theme)
	put("mappings.json", map[string]any{"members": maps})
	put("materials.json", map[string]any{"materials": []any{map[string]any{"id": "premisesProof", "name": "经营场所使用证明", "members": shared}}})
	for _, name := range []string{"form.schema.json", "form.ui.json"} {
		bundle["themes/bench-three/"+name] = bundle["themes/barbershop-opening/"+name]
	}
}
