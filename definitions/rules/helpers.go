package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/cn"
)

// Helper documents one domain function that expressions may call.
type Helper struct {
	Name        string
	Signature   string
	Description string
}

// Helpers lists the domain functions, for the README and the designer's help panel.
var Helpers = []Helper{
	{"idAge", "idAge(idNumber, on) int", "身份证号对应的人在 on 这天的周岁年龄"},
	{"idSex", "idSex(idNumber) string", "身份证号对应的性别：男 或 女"},
	{"idBirth", "idBirth(idNumber) time", "身份证号中的出生日期"},
	{"idDivision", "idDivision(idNumber) string", "身份证号前六位（户籍地行政区划代码）"},
	{"inDivision", "inDivision(code, parent) bool", "行政区划 code 是否属于 parent（如 411002 属于 411000）"},
	{"divisionName", "divisionName(code) string", "行政区划名称，如 河南省许昌市魏都区"},
	{"addWorkingDays", "addWorkingDays(date, n) time", "date 之后第 n 个工作日（按节假日和调休）"},
	{"workingDaysBetween", "workingDaysBetween(from, to) int", "from 之后到 to 为止的工作日数"},
	{"amountInWords", "amountInWords(yuan) string", "人民币大写金额，如 壹佰元整"},
	{"formatAmount", "formatAmount(yuan) string", "金额保留两位小数并加千分位，如 1,234.50"},
	{"formatDate", "formatDate(date) string", "中文日期，如 2026年11月29日"},
}

func helpers(cal *calendar.Calendar) []expr.Option {
	if cal == nil {
		cal, _ = calendar.New()
	}
	return []expr.Option{
		expr.Function("idAge", func(p ...any) (any, error) {
			info, err := cn.ParseIDNumber(p[0].(string))
			if err != nil {
				return nil, err
			}
			return cn.AgeOn(info.Birth, p[1].(time.Time)), nil
		}, new(func(string, time.Time) int)),
		expr.Function("idSex", func(p ...any) (any, error) {
			info, err := cn.ParseIDNumber(p[0].(string))
			if err != nil {
				return nil, err
			}
			if info.Male {
				return "男", nil
			}
			return "女", nil
		}, new(func(string) string)),
		expr.Function("idBirth", func(p ...any) (any, error) {
			info, err := cn.ParseIDNumber(p[0].(string))
			return info.Birth, err
		}, new(func(string) time.Time)),
		expr.Function("idDivision", func(p ...any) (any, error) {
			info, err := cn.ParseIDNumber(p[0].(string))
			return info.DivisionCode, err
		}, new(func(string) string)),
		expr.Function("inDivision", func(p ...any) (any, error) {
			return InDivision(p[0].(string), p[1].(string)), nil
		}, new(func(string, string) bool)),
		expr.Function("divisionName", func(p ...any) (any, error) {
			name, ok := cn.DivisionName(p[0].(string))
			if !ok {
				return nil, fmt.Errorf("未知的行政区划代码 %s", p[0])
			}
			return name, nil
		}, new(func(string) string)),
		expr.Function("addWorkingDays", func(p ...any) (any, error) {
			return cal.AddWorkingDays(p[0].(time.Time), p[1].(int)), nil
		}, new(func(time.Time, int) time.Time)),
		expr.Function("workingDaysBetween", func(p ...any) (any, error) {
			return cal.WorkingDaysBetween(p[0].(time.Time), p[1].(time.Time)), nil
		}, new(func(time.Time, time.Time) int)),
		expr.Function("amountInWords", func(p ...any) (any, error) {
			return cn.ChineseAmount(p[0].(float64))
		}, new(func(float64) string)),
		expr.Function("formatAmount", func(p ...any) (any, error) {
			return FormatAmount(p[0].(float64)), nil
		}, new(func(float64) string)),
		expr.Function("formatDate", func(p ...any) (any, error) {
			t := p[0].(time.Time)
			return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day()), nil
		}, new(func(time.Time) string)),
	}
}

// InDivision reports whether a GB/T 2260 code lies within parent: a province (xx0000) holds
// its cities, a city (xxxx00) its counties, a county the nine-digit statistical codes of its
// townships (cn.Towns) and a township the twelve-digit codes of its villages (cn.Villages),
// which a division field records when a township or a village was chosen.
func InDivision(code, parent string) bool {
	if !divisionLength(code) || !divisionLength(parent) {
		return false
	}
	prefix := parent
	if len(parent) == 6 {
		prefix = strings.TrimRight(parent, "0")
		if len(prefix)%2 == 1 {
			prefix += "0"
		}
	}
	return strings.HasPrefix(code, prefix)
}

// divisionLength tells the lengths of the codes a division field may hold: county and above,
// township, village.
func divisionLength(code string) bool {
	return len(code) == 6 || len(code) == 9 || len(code) == 12
}

// FormatAmount writes yuan with two decimals and thousands separators.
func FormatAmount(yuan float64) string {
	s := strconv.FormatFloat(yuan, 'f', 2, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, cents, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String() + "." + cents
}
