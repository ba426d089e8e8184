package clientip

import (
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	r, err := NewResolver([]string{"10.0.0.0/8", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		r      Resolver
		remote string
		xff    []string
		want   string
	}{
		{"no proxies trusted: peer", Resolver{}, "203.0.113.9:5555", []string{"1.2.3.4"}, "203.0.113.9"},
		{"untrusted peer's header ignored", r, "203.0.113.9:5555", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted proxy reports the client", r, "10.1.2.3:5555", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed left entries ignored", r, "10.1.2.3:5555", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", r, "127.0.0.1:1", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"several header lines", r, "127.0.0.1:1", []string{"198.51.100.7", "10.9.9.9"}, "198.51.100.7"},
		{"garbage stops at the last trusted hop", r, "10.1.2.3:5555", []string{"not-an-ip"}, "10.1.2.3"},
		{"all trusted: leftmost", r, "10.1.2.3:5555", []string{"10.4.4.4"}, "10.4.4.4"},
		{"ipv6 peer", Resolver{}, "[2001:db8::1]:443", nil, "2001:db8::1"},
		{"mapped ipv4", Resolver{}, "[::ffff:192.0.2.1]:443", nil, "192.0.2.1"},
	}
	for _, c := range cases {
		got := c.r.ClientIP(c.remote, c.xff)
		if got != netip.MustParseAddr(c.want) {
			t.Errorf("%s: ClientIP(%q, %q) = %v, want %s", c.name, c.remote, c.xff, got, c.want)
		}
	}
	if _, err := NewResolver([]string{"nonsense"}); err == nil {
		t.Error("NewResolver accepted nonsense")
	}
	if got := (Resolver{}).ClientIP("garbage", nil); got.IsValid() {
		t.Errorf("ClientIP of an unparsable peer = %v, want the zero Addr", got)
	}
}

func FuzzClientIP(f *testing.F) {
	r, _ := NewResolver([]string{"10.0.0.0/8", "::1"})
	f.Add("10.0.0.1:80", "1.2.3.4, 10.0.0.2")
	f.Add("[::1]:80", "[2001:db8::1]:99,zz")
	f.Fuzz(func(t *testing.T, remote, xff string) {
		_ = r.ClientIP(remote, []string{xff})
	})
}
