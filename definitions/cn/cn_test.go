package cn_test

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// The check characters below were computed by a separate script, not by this package, and
// 411002194003150126 by hand: the weighted sum of its first 17 digits is 160, 160 mod 11 = 6,
// and position 6 of "10X98765432" is 6.
var validIDNumbers = []struct {
	name string
	id   string
	want cn.IDInfo
}{
	{"魏都区 woman", "411002194003150126", cn.IDInfo{DivisionCode: "411002", Birth: date(1940, 3, 15), Male: false}},
	{"建安区 man", "411003198506070210", cn.IDInfo{DivisionCode: "411003", Birth: date(1985, 6, 7), Male: true}},
	{"鄢陵县 man", "411024196201010033", cn.IDInfo{DivisionCode: "411024", Birth: date(1962, 1, 1), Male: true}},
	{"禹州市 leap day", "411081200002290585", cn.IDInfo{DivisionCode: "411081", Birth: date(2000, 2, 29), Male: false}},
	{"长葛市 man", "411082199912311075", cn.IDInfo{DivisionCode: "411082", Birth: date(1999, 12, 31), Male: true}},
	{"check character X", "41100220000229058X", cn.IDInfo{DivisionCode: "411002", Birth: date(2000, 2, 29), Male: false}},
	{"example in GB 11643", "11010519491231002X", cn.IDInfo{DivisionCode: "110105", Birth: date(1949, 12, 31), Male: false}},
	{"renamed county 许昌县", "411023196201010037", cn.IDInfo{DivisionCode: "411023", Birth: date(1962, 1, 1), Male: true}},
	{"Taiwan resident permit", "830000199001010012", cn.IDInfo{DivisionCode: "830000", Birth: date(1990, 1, 1), Male: true}},
	{"Hong Kong resident permit", "810000199001010027", cn.IDInfo{DivisionCode: "810000", Birth: date(1990, 1, 1), Male: false}},
}

var invalidIDNumbers = []struct {
	name string
	id   string
	want error
}{
	{"empty", "", cn.ErrIDNumberLength},
	{"17 characters", "41100219400315012", cn.ErrIDNumberLength},
	{"19 characters", "4110021940031501260", cn.ErrIDNumberLength},
	{"old 15-digit number", "411002400315012", cn.ErrIDNumberLength},
	{"lowercase x", "41100220000229058x", cn.ErrIDNumberChars},
	{"letter in the body", "4110021940031501A6", cn.ErrIDNumberChars},
	{"space", "411002 94003150126", cn.ErrIDNumberChars},
	{"unknown province 00", "00100219400315012X", cn.ErrIDNumberDivision},
	{"30 Feb 1999", "411002199902300127", cn.ErrIDNumberBirth},
	{"29 Feb 2001", "411081200102290585", cn.ErrIDNumberBirth},
	{"month 13", "41100219401315012X", cn.ErrIDNumberBirth},
	{"born 1899", "411002189912310127", cn.ErrIDNumberBirth},
	// The standard's own second example, born in 1880, falls to the 1900 cut-off.
	{"example born 1880 in GB 11643", "440524188001010014", cn.ErrIDNumberBirth},
	{"wrong check digit", "411002194003150127", cn.ErrIDNumberCheck},
	{"X where a digit belongs", "41100219400315012X", cn.ErrIDNumberCheck},
	{"two digits swapped", "411002194003151026", cn.ErrIDNumberCheck},
}

func TestParseIDNumber(t *testing.T) {
	for _, tc := range validIDNumbers {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cn.ParseIDNumber(tc.id)
			if err != nil {
				t.Fatalf("ParseIDNumber(%q): %v", tc.id, err)
			}
			if got != tc.want {
				t.Errorf("ParseIDNumber(%q) = %+v, want %+v", tc.id, got, tc.want)
			}
			if !cn.ValidIDNumber(tc.id) {
				t.Errorf("ValidIDNumber(%q) = false", tc.id)
			}
		})
	}
	for _, tc := range invalidIDNumbers {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cn.ParseIDNumber(tc.id)
			if !errors.Is(err, tc.want) {
				t.Errorf("ParseIDNumber(%q) error = %v, want %v", tc.id, err, tc.want)
			}
			if cn.ValidIDNumber(tc.id) {
				t.Errorf("ValidIDNumber(%q) = true", tc.id)
			}
		})
	}
}

