package registry

import "testing"

func TestRebase(t *testing.T) {
	cases := map[string]string{
		"http://127.0.0.1:9090/population/v1/persons/{key}": "http://127.0.0.1:5555/population/v1/persons/{key}",
		"https://dept.example.gov.cn":                       "http://127.0.0.1:5555",
		"relative/path":                                     "relative/path",
	}
	for in, want := range cases {
		if got := rebase(in, "http://127.0.0.1:5555/"); got != want {
			t.Errorf("rebase(%q) = %q, want %q", in, got, want)
		}
	}
}
