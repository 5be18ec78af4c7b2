package runtime

import (
	"context"
	"encoding/json"
)

// DesignShared is a bundle's shared definitions as in force (the newest published version's):
// orgs.json, calendar/<year>.json, connectors/<name>.json and the shared notices print/<name>.json,
// each as text, and for each shared notice the matters that print it.
type DesignShared struct {
	Files map[string]string `json:"files"`
	// UsedBy lists, per shared print template (print/<name>.json), the matters whose workflow
	// or notices use it and that have no template of their own by that name.
	UsedBy map[string][]string `json:"usedBy"`
}

// SharedChange changes shared files: each name to its new text, or null to remove it.
type SharedChange struct {
	Files   map[string]*string `json:"files"`
	Comment string             `json:"comment,omitempty"`
}

// SharedPublished is a shared change in force: each matter published anew with it.
type SharedPublished struct {
	Published []Published `json:"published"`
}

// ConnectorTry asks a lookup connector's configured system for one key, from the server. Text,
// when given, is the connector's unsaved config (connectors/<name>.json) to try instead.
type ConnectorTry struct {
	Connector string `json:"connector"`
	Key       string `json:"key"`
	Text      string `json:"text,omitempty"`
}

// ConnectorTried is what the lookup gave: the result mapped by the connector's response
// expression, or the error.
type ConnectorTried struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
	Millis int64           `json:"millis"`
}

// DesignSharedService edits the shared definitions: only admins change them, since every
// matter follows.
type DesignSharedService interface {
	// SharedDefinitions returns the shared files in force and who uses each shared notice.
	SharedDefinitions(ctx context.Context, u *User) (*DesignShared, error)
	// CheckShared returns every problem the change would give any matter (an org or role that
	// a matter's tasks name and the change removes, a notice that no longer compiles for one).
	CheckShared(ctx context.Context, u *User, req SharedChange) (*CheckResult, error)
	// ChangeShared publishes every matter anew with the change, recorded in each one's design
	// trail, and carries it into open drafts; EINVALID with the problems when any matter
	// would have an error, EFORBIDDEN for anyone but an admin.
	ChangeShared(ctx context.Context, u *User, req SharedChange) (*SharedPublished, error)
	// TryConnector performs a lookup of a connector of the shared definitions.
	TryConnector(ctx context.Context, u *User, req ConnectorTry) (*ConnectorTried, error)
}
