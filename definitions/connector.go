package definitions

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Connector is connectors/<name>.json: a configured link to an outside system. An integrator
// connects a system by writing one of these, never Go code; connectors/httpconn turns it into
// an HTTP client and connectors/callback verifies what the system sends back.
type Connector struct {
	Schema      string            `json:"$schema,omitempty"`
	Name        string            `json:"name" jsonschema:"title=连接器名称,pattern=^[a-z][a-z0-9-]*$"`
	Title       string            `json:"title" jsonschema:"title=中文名称"`
	Description string            `json:"description,omitempty" jsonschema:"title=说明"`
	Kind        string            `json:"kind" jsonschema:"title=类型,enum=lookup,enum=push,enum=callback"`
	Method      string            `json:"method,omitempty" jsonschema:"title=HTTP 方法,enum=GET,enum=POST,enum=PUT"`
	URL         string            `json:"url,omitempty" jsonschema:"title=地址模板,description=可含 {名称} 占位符，由调用时的输入填入并转义，如 http://127.0.0.1:9090/population/v1/persons/{key}"`
	Headers     map[string]string `json:"headers,omitempty" jsonschema:"title=请求头"`
	TimeoutMS   int               `json:"timeoutMs,omitempty" jsonschema:"title=超时（毫秒）,description=每次尝试的超时，默认 10000,minimum=1"`
	Retries     int               `json:"retries,omitempty" jsonschema:"title=重试次数,description=失败后再试几次（只重试超时、网络错误、5xx、408 和 429）,minimum=0,maximum=20"`
	BackoffMS   int               `json:"backoffMs,omitempty" jsonschema:"title=首次重试等待（毫秒）,description=此后每次加倍并加随机抖动，默认 200,minimum=1"`
	// MaxBackoffMS caps the exponential wait between retries.
	MaxBackoffMS int `json:"maxBackoffMs,omitempty" jsonschema:"title=最长重试等待（毫秒）,description=默认 5000,minimum=1"`
	// Breaker is the circuit breaker: after so many failures in a row calls fail at once for a
	// while, so that a system that is down is not hammered and callers get an answer quickly.
	Breaker *ConnectorBreaker `json:"breaker,omitempty" jsonschema:"title=熔断"`
	Auth    ConnectorAuth     `json:"auth,omitempty" jsonschema:"title=认证"`
	// Errors maps an outside HTTP status ("404") to the Chinese message a user is shown,
	// replacing the standard one (such as "对方系统不可用").
	Errors map[string]string `json:"errors,omitempty" jsonschema:"title=错误提示,description=按对方 HTTP 状态码（如 404）给出向用户显示的中文提示"`
	// Request maps the case into the request body; Response maps the answer for its users.
	Request  string `json:"request,omitempty" jsonschema:"title=请求映射（表达式）"`
	Response string `json:"response,omitempty" jsonschema:"title=响应映射（表达式，可用 response）"`
	// Callbacks are the message types a push connector's system may call back with, signed
	// with its key: a key that leaks or is shared carries only what its own system owns (the
	// SMS gateway's key cannot mark fees paid). A connector without them has no callback
	// endpoint.
	Callbacks []string `json:"callbacks,omitempty" jsonschema:"title=可回调的消息类型,description=step 办理环节、result 办理结果、paid 已缴费、tracking 物流轨迹；不列出的类型一律拒收,enum=step,enum=result,enum=paid,enum=tracking"`
}

// CallbackTypes are the message types a callback may carry: a department's process step and
// result, a payment and a delivery's tracking.
var CallbackTypes = []string{"step", "result", "paid", "tracking"}

// ConnectorBreaker configures a connector's circuit breaker. Zero values take the defaults.
type ConnectorBreaker struct {
	// Failures is how many failed calls in a row open the circuit (default 5).
	Failures int `json:"failures,omitempty" jsonschema:"title=连续失败几次后熔断,description=默认 5,minimum=1"`
	// OpenMS is how long the circuit stays open before one trial call is let through
	// (half-open); a success closes it, a failure opens it again (default 30000).
	OpenMS int `json:"openMs,omitempty" jsonschema:"title=熔断持续（毫秒）,description=之后放行试探请求，默认 30000,minimum=1"`
	// HalfOpenRequests is how many trial calls are let through while half-open (default 1).
	HalfOpenRequests int `json:"halfOpenRequests,omitempty" jsonschema:"title=半开时放行的试探请求数,description=默认 1,minimum=1"`
}

