package httpconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Kind says what went wrong on a call, in terms a caller can act on.
type Kind string

// The kinds of failure. Timeout, Unavailable and Throttled are worth retrying; the others are
// not, since asking again gets the same answer.
const (
	Timeout      Kind = "timeout"       // 超时: no answer within timeoutMs
	Unavailable  Kind = "unavailable"   // 对方系统不可用: refused connection, 5xx
	Throttled    Kind = "throttled"     // 请求过于频繁: 429
	Unauthorized Kind = "unauthorized"  // 认证失败: 401, or no OAuth2 token
	Forbidden    Kind = "forbidden"     // 无权访问: 403
	NotFound     Kind = "not_found"     // 未查到: 404
	Rejected     Kind = "rejected"      // 请求被拒绝: other 4xx
	BadResponse  Kind = "bad_response"  // 返回的数据无法识别
	CircuitOpen  Kind = "circuit_open"  // 熔断: too many failures in a row
	InvalidInput Kind = "invalid_input" // the caller gave too little to make the request
	Config       Kind = "config"        // the connector config or its secrets are wrong
	Mapping      Kind = "mapping"       // a request or response expression failed
	Canceled     Kind = "canceled"      // the caller gave up
)

// Error is a failed call. Message is Chinese and fit to show a user; Detail is for the log and
// holds what the other side said.
type Error struct {
	Connector string
	Kind      Kind
	// Status is the HTTP status when the other side answered, else 0.
	Status  int
	Message string
	Detail  string
	// Attempts is how many requests were sent.
	Attempts int
	Err      error

	retryAfter time.Duration // what a 429 or 503 asked for
	reauth     bool          // a 401 the authenticator may cure with fresh credentials
}

func (e *Error) Error() string {
	s := "连接器 " + e.Connector + "：" + e.Message
	if e.Detail != "" {
		s += "（" + e.Detail + "）"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether asking again later may succeed.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case Timeout, Unavailable, Throttled, CircuitOpen:
		return true
	}
	return false
}

// IsKind reports whether err is an *Error of that kind.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// Message returns the Chinese message of a connector error, or a general one for anything else.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "调用外部系统出错"
}

// standardMessage is the message for a kind, naming the system by its title.
func standardMessage(k Kind, title string) string {
	switch k {
	case Timeout:
		return title + "响应超时，请稍后再试"
	case Unavailable:
		return title + "暂时不可用（对方系统不可用），请稍后再试"
	case Throttled:
		return title + "请求过于频繁，请稍后再试"
	case Unauthorized:
		return "认证失败：" + title + "未接受平台的凭据，请联系管理员检查连接器密钥"
	case Forbidden:
		return title + "拒绝访问：平台无权查询该信息"
	case NotFound:
		return title + "中未查到相关信息，请核对后再试"
	case Rejected:
		return title + "拒绝了请求，请核对填写的信息"
	case BadResponse:
		return title + "返回的数据无法识别"
	case CircuitOpen:
		return title + "连续出错，已暂停调用（熔断），请稍后再试"
	case InvalidInput:
		return "调用" + title + "所需的信息不全"
	case Config:
		return title + "连接器配置有误，请联系管理员"
	case Mapping:
		return title + "数据映射出错，请联系管理员"
	case Canceled:
		return "对" + title + "的请求已取消"
	}
	return "调用" + title + "出错"
}

// kindOfStatus classifies an HTTP status the other side answered with.
func kindOfStatus(status int) Kind {
	switch {
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return Timeout
	case status == http.StatusTooManyRequests:
		return Throttled
	case status == http.StatusUnauthorized:
		return Unauthorized
	case status == http.StatusForbidden:
		return Forbidden
	case status == http.StatusNotFound:
		return NotFound
	case status >= 500:
		return Unavailable
	case status >= 400:
		return Rejected
	}
	return BadResponse
}

// newError builds an error with the connector's message for the kind and status: the
// connector's own errors table first, then the standard message.
func (c *Client) newError(k Kind, status int, detail string, err error) *Error {
	msg := ""
	if status != 0 {
		msg = c.conn.Errors[strconv.Itoa(status)]
	}
	if msg == "" {
		msg = standardMessage(k, c.title)
	}
	return &Error{Connector: c.conn.Name, Kind: k, Status: status, Message: msg, Detail: detail, Err: err}
}

// transportError classifies an error from sending a request: attemptCtx is the context of the
// attempt, whose deadline is the connector's timeout, and parent the caller's.
func (c *Client) transportError(parent context.Context, err error) *Error {
	if pe := parent.Err(); pe != nil {
		if errors.Is(pe, context.DeadlineExceeded) {
			return c.newError(Timeout, 0, err.Error(), err)
		}
		return c.newError(Canceled, 0, err.Error(), err)
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return c.newError(Timeout, 0, fmt.Sprintf("超过 %v 未响应", c.timeout), err)
	}
	return c.newError(Unavailable, 0, err.Error(), err)
}
