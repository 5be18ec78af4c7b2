package httpconn

import (
	"context"
	"net/http"
)

// noAuth sends requests as they are, for systems inside the government network that
// authenticate by address.
type noAuth struct{}

var _ authenticator = noAuth{}

func init() {
	authKinds[""] = func(*Client) authenticator { return noAuth{} }
	authKinds["none"] = authKinds[""]
}

func (noAuth) apply(context.Context, *http.Request, []byte) error { return nil }
func (noAuth) rejected(*http.Request) bool                        { return false }
func (noAuth) check() error                                       { return nil }
