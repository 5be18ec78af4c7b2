package httpapi

import (
	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// Callbacks of outside systems: each push connector that signs with HMAC has its endpoint at
// /api/v1/callbacks/{connector}, given to the server (Server.Callbacks), which verifies the
// signature and applies the message once. The endpoints answer in their own shape, the one
// the connectors' protocol gives every inbound endpoint (callbackAnswer, callbackRefusal).

// CallbacksPath is where the callbacks are served, the connector's name after it: the address
// pushes give the outside system to call back at.
const CallbacksPath = "/api/v1/callbacks/"

// callback passes a callback to its connector's endpoint.
func (s *Server) callback(c *gin.Context) {
	h := s.Callbacks[c.Param("connector")]
	if h == nil {
		s.fail(c, runtime.Errorf(runtime.ENOTFOUND, "连接器 %s 没有回调接口", c.Param("connector")))
		return
	}
	h.ServeHTTP(c.Writer, c.Request)
}

// callbackMessage is what every callback body has; the rest depends on its type.
type callbackMessage struct {
	MessageID string `json:"messageId,omitempty" jsonschema:"description=消息标识：同一消息重发时不变，只处理一次"`
	Type      string `json:"type,omitempty" jsonschema:"description=消息类型：step、result、paid、tracking 等"`
}

// callbackAnswer is the answer to a callback applied, now or before.
type callbackAnswer struct {
	OK        bool   `json:"ok"`
	MessageID string `json:"messageId"`
	Duplicate bool   `json:"duplicate" jsonschema:"description=此前已处理过，本次未重复处理"`
}

// callbackRefusal is the answer to a callback refused or not applied.
type callbackRefusal struct {
	Error  string `json:"error"`
	Reason string `json:"reason,omitempty" jsonschema:"description=未通过校验的原因：missing、bad_signature、stale、replayed、too_large、unreadable；type 为该连接器未声明的消息类型"`
}

// callbackHeaders are the request headers of a signed callback, by their default names.
var callbackHeaders = []header{
	{name: definitions.DefaultSignatureHeader, required: true,
		about: "HMAC-SHA256 签名（小写十六进制），签名内容为 方法\\n请求路径\\n时间戳\\n随机数\\nhex(SHA-256(请求体))；连接器可在 auth 中改用其他头名"},
	{name: definitions.DefaultTimestampHeader, required: true, about: "Unix 秒；与服务器时间相差不得超过连接器允许的偏差（默认 5 分钟）"},
	{name: definitions.DefaultNonceHeader, required: true, about: "一次性随机数，在允许的偏差内重复即拒绝（防重放）"},
	{name: definitions.DefaultKeyIDHeader, about: "密钥标识（轮换密钥时）"},
	{name: "Idempotency-Key", about: "请求体没有 messageId 时作为消息标识"},
}