func TestMakeIDNumber(t *testing.T) {
	tests := []struct {
		division string
		birth    time.Time
		seq      int
		want     string
	}{
		{"411002", date(1940, 3, 15), 12, "411002194003150126"},
		{"411003", date(1985, 6, 7), 21, "411003198506070210"},
		{"411002", date(2000, 2, 29), 58, "41100220000229058X"},
		{"411025", date(2010, 8, 8), 1, "411025201008080013"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := cn.MakeIDNumber(tc.division, tc.birth, tc.seq); got != tc.want {
				t.Errorf("MakeIDNumber(%q, %s, %d) = %q, want %q", tc.division, tc.birth.Format(time.DateOnly), tc.seq, got, tc.want)
			}
		})
	}
}

func TestMakeIDNumberPanicsOnBadInput(t *testing.T) {
	tests := []struct {
		name     string
		division string
		birth    time.Time
		seq      int
	}{
		{"short division", "41100", date(1990, 1, 1), 1},
		{"letter in division", "41100A", date(1990, 1, 1), 1},
		{"sequence 1000", "411002", date(1990, 1, 1), 1000},
		{"negative sequence", "411002", date(1990, 1, 1), -1},
		{"zero birth time", "411002", time.Time{}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("MakeIDNumber(%q, %v, %d) did not panic", tc.division, tc.birth, tc.seq)
				}
			}()
			cn.MakeIDNumber(tc.division, tc.birth, tc.seq)
		})
	}
}

func TestAgeOn(t *testing.T) {
	cst := time.FixedZone("CST", 8*60*60)
	tests := []struct {
		name      string
		birth, on time.Time
		want      int
	}{
		{"day of birth", date(1985, 6, 7), date(1985, 6, 7), 0},
		{"day before the birthday", date(1985, 6, 7), date(2026, 6, 6), 40},
		{"on the birthday", date(1985, 6, 7), date(2026, 6, 7), 41},
		{"later in the year", date(1985, 6, 7), date(2026, 12, 31), 41},
		{"leap day, 28 Feb of a common year", date(2000, 2, 29), date(2001, 2, 28), 0},
		{"leap day, 1 Mar of a common year", date(2000, 2, 29), date(2001, 3, 1), 1},
		{"leap day, 29 Feb of a leap year", date(2000, 2, 29), date(2004, 2, 29), 4},
		{"18 on the day", date(2008, 5, 1), date(2026, 5, 1), 18},
		{"17 the day before", date(2008, 5, 1), date(2026, 4, 30), 17},
		// 00:30 in Beijing is still the previous day in UTC; the date as given counts.
		{"on in its own zone", date(1985, 6, 7), time.Date(2026, 6, 7, 0, 30, 0, 0, cst), 41},
		{"before birth", date(1985, 6, 7), date(1985, 6, 6), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cn.AgeOn(tc.birth, tc.on); got != tc.want {
				t.Errorf("AgeOn(%s, %s) = %d, want %d", tc.birth.Format(time.DateOnly), tc.on.Format(time.DateTime), got, tc.want)
			}
		})
	}
}

func TestValidUSCC(t *testing.T) {
	tests := []struct {
		name string
		code string
		want bool
	}{
		// Check characters computed by a separate script.
		{"许昌 enterprise", "914110001750501004", true},
		{"魏都区 individual business", "92411002MA9G0K3L6E", true},
		{"public institution", "124110000053874103", true},
		{"check character 0", "91411000MA44L7UT30", true},
		{"禹州 farmers' cooperative", "93411081MA9FQ2D11T", true},
		// Codes printed on real business licences, checked independently of this package.
		{"licence in 北京", "91110108551385082Q", true},
		{"licence in 深圳", "91440300708461136T", true},
		{"licence in 杭州", "91330100799655058B", true},

		{"empty", "", false},
		{"17 characters", "91411000175050100", false},
		{"19 characters", "9141100017505010040", false},
		{"wrong check character", "914110001750501005", false},
		{"lowercase", "92411002ma9g0k3l6e", false},
		{"letter O is never used", "91411000175O501004", false},
		{"letter I is never used", "9I4110001750501004", false},
		{"letter in the division code", "9141A000175050100K", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cn.ValidUSCC(tc.code); got != tc.want {
				t.Errorf("ValidUSCC(%q) = %t, want %t", tc.code, got, tc.want)
			}
		})
	}
}

