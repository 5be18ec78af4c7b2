package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"

	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/cn"
)

// Helper documents one function or operator that expressions may use, with an example that
// the package's tests run and whose result they compare, so that the README's table cannot
// drift from the code.
type Helper struct {
	Name        string
	Signature   string
	Description string
	Example     string
	Result      string
}

// Helpers lists the domain functions, for the README and the designer's help panel.
var Helpers = []Helper{
	{"idAge", "idAge(idNumber, on) int", "身份证号对应的人在 on 这天的周岁年龄", `idAge('41100219860512031X', date('2026-05-11'))`, "39"},
	{"idSex", "idSex(idNumber) string", "身份证号对应的性别：男 或 女", `idSex('41100219860512031X')`, "男"},
	{"idBirth", "idBirth(idNumber) time", "身份证号中的出生日期", `formatDate(idBirth('41100219860512031X'))`, "1986年5月12日"},
	{"idDivision", "idDivision(idNumber) string", "身份证号前六位（户籍地行政区划代码）", `idDivision('41100219860512031X')`, "411002"},
	{"inDivision", "inDivision(code, parent) bool", "行政区划 code 是否属于 parent（如 411002 属于 411000）", `inDivision('411002', '411000')`, "true"},
	{"divisionName", "divisionName(code) string", "行政区划名称，如 河南省许昌市魏都区", `divisionName('411002')`, "河南省许昌市魏都区"},
	{"addWorkingDays", "addWorkingDays(date, n) time", "date 之后第 n 个工作日（按节假日和调休）", `formatDate(addWorkingDays(date('2026-09-30'), 5))`, "2026年10月13日"},
	{"workingDaysBetween", "workingDaysBetween(from, to) int", "from 之后到 to 为止的工作日数", `workingDaysBetween(date('2026-09-30'), date('2026-10-13'))`, "5"},
	{"amountInWords", "amountInWords(yuan) string", "人民币大写金额，如 壹佰元整", `amountInWords(100)`, "壹佰元整"},
	{"formatAmount", "formatAmount(yuan) string", "金额保留两位小数并加千分位，如 1,234.50", `formatAmount(1234.5)`, "1,234.50"},
	{"formatDate", "formatDate(date) string", "中文日期，如 2026年11月29日", `formatDate(date('2026-11-29'))`, "2026年11月29日"},
}

// Builtins lists the expr-lang built-ins and operators analysts use most, documented and run
// like Helpers. Text may be written in single quotes, so that a rule inside JSON needs no
// escaped double quotes: form.type == '个体' means the same as form.type == "个体".
var Builtins = []Helper{
	{"'…'", "'text' 或 \"text\"", "文字；JSON 中写单引号免去转义双引号", `'个体' + "工商户"`, "个体工商户"},
	{"sum", "sum(xs, .f) number", "数组各项某字段之和（.f 为每项的字段；省略则为各项本身）", `sum([{'n': 2}, {'n': 3}], .n)`, "5"},
	{"len", "len(x) int", "数组的项数或文字的字数", `len('许昌市')`, "3"},
	{"any / all", "any(xs, cond) bool", "数组中有一项 / 每一项满足条件（# 为当前项）", `any([1, 5], # > 3) && all([1, 5], # > 0)`, "true"},
	{"filter / map", "filter(xs, cond) array", "按条件筛选 / 逐项变换", `len(filter([1, 5, 7], # > 3))`, "2"},
	{"count", "count(xs, cond) int", "满足条件的项数", `count([1, 5, 7], # > 3)`, "2"},
	{"in", "x in xs bool", "是否在数组中", `'餐饮' in ['餐饮', '零售']`, "true"},
	{"??", "a ?? b", "a 为空（未填）时取 b", `nil ?? 0`, "0"},
	{"? :", "cond ? a : b", "条件取值", `3 > 2 ? '是' : '否'`, "是"},
	{"date", "date(text) time", "把 2026-09-30 这样的文字变成日期（now 为当前时刻）", `date('2026-09-30').Year()`, "2026"},
	{"round / floor / ceil", "round(x) float", "四舍五入 / 向下 / 向上取整", `round(2.5) + floor(2.7) + ceil(2.1)`, "8"},
	{"max / min / abs", "max(a, b) number", "较大 / 较小 / 绝对值", `max(1, 3) - min(1, 3) + abs(-1)`, "3"},
	{"int / float", "int(x) int", "整数与小数混合计算时结果为小数；int() 取整，float() 转小数", `int(7 / 2) + 7 / 2`, "6.5"},
	{"string", "string(x) string", "转为文字", `string(12) + '元'`, "12元"},
	{"upper / lower / trim", "trim(text) string", "大写 / 小写 / 去掉首尾空白", `upper(trim(' ab '))`, "AB"},
	{"contains / startsWith", "text contains part bool", "是否包含 / 以之开头（运算符）", `'许昌市魏都区' contains '魏都' && '411002' startsWith '41'`, "true"},
}

// Markdown is the README's table of every helper and built-in, generated from Helpers and
// Builtins.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| 函数或写法 | 用法 | 说明 | 示例 | 结果 |\n| --- | --- | --- | --- | --- |\n")
	for _, h := range append(slices.Clone(Helpers), Builtins...) {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | `%s` | %s |\n", h.Name, h.Signature, h.Description,
			strings.ReplaceAll(h.Example, "|", "\\|"), h.Result)
	}
	return b.String()
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
