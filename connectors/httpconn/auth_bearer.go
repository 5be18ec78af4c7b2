package httpconn

import (
	"context"
	"net/http"
)

// bearerAuth sends a fixed token (an API key the other side issued) from secretEnv.
type bearerAuth struct{ c *Client }

var _ authenticator = bearerAuth{}

func init() { authKinds["bearer"] = func(c *Client) authenticator { return bearerAuth{c} } }

func (a bearerAuth) apply(_ context.Context, req *http.Request, _ []byte) error {
	token, err := a.c.secret(a.c.conn.Auth.SecretEnv)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return nil
}

func (bearerAuth) rejected(*http.Request) bool { return false }

func (a bearerAuth) check() error {
	_, err := a.c.secret(a.c.conn.Auth.SecretEnv)
	return err
}
