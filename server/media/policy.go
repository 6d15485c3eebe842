package media

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"syscall"
	"time"
)

// The media route's policy: which hosts a provider's files may come from, and the dial guard of
// the client that fetches them.

// aimlapiMediaHosts are the media hosts of a provider whose base URL is on api.aimlapi.com and
// whose configuration names none: AI/ML API's CDN and the storage its models' files land on.
var aimlapiMediaHosts = []string{"cdn.aimlapi.com", "*.aimlapi.com", "storage.googleapis.com", "*.fal.media", "fal.media", "*.amazonaws.com", "*.cloudfront.net"}

// hostsFor returns the media host patterns of a provider: the configured ones, else the
// default for its base URL's host (AI/ML API's hosts for api.aimlapi.com, none for others).
func hostsFor(p Source) []string {
	if p.Hosts != nil {
		return p.Hosts
	}
	if u, err := url.Parse(p.BaseURL); err == nil && strings.EqualFold(u.Hostname(), "api.aimlapi.com") {
		return aimlapiMediaHosts
	}
	return nil
}

// CheckHost accepts a media_hosts pattern: a host ("cdn.example.com") or host:port pair
// ("127.0.0.1:*") in path.Match syntax, without scheme, path, user info or spaces.
func CheckHost(p string) error {
	switch {
	case p == "":
		return errors.New("an empty pattern matches no host")
	case strings.ContainsAny(p, "/@ \t\r\n\\"):
		return fmt.Errorf("%q is not a host pattern: write a host (cdn.example.com, *.example.com) or host:port (127.0.0.1:*), without scheme or path", p)
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Errorf("%q is not a valid pattern (path.Match syntax: * ? [a-z]): %w", p, err)
	}
	return nil
}

// matchMediaHost reports whether u's host matches one of patterns. A host pattern matches the
// URL's host name when the URL has no port or its scheme's default port; a host:port pattern
// matches the host with its port (the default port filled in). Matching ignores case.
func matchMediaHost(patterns []string, u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return false
	}
	def := "443"
	if u.Scheme == "http" {
		def = "80"
	}
	port := u.Port()
	hostPort := host + ":" + def
	if port != "" {
		hostPort = host + ":" + port
	}
	for _, p := range patterns {
		p = strings.ToLower(p)
		if strings.Contains(p, ":") {
			if ok, _ := path.Match(p, hostPort); ok {
				return true
			}
			continue
		}
		if port != "" && port != def {
			continue
		}
		if ok, _ := path.Match(p, host); ok {
			return true
		}
	}
	return false
}

// source is one provider's media policy and the client that fetches its files.
type source struct {
	// name is the provider's name.
	name string
	// hosts are the host patterns (see matchMediaHost).
	hosts []string
	// insecure lets plain http and loopback addresses through (tests only).
	insecure bool
	// client fetches files: no redirects, no proxy, dial guard (see mediaDialControl).
	client *http.Client
}

// newSource builds the media policy and fetching client of provider p.
func newSource(p Source) *source {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: mediaDialControl(p.AllowInsecure)}
	transport := &http.Transport{
		// Never an environment proxy: the dial guard must see the file host's own address.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: headerTimeout,
		// Bytes pass through as the host sends them, so Content-Length and ranges stay true.
		DisableCompression: true,
	}
	return &source{
		name:     p.Name,
		hosts:    hostsFor(p),
		insecure: p.AllowInsecure,
		client: &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// allows reports whether the source's files may be fetched from u: https (or http when
// insecure), a host, no user info, and a host on the allow-list.
func (m *source) allows(u *url.URL) bool {
	switch {
	case u.Scheme != "https" && !(u.Scheme == "http" && m.insecure):
		return false
	case u.Host == "" || u.Opaque != "" || u.User != nil:
		return false
	}
	return matchMediaHost(m.hosts, u)
}

// errMediaAddress is the dial guard's refusal.
var errMediaAddress = errors.New("address refused for media")

// Address ranges the media client never dials, beyond what netip.Addr's predicates name: shared
// address space, IETF protocol assignments, benchmarking, reserved, and the IPv6 forms that embed
// an IPv4 address or are deprecated (IPv4-compatible, NAT64, 6to4, Teredo, site-local).
var mediaDeniedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("fec0::/10"),
}

// checkMediaAddr refuses an address the media client must not connect to: loopback (unless
// allowLoopback), private (RFC 1918, ULA fc00::/7), link-local (169.254.0.0/16 with the cloud
// metadata address, fe80::/10), unspecified, multicast, broadcast and the ranges of
// mediaDeniedPrefixes. IPv4-mapped IPv6 addresses are checked as the IPv4 address they map.
func checkMediaAddr(ip netip.Addr, allowLoopback bool) error {
	ip = ip.Unmap().WithZone("")
	switch {
	case !ip.IsValid():
		return fmt.Errorf("%w: not an IP address", errMediaAddress)
	case ip.IsLoopback():
		if allowLoopback {
			return nil
		}
		return fmt.Errorf("%w: %s is a loopback address", errMediaAddress, ip)
	case ip.IsPrivate():
		return fmt.Errorf("%w: %s is a private address", errMediaAddress, ip)
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return fmt.Errorf("%w: %s is a link-local address", errMediaAddress, ip)
	case ip.IsUnspecified():
		return fmt.Errorf("%w: %s is the unspecified address", errMediaAddress, ip)
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return fmt.Errorf("%w: %s is a multicast address", errMediaAddress, ip)
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Errorf("%w: %s is the broadcast address", errMediaAddress, ip)
	}
	for _, p := range mediaDeniedPrefixes {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is in the special-purpose range %s", errMediaAddress, ip, p)
		}
	}
	return nil
}

// mediaDialControl returns the net.Dialer Control function of the media client: it checks the
// address actually being dialled (after DNS resolution, so a name that resolves, or rebinds, to an
// internal address is refused too) with checkMediaAddr.
func mediaDialControl(allowLoopback bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if network != "tcp4" && network != "tcp6" && network != "tcp" {
			return fmt.Errorf("%w: network %s", errMediaAddress, network)
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %q is not an IP address and port", errMediaAddress, address)
		}
		return checkMediaAddr(ap.Addr(), allowLoopback)
	}
}
