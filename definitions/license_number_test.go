package definitions_test

import (
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
)

func TestLicenseNumberPattern(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		pattern, want, err string
	}{
		{"JY{division}{seq:8}", "JY41100200000042", ""},
		{"豫卫公证字〔{year}〕第{division}-{seq:4}号", "豫卫公证字〔2026〕第411002-0042号", ""},
		{"{division}{date:yyyyMMdd}{seq:4}", "411002202603020042", ""},
		{"", "", ""},
		{"JY{division}", "", "证照编号规则必须恰好含一个 {seq:N}，编号才不会重复"},
		{"JY{serial:4}", "", "不认识的占位符 {serial}（可用 {division} {year} {date:yyyyMMdd} {seq:N} {check:uscc}）"},
		{"92{division}{seq:9}{check:uscc}", cn.MakeUSCC("92411002000000042"), ""},
		{"92{seq:9}{check:uscc}", "92000000042", ""},
		{"92{division}{seq:9}{check:md5}", "", "{check:…} 只支持 uscc（统一社会信用代码校验码）"},
		{"JY{seq:0}", "", "{seq:N} 的位数 N 应为 1 到 12"},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			p, err := definitions.ParseLicenseNumberPattern(c.pattern)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("error %v, want %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Format("411002", at, 42); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
