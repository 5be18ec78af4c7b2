// Package registry builds the clients of a bundle's connectors once, so that the runtime can
// call an outside system by the connector's name.
package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/definitions"
)

// Registry holds one client per connector.
type Registry struct {
	clients map[string]*httpconn.Client
}

// New builds the clients of the lookup and push connectors. baseURL, when set, replaces the
// scheme and host of every connector's address — how a deployment points the same definitions
// at a test environment or at the simulators.
func New(conns []*definitions.Connector, opts httpconn.Options, baseURL string) (*Registry, error) {
	r := &Registry{clients: map[string]*httpconn.Client{}}
	for _, c := range conns {
		if c.Kind == "callback" {
			continue
		}
		conn := *c
		if baseURL != "" {
			conn.URL = rebase(conn.URL, baseURL)
			if conn.Auth.TokenURL != "" {
				conn.Auth.TokenURL = rebase(conn.Auth.TokenURL, baseURL)
			}
		}
		client, err := httpconn.New(&conn, opts)
		if err != nil {
			return nil, fmt.Errorf("connector %s: %w", c.Name, err)
		}
		r.clients[c.Name] = client
	}
	return r, nil
}

// rebase swaps the scheme and host of an address template for base's.
func rebase(address, base string) string {
	_, rest, ok := strings.Cut(address, "://")
	if !ok {
		return address
	}
	path := ""
	if i := strings.Index(rest, "/"); i >= 0 {
		path = rest[i:]
	}
	return strings.TrimSuffix(base, "/") + path
}

// Clients returns every client by connector name.
func (r *Registry) Clients() map[string]*httpconn.Client { return r.clients }

// Client returns the client of a connector, or nil.
func (r *Registry) Client(name string) *httpconn.Client { return r.clients[name] }

// Lookup asks a lookup connector by key and returns its mapped answer.
func (r *Registry) Lookup(ctx context.Context, name, key string) (any, error) {
	c := r.clients[name]
	if c == nil {
		return nil, fmt.Errorf("没有连接器 %s", name)
	}
	if c.Connector().Kind != "lookup" {
		return nil, fmt.Errorf("连接器 %s 不是查询类", name)
	}
	return c.Lookup(ctx, key)
}
