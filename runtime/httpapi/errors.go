package httpapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/xuchang-gov/tongban/runtime"
)

// errorBody is the one JSON shape of every error answer.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string               `json:"code"`
	Message string               `json:"message"`
	Fields  []runtime.FieldError `json:"fields,omitempty"`
}

// StatusOf maps an error code to its HTTP status; every HTTP answer of tongban uses it.
func StatusOf(code string) int {
	switch code {
	case runtime.EINVALID:
		return http.StatusBadRequest
	case runtime.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case runtime.ENOTFOUND:
		return http.StatusNotFound
	case runtime.ECONFLICT:
		return http.StatusConflict
	case runtime.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case runtime.EFORBIDDEN:
		return http.StatusForbidden
	case runtime.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail writes err as the error answer. Internal errors are logged and shown only as a generic
// message.
func (s *Server) fail(c *gin.Context, err error) {
	code := runtime.ErrorCode(err)
	body := errorBody{Error: errorPayload{Code: code, Message: runtime.ErrorMessage(err)}}
	var e *runtime.Error
	if errors.As(err, &e) {
		body.Error.Fields = e.Fields
	}
	if code == runtime.EINTERNAL {
		s.Logger.Error("internal error", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	}
	if code == runtime.EUNAUTHORIZED {
		c.Header("WWW-Authenticate", `Bearer realm="tongban"`)
	}
	c.AbortWithStatusJSON(StatusOf(code), body)
}
