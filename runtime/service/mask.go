package service

import (
	"regexp"
	"strings"
)

// The one masking rule of personal data the public or a third party sees: identifiers keep
// their first and last few characters, names their family name, and free text has the
// identifiers inside it masked the same way.

// MaskIdentifier hides the middle of an ID number, credit code or mobile number.
func MaskIdentifier(s string) string {
	r := []rune(s)
	switch {
	case len(r) >= 15:
		return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
	case len(r) >= 7:
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	case len(r) > 2:
		return string(r[:1]) + strings.Repeat("*", len(r)-1)
	}
	return strings.Repeat("*", len(r))
}

// maskName hides all but the first character of a name: 张三 → 张*.
func maskName(name string) string {
	r := []rune(name)
	if len(r) <= 1 {
		return name
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

var (
	idNumberLike = regexp.MustCompile(`\d{17}[\dXx]`)
	mobileLike   = regexp.MustCompile(`1[3-9]\d{9}`)
)

// mask hides the identifiers (ID and mobile numbers) inside public text, as MaskIdentifier does.
func mask(s string) string {
	return mobileLike.ReplaceAllStringFunc(idNumberLike.ReplaceAllStringFunc(s, MaskIdentifier), MaskIdentifier)
}
