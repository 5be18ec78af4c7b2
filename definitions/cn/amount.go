package cn

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// maxAmountYuan is the first amount ChineseAmount refuses: 壹万亿 would need the unit 万亿,
// which bank forms do not print and no fee comes near.
const maxAmountYuan = 1e12

// capitalDigits are the anti-forgery capital numerals (大写数字) for 0 to 9.
var capitalDigits = [10]string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}

// digitUnits name the places within a group of four digits, from the ones place up.
var digitUnits = [4]string{"", "拾", "佰", "仟"}

// groupUnits name each group of four digits, from the yuan group up.
var groupUnits = [3]string{"", "万", "亿"}

// ChineseAmount writes an amount of yuan in capital Chinese numerals (人民币大写金额), as
// receipts, payment notices and certificates require, following the People's Bank of China
// rules for filling in bills:
//
//   - the amount is first rounded to fen, halves away from zero, on its shortest decimal
//     form, so 1.005 becomes 1.01 as the person who typed it expects;
//   - 整 follows when there is no 分 (100 → 壹佰元整, 10.5 → 壹拾元伍角整);
//   - a run of zeros inside the yuan part is written as one 零 (1005 → 壹仟零伍元), but zeros
//     closing a 万 or 亿 group are not (101000 → 壹拾万壹仟元整);
//   - 零 is written after 元 when 角 is zero and 分 is not (1005.07 → 壹仟零伍元零柒分);
//   - amounts below one yuan start at 角 or 分 (0.05 → 伍分), and zero is 零元整;
//   - the leading ten is 壹拾, never 拾, so nothing can be written in front of it;
//   - negative amounts (refunds) start with 负.
//
// It returns an error for NaN, infinities and amounts of a trillion yuan or more.
func ChineseAmount(yuan float64) (string, error) {
	if math.IsNaN(yuan) || math.IsInf(yuan, 0) {
		return "", errors.New("金额不是有效数字")
	}
	if math.Abs(yuan) >= maxAmountYuan {
		return "", errors.New("金额应小于1万亿元")
	}
	fen := roundToFen(math.Abs(yuan))
	if fen >= maxAmountYuan*100 {
		return "", errors.New("金额应小于1万亿元")
	}

	var b strings.Builder
	if yuan < 0 && fen > 0 {
		b.WriteString("负")
	}
	whole, jiao, fenDigit := fen/100, fen/10%10, fen%10
	switch {
	case whole > 0:
		writeCapitalInteger(&b, whole)
		b.WriteString("元")
	case fen == 0:
		b.WriteString("零元")
	}
	if jiao > 0 {
		writeCapitalDigit(&b, jiao)
		b.WriteString("角")
	}
	if fenDigit > 0 {
		if jiao == 0 && whole > 0 {
			b.WriteString("零")
		}
		writeCapitalDigit(&b, fenDigit)
		b.WriteString("分")
	} else {
		b.WriteString("整")
	}
	return b.String(), nil
}

// roundToFen rounds a non-negative amount of yuan to whole fen, halves up. It rounds the
// shortest decimal that reads back as the same float, not the float itself: 1.005 is stored as
// 1.00499999…, and rounding that would surprise whoever typed 1.005.
func roundToFen(yuan float64) int64 {
	decimal := strconv.FormatFloat(yuan, 'f', -1, 64)
	whole, frac, _ := strings.Cut(decimal, ".")
	frac += "000" // at least 角, 分 and the digit that decides the rounding
	fen, _ := strconv.ParseInt(whole+frac[:2], 10, 64)
	if frac[2] >= '5' {
		fen++
	}
	return fen
}

// writeCapitalInteger writes n > 0 in capital numerals without the 元.
func writeCapitalInteger(b *strings.Builder, n int64) {
	digits := strconv.FormatInt(n, 10)
	zeroPending := false // zeros seen since the last digit written, owed a 零
	groupHasDigit := false
	for i := 0; i < len(digits); i++ {
		place := len(digits) - 1 - i // 0 for the ones place
		d := int64(digits[i] - '0')
		if d == 0 {
			zeroPending = true
		} else {
			if zeroPending {
				b.WriteString("零")
			}
			zeroPending = false
			writeCapitalDigit(b, d)
			b.WriteString(digitUnits[place%4])
			groupHasDigit = true
		}
		if place%4 == 0 && place > 0 {
			// A group's unit marks its trailing zeros, so they owe no 零 (壹拾万壹仟); a group
			// that is all zeros writes nothing and leaves its 零 to the next digit (壹亿零壹仟).
			if groupHasDigit {
				b.WriteString(groupUnits[place/4])
				zeroPending = false
			}
			groupHasDigit = false
		}
	}
}

func writeCapitalDigit(b *strings.Builder, d int64) {
	b.WriteString(capitalDigits[d])
}
