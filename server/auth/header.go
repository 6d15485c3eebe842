package auth

import (
	"net"
	"net/http"
	"net/mail"
	"net/netip"
	"strings"
)

// DefaultHeader is the identity header of the header mode when -auth-header is not set.
const DefaultHeader = "X-Forwarded-Email"

// HeaderIdentity is who a trusted reverse proxy says calls.
type HeaderIdentity struct {
	// Email is the user's address, lower-cased.
	Email string
	// Groups are the groups the proxy names (its groups header, comma-separated), for teams.
	Groups []string
}

// ProxyHeaders reads the identity a reverse proxy put in a request: believed only when the TCP
// peer is in trusted (the header of anyone else is ignored, never an error, so a client cannot
// probe), and only when it holds one e-mail address. ok is false when there is no identity to
// believe; the server reads it again on every request, so a change or an absence ends the
// session.
func ProxyHeaders(r *http.Request, trusted []netip.Prefix, emailHeader, groupsHeader string) (id HeaderIdentity, ok bool) {
	if !fromTrusted(r.RemoteAddr, trusted) {
		return id, false
	}
	vals := r.Header.Values(emailHeader)
	if len(vals) != 1 {
		return id, false // none, or several: which one to believe?
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(vals[0]))
	if err != nil || addr.Name != "" || !strings.Contains(addr.Address, "@") {
		return id, false
	}
	id.Email = strings.ToLower(addr.Address)
	if groupsHeader != "" {
		for _, g := range strings.Split(strings.Join(r.Header.Values(groupsHeader), ","), ",") {
			if g = strings.TrimSpace(g); g != "" {
				id.Groups = append(id.Groups, g)
			}
		}
	}
	return id, true
}

// fromTrusted reports whether the TCP peer remoteAddr is in one of the trusted networks.
func fromTrusted(remoteAddr string, trusted []netip.Prefix) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
