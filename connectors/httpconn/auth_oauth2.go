package httpconn

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// oauth2Auth gets an access token by the OAuth2 client credentials grant and sends it as a
// bearer token. The token is cached and shared by every call until shortly before it expires;
// one caller fetches a new one while the others wait. A 401 drops the cached token, so that a
// token the other side revoked early is replaced on the next try.
type oauth2Auth struct {
	c *Client

	mu    sync.Mutex
	token *oauth2.Token
}

var _ authenticator = (*oauth2Auth)(nil)

// tokenEarly is how long before its expiry a token is replaced, so that it does not expire on
// the way to the other side.
const tokenEarly = 10 * time.Second

func init() { authKinds["oauth2"] = func(c *Client) authenticator { return &oauth2Auth{c: c} } }

func (a *oauth2Auth) config() (*clientcredentials.Config, error) {
	auth := &a.c.conn.Auth
	id, err := a.c.secret(auth.ClientIDEnv)
	if err != nil {
		return nil, err
	}
	secret, err := a.c.secret(auth.SecretEnv)
	if err != nil {
		return nil, err
	}
	return &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: auth.TokenURL,
		Scopes: auth.Scopes, AuthStyle: oauth2.AuthStyleInHeader}, nil
}

// valid reports whether the cached token can still be sent.
func (a *oauth2Auth) valid() bool {
	t := a.token
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || a.c.now().Add(tokenEarly).Before(t.Expiry))
}

// accessToken returns the cached token or fetches a new one.
func (a *oauth2Auth) accessToken(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.valid() {
		return a.token.AccessToken, nil
	}
	cfg, err := a.config()
	if err != nil {
		return "", err
	}
	tctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, a.c.http), a.c.timeout)
	defer cancel()
	tok, err := cfg.Token(tctx)
	if err != nil {
		return "", a.tokenError(ctx, err)
	}
	// The library dates the expiry by the wall clock; re-date it by ours so that an injected
	// clock sees the same lifetime.
	if !tok.Expiry.IsZero() {
		tok.Expiry = a.c.now().Add(time.Until(tok.Expiry))
	}
	a.token = tok
	return tok.AccessToken, nil
}

// tokenError classifies a failed token request: refused credentials are an auth failure,
// anything else means the token service is unavailable.
func (a *oauth2Auth) tokenError(ctx context.Context, err error) *Error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if status >= 500 {
			return a.c.newError(Unavailable, 0, "令牌服务："+err.Error(), err)
		}
		return a.c.newError(Unauthorized, 0, "令牌服务拒绝了 client id 或 secret："+err.Error(), err)
	}
	e := a.c.transportError(ctx, err)
	e.Detail = "令牌服务：" + e.Detail
	return e
}

func (a *oauth2Auth) apply(ctx context.Context, req *http.Request, _ []byte) error {
	token, err := a.accessToken(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return nil
}

func (a *oauth2Auth) rejected(req *http.Request) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Another call may have replaced the token already; drop only the one that was refused.
	if a.token != nil && req.Header.Get("Authorization") == "Bearer "+a.token.AccessToken {
		a.token = nil
	}
	return true
}

func (a *oauth2Auth) check() error {
	_, err := a.config()
	return err
}
