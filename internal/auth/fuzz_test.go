package auth

// Native fuzz targets for what the proxy and the configuration hand us.
// Seeds live in testdata/fuzz/<FuzzName>/ and run with plain `go test`;
// explore with, one target at a time:
//
//	go test -run '^$' -fuzz '^FuzzProxyIdentify$' -fuzztime 60s ./internal/auth/

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzTrusted is the trusted network of the proxies under fuzz.
var fuzzTrusted = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// fuzzProxies builds one proxy with oauth2-proxy's default header names and
// one with custom names given in a non-canonical spelling.
func fuzzProxies(f *testing.F) [2]*Proxy {
	var out [2]*Proxy
	for i, cfg := range []ProxyConfig{
		{TrustedProxies: fuzzTrusted},
		{TrustedProxies: fuzzTrusted, UserHeader: "x-auth-request-user", EmailHeader: "X-AUTH-REQUEST-EMAIL",
			GroupsHeader: "X-Auth-Request-Groups", PreferredUsernameHeader: "X-Auth-Request-Preferred-Username"},
	} {
		p, err := NewProxy(context.Background(), cfg, nil)
		if err != nil {
			f.Fatal(err)
		}
		out[i] = p
	}
	return out
}

// fuzzHeader reads lines "Name: value" into a header. A name starting with
// '=' is stored as written (after the '='), as a server that does not
// canonicalize would; other names go through Header.Add.
func fuzzHeader(spec string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(spec, "\n") {
		name, value, _ := strings.Cut(line, ":")
		if raw, ok := strings.CutPrefix(name, "="); ok {
			h[raw] = append(h[raw], value)
		} else {
			h.Add(name, value)
		}
	}
	return h
}

// asciiFoldEqual compares a header name with one of ours (ASCII only)
// ignoring ASCII case; a name with other bytes never equals ours.
func asciiFoldEqual(key, ours string) bool {
	return strings.EqualFold(key, ours) && !strings.ContainsFunc(key, func(r rune) bool { return r >= utf8.RuneSelf })
}

// FuzzProxyIdentify builds a request from fuzzed header lines, from a
// trusted peer unless bit 1 of mode asks for the fuzzed remote address, and
// checks Identify: a failure is one of the sentinel errors, safe to log; a
// header spelled like an identity header once '_' is read as '-' but not
// canonically always fails; and a success comes from a trusted peer and
// carries exactly the one trimmed value of each single-valued header (no
// control characters, no commas, within limits) and exactly the trimmed,
// non-empty, deduplicated comma items of the groups header lines, in order.
func FuzzProxyIdentify(f *testing.F) {
	proxies := fuzzProxies(f)
	f.Fuzz(func(t *testing.T, mode uint8, remote, spec string) {
		p := proxies[mode&1]
		r := &http.Request{Method: http.MethodGet, Header: fuzzHeader(spec), RemoteAddr: "10.1.2.3:40000"}
		if mode&2 != 0 {
			r.RemoteAddr = remote
		}
		id, err := p.Identify(r)
		if err != nil {
			if !errors.Is(err, ErrUntrustedPeer) && !errors.Is(err, ErrNoIdentity) && !errors.Is(err, ErrInvalidIdentity) {
				t.Fatalf("Identify: %v is none of the sentinel errors", err)
			}
			if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("Identify: error %q is not safe to log", msg)
			}
		}
		if peer, ok := peerAddr(r.RemoteAddr); !ok || !slices.ContainsFunc(fuzzTrusted, func(n netip.Prefix) bool { return n.Contains(peer) }) {
			if !errors.Is(err, ErrUntrustedPeer) {
				t.Fatalf("peer %q is not trusted, Identify = %+v, %v", r.RemoteAddr, id, err)
			}
			return
		}
		if want := wantAccepted(p, r.Header); (err == nil) != want {
			t.Fatalf("Identify = %+v, %v; the documented rule says accepted=%v", id, err, want)
		}
		for key := range r.Header {
			for _, name := range p.headers {
				if key != name && asciiFoldEqual(strings.ReplaceAll(key, "_", "-"), name) && !errors.Is(err, ErrInvalidIdentity) {
					t.Fatalf("header %q imitates %s, Identify = %+v, %v", key, name, id, err)
				}
			}
		}
		if err != nil {
			return
		}
		if id.User == "" {
			t.Fatalf("Identify succeeded without a user: %+v", id)
		}
		checkSingle(t, r.Header, p.headers[0], id.User, maxNameLen)
		checkSingle(t, r.Header, p.headers[1], id.Email, maxEmailLen)
		checkSingle(t, r.Header, p.headers[3], id.PreferredUsername, maxNameLen)
		checkGroups(t, r.Header.Values(p.headers[2]), id.Groups)
	})
}

// wantAccepted is the documented rule, written apart from Identify: no
// header spelled like an identity header but not canonically (Unicode case
// folding, stricter than ASCII, is fine), at most one line of each
// single-valued header, a non-empty user, and every value and group item
// clean and within its limit, with at most maxGroups distinct groups.
func wantAccepted(p *Proxy, h http.Header) bool {
	for key := range h {
		for _, name := range p.headers {
			if key != name && strings.EqualFold(strings.ReplaceAll(key, "_", "-"), name) {
				return false
			}
		}
	}
	clean := func(v string, limit int) bool {
		v = strings.Trim(v, " \t")
		return len(v) <= limit && utf8.ValidString(v) && !strings.ContainsFunc(v, invisibleRune)
	}
	for i, limit := range map[int]int{0: maxNameLen, 1: maxEmailLen, 3: maxNameLen} {
		vals := h.Values(p.headers[i])
		if len(vals) > 1 || len(vals) == 1 && (strings.Contains(vals[0], ",") || !clean(vals[0], limit)) {
			return false
		}
		if i == 0 && (len(vals) == 0 || strings.Trim(vals[0], " \t") == "") {
			return false
		}
	}
	groups := map[string]bool{}
	for _, line := range h.Values(p.headers[2]) {
		for g := range strings.SplitSeq(line, ",") {
			if !clean(g, maxGroupLen) {
				return false
			}
			if g = strings.Trim(g, " \t"); g != "" {
				groups[g] = true
			}
		}
	}
	return len(groups) <= maxGroups
}

