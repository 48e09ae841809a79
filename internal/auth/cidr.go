package auth

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ParseCIDRs parses a comma-separated list of networks such as
// "127.0.0.1/32, 10.0.0.0/8, ::1/128". A bare address stands for itself
// (/32 or /128). Host bits are cleared ("10.1.2.3/8" is 10.0.0.0/8), and
// IPv4-mapped IPv6 networks become IPv4 ones, since peers are compared in
// their unmapped form. An empty list is an error: the caller asked for
// trusted proxies and got none.
func ParseCIDRs(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p, err := parseOne(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxies: item %d %q: %w", i+1, item, err)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("trusted proxies: no address or network given")
	}
	return out, nil
}

func parseOne(item string) (netip.Prefix, error) {
	if strings.Contains(item, "%") {
		// A zone names an interface of one host; peers' zones are dropped
		// before matching, so a zoned entry would mislead.
		return netip.Prefix{}, errors.New("IPv6 zones are not supported")
	}
	if !strings.Contains(item, "/") {
		a, err := netip.ParseAddr(item)
		if err != nil {
			return netip.Prefix{}, errors.New("not an IP address or CIDR network")
		}
		return normalizePrefix(netip.PrefixFrom(a, a.BitLen()))
	}
	p, err := netip.ParsePrefix(item)
	if err != nil {
		return netip.Prefix{}, errors.New("not a CIDR network (want address/bits, e.g. 10.0.0.0/8)")
	}
	return normalizePrefix(p)
}

// normalizePrefix masks p and turns ::ffff:a.b.c.d/n (n ≥ 96) into a.b.c.d/(n-96).
func normalizePrefix(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return netip.Prefix{}, errors.New("invalid network")
	}
	a := p.Addr()
	if a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, errors.New("IPv4-mapped network shorter than /96")
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// peerAddr is the TCP peer of r.RemoteAddr, unmapped and without zone, so
// that "[::ffff:10.0.0.1]:443" matches 10.0.0.0/8. Anything unparsable (a
// Unix socket's "@", an empty string) is no address and so never trusted.
func peerAddr(remote string) (netip.Addr, bool) {
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		a = ap.Addr()
	} else if a, err = netip.ParseAddr(remote); err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}
