package definitions

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// LicenseNumberPattern is a parsed matter.json licenseNumberPattern: literal text with the
// placeholders {division} (the implementing org's division code), {year}, {date:yyyyMMdd} and
// {seq:N} (a counter per matter and year, N digits wide), e.g. "JY{division}{seq:8}", and
// {check:uscc}, the GB 32100 check character of the 17 characters before it, so that a business
// licence's number is the unified social credit code it assigns ("92{division}{seq:9}{check:uscc}").
type LicenseNumberPattern struct {
	parts []patternPart
}

type patternPart struct {
	literal string
	kind    string // "", "division", "year", "date", "seq"
	width   int
}

var placeholder = regexp.MustCompile(`\{([a-z]+)(?::([^}]*))?\}`)

// ParseLicenseNumberPattern parses a pattern; an empty pattern is valid and formats nothing.
func ParseLicenseNumberPattern(s string) (*LicenseNumberPattern, error) {
	p := &LicenseNumberPattern{}
	last, seqs := 0, 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(s, -1) {
		p.parts = append(p.parts, patternPart{literal: s[last:m[0]]})
		name, arg := s[m[2]:m[3]], ""
		if m[4] >= 0 {
			arg = s[m[4]:m[5]]
		}
		part := patternPart{kind: name}
		switch name {
		case "division", "year":
			if arg != "" {
				return nil, fmt.Errorf("{%s} 不带参数", name)
			}
		case "date":
			if arg != "yyyyMMdd" && arg != "yyyyMM" {
				return nil, fmt.Errorf("{date:…} 只支持 yyyyMMdd 或 yyyyMM")
			}
			part.literal = arg
		case "check":
			if arg != "uscc" {
				return nil, fmt.Errorf("{check:…} 只支持 uscc（统一社会信用代码校验码）")
			}
		case "seq":
			w, err := strconv.Atoi(arg)
			if err != nil || w < 1 || w > 12 {
				return nil, fmt.Errorf("{seq:N} 的位数 N 应为 1 到 12")
			}
			part.width = w
			seqs++
		default:
			return nil, fmt.Errorf("不认识的占位符 {%s}（可用 {division} {year} {date:yyyyMMdd} {seq:N} {check:uscc}）", name)
		}
		p.parts = append(p.parts, part)
		last = m[1]
	}
	p.parts = append(p.parts, patternPart{literal: s[last:]})
	if strings.TrimSpace(s) != "" && seqs != 1 {
		return nil, fmt.Errorf("证照编号规则必须恰好含一个 {seq:N}，编号才不会重复")
	}
	return p, nil
}

// Format writes a license number.
func (p *LicenseNumberPattern) Format(division string, at time.Time, seq int64) string {
	var b strings.Builder
	for _, part := range p.parts {
		switch part.kind {
		case "":
			b.WriteString(part.literal)
		case "division":
			b.WriteString(division)
		case "year":
			b.WriteString(at.Format("2006"))
		case "date":
			b.WriteString(at.Format(map[string]string{"yyyyMMdd": "20060102", "yyyyMM": "200601"}[part.literal]))
		case "seq":
			fmt.Fprintf(&b, "%0*d", part.width, seq)
		case "check":
			if c, ok := cn.USCCCheckChar(b.String()); ok {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

// Empty reports whether the pattern writes nothing (no pattern was given).
func (p *LicenseNumberPattern) Empty() bool {
	return len(p.parts) == 1 && p.parts[0].literal == ""
}
