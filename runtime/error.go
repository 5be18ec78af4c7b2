package runtime

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes. Each maps to one HTTP status in the HTTP layer.
const (
	EINVALID      = "invalid"
	ETOOLARGE     = "too_large"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	// EUNAVAILABLE is an outside system that did not answer as it should.
	EUNAVAILABLE = "unavailable"
	// ETOOMANY is a caller over a limit of its own (uploads under way, codes asked for): it
	// may try again later.
	ETOOMANY = "too_many"
)

// Error codes of requests refused for their form rather than their content.
const (
	// EUNSUPPORTED is a request body of a media type the operation does not take.
	EUNSUPPORTED = "unsupported_media_type"
	// EKEYREUSED is an idempotency key sent again with a different request.
	EKEYREUSED = "idempotency_key_reused"
)

// FieldError is one problem with the caller's input: the JSON pointer and a Chinese message.
type FieldError struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// Error is the one error type of the domain: a code, a Chinese message for people, and for
// invalid input the fields concerned. Errors of any other type are internal: logged, never shown.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Problems are a definition draft's problems, when it is what was refused.
	Problems []DesignProblem
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an invalid-input Error listing the fields concerned.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of err, or EINTERNAL for errors that are not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message people may see: the Error's, or a generic one for internal
// errors, whose details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "系统内部错误，请稍后重试"
}

// HTTPStatus is the one mapping of error codes to HTTP statuses, for every HTTP answer of
// tongban: the API, the pages and the uploads.
func HTTPStatus(code string) int {
	switch code {
	case EINVALID:
		return http.StatusBadRequest
	case ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case EKEYREUSED:
		return http.StatusUnprocessableEntity
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case EFORBIDDEN:
		return http.StatusForbidden
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}
