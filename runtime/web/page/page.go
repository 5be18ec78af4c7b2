// Package page is what the case pages of the portal and the workbench share beyond the site
// frame (runtime/web/site): the names people read for statuses, channels, outcomes and
// events, a case's timeline and documents, the materials and fee preview of an application,
// the partials that show a form read-only, a deadline and a timeline, and the compiled plans
// both render forms from. It keeps the two sites telling a case alike.
package page

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// Plans gives the compiled plan of a matter's newest published version and that version's
// number: the form renderer and decoder need the plan, not its JSON.
type Plans interface {
	// MatterPlan returns a published version's plan and its number; version 0 is the newest.
	// Cases show and edit with the version they are pinned to.
	MatterPlan(ctx context.Context, slug string, version int) (*definitions.MatterPlan, int, error)
}

//go:embed partials.html
var partials embed.FS

// Problems lists what a refused form shows: each field's message, or the error's own message.
func Problems(err error) []string {
	var e *runtime.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return []string{runtime.ErrorMessage(err)}
	}
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.Message
	}
	return out
}

// MatterNames maps the matters' slugs to their names, for pages that list things by slug.
func MatterNames(matters []runtime.MatterSummary) map[string]string {
	names := make(map[string]string, len(matters))
	for _, m := range matters {
		names[m.Slug] = m.Name
	}
	return names
}

// Site is what the portal and the workbench are both given besides their services.
type Site struct {
	Plans  Plans
	Auth   site.Auth
	Logger *slog.Logger
	// LoginURL is the accounts' sign-in page (default /account/login); ?next= is appended.
	LoginURL string
	// MaxUploadBytes bounds one posted form with its files (default 100 MB).
	MaxUploadBytes int64
	// Now is the clock visibility rules and fee previews run at; nil is time.Now.
	Now func() time.Time
}

// WithDefaults returns s with what it leaves empty filled in.
func (s Site) WithDefaults() Site {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.MaxUploadBytes == 0 {
		s.MaxUploadBytes = 100 << 20
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return s
}

// MustParse parses the site's pages embedded under dir of files into the shared frame, with
// the case pages' helpers and partials; o says the site's name, brand, menu and notices.
func (s Site) MustParse(files fs.FS, dir string, o site.Options) *site.Set {
	o.Auth, o.Logger, o.LoginURL = s.Auth, s.Logger, s.LoginURL
	o.Funcs = Funcs()
	o.Partials = append(o.Partials, partials)
	return site.MustParse(files, dir, o)
}
