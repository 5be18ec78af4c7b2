package cn

import (
	"errors"
	"fmt"
	"time"
)

// IDInfo is what a resident ID number (公民身份号码) tells about its holder.
type IDInfo struct {
	// DivisionCode is the six-digit address code: where the number was first issued, which
	// may be a division that has since been renamed or merged, so it need not be in Divisions.
	DivisionCode string
	// Birth is the date of birth at midnight UTC; only its year, month and day mean anything.
	Birth time.Time
	// Male is true when the sequence code is odd, as GB 11643 assigns odd numbers to men.
	Male bool
}

// The reasons ParseIDNumber gives, in the words an applicant sees. Compare with errors.Is.
var (
	ErrIDNumberLength   = errors.New("身份证号应为18位")
	ErrIDNumberChars    = errors.New("身份证号前17位应为数字，最后一位应为数字或大写X")
	ErrIDNumberDivision = errors.New("身份证号地址码无效")
	ErrIDNumberBirth    = errors.New("身份证号出生日期无效")
	ErrIDNumberCheck    = errors.New("身份证号校验位错误")
)

// idWeights are the ISO 7064 MOD 11-2 weights, 2^(18-i) mod 11, for the first 17 digits.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// idAddressProvince reports whether an ID number may start with code: the GB/T 2260
// provinces, plus 83, which the 港澳台居民居住证 issued since 2018 use for Taiwan residents
// (81 and 82, used for Hong Kong and Macao residents, are provinces already).
func idAddressProvince(code string) bool {
	return provinces[code] || code == "83"
}

// earliestBirthYear rejects birth years no living applicant can have; it also catches
// numbers whose digits were shifted or mistyped into the century.
const earliestBirthYear = 1900

// ValidIDNumber reports whether s is a well-formed 18-character resident ID number
// (GB 11643-1999): 17 digits, a check character that is a digit or an uppercase X matching
// the ISO 7064 MOD 11-2 checksum, a known province in the address code and a real birth date
// no earlier than 1900. A lowercase x is rejected so that stored numbers have one spelling.
// It does not check that the birth date is in the past: that needs a clock.
func ValidIDNumber(s string) bool {
	_, err := ParseIDNumber(s)
	return err == nil
}

// ParseIDNumber checks s as ValidIDNumber does and returns what the number encodes.
// The error is one of the ErrIDNumber values, checked in the order a person reading the
// number would notice them: length, characters, address, birth date, check character.
func ParseIDNumber(s string) (IDInfo, error) {
	if len(s) != 18 {
		return IDInfo{}, ErrIDNumberLength
	}
	body, check := s[:17], s[17]
	if !allDigits(body) || !(isDigit(check) || check == 'X') {
		return IDInfo{}, ErrIDNumberChars
	}
	if !idAddressProvince(body[:2]) {
		return IDInfo{}, ErrIDNumberDivision
	}
	birth, ok := parseBirthDate(body[6:14])
	if !ok {
		return IDInfo{}, ErrIDNumberBirth
	}
	if idCheckChar(body) != check {
		return IDInfo{}, ErrIDNumberCheck
	}
	return IDInfo{
		DivisionCode: body[:6],
		Birth:        birth,
		Male:         (body[16]-'0')%2 == 1,
	}, nil
}

// MakeIDNumber builds a valid ID number for demo and test data: the division code, the birth
// date, seq as the three-digit sequence code (odd for a man, even for a woman) and the right
// check character. It panics if division is not six digits, seq is outside 0–999 or the birth
// year does not have four digits, since those are mistakes in the calling code.
func MakeIDNumber(division string, birth time.Time, seq int) string {
	if len(division) != 6 || !allDigits(division) {
		panic(fmt.Sprintf("cn.MakeIDNumber: division %q is not six digits", division))
	}
	if seq < 0 || seq > 999 {
		panic(fmt.Sprintf("cn.MakeIDNumber: sequence %d is not in 0–999", seq))
	}
	if y := birth.Year(); y < 1000 || y > 9999 {
		panic(fmt.Sprintf("cn.MakeIDNumber: birth year %d does not have four digits", y))
	}
	body := division + birth.Format("20060102") + fmt.Sprintf("%03d", seq)
	return body + string(idCheckChar(body))
}

// AgeOn returns the number of full years from birth to the date on, the way Chinese law
// counts age (周岁): a year is completed on the birthday itself, and someone born on 29
// February completes it on 1 March in years without one. Only the year, month and day of each
// time are used, each in its own location. The result is negative when on is before birth.
func AgeOn(birth, on time.Time) int {
	by, bm, bd := birth.Date()
	oy, om, od := on.Date()
	age := oy - by
	if om < bm || (om == bm && od < bd) {
		age--
	}
	return age
}

// idCheckChar computes the check character for a 17-digit body.
func idCheckChar(body string) byte {
	sum := 0
	for i, w := range idWeights {
		sum += int(body[i]-'0') * w
	}
	return idCheckChars[sum%11]
}

// parseBirthDate reads YYYYMMDD and accepts only real calendar dates from earliestBirthYear.
func parseBirthDate(yyyymmdd string) (time.Time, bool) {
	year := atoi(yyyymmdd[:4])
	month := time.Month(atoi(yyyymmdd[4:6]))
	day := atoi(yyyymmdd[6:8])
	if year < earliestBirthYear {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 0230 to 0302, so a date is real only if it comes back unchanged.
	if t.Year() != year || t.Month() != month || t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// atoi converts a short string already known to be all digits.
func atoi(digits string) int {
	n := 0
	for i := 0; i < len(digits); i++ {
		n = n*10 + int(digits[i]-'0')
	}
	return n
}