func TestMakeUSCC(t *testing.T) {
	tests := []struct{ prefix, want string }{
		{"91411000175050100", "914110001750501004"},
		{"92411002MA9G0K3L6", "92411002MA9G0K3L6E"},
		{"91411000MA44L7UT3", "91411000MA44L7UT30"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := cn.MakeUSCC(tc.prefix); got != tc.want {
				t.Errorf("MakeUSCC(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"9141100017505010", "9141100017505010O"} {
		t.Run("panics on "+bad, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("MakeUSCC(%q) did not panic", bad)
				}
			}()
			cn.MakeUSCC(bad)
		})
	}
}

func TestValidMobile(t *testing.T) {
	tests := []struct {
		mobile string
		want   bool
	}{
		{"13800138000", true},
		{"15937412345", true},
		{"16612345678", true},
		{"19912345678", true},
		{"12345678901", false}, // no carrier uses 12
		{"10086100861", false},
		{"23800138000", false},
		{"1380013800", false},
		{"138001380000", false},
		{"+8613800138000", false},
		{"138-0013-8000", false},
		{"1380013800a", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.mobile, func(t *testing.T) {
			if got := cn.ValidMobile(tc.mobile); got != tc.want {
				t.Errorf("ValidMobile(%q) = %t, want %t", tc.mobile, got, tc.want)
			}
		})
	}
}

func TestValidDivisionCode(t *testing.T) {
	tests := []struct {
		name string
		code string
		want bool
	}{
		{"许昌市", "411000", true},
		{"魏都区", "411002", true},
		{"济源市, governed by the province", "419001", true},
		{"province", "410000", true},
		{"municipality", "110000", true},
		{"unlisted district of 北京", "110101", true},
		{"unlisted but well-formed", "411099", true},
		{"许昌县 before 2017", "411023", true},

		{"county without a city", "410001", false},
		{"province 00", "000000", false},
		{"unknown province 99", "990000", false},
		{"83 is only for residence permits", "830000", false},
		{"five digits", "41100", false},
		{"seven digits", "4110000", false},
		{"letter", "41100a", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cn.ValidDivisionCode(tc.code); got != tc.want {
				t.Errorf("ValidDivisionCode(%q) = %t, want %t", tc.code, got, tc.want)
			}
		})
	}
}

func TestDivisionName(t *testing.T) {
	tests := []struct {
		code     string
		want     string
		wantKnow bool
	}{
		{"410000", "河南省", true},
		{"411000", "河南省许昌市", true},
		{"411002", "河南省许昌市魏都区", true},
		{"411003", "河南省许昌市建安区", true},
		{"411024", "河南省许昌市鄢陵县", true},
		{"411025", "河南省许昌市襄城县", true},
		{"411081", "河南省许昌市禹州市", true},
		{"411082", "河南省许昌市长葛市", true},
		{"419001", "河南省济源市", true},
		{"110000", "北京市", true},
		{"650000", "新疆维吾尔自治区", true},
		{"110101", "", false},
		{"411023", "", false},
		{"bogus", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			got, ok := cn.DivisionName(tc.code)
			if got != tc.want || ok != tc.wantKnow {
				t.Errorf("DivisionName(%q) = %q, %t, want %q, %t", tc.code, got, ok, tc.want, tc.wantKnow)
			}
		})
	}
}

func TestDivisions(t *testing.T) {
	divisions := cn.Divisions()
	if !slices.IsSortedFunc(divisions, func(a, b cn.Division) int { return cmp.Compare(a.Code, b.Code) }) {
		t.Error("Divisions() is not sorted by code")
	}
	provinces := 0
	for i, d := range divisions {
		if i > 0 && divisions[i-1].Code == d.Code {
			t.Errorf("code %s listed twice", d.Code)
		}
		if !cn.ValidDivisionCode(d.Code) {
			t.Errorf("listed code %s (%s) is not valid", d.Code, d.Name)
		}
		if _, ok := cn.DivisionName(d.Code); !ok || d.Name == "" {
			t.Errorf("listed code %s has no name", d.Code)
		}
		if d.Code[2:] == "0000" {
			provinces++
		}
	}
	// 23 provinces, 5 autonomous regions, 4 municipalities, 2 special administrative regions.
	if provinces != 34 {
		t.Errorf("%d province-level divisions, want 34", provinces)
	}

	divisions[0].Name = "changed"
	if cn.Divisions()[0].Name == "changed" {
		t.Error("changing the slice Divisions returned changed the table")
	}
}

