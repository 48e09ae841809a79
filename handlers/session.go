package handlers

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/views"
)

const (
	sessionName = "dcs_dashboard"
	flashKey    = "flash"
	csrfKey     = "csrf"
	reasonKey   = "reason"
	// maxKeptReason bounds a reason kept across a refused confirmation, in
	// bytes: the cookie holds 4 KiB, and the limit is 500 characters.
	maxKeptReason = 2000
	// maxFlashes bounds the messages kept for pages never loaded, so the
	// cookie (4 KiB at most) cannot overflow.
	maxFlashes = 3
)

// Sessions keeps per-browser state (the CSRF token and flash messages) in a
// signed and encrypted cookie, so the server holds nothing between requests
// and any number of replicas can serve a user.
type Sessions struct {
	store *sessions.CookieStore
	log   *slog.Logger
}

// SessionKey is one signing key and one encryption key.
type SessionKey struct {
	Hash    []byte // at least 32 bytes
	Encrypt []byte // 16, 24 or 32 bytes (AES)
}

// NewSessions builds the cookie store once. The first key signs and encrypts;
// every key is tried when reading, so keys rotate by listing the new one first.
func NewSessions(keys []SessionKey, secure bool, log *slog.Logger) (*Sessions, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("sessions: at least one key is required")
	}
	var pairs [][]byte
	for i, k := range keys {
		if len(k.Hash) < 32 {
			return nil, fmt.Errorf("sessions: key %d: signing key must be at least 32 bytes", i+1)
		}
		switch len(k.Encrypt) {
		case 16, 24, 32:
		default:
			return nil, fmt.Errorf("sessions: key %d: encryption key must be 16, 24 or 32 bytes", i+1)
		}
		pairs = append(pairs, k.Hash, k.Encrypt)
	}
	store := sessions.NewCookieStore(pairs...)
	for _, codec := range store.Codecs {
		if sc, ok := codec.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(sessionSerializer{})
		}
	}
	store.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   12 * 60 * 60,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	return &Sessions{store: store, log: log}, nil
}

// Secure reports whether the dashboard's cookies are sent over HTTPS only.
func (s *Sessions) Secure() bool { return s.store.Options.Secure }

// RandomSessionKey makes a key for a process that was given none; sessions
// then last until the process restarts.
func RandomSessionKey() SessionKey {
	k := SessionKey{Hash: make([]byte, 64), Encrypt: make([]byte, 32)}
	_, _ = rand.Read(k.Hash)
	_, _ = rand.Read(k.Encrypt)
	return k
}

// get returns the request's session. A cookie that does not verify (tampered,
// or signed with a retired key) yields a fresh empty session: the user is
// signed out, never shown a 500.
func (s *Sessions) get(c echo.Context) *sessions.Session {
	sess, err := s.store.Get(c.Request(), sessionName)
	if err != nil {
		s.log.Info("session cookie rejected; starting a new session", "err", err.Error())
		sess, _ = s.store.New(c.Request(), sessionName)
		sess.IsNew = true
	}
	return sess
}

func (s *Sessions) save(c echo.Context, sess *sessions.Session) error {
	return sess.Save(c.Request(), c.Response())
}

// AddFlash keeps a banner for the next page this browser loads (the redirect
// after a form post). Banners are stored as JSON, so no gob registration is needed.
func (s *Sessions) AddFlash(c echo.Context, b views.Banner) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the page escapes; escaping here only swells the cookie
	if err := enc.Encode(b); err != nil {
		return err
	}
	sess := s.get(c)
	kept, _ := sess.Values[flashKey].([]any)
	if len(kept) >= maxFlashes {
		kept = kept[len(kept)-maxFlashes+1:]
	}
	sess.Values[flashKey] = append(kept, buf.String())
	return s.save(c, sess)
}

// Flashes returns and clears the banners kept for this browser.
func (s *Sessions) Flashes(c echo.Context) []views.Banner {
	sess := s.get(c)
	raw := sess.Flashes(flashKey)
	if len(raw) == 0 {
		return nil
	}
	var out []views.Banner
	for _, r := range raw {
		var b views.Banner
		if str, ok := r.(string); ok && json.Unmarshal([]byte(str), &b) == nil {
			out = append(out, b)
		}
	}
	if err := s.save(c, sess); err != nil {
		s.log.Warn("could not clear flash messages", "err", err.Error())
	}
	return out
}

// KeepReason keeps the reason typed into a refused confirmation for the
// confirmation page the browser is sent back to, so nothing typed is lost
// without JavaScript either. A reason too large for the cookie is kept cut
// at maxKeptReason bytes (on a character boundary).
func (s *Sessions) KeepReason(c echo.Context, reason string) {
	if reason == "" {
		return
	}
	sess := s.get(c)
	sess.Values[reasonKey] = clipUTF8(reason, maxKeptReason)
	if err := s.save(c, sess); err != nil {
		s.log.Warn("could not keep the typed reason for the next page", "err", err.Error())
	}
}

// TakeReason returns and forgets the reason kept by KeepReason, if any.
func (s *Sessions) TakeReason(c echo.Context) string {
	sess := s.get(c)
	reason, ok := sess.Values[reasonKey].(string)
	if !ok {
		return ""
	}
	delete(sess.Values, reasonKey)
	if err := s.save(c, sess); err != nil {
		s.log.Warn("could not clear the kept reason", "err", err.Error())
	}
	return reason
}

// clipUTF8 cuts s to at most n bytes without splitting a character.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

type csrfTokenKey struct{}

// csrfTokenOf is the token forms must echo back; empty if the middleware did
// not run (then every post is refused).
func csrfTokenOf(c echo.Context) string {
	tok, _ := c.Request().Context().Value(csrfTokenKey{}).(string)
	return tok
}

func withCSRFToken(c echo.Context, tok string) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), csrfTokenKey{}, tok)))
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DeriveKeys turns configured secrets into session keys, and into the key
// pairs of another cookie (purpose names which), with HKDF-SHA256: one secret
// per replica configuration, separate keys for each use.
func DeriveKeys(secrets []string, purpose string) ([]SessionKey, error) {
	var keys []SessionKey
	for _, secret := range secrets {
		h, err := hkdf.Key(sha256.New, []byte(secret), nil, purpose+" signing", 64)
		if err != nil {
			return nil, err
		}
		e, err := hkdf.Key(sha256.New, []byte(secret), nil, purpose+" encryption", 32)
		if err != nil {
			return nil, err
		}
		keys = append(keys, SessionKey{Hash: h, Encrypt: e})
	}
	return keys, nil
}

// Pairs flattens keys into securecookie's hash/encryption pairs.
func Pairs(keys []SessionKey) [][]byte {
	var out [][]byte
	for _, k := range keys {
		out = append(out, k.Hash, k.Encrypt)
	}
	return out
}