// checkSingle: got is the trimmed value of name's only line, or "" without
// one, and is a clean name.
func checkSingle(t *testing.T, h http.Header, name, got string, limit int) {
	t.Helper()
	vals := h.Values(name)
	switch {
	case len(vals) == 0 && got != "":
		t.Fatalf("%s: no header, got %q", name, got)
	case len(vals) > 1:
		t.Fatalf("%s: sent %d times, got %q instead of an error", name, len(vals), got)
	case len(vals) == 1 && got != strings.Trim(vals[0], " \t"):
		t.Fatalf("%s: sent %q, got %q", name, vals[0], got)
	}
	if strings.Contains(got, ",") {
		t.Fatalf("%s: %q holds a comma", name, got)
	}
	checkClean(t, name, got, limit)
}

// checkClean: valid UTF-8, no control characters, trimmed, within limit.
func checkClean(t *testing.T, what, v string, limit int) {
	t.Helper()
	if len(v) > limit || !utf8.ValidString(v) || strings.ContainsFunc(v, invisibleRune) || v != strings.Trim(v, " \t") {
		t.Fatalf("%s: %q is too long, not UTF-8, not trimmed or holds control characters", what, v)
	}
}

// checkGroups: groups are clean, non-empty, unique, at most maxGroups, and
// exactly the header lines' trimmed comma items in first-seen order.
func checkGroups(t *testing.T, lines, groups []string) {
	t.Helper()
	var want []string
	for _, line := range lines {
		for g := range strings.SplitSeq(line, ",") {
			if g = strings.Trim(g, " \t"); g != "" && !slices.Contains(want, g) {
				want = append(want, g)
			}
		}
	}
	if !slices.Equal(groups, want) {
		t.Fatalf("groups from %q = %q, want %q", lines, groups, want)
	}
	if len(groups) > maxGroups {
		t.Fatalf("%d groups accepted, limit %d", len(groups), maxGroups)
	}
	for _, g := range groups {
		if g == "" || strings.Contains(g, ",") {
			t.Fatalf("group %q is empty or holds a comma", g)
		}
		checkClean(t, "group", g, maxGroupLen)
	}
}

// FuzzParseCIDRs checks that ParseCIDRs never panics; that a success holds
// one valid, masked, unmapped, zoneless prefix per non-empty item, each
// containing the address the item was written with; and that printing the
// result and parsing it again gives the same list.
func FuzzParseCIDRs(f *testing.F) {
	f.Fuzz(func(t *testing.T, list string) {
		got, err := ParseCIDRs(list)
		var items []string
		want := true
		for item := range strings.SplitSeq(list, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
				want = want && cidrItemOK(item)
			}
		}
		if want = want && len(items) > 0; (err == nil) != want {
			t.Fatalf("ParseCIDRs(%q) = %v, %v; the documented rule says accepted=%v", list, got, err, want)
		}
		if err != nil {
			if got != nil {
				t.Fatalf("ParseCIDRs(%q) returned %v with error %v", list, got, err)
			}
			return
		}
		if len(got) == 0 || len(got) != len(items) {
			t.Fatalf("ParseCIDRs(%q) = %v for %d items", list, got, len(items))
		}
		texts := make([]string, len(got))
		for i, p := range got {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("ParseCIDRs(%q): %v is not a valid, masked, unmapped prefix", list, p)
			}
			addrText, _, _ := strings.Cut(items[i], "/")
			a, perr := netip.ParseAddr(addrText)
			if perr != nil || !p.Contains(a.Unmap()) {
				t.Fatalf("ParseCIDRs(%q): item %q gave %v, which does not contain it (%v)", list, items[i], p, perr)
			}
			texts[i] = p.String()
		}
		again, err := ParseCIDRs(strings.Join(texts, ","))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("ParseCIDRs(%q) = %v, but its printed form reads as %v, %v", list, got, again, err)
		}
	})
}

// cidrItemOK is the documented rule for one item, written apart from
// ParseCIDRs: an address or address/bits without a zone, and an
// IPv4-mapped network no shorter than /96.
func cidrItemOK(item string) bool {
	if strings.Contains(item, "/") {
		p, err := netip.ParsePrefix(item)
		return err == nil && p.Addr().Zone() == "" && (!p.Addr().Is4In6() || p.Bits() >= 96)
	}
	a, err := netip.ParseAddr(item)
	return err == nil && a.Zone() == ""
}

// FuzzParseList checks that ParseList returns exactly the trimmed non-empty
// comma items in first-seen order without repeats, and that it is
// idempotent on its own output.
func FuzzParseList(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got := ParseList(s)
		var want []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" && !slices.Contains(want, item) {
				want = append(want, item)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("ParseList(%q) = %q, want %q", s, got, want)
		}
		for _, item := range got {
			if item == "" || item != strings.TrimSpace(item) || strings.Contains(item, ",") {
				t.Fatalf("ParseList(%q): item %q is empty, untrimmed or holds a comma", s, item)
			}
		}
		if again := ParseList(strings.Join(got, ",")); !slices.Equal(again, got) {
			t.Fatalf("ParseList is not idempotent: %q then %q", got, again)
		}
	})
}

// invisibleRune is the documented rule for characters a name may not hold:
// controls, format characters, line and paragraph separators.
func invisibleRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}
