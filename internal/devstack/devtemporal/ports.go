package devtemporal

import (
	"fmt"
	"net"
	"strconv"

	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"

	"github.com/slipway-dev/slipway/internal/proc"
)

// loopbackIP is where the internal services (history, matching, worker)
// listen: nothing outside the machine talks to them.
const loopbackIP = "127.0.0.1"

// ports are the gRPC ports of one server's four services.
type ports struct {
	frontendIP string
	frontend   int
	history    int
	matching   int
	worker     int
}

// pickPorts resolves the frontend address and picks free loopback ports for
// the internal services. A fixed frontend port is checked by binding it, so
// that "address in use" is a clear error here instead of a Fatal deep inside
// Temporal.
func pickPorts(frontendAddr string) (ports, error) {
	host, port, err := splitHostPort(frontendAddr)
	if err != nil {
		return ports{}, fmt.Errorf("parse frontend address: %w", err)
	}
	p := ports{frontendIP: host}
	if p.frontend, err = proc.FreePort(host, port); err != nil {
		return ports{}, fmt.Errorf("listen on frontend address: %w", err)
	}
	for _, dst := range []*int{&p.history, &p.matching, &p.worker} {
		if *dst, err = proc.FreePort(loopbackIP, 0); err != nil {
			return ports{}, fmt.Errorf("pick internal port: %w", err)
		}
	}
	return p, nil
}

// staticHosts tells each service where the others are. The server runs every
// service in this process, so each is its own single host.
func (p ports) staticHosts() map[primitives.ServiceName]static.Hosts {
	at := func(ip string, port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(ip, strconv.Itoa(port)))
	}
	return map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: at(dialHost(p.frontendIP), p.frontend),
		primitives.HistoryService:  at(loopbackIP, p.history),
		primitives.MatchingService: at(loopbackIP, p.matching),
		primitives.WorkerService:   at(loopbackIP, p.worker),
	}
}

// splitHostPort parses host:port into an IP literal and a port, mapping an
// empty host and "localhost" to 127.0.0.1 (Temporal binds to IPs only).
func splitHostPort(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("address %q: bad port", addr)
	}
	switch host {
	case "", "localhost":
		host = loopbackIP
	}
	if net.ParseIP(host) == nil {
		return "", 0, fmt.Errorf("address %q: host must be an IP address or localhost", addr)
	}
	return host, port, nil
}

// dialHost turns a bind address into one a client on this machine can dial:
// a server bound to every interface is reached on loopback.
func dialHost(ip string) string {
	parsed := net.ParseIP(ip)
	switch {
	case parsed == nil, !parsed.IsUnspecified():
		return ip
	case parsed.To4() != nil:
		return loopbackIP
	default:
		return "::1"
	}
}

// dialAddr is dialHost for a host:port.
func dialAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort(dialHost(host), port)
}
