package httpconn

import (
	"context"
	"net/http"

	"github.com/xuchang-gov/tongban/connectors/hmacsig"
)

// hmacAuth signs each request with the shared key in secretEnv (see package hmacsig): the
// other side checks the signature, refuses timestamps too far from its clock and nonces it
// has seen, so a captured request cannot be replayed.
type hmacAuth struct {
	c       *Client
	headers hmacsig.Headers
}

var _ authenticator = hmacAuth{}

func init() {
	authKinds["hmac"] = func(c *Client) authenticator {
		return hmacAuth{c: c, headers: hmacsig.HeadersOf(&c.conn.Auth)}
	}
}

func (a hmacAuth) apply(_ context.Context, req *http.Request, body []byte) error {
	key, err := a.c.secret(a.c.conn.Auth.SecretEnv)
	if err != nil {
		return err
	}
	hmacsig.SignRequest(req, []byte(key), a.c.conn.Auth.KeyID, a.headers, body, a.c.now())
	return nil
}

func (hmacAuth) rejected(*http.Request) bool { return false }

func (a hmacAuth) check() error {
	_, err := a.c.secret(a.c.conn.Auth.SecretEnv)
	return err
}
