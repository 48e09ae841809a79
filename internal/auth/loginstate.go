package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/gorilla/securecookie"
)

// loginTTL bounds how long a started login may take at the IdP.
const loginTTL = 10 * time.Minute

// loginState is what the callback must find: the values only this browser
// and the IdP should know, bound to the browser by the cookie.
type loginState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
	Expires  int64  `json:"e"`
}

func newCodecs(keys [][]byte) ([]securecookie.Codec, error) {
	if len(keys) == 0 || len(keys)%2 != 0 {
		return nil, errors.New("auth oidc: cookie keys come in hash/encrypt pairs, at least one pair")
	}
	var codecs []securecookie.Codec
	for i := 0; i < len(keys); i += 2 {
		if len(keys[i]) < 32 {
			return nil, fmt.Errorf("auth oidc: cookie key pair %d: hash key must be at least 32 bytes", i/2+1)
		}
		switch len(keys[i+1]) {
		case 16, 24, 32:
		default:
			// Without encryption the PKCE verifier would be readable in
			// the cookie, so an encryption key is not optional.
			return nil, fmt.Errorf("auth oidc: cookie key pair %d: encryption key must be 16, 24 or 32 bytes", i/2+1)
		}
		sc := securecookie.New(keys[i], keys[i+1])
		sc.MaxAge(int(loginTTL / time.Second))
		sc.SetSerializer(securecookie.JSONEncoder{}) // no gob registration needed
		codecs = append(codecs, sc)
	}
	return codecs, nil
}

// cookieName uses the __Host- prefix when Secure: browsers then refuse the
// cookie unless it is Secure, host-only and for Path=/, so a sibling
// subdomain cannot plant a login state of its own.
func (o *OIDC) cookieName() string {
	if o.secure {
		return "__Host-dcs_login"
	}
	return "dcs_login"
}

func (o *OIDC) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: o.cookieName(), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: o.secure,
		// Lax, not Strict: the IdP's redirect back is a cross-site
		// top-level navigation, which Strict would send without the cookie.
		SameSite: http.SameSiteLaxMode,
	}
}

func (o *OIDC) saveState(w http.ResponseWriter, st loginState) error {
	v, err := securecookie.EncodeMulti(o.cookieName(), st, o.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, o.cookie(v, int(loginTTL/time.Second)))
	return nil
}

func (o *OIDC) loadState(r *http.Request) (loginState, error) {
	c, err := r.Cookie(o.cookieName())
	if err != nil {
		return loginState{}, fmt.Errorf("%w: no login cookie (expired, blocked, or the login was already finished)", ErrLoginState)
	}
	var st loginState
	if err := securecookie.DecodeMulti(o.cookieName(), c.Value, &st, o.codecs...); err != nil {
		return loginState{}, fmt.Errorf("%w: login cookie does not verify", ErrLoginState)
	}
	// securecookie's MaxAge already bounds age; this check also follows a
	// clock the tests control.
	if st.State == "" || o.now().Unix() > st.Expires {
		return loginState{}, fmt.Errorf("%w: login took longer than %v", ErrLoginState, loginTTL)
	}
	return st, nil
}

func (o *OIDC) clearState(w http.ResponseWriter) {
	http.SetCookie(w, o.cookie("", -1))
}

// SafeReturnTo returns s if it is a path on this site, else "/". It refuses
// what a browser would take to another origin: "//host", "/\host" (browsers
// read '\' as '/'), any scheme or host, and control characters (browsers
// drop tabs and newlines, so "/\t/host" becomes "//host").
func SafeReturnTo(s string) string {
	if s == "" || len(s) > 2048 || s[0] != '/' || strings.HasPrefix(s, "//") ||
		strings.Contains(s, `\`) || strings.ContainsFunc(s, unicode.IsControl) {
		return "/"
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		strings.HasPrefix(u.Path, "//") || strings.Contains(u.Path, `\`) {
		return "/"
	}
	return s
}

// randomToken is 256 bits from crypto/rand, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}
