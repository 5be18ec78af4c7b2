package cn_test

import (
	"testing"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

func TestTowns(t *testing.T) {
	tests := []struct {
		county      string
		count       int
		first, last cn.Division
	}{
		{"411002", 15, cn.Division{Code: "411002001", Name: "西大街道"}, cn.Division{Code: "411002570", Name: "东城区管委会"}},
		{"411003", 18, cn.Division{Code: "411003001", Name: "许由街道"}, cn.Division{Code: "411003208", Name: "艾庄回族乡"}},
		{"411024", 12, cn.Division{Code: "411024100", Name: "安陵镇"}, cn.Division{Code: "411024111", Name: "马坊镇"}},
		{"411025", 16, cn.Division{Code: "411025100", Name: "城关镇"}, cn.Division{Code: "411025206", Name: "双庙乡"}},
		{"411081", 26, cn.Division{Code: "411081001", Name: "颍川街道"}, cn.Division{Code: "411081210", Name: "山货回族乡"}},
		{"411082", 16, cn.Division{Code: "411082001", Name: "建设路街道"}, cn.Division{Code: "411082111", Name: "佛耳湖镇"}},
		{"411000", 0, cn.Division{}, cn.Division{}},
		{"410102", 0, cn.Division{}, cn.Division{}},
	}
	for _, tc := range tests {
		t.Run(tc.county, func(t *testing.T) {
			towns := cn.Towns(tc.county)
			if len(towns) != tc.count {
				t.Fatalf("%d towns, want %d", len(towns), tc.count)
			}
			if tc.count > 0 && (towns[0] != tc.first || towns[len(towns)-1] != tc.last) {
				t.Fatalf("first %v, last %v; want %v, %v", towns[0], towns[len(towns)-1], tc.first, tc.last)
			}
			for i, d := range towns {
				if len(d.Code) != 9 || d.Code[:6] != tc.county || (i > 0 && towns[i-1].Code >= d.Code) {
					t.Fatalf("town %d %v: not a sorted township of %s", i, d, tc.county)
				}
			}
		})
	}
}

func TestTownCodes(t *testing.T) {
	tests := []struct {
		code  string
		valid bool
		name  string // "" when unknown
	}{
		{"411002001", true, "河南省许昌市魏都区西大街道"},
		{"411003100", true, "河南省许昌市建安区将官池镇"},
		{"411081103", true, "河南省许昌市禹州市神垕镇"},
		{"411002", true, "河南省许昌市魏都区"},
		{"411002999", false, ""},    // not a township of 魏都区
		{"410102001", false, ""},    // townships outside 许昌 are not listed
		{"411071001", false, ""},    // 许昌经济技术开发区 is not a GB/T 2260 county
		{"411002001001", false, ""}, // village codes are not listed
		{"41100200", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			if got := cn.ValidDivisionCode(tc.code); got != tc.valid {
				t.Errorf("ValidDivisionCode = %v, want %v", got, tc.valid)
			}
			name, ok := cn.DivisionName(tc.code)
			if name != tc.name || ok != (tc.name != "") {
				t.Errorf("DivisionName = %q, %v; want %q", name, ok, tc.name)
			}
		})
	}
}
