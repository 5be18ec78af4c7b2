package cn_test

import (
	"strings"
	"testing"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// TestBelowCounty lists the townships of a county (Towns) and the villages of a township
// (Villages): sorted, each within its parent, none for codes of another level or elsewhere.
func TestBelowCounty(t *testing.T) {
	tests := []struct {
		name        string
		list        func(string) []cn.Division
		parent      string
		count       int
		first, last cn.Division
	}{
		{"towns", cn.Towns, "411002", 15, cn.Division{Code: "411002001", Name: "西大街道"}, cn.Division{Code: "411002570", Name: "东城区"}},
		{"towns", cn.Towns, "411003", 18, cn.Division{Code: "411003001", Name: "许由街道"}, cn.Division{Code: "411003208", Name: "艾庄回族乡"}},
		{"towns", cn.Towns, "411024", 12, cn.Division{Code: "411024100", Name: "安陵镇"}, cn.Division{Code: "411024111", Name: "马坊镇"}},
		{"towns", cn.Towns, "411025", 16, cn.Division{Code: "411025001", Name: "城关街道"}, cn.Division{Code: "411025206", Name: "双庙乡"}},
		{"towns", cn.Towns, "411081", 26, cn.Division{Code: "411081001", Name: "颍川街道"}, cn.Division{Code: "411081210", Name: "山货回族乡"}},
		{"towns", cn.Towns, "411082", 16, cn.Division{Code: "411082001", Name: "建设路街道"}, cn.Division{Code: "411082111", Name: "佛耳湖镇"}},
		{"towns", cn.Towns, "411000", 0, cn.Division{}, cn.Division{}},
		{"towns", cn.Towns, "410102", 0, cn.Division{}, cn.Division{}},
		{"towns", cn.Towns, "411071", 0, cn.Division{}, cn.Division{}},
		{"towns", cn.Towns, "4110", 0, cn.Division{}, cn.Division{}},
		{"villages", cn.Villages, "411002001", 6, cn.Division{Code: "411002001001", Name: "金地社区居委会"}, cn.Division{Code: "411002001006", Name: "府后社区居委会"}},
		{"villages", cn.Villages, "411024101", 50, cn.Division{Code: "411024101001", Name: "李孟居委会"}, cn.Division{Code: "411024101051", Name: "未来社区居民委员会"}},
		{"villages", cn.Villages, "411082111", 25, cn.Division{Code: "411082111001", Name: "柳树庙社区居委会"}, cn.Division{Code: "411082111225", Name: "下集村"}},
		{"villages", cn.Villages, "411002", 0, cn.Division{}, cn.Division{}},
		{"villages", cn.Villages, "411071001", 0, cn.Division{}, cn.Division{}},
		{"villages", cn.Villages, "411002001001", 0, cn.Division{}, cn.Division{}},
		{"villages", cn.Villages, "", 0, cn.Division{}, cn.Division{}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" of "+tc.parent, func(t *testing.T) {
			got := tc.list(tc.parent)
			if len(got) != tc.count {
				t.Fatalf("%d divisions, want %d", len(got), tc.count)
			}
			if tc.count > 0 && (got[0] != tc.first || got[len(got)-1] != tc.last) {
				t.Fatalf("first %v, last %v; want %v, %v", got[0], got[len(got)-1], tc.first, tc.last)
			}
			for i, d := range got {
				if len(d.Code) != len(tc.parent)+3 || !strings.HasPrefix(d.Code, tc.parent) || (i > 0 && got[i-1].Code >= d.Code) {
					t.Fatalf("division %d %v: not a sorted subdivision of %s", i, d, tc.parent)
				}
			}
		})
	}
}

// TestVillagesOfEachCounty walks 许昌 county by county, township by township: the source lists
// 2,505 villages and communities under 4110, of which the 27 of 411071 许昌经济技术开发区 are
// left out with its townships. A village whose township is missing would not be reached, so
// the counts also show that every village has its township.
func TestVillagesOfEachCounty(t *testing.T) {
	want := map[string]int{"411002": 104, "411003": 454, "411024": 396, "411025": 448, "411081": 678, "411082": 398}
	seen := map[string]bool{}
	for county, count := range want {
		t.Run(county, func(t *testing.T) {
			n := 0
			for _, town := range cn.Towns(county) {
				villages := cn.Villages(town.Code)
				if len(villages) == 0 {
					t.Errorf("township %v has no villages", town)
				}
				for _, v := range villages {
					if seen[v.Code] || v.Name == "" {
						t.Fatalf("village %v listed twice or unnamed", v)
					}
					seen[v.Code] = true
				}
				n += len(villages)
			}
			if n != count {
				t.Fatalf("%d villages, want %d", n, count)
			}
		})
	}
	if len(seen) != 2505-27 {
		t.Fatalf("%d villages in 许昌, want %d", len(seen), 2505-27)
	}
}

// TestCodesBelowCounty: the township and village codes of 许昌 are valid and named from the
// province down, and no other code of their lengths is.
func TestCodesBelowCounty(t *testing.T) {
	tests := []struct {
		code  string
		valid bool
		name  string // "" when unknown
	}{
		{"411002", true, "河南省许昌市魏都区"},
		{"411002001", true, "河南省许昌市魏都区西大街道"},
		{"411003100", true, "河南省许昌市建安区将官池镇"},
		{"411003005", true, "河南省许昌市建安区小召街道"},
		{"411081103", true, "河南省许昌市禹州市神垕镇"},
		{"411002001001", true, "河南省许昌市魏都区西大街道金地社区居委会"},
		{"411003101214", true, "河南省许昌市建安区五女店镇位村村委会"},
		{"411082111225", true, "河南省许昌市长葛市佛耳湖镇下集村"},
		{"411002999", false, ""},    // not a township of 魏都区
		{"411025100", false, ""},    // 城关镇, 城关街道 (411025001) since 2023
		{"410102001", false, ""},    // townships outside 许昌 are not listed
		{"411071001", false, ""},    // 许昌经济技术开发区 is not a GB/T 2260 county
		{"411002001999", false, ""}, // not a village of 西大街道
		{"411071001001", false, ""}, // nor are the villages of 许昌经济技术开发区
		{"410102001001", false, ""}, // villages outside 许昌 are not listed
		{"41100200", false, ""},
		{"41100200100", false, ""},
		{"4110020010010", false, ""},
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
