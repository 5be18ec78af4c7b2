package httpapi

import (
	"context"
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
	// Problems are a definition draft's problems (design API).
	Problems []runtime.DesignProblem `json:"problems,omitempty"`
}

// codeMethodNotAllowed is the error code of a method a path does not have: an HTTP matter,
// which no service returns.
const codeMethodNotAllowed = "method_not_allowed"

// bearerChallenge is the WWW-Authenticate header of every 401 answer.
const bearerChallenge = `Bearer realm="tongban"`

// fail writes err as the error answer.
func (s *Server) fail(c *gin.Context, err error) {
	status, body := s.errorAnswer(c.Request.Context(), c.Request.Method, c.Request.URL.Path, err)
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", bearerChallenge)
	}
	c.AbortWithStatusJSON(status, body)
}

// errorAnswer is the status and body of err, for the request method path, wherever it is
// written: by a route, or by tusd for a resumable upload. Internal errors are logged and shown
// only as a generic message.
func (s *Server) errorAnswer(ctx context.Context, method, path string, err error) (int, errorBody) {
	code := runtime.ErrorCode(err)
	body := errorBody{Error: errorPayload{Code: code, Message: runtime.ErrorMessage(err)}}
	var e *runtime.Error
	if errors.As(err, &e) {
		body.Error.Fields, body.Error.Problems = e.Fields, e.Problems
	}
	if code == runtime.EINTERNAL {
		s.Logger.ErrorContext(ctx, "internal error", "method", method, "path", path, "err", err)
	}
	return runtime.HTTPStatus(code), body
}
