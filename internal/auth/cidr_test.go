package auth

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestParseCIDRs(t *testing.T) {
	got, err := ParseCIDRs(" 127.0.0.1/32, 10.0.0.0/8 ,::1/128, 192.168.1.7, fd00::1, 10.1.2.3/8, ::ffff:172.16.0.0/108,")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("192.168.1.7/32"), // bare IPv4
		netip.MustParsePrefix("fd00::1/128"),    // bare IPv6
		netip.MustParsePrefix("10.0.0.0/8"),     // host bits cleared
		netip.MustParsePrefix("172.16.0.0/12"),  // IPv4-mapped made IPv4
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestParseCIDRsErrors(t *testing.T) {
	for _, tc := range []struct{ in, wantInErr string }{
		{"", "no address"},
		{" , ,", "no address"},
		{"10.0.0.0/33", `item 1 "10.0.0.0/33": not a CIDR network`},
		{"127.0.0.1, localhost", `item 2 "localhost": not an IP address`},
		{"10.0.0.0/8; 127.0.0.1", "not a CIDR network"},
		{"300.1.1.1", "not an IP address"},
		{"fe80::1%eth0", "zones are not supported"},
		{"::ffff:10.0.0.0/8", "shorter than /96"},
		{"10.0.0.0/", "not a CIDR network"},
	} {
		_, err := ParseCIDRs(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.wantInErr) {
			t.Errorf("ParseCIDRs(%q) = %v, want error containing %q", tc.in, err, tc.wantInErr)
		}
	}
}

func TestPeerAddr(t *testing.T) {
	for _, tc := range []struct {
		remote string
		want   string // "" = not an address
	}{
		{"127.0.0.1:5555", "127.0.0.1"},
		{"[::1]:5555", "::1"},
		{"[::ffff:10.1.2.3]:5555", "10.1.2.3"},
		{"[fe80::1%eth0]:5555", "fe80::1"},
		{"10.0.0.1", "10.0.0.1"}, // some test servers omit the port
		{"@", ""},                // Unix socket
		{"", ""},
		{"example.com:80", ""},
	} {
		a, ok := peerAddr(tc.remote)
		if got := map[bool]string{true: a.String(), false: ""}[ok]; got != tc.want {
			t.Errorf("peerAddr(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}
