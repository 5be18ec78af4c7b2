package service

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xuchang-gov/tongban/runtime"
)

// maxOpinion is the most characters an opinion may have: enough for a reasoned decision, and
// what every notice and audit record can carry.
const maxOpinion = 2000

// reasonRequired says, by decision, which ones must give their reason in the opinion: those that
// go against the applicant (deny, not-accept), send the case back (return) or ask the applicant
// for more (correction). Each surface shows this message, so it is written once here.
var reasonRequired = map[string]string{
	"deny":       "不同意时须写明理由",
	"not-accept": "不予受理须写明理由",
	"return":     "退回须写明理由",
	"correction": "请写明需要补正的内容",
}

// checkOpinion is the rule on what staff write with a decision: the opinion trimmed, at most
// maxOpinion characters, and not blank for the decisions of reasonRequired (an outcome, or
// "return" or "correction"). It returns the opinion to keep, or EINVALID naming /opinion.
func checkOpinion(opinion, decision string) (string, error) {
	opinion = strings.TrimSpace(opinion)
	if utf8.RuneCountInString(opinion) > maxOpinion {
		return "", runtime.Invalid(fmt.Sprintf("意见不能超过 %d 字", maxOpinion), runtime.FieldError{Pointer: "/opinion", Message: "太长"})
	}
	if msg, ok := reasonRequired[decision]; ok && opinion == "" {
		return "", runtime.Invalid(msg, runtime.FieldError{Pointer: "/opinion", Message: "必填"})
	}
	return opinion, nil
}
