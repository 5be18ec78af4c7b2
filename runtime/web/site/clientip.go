package site

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns how a request's client address is found, for lockouts and the audit log:
// the peer's address, unless the peer is one of the trusted reverse proxies — then the
// X-Forwarded-For entry nearest to it that is not a trusted proxy. A client cannot choose its
// address by sending the header itself: entries left of the first untrusted one are its own.
func ClientIP(trusted []netip.Prefix) func(*http.Request) string {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		peer, err := netip.ParseAddr(host)
		if err != nil || !isTrusted(peer) {
			return host
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			if host = hop.Unmap().String(); !isTrusted(hop) {
				break
			}
		}
		return host
	}
}