// ConnectorAuth is how a connector authenticates. Secrets are named, never written here:
// SecretEnv and the other *Env fields are environment variables that hold them.
//
//   - basic: UsernameEnv (or Username) and SecretEnv, the password;
//   - bearer: SecretEnv, the token;
//   - oauth2: client credentials from ClientIDEnv and SecretEnv against TokenURL, with Scopes;
//   - hmac: SecretEnv, the shared key; each request is signed (HMAC-SHA256 over method, path,
//     timestamp, nonce and body) and inbound callbacks are verified with the same key.
type ConnectorAuth struct {
	Type        string   `json:"type,omitempty" jsonschema:"title=认证方式,enum=none,enum=basic,enum=bearer,enum=oauth2,enum=hmac"`
	SecretEnv   string   `json:"secretEnv,omitempty" jsonschema:"title=密钥所在环境变量,description=basic 的密码、bearer 的令牌、oauth2 的 client secret 或 hmac 的共享密钥"`
	Username    string   `json:"username,omitempty" jsonschema:"title=basic 用户名"`
	UsernameEnv string   `json:"usernameEnv,omitempty" jsonschema:"title=basic 用户名所在环境变量"`
	TokenURL    string   `json:"tokenUrl,omitempty" jsonschema:"title=OAuth2 令牌地址"`
	ClientIDEnv string   `json:"clientIdEnv,omitempty" jsonschema:"title=OAuth2 client id 所在环境变量"`
	Scopes      []string `json:"scopes,omitempty" jsonschema:"title=OAuth2 权限范围"`
	// KeyID names the shared key to the other side (sent in KeyIDHeader), for systems that
	// give each caller its own key.
	KeyID string `json:"keyId,omitempty" jsonschema:"title=hmac 密钥标识"`
	// The header names of HMAC signing; empty ones take the defaults in HMACHeaders.
	SignatureHeader string `json:"signatureHeader,omitempty" jsonschema:"title=hmac 签名请求头,description=默认 X-Tongban-Signature"`
	TimestampHeader string `json:"timestampHeader,omitempty" jsonschema:"title=hmac 时间戳请求头,description=默认 X-Tongban-Timestamp"`
	NonceHeader     string `json:"nonceHeader,omitempty" jsonschema:"title=hmac 随机数请求头,description=默认 X-Tongban-Nonce"`
	KeyIDHeader     string `json:"keyIdHeader,omitempty" jsonschema:"title=hmac 密钥标识请求头,description=默认 X-Tongban-Key-Id"`
	// MaxSkewSeconds is how far an inbound callback's timestamp may be from now (default 300).
	MaxSkewSeconds int `json:"maxSkewSeconds,omitempty" jsonschema:"title=回调时间戳允许偏差（秒）,description=默认 300,minimum=1"`
}

// The default header names of HMAC signing.
const (
	DefaultSignatureHeader = "X-Tongban-Signature"
	DefaultTimestampHeader = "X-Tongban-Timestamp"
	DefaultNonceHeader     = "X-Tongban-Nonce"
	DefaultKeyIDHeader     = "X-Tongban-Key-Id"
)

// HMACHeaders returns the header names of HMAC signing: signature, timestamp, nonce and key id,
// with the defaults filled in.
func (a *ConnectorAuth) HMACHeaders() (signature, timestamp, nonce, keyID string) {
	pick := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	return pick(a.SignatureHeader, DefaultSignatureHeader), pick(a.TimestampHeader, DefaultTimestampHeader),
		pick(a.NonceHeader, DefaultNonceHeader), pick(a.KeyIDHeader, DefaultKeyIDHeader)
}

// urlPlaceholder is a {name} in a URL template.
var urlPlaceholder = regexp.MustCompile(`\{([^{}]*)\}`)

