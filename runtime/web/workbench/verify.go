package workbench

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/web/site"
)

// AccountVerifier verifies at the window the online accounts whose holders could not prove
// their identity by SMS (runtime/service.Accounts satisfies it).
type AccountVerifier interface {
	// UnverifiedAccount returns the account of kind and key waiting to be verified; not_found
	// when there is none.
	UnverifiedAccount(ctx context.Context, kind, key string) (*runtime.User, error)
	// VerifyAtWindow marks the account verified by clerk, with the mobile number its holder
	// gave at the window, and records it.
	VerifyAtWindow(ctx context.Context, clerk *runtime.User, userID int64, mobile, ip string) error
}

// pendingAccount is the unverified online account of the key looked up, or nil.
func (b *workbench) pendingAccount(ctx context.Context, kind, key string) *runtime.User {
	if b.Accounts == nil {
		return nil
	}
	u, err := b.Accounts.UnverifiedAccount(ctx, kind, key)
	if err != nil {
		return nil
	}
	return u
}

// verifyAccount is a clerk's verification of an online account, the holder's identity document
// checked in person.
func (b *workbench) verifyAccount(w http.ResponseWriter, r *http.Request, u *runtime.User) {
	if err := site.ParseForm(w, r, b.Auth, 64<<10); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	if b.Accounts == nil {
		b.pages.NotFound(w, r)
		return
	}
	id, err := strconv.ParseInt(r.PostFormValue("account"), 10, 64)
	if err != nil {
		b.pages.Fail(w, r, runtime.Errorf(runtime.EINVALID, "账户编号无效"))
		return
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr) // the account's audit log has who did it; the address is the connection's
	if err := b.Accounts.VerifyAtWindow(r.Context(), u, id, strings.TrimSpace(r.PostFormValue("mobile")), ip); err != nil {
		b.pages.Fail(w, r, err)
		return
	}
	site.SeeOther(w, r, "/work/window?key="+url.QueryEscape(r.PostFormValue("key")), "verified")
}
