package cn

// ValidMobile reports whether s is a mainland China mobile number as people type it: 11
// digits, starting with 1 and a second digit from 3 to 9. No +86 prefix, spaces or dashes:
// forms should store the plain number.
func ValidMobile(s string) bool {
	return len(s) == 11 && allDigits(s) && s[0] == '1' && s[1] >= '3'
}
