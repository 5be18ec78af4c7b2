package cn

import "slices"

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

// townNames indexes townTable by code.
var townNames = func() map[string]string {
	m := make(map[string]string, len(townTable))
	for _, d := range townTable {
		m[d.Code] = d.Name
	}
	return m
}()

// Towns returns the townships (乡、镇、街道) of a county of 许昌市 with their nine-digit
// statistical codes (统计用区划代码), sorted by code; none for other codes. The slice is a copy.
func Towns(county string) []Division {
	var out []Division
	for _, d := range townTable {
		if d.Code[:6] == county {
			out = append(out, d)
		}
	}
	return out
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
// new ones still pass; DivisionName tells whether a code is known. A nine-digit township code
// of 许昌 (Towns) is valid too, so that a form can record the township chosen; other
// nine-digit codes are not, since nothing here could name or check them.
func ValidDivisionCode(s string) bool {
	if _, town := townNames[s]; town {
		return true
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
// directly by the province, or "河南省许昌市魏都区西大街道" for the township 411002001. It
// reports false for codes not in Divisions or Towns.
func DivisionName(code string) (string, bool) {
	if town, ok := townNames[code]; ok {
		county, _ := DivisionName(code[:6])
		return county + town, true
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
