package account

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// PasswordHelp is the policy (service.PasswordProblem) as the forms state it.
const PasswordHelp = "至少 10 位，包含大写字母、小写字母、数字、符号中的至少三类，不能包含证件号码或手机号码"

// idNumberProblem says what is wrong with an ID number (already in upper case), or "".
func idNumberProblem(s string) string {
	switch {
	case s == "":
		return "请填写身份证号"
	case len(s) != 18:
		return "身份证号应为 18 位"
	case !cn.ValidIDNumber(s):
		return "身份证号校验不通过，请核对后重新填写"
	}
	return ""
}

// usccProblem says what is wrong with a unified social credit code (in upper case), or "".
func usccProblem(s string) string {
	switch {
	case s == "":
		return "请填写统一社会信用代码"
	case len(s) != 18:
		return "统一社会信用代码应为 18 位"
	case !cn.ValidUSCC(s):
		return "统一社会信用代码校验不通过，请核对后重新填写"
	}
	return ""
}

func mobileProblem(s string) string {
	switch {
	case s == "":
		return "请填写手机号码"
	case !cn.ValidMobile(s):
		return "请填写 11 位手机号码"
	}
	return ""
}

// personNameProblem says what is wrong with a real name, or "": two to fifty letters (Han
// characters or others), with the middle dots and spaces of minority and foreign names.
func personNameProblem(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case s == "":
		return "请填写真实姓名"
	case n < 2 || n > 50:
		return "姓名应为 2 到 50 个字"
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !strings.ContainsRune("·•・. ", r) {
			return "姓名只能包含汉字、字母和间隔号“·”"
		}
	}
	return ""
}

// orgNameProblem says what is wrong with an enterprise name, or "".
func orgNameProblem(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case s == "":
		return "请填写企业名称"
	case n < 2 || n > 100:
		return "企业名称应为 2 到 100 个字"
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || strings.ContainsRune(`<>"\`, r) }):
		return "企业名称含有不允许的字符"
	}
	return ""
}

// localPath returns next when it is a path on this site, and the account page otherwise, so
// that the sign-in form cannot be made to send anyone elsewhere.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/account/"
	}
	return next
}

// loginURL is the sign-in page that comes back to the request's page.
func loginURL(r *http.Request) string {
	return "/account/login?next=" + url.QueryEscape(r.URL.RequestURI())
}
