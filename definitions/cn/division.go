package cn

import (
	"slices"
	"strings"
)

// Division is one administrative division of GB/T 2260 with its own short name,
// such as {"411002", "魏都区"}.
type Division struct {
	Code string
	Name string
}

// divisionNames indexes divisionTable by code.
var divisionNames = func() map[string]string {
	m := make(map[string]string, len(divisionTable))
	for _, d := range divisionTable {
		m[d.Code] = d.Name
	}
	return m
}()

// provinces holds the two-digit province parts of the codes in divisionTable.
var provinces = func() map[string]bool {
	m := map[string]bool{}
	for _, d := range divisionTable {
		if d.Code[2:] == "0000" {
			m[d.Code[:2]] = true
		}
	}
	return m
}()

// Towns returns the townships (乡、镇、街道) of a county of 许昌市 with their nine-digit
// statistical codes (统计用区划代码), sorted by code; none for other codes. The slice is a copy.
func Towns(county string) []Division {
	if len(county) != 6 {
		return nil
	}
	return within(townTable, county)
}

// Villages returns the villages and communities (村、社区, named by their committees as the
// statistics name them, such as 金地社区居委会) of a township of 许昌市 with their twelve-digit
// statistical codes, sorted by code; none for other codes. The slice is a copy.
func Villages(town string) []Division {
	if len(town) != 9 {
		return nil
	}
	return within(villageTable, town)
}

// within is the entries of a table sorted by code whose codes start with parent, copied.
// The tables are sorted so that this, and named, search rather than keep an index: the
// village table is read only for the one township a form shows.
func within(table []Division, parent string) []Division {
	i, _ := slices.BinarySearchFunc(table, parent, byCode)
	j := i
	for j < len(table) && strings.HasPrefix(table[j].Code, parent) {
		j++
	}
	return slices.Clone(table[i:j])
}

// named is the short name of a township or village of 许昌 by its statistical code.
func named(code string) (string, bool) {
	table := townTable
	if len(code) == 12 {
		table = villageTable
	}
	i, ok := slices.BinarySearchFunc(table, code, byCode)
	if !ok {
		return "", false
	}
	return table[i].Name, true
}

// byCode orders a table entry against a code for the binary searches.
func byCode(d Division, code string) int {
	return strings.Compare(d.Code, code)
}

// Divisions returns the divisions this package knows by name, sorted by code: every
// province-level division, the prefecture-level cities of 河南省 and the counties of 许昌市.
// The slice is a copy; changing it changes nothing here.
func Divisions() []Division {
	return slices.Clone(divisionTable)
}

// ValidDivisionCode reports whether s can be a GB/T 2260 division code: six digits whose first
// two are a province and whose last two are 00 whenever the middle two are, since a county
// always belongs to a city or to a province-level county group (90). Codes this package does
// not list by name are accepted when they have that shape, so that divisions outside 河南省 and
// new ones still pass; DivisionName tells whether a code is known. The nine-digit township
// and twelve-digit village codes of 许昌 (Towns, Villages) are valid too, so that a form can
// record the township or village chosen; other such codes are not, since nothing here could
// name or check them.
func ValidDivisionCode(s string) bool {
	if len(s) == 9 || len(s) == 12 {
		_, known := named(s)
		return known
	}
	if len(s) != 6 || !allDigits(s) || !provinces[s[:2]] {
		return false
	}
	if _, known := divisionNames[s]; known {
		return true
	}
	city, county := s[2:4], s[4:6]
	return city != "00" || county == "00"
}

// DivisionName returns the full name of a known division, from the province down, such as
// "河南省许昌市魏都区" for 411002, "河南省济源市" for 419001, a county-level city governed
// directly by the province, "河南省许昌市魏都区西大街道" for the township 411002001, or
// "河南省许昌市魏都区西大街道金地社区居委会" for the community 411002001001. It reports false
// for codes not in Divisions, Towns or Villages.
func DivisionName(code string) (string, bool) {
	if len(code) == 9 || len(code) == 12 {
		name, ok := named(code)
		if !ok {
			return "", false
		}
		parent, _ := DivisionName(code[:len(code)-3])
		return parent + name, true
	}
	name, ok := divisionNames[code]
	if !ok {
		return "", false
	}
	province := code[:2] + "0000"
	city := code[:4] + "00"
	full := ""
	if code != province {
		full += divisionNames[province]
	}
	if code != city {
		// The province-governed groups (such as 4190) have no name of their own.
		full += divisionNames[city]
	}
	return full + name, true
}
