package httpconn

import (
	"context"
	"net/http"
)

// basicAuth sends HTTP Basic credentials: the user name from the config or an environment
// variable, the password from secretEnv.
type basicAuth struct{ c *Client }

var _ authenticator = basicAuth{}

func init() { authKinds["basic"] = func(c *Client) authenticator { return basicAuth{c} } }

func (a basicAuth) credentials() (user, password string, err error) {
	auth := &a.c.conn.Auth
	user = auth.Username
	if user == "" {
		if user, err = a.c.secret(auth.UsernameEnv); err != nil {
			return "", "", err
		}
	}
	password, err = a.c.secret(auth.SecretEnv)
	return user, password, err
}

func (a basicAuth) apply(_ context.Context, req *http.Request, _ []byte) error {
	user, password, err := a.credentials()
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, password)
	return nil
}

func (basicAuth) rejected(*http.Request) bool { return false }

func (a basicAuth) check() error {
	_, _, err := a.credentials()
	return err
}
