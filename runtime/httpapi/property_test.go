package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// examplesPerOperation is how many requests each operation gets from each caller: a few valid
// ones and mutations of them.
const examplesPerOperation = 12

// TestEveryOperationKeepsItsDocument is a property-based run against the real server, the work
// Schemathesis does (which needs PyPI, out of this machine's reach): for every operation of the
// served document it generates requests from the parameters' and the body's schemas — valid
// ones, boundary values and invalid mutations, from a seeded random source — sends them as an
// applicant, a clerk and an administrator, and checks that no answer is a 5xx, that every status
// is one the document gives the operation, and that every JSON answer is valid against the
// schema documented for its status.
func TestEveryOperationKeepsItsDocument(t *testing.T) {
	e := sqliteEnv(t)
	var doc map[string]any
	if err := json.Unmarshal(e.document(), &doc); err != nil {
		t.Fatal(err)
	}
	answers := newAnswerSchemas(t, doc)

	// Real values for the path parameters, beside ones that name nothing.
	person := e.Token(citizen)
	submitted := e.apply(person, "sole-proprietor-registration", sample(t, "sole-proprietor-registration"), true)
	draft := e.expect(201)(e.call(person, "POST", "/api/v1/cases", map[string]any{"matter": "food-business-license", "form": map[string]any{}, "draft": true}))
	values := map[string][]string{
		"number":    {submitted["number"].(string), draft["number"].(string), "NOPE-1"},
		"slug":      {"sole-proprietor-registration", "food-business-license", "no-such-matter"},
		"material":  {"application", "businessPremises", "nope"},
		"id":        {"1", "2", strconv.Itoa(int(e.taskID(e.staff("wd-amr", "clerk"), submitted["number"].(string), "accept"))), "999999"},
		"connector": {"population-db", "housing-approval-system", "nope"},
		"key":       {e.Credential(citizen).IDNumber, "0"},
		"name":      {"acceptance-notice", "form.schema.json", "print/nope.json"},
	}
	callers := map[string]string{"applicant": person, "clerk": e.staff("wd-amr", "clerk"), "admin": e.staff("xc-gov", "admin")}

	paths := doc["paths"].(map[string]any)
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		ops := paths[p].(map[string]any)
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			op := ops[method].(map[string]any)
			id := op["operationId"].(string)
			t.Run(id, func(t *testing.T) {
				h := fnv.New64a()
				h.Write([]byte(id))
				g := &generator{rng: rand.New(rand.NewPCG(h.Sum64(), 22)), schemas: doc["components"].(map[string]any)["schemas"].(map[string]any)}
				for _, who := range slices.Sorted(maps.Keys(callers)) {
					for i := range examplesPerOperation {
						req := g.request(e.URL, strings.ToUpper(method), p, op, values, i%3 != 0)
						req.Header.Set("Authorization", "Bearer "+callers[who])
						checkAnswer(t, who, req, op, answers[id])
					}
				}
			})
		}
	}
}

