// Package clientip finds the address of the client behind a request. It
// trusts X-Forwarded-For only as far as a configured list of proxies: each
// hop is believed only when the hop that reported it is itself trusted, so a
// client cannot pick its own address (and so its own rate-limit bucket).
package clientip

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Resolver answers client addresses for one trusted-proxy configuration.
// The zero value trusts no proxy: the TCP peer is the client.
type Resolver struct {
	trusted []netip.Prefix
}

// NewResolver parses trusted proxies given as addresses or CIDR prefixes,
// such as "10.0.0.0/8" or "127.0.0.1".
func NewResolver(trusted []string) (Resolver, error) {
	var r Resolver
	for _, s := range trusted {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			r.trusted = append(r.trusted, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return Resolver{}, fmt.Errorf("trusted proxy %q: want an address or CIDR prefix", s)
		}
		r.trusted = append(r.trusted, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return r, nil
}

func (r Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP answers the client's address from the TCP peer (remoteAddr, as
// in http.Request.RemoteAddr) and the X-Forwarded-For header values. It
// walks X-Forwarded-For from the right, the hop nearest to us, and stops at
// the first address not reported by a trusted proxy. An invalid entry ends
// the walk at the last trusted address. The zero Addr means the peer could
// not be parsed.
func (r Resolver) ClientIP(remoteAddr string, forwardedFor []string) netip.Addr {
	peer := parseHostPort(remoteAddr)
	if !peer.IsValid() || len(r.trusted) == 0 || !r.isTrusted(peer) {
		return peer
	}
	var hops []string
	for _, v := range forwardedFor {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			a = parseHostPort(hops[i])
			if !a.IsValid() {
				return client
			}
		}
		client = a.Unmap()
		if !r.isTrusted(client) {
			return client
		}
	}
	return client
}

func parseHostPort(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
