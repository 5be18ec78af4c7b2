package httpconn

import (
	"context"
	"net/http"
)

// authenticator adds a connector's credentials to each request. Each auth type is one file that
// registers itself in authKinds.
type authenticator interface {
	// apply is called for every attempt, once the body is final.
	apply(ctx context.Context, req *http.Request, body []byte) error
	// rejected is told that the other side answered 401 to req, which apply prepared; it
	// reports whether one more try with fresh credentials may help (an expired OAuth2 token).
	rejected(req *http.Request) bool
	// check reports a missing secret without making a request.
	check() error
}

// authKinds builds the authenticator of each auth type.
var authKinds = map[string]func(c *Client) authenticator{}

// secret reads an environment variable the connector names; a missing one is a config error
// that says which variable to set, never what a secret is.
func (c *Client) secret(env string) (string, error) {
	v := c.getenv(env)
	if v == "" {
		return "", c.newError(Config, 0, "环境变量 "+env+" 未设置", nil)
	}
	return v, nil
}
