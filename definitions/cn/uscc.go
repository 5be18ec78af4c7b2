package cn

import (
	"fmt"
	"strings"
)

// usccChars is the GB 32100-2015 alphabet; a character's index is its value. I, O, Z, S and V
// are left out because they are easily mistaken for 1, 0, 2, 5 and U.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^i mod 31 for the first 17 characters.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ValidUSCC reports whether s is a well-formed unified social credit code (统一社会信用代码,
// GB 32100-2015): 18 characters from the code's alphabet (uppercase only), a six-digit
// division code in positions 3–8 and a matching check character. The registration department
// and organisation type in positions 1–2 are only required to be in the alphabet, because
// departments keep being added; the organisation code in positions 9–17 is not checked
// against its own GB 11714 check character.
func ValidUSCC(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(usccChars, s[i]) < 0 {
			return false
		}
	}
	if !allDigits(s[2:8]) {
		return false
	}
	return usccCheckChar(s[:17]) == s[17]
}

// MakeUSCC appends the right check character to the first 17 characters of a unified social
// credit code, for demo and test data. It panics if prefix17 is not 17 characters of the code's
// alphabet, since that is a mistake in the calling code.
func MakeUSCC(prefix17 string) string {
	if len(prefix17) != 17 {
		panic(fmt.Sprintf("cn.MakeUSCC: prefix %q is not 17 characters", prefix17))
	}
	check, ok := USCCCheckChar(prefix17)
	if !ok {
		panic(fmt.Sprintf("cn.MakeUSCC: prefix %q has characters codes never use", prefix17))
	}
	return prefix17 + string(check)
}

// USCCCheckChar is the check character of the first 17 characters of a unified social credit
// code; false when they are not 17 characters of the code's alphabet.
func USCCCheckChar(prefix17 string) (byte, bool) {
	if len(prefix17) != 17 {
		return 0, false
	}
	for i := 0; i < len(prefix17); i++ {
		if strings.IndexByte(usccChars, prefix17[i]) < 0 {
			return 0, false
		}
	}
	return usccCheckChar(prefix17), true
}

// usccCheckChar computes the check character of 17 characters already known to be in usccChars.
func usccCheckChar(prefix17 string) byte {
	sum := 0
	for i, w := range usccWeights {
		sum += strings.IndexByte(usccChars, prefix17[i]) * w
	}
	// 31 - sum%31 is in 1..31; 31 wraps to 0.
	return usccChars[(31-sum%31)%31]
}