func TestChineseAmount(t *testing.T) {
	tests := []struct {
		yuan float64
		want string
	}{
		{0, "零元整"},
		{0.05, "伍分"},
		{0.5, "伍角整"},
		{0.55, "伍角伍分"},
		{1, "壹元整"},
		{10, "壹拾元整"},
		{10.5, "壹拾元伍角整"},
		{11, "壹拾壹元整"},
		{100, "壹佰元整"},
		{110, "壹佰壹拾元整"},
		{1005.07, "壹仟零伍元零柒分"},
		{1234.56, "壹仟贰佰叁拾肆元伍角陆分"},
		// The examples in the People's Bank rules for filling in bills.
		{1409.50, "壹仟肆佰零玖元伍角整"},
		{1680.32, "壹仟陆佰捌拾元叁角贰分"},
		{16409.02, "壹万陆仟肆佰零玖元零贰分"},
		{107000.53, "壹拾万柒仟元伍角叁分"},
		{325.04, "叁佰贰拾伍元零肆分"},

		{100000, "壹拾万元整"},
		{101000, "壹拾万壹仟元整"},
		{100100, "壹拾万零壹佰元整"},
		{100010000, "壹亿零壹万元整"},
		{100001000, "壹亿零壹仟元整"},
		{100000001, "壹亿零壹元整"},
		{1e11, "壹仟亿元整"},
		{999999999999.99, "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"},

		// Rounding to fen, halves away from zero, on the decimal as typed.
		{1.005, "壹元零壹分"},
		{2.675, "贰元陆角捌分"},
		{0.004, "零元整"},
		{-3.2, "负叁元贰角整"},
		{-1.005, "负壹元零壹分"},
		{-0.004, "零元整"},
		{math.Copysign(0, -1), "零元整"},
	}
	for _, tc := range tests {
		t.Run(strconv.FormatFloat(tc.yuan, 'f', -1, 64), func(t *testing.T) {
			got, err := cn.ChineseAmount(tc.yuan)
			if err != nil {
				t.Fatalf("ChineseAmount(%v): %v", tc.yuan, err)
			}
			if got != tc.want {
				t.Errorf("ChineseAmount(%v) = %q, want %q", tc.yuan, got, tc.want)
			}
		})
	}
}

func TestChineseAmountRefuses(t *testing.T) {
	for _, yuan := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e12, -1e12, 999999999999.995} {
		t.Run(strconv.FormatFloat(yuan, 'f', -1, 64), func(t *testing.T) {
			if got, err := cn.ChineseAmount(yuan); err == nil {
				t.Errorf("ChineseAmount(%v) = %q, want an error", yuan, got)
			}
		})
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, tc := range validIDNumbers {
		f.Add(tc.id)
	}
	for _, tc := range invalidIDNumbers {
		f.Add(tc.id)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := cn.ParseIDNumber(s)
		if valid := cn.ValidIDNumber(s); valid != (err == nil) {
			t.Fatalf("ValidIDNumber(%q) = %t but ParseIDNumber error = %v", s, valid, err)
		}
		if err != nil {
			return
		}
		// A valid number is exactly what MakeIDNumber builds from the parts it encodes.
		seq, _ := strconv.Atoi(s[14:17])
		if rebuilt := cn.MakeIDNumber(info.DivisionCode, info.Birth, seq); rebuilt != s {
			t.Fatalf("ParseIDNumber(%q) = %+v, which rebuilds as %q", s, info, rebuilt)
		}
		if info.Male != (seq%2 == 1) {
			t.Fatalf("ParseIDNumber(%q).Male = %t for sequence %03d", s, info.Male, seq)
		}
	})
}
