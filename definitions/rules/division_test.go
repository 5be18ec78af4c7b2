package rules_test

import (
	"testing"

	"github.com/xuchang-gov/tongban/definitions/rules"
)

func TestInDivision(t *testing.T) {
	tests := []struct {
		code, parent string
		want         bool
	}{
		{"411002", "411000", true},
		{"411002", "410000", true},
		{"410102", "411000", false},
		{"411002001", "411002", true},
		{"411002001", "411000", true},
		{"411003100", "411002", false},
		{"411002001", "411002001", true},
		{"411002", "411002001", false},
		{"41100", "411000", false},
		{"411002001001", "411000", true},
		{"411002001001", "411002", true},
		{"411002001001", "411002001", true},
		{"411002001001", "411002001001", true},
		{"411002001001", "411003", false},
		{"411002001001", "411002002", false},
		{"411002002001", "411002001001", false},
		{"411002001", "411002001001", false},
		{"41100200100", "411002", false},
	}
	for _, tc := range tests {
		t.Run(tc.code+" in "+tc.parent, func(t *testing.T) {
			if got := rules.InDivision(tc.code, tc.parent); got != tc.want {
				t.Fatalf("InDivision = %v, want %v", got, tc.want)
			}
		})
	}
}