// checkAnswer sends req and checks its answer against the operation's documented answers.
func checkAnswer(t *testing.T, who string, req *http.Request, op map[string]any, schemas map[string]*jsonschema.Schema) {
	t.Helper()
	sent := ""
	if req.GetBody != nil {
		b, _ := req.GetBody()
		raw, _ := io.ReadAll(io.LimitReader(b, 300))
		sent = string(raw)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", req.Method, req.URL, who, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	what := fmt.Sprintf("%s %s as %s with %q: %d %.400s", req.Method, req.URL.RequestURI(), who, sent, resp.StatusCode, raw)
	status := strconv.Itoa(resp.StatusCode)
	documented := op["responses"].(map[string]any)[status]
	switch {
	case resp.StatusCode >= 500:
		t.Errorf("server error: %s", what)
		return
	case documented == nil:
		t.Errorf("undocumented status: %s", what)
		return
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || len(raw) == 0 {
		return
	}
	schema := schemas[status]
	if schema == nil {
		t.Errorf("a JSON answer where the document gives none: %s", what)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err == nil {
		err = schema.Validate(v)
	}
	if err != nil {
		t.Errorf("answer not valid against its schema: %s\n%v", what, err)
	}
}

// newAnswerSchemas compiles the JSON schema of each documented answer, by operation id and
// status.
func newAnswerSchemas(t *testing.T, doc map[string]any) map[string]map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const components = "mem:///components.json"
	add := func(url string, v any, refs string) {
		raw, _ := json.Marshal(v)
		raw = []byte(strings.ReplaceAll(string(raw), `"#/components/schemas/`, `"`+refs))
		parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err == nil {
			err = c.AddResource(url, parsed)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	add(components, map[string]any{"$defs": doc["components"].(map[string]any)["schemas"]}, "#/$defs/")
	out := map[string]map[string]*jsonschema.Schema{}
	for _, ops := range doc["paths"].(map[string]any) {
		for _, op := range ops.(map[string]any) {
			op := op.(map[string]any)
			id := op["operationId"].(string)
			out[id] = map[string]*jsonschema.Schema{}
			for status, a := range op["responses"].(map[string]any) {
				content, _ := a.(map[string]any)["content"].(map[string]any)
				media, ok := content["application/json"].(map[string]any)
				if !ok {
					continue
				}
				url := "mem:///answers/" + id + "/" + status + ".json"
				add(url, media["schema"], components+"#/$defs/")
				s, err := c.Compile(url)
				if err != nil {
					t.Fatalf("%s %s: %v", id, status, err)
				}
				out[id][status] = s
			}
		}
	}
	return out
}

// generator makes requests from an operation's schemas.
type generator struct {
	rng     *rand.Rand
	schemas map[string]any
}

// request is a request of the operation at path: valid, or with one thing wrong.
func (g *generator) request(base, method, path string, op map[string]any, values map[string][]string, valid bool) *http.Request {
	params, _ := op["parameters"].([]any)
	// One parameter or the body is what an invalid request gets wrong.
	broken := -1
	if !valid {
		broken = g.rng.IntN(len(params) + 1)
	}
	query := url.Values{}
	headers := http.Header{}
	for i, p := range params {
		p := p.(map[string]any)
		name, in := p["name"].(string), p["in"].(string)
		schema, _ := p["schema"].(map[string]any)
		var v string
		switch {
		case i == broken:
			v = g.pick("-1", "abc", "%", "../..", strings.Repeat("长", 300), "9999999999999999999")
			if in != "path" && g.rng.IntN(4) == 0 {
				v = "" // a path parameter is never empty: that would be another path
			}
		case in == "path" && values[name] != nil:
			v = g.pick(values[name]...)
		case in == "header":
			v = headerValue(name, values)
		default:
			v = scalar(g.valid(schema, 0))
		}
		switch in {
		case "path":
			path = strings.Replace(path, "{"+name+"}", url.PathEscape(v), 1)
		case "query":
			if p["required"] == true || g.rng.IntN(3) > 0 || i == broken {
				query.Set(name, v)
			}
		case "header":
			if p["required"] == true || g.rng.IntN(2) == 0 {
				headers.Set(name, v)
			}
		}
	}
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	body, contentType := g.body(op, broken == len(params))
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	for k, v := range headers {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// body is the operation's request body, if it has one, and its media type.
func (g *generator) body(op map[string]any, broken bool) ([]byte, string) {
	rb, _ := op["requestBody"].(map[string]any)
	if rb == nil {
		return nil, ""
	}
	for media, c := range rb["content"].(map[string]any) {
		schema, _ := c.(map[string]any)["schema"].(map[string]any)
		switch media {
		case "application/json":
			if schema["$ref"] == nil && schema["properties"] == nil {
				break // raw JSON: a definition file
			}
			if broken {
				return g.broken(schema), g.pick("application/json", "text/plain", "")
			}
			raw, _ := json.Marshal(g.valid(schema, 0))
			return raw, "application/json"
		case "multipart/form-data":
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			part, _ := w.CreateFormFile(g.pick("file", "file", "other"), g.pick("材料.pdf", "a.jpg", ""))
			part.Write([]byte(g.pick("%PDF-1.4\n%%EOF\n", "", "\x89PNG\r\n\x1a\n0000", "MZ\x90")))
			w.Close()
			return buf.Bytes(), w.FormDataContentType()
		}
		return []byte(g.pick(`{}`, `{"a":1}`, "", "PK\x03\x04", "%PDF")), media
	}
	return nil, ""
}

// broken is a JSON body with one thing wrong: a required member missing, an unknown one, a
// value of the wrong type or out of range, a body of another type, or not JSON at all.
func (g *generator) broken(schema map[string]any) []byte {
	s := g.resolve(schema)
	v, _ := g.valid(schema, 0).(map[string]any)
	props, _ := s["properties"].(map[string]any)
	names := slices.Sorted(maps.Keys(props))
	switch g.rng.IntN(6) {
	case 0:
		if req, _ := s["required"].([]any); len(req) > 0 {
			delete(v, req[g.rng.IntN(len(req))].(string))
			break
		}
		fallthrough
	case 1:
		v["unknownField"] = 1
	case 2:
		if len(names) > 0 {
			v[names[g.rng.IntN(len(names))]] = oneOf(g, any("text"), any(12.5), any([]any{1}), any(map[string]any{"x": 1}), any(true), nil)
		}
	case 3:
		if len(names) > 0 {
			v[names[g.rng.IntN(len(names))]] = g.outOfRange(g.resolve(props[names[g.rng.IntN(len(names))]].(map[string]any)))
		}
	case 4:
		raw, _ := json.Marshal(oneOf(g, any([]any{v}), any("x"), any(42), nil))
		return raw
	default:
		return []byte(g.pick(`{"form":`, `{"a":1}{"b":2}`, "\xff\xfe", ""))
	}
	raw, _ := json.Marshal(v)
	return raw
}

// resolve follows a reference to a component schema.
func (g *generator) resolve(s map[string]any) map[string]any {
	for s != nil {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s, _ = g.schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	return map[string]any{}
}

// valid is a value of schema, its bounds included.
func (g *generator) valid(schema map[string]any, depth int) any {
	s := g.resolve(schema)
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[g.rng.IntN(len(enum))]
	}
	switch s["type"] {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		required, _ := s["required"].([]any)
		for _, name := range slices.Sorted(maps.Keys(props)) {
			if slices.Contains(required, any(name)) || depth < 3 && g.rng.IntN(2) == 0 {
				out[name] = g.valid(props[name].(map[string]any), depth+1)
			}
		}
		return out
	case "array":
		var out []any
		if items, ok := s["items"].(map[string]any); ok && depth < 3 {
			for range g.rng.IntN(3) {
				out = append(out, g.valid(items, depth+1))
			}
		}
		return append([]any{}, out...)
	case "string":
		low, high := bound(s, "minLength", 0), bound(s, "maxLength", 12)
		n := oneOf(g, low, high, low+g.rng.IntN(max(1, min(high, low+12)-low)))
		return strings.Repeat(g.pick("a", "办", "1", " "), n)
	case "integer":
		low, high := bound(s, "minimum", -3), bound(s, "maximum", 1<<20)
		return oneOf(g, low, high, low+g.rng.IntN(max(1, min(high-low, 10))))
	case "number":
		return oneOf(g, any(0.0), any(1.5), any(-2.25))
	case "boolean":
		return g.rng.IntN(2) == 0
	}
	return oneOf(g, any(map[string]any{}), any("x"), any(1))
}

// outOfRange is a value just outside schema's bounds, or of another type.
func (g *generator) outOfRange(s map[string]any) any {
	switch s["type"] {
	case "string":
		if _, ok := s["maxLength"]; ok {
			return strings.Repeat("长", bound(s, "maxLength", 0)+1)
		}
		return 7
	case "integer", "number":
		if _, ok := s["maximum"]; ok {
			return bound(s, "maximum", 0) + 1
		}
		return bound(s, "minimum", 0) - 1
	}
	return "not of its type"
}

func bound(s map[string]any, key string, otherwise int) int {
	if f, ok := s[key].(float64); ok {
		return int(f)
	}
	return otherwise
}

func (g *generator) pick(values ...string) string { return oneOf(g, values...) }

func oneOf[T any](g *generator, values ...T) T { return values[g.rng.IntN(len(values))] }

// scalar is v as a query or path parameter.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// headerValue is a plausible value of a request header.
func headerValue(name string, values map[string][]string) string {
	switch name {
	case "Tus-Resumable":
		return "1.0.0"
	case "Upload-Length":
		return "16"
	case "Upload-Offset":
		return "0"
	case "Upload-Metadata":
		b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
		return "case " + b64(values["number"][1]) + ",material " + b64("application") + ",filename " + b64("a.pdf") +
			",sha256 " + b64(strings.Repeat("ab", 32))
	case "If-Match":
		return `"1"`
	}
	return "value-" + name
}