var placeholderName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envName is the shape of an environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// URLPlaceholders returns the names of the {name} placeholders of the URL template, in order.
func (c *Connector) URLPlaceholders() []string {
	var names []string
	for _, m := range urlPlaceholder.FindAllStringSubmatch(c.URL, -1) {
		names = append(names, m[1])
	}
	return names
}

// ConnectorProblem is one mistake in a connector config, at a JSON pointer into its file.
type ConnectorProblem struct {
	Pointer string
	Message string
}

// Problems checks what the format schema cannot: the URL template, the settings each auth type
// needs, and the error table. Expressions are checked by Compile.
func (c *Connector) Problems() []ConnectorProblem {
	var out []ConnectorProblem
	add := func(at, format string, args ...any) {
		out = append(out, ConnectorProblem{Pointer: at, Message: fmt.Sprintf(format, args...)})
	}
	if c.URL != "" {
		for _, name := range c.URLPlaceholders() {
			if !placeholderName.MatchString(name) {
				add("/url", "地址模板中的占位符 {%s} 不是有效的名称", name)
			}
		}
		u, err := url.Parse(urlPlaceholder.ReplaceAllString(c.URL, "x"))
		switch {
		case err != nil:
			add("/url", "地址无效：%v", err)
		case u.Scheme != "http" && u.Scheme != "https":
			add("/url", "地址应以 http:// 或 https:// 开头")
		case u.Host == "":
			add("/url", "地址缺少主机名")
		}
	}
	if c.MaxBackoffMS != 0 && c.BackoffMS > c.MaxBackoffMS {
		add("/maxBackoffMs", "最长重试等待 %d 毫秒小于首次重试等待 %d 毫秒", c.MaxBackoffMS, c.BackoffMS)
	}
	for i, typ := range c.Callbacks {
		if !slices.Contains(CallbackTypes, typ) {
			add(fmt.Sprintf("/callbacks/%d", i), "不认识的回调类型 %q，可用 %s", typ, strings.Join(CallbackTypes, "、"))
		}
	}
	if len(c.Callbacks) > 0 && (c.Kind != "push" || c.Auth.Type != "hmac") {
		add("/callbacks", "只有以 hmac 签名的推送连接器（kind 为 push）可以接收回调")
	}
	for status := range c.Errors {
		if n, err := strconv.Atoi(status); err != nil || n < 100 || n > 599 {
			add("/errors/"+status, "%q 不是 HTTP 状态码（100–599）", status)
		}
	}
	a := &c.Auth
	checkEnv := func(at, value, what string) {
		switch {
		case value == "":
			add("/auth/"+at, "认证方式 %s 需要 %s：写出保存它的环境变量名，不要写密钥本身", a.Type, what)
		case !envName.MatchString(value):
			add("/auth/"+at, "%q 不是环境变量名", value)
		}
	}
	switch a.Type {
	case "basic":
		if a.Username == "" {
			checkEnv("usernameEnv", a.UsernameEnv, "用户名 username 或 usernameEnv")
		}
		checkEnv("secretEnv", a.SecretEnv, "密码 secretEnv")
	case "bearer":
		checkEnv("secretEnv", a.SecretEnv, "令牌 secretEnv")
	case "oauth2":
		checkEnv("clientIdEnv", a.ClientIDEnv, "client id clientIdEnv")
		checkEnv("secretEnv", a.SecretEnv, "client secret secretEnv")
		if u, err := url.Parse(a.TokenURL); a.TokenURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			add("/auth/tokenUrl", "认证方式 oauth2 需要以 http:// 或 https:// 开头的令牌地址 tokenUrl")
		}
	case "hmac":
		checkEnv("secretEnv", a.SecretEnv, "共享密钥 secretEnv")
	}
	for _, h := range []struct{ at, v string }{{"signatureHeader", a.SignatureHeader}, {"timestampHeader", a.TimestampHeader},
		{"nonceHeader", a.NonceHeader}, {"keyIdHeader", a.KeyIDHeader}} {
		if h.v != "" && strings.ContainsAny(h.v, " :\t\r\n") {
			add("/auth/"+h.at, "%q 不是有效的请求头名称", h.v)
		}
	}
	return out
}
