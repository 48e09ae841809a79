package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

const (
	// signedInKey is where the session keeps the signed-in person.
	signedInKey = "identity"
	// seenEvery bounds how often the idle clock is written back to the
	// cookie: once a minute is precise enough and saves a Set-Cookie per request.
	seenEvery = time.Minute
)

// OIDCLogin is native sign-in with OpenID Connect: the dashboard keeps the
// signed-in identity in its session cookie, with idle and absolute expiry.
type OIDCLogin struct {
	Provider *auth.OIDC
	Roles    auth.RoleConfig
	Idle     time.Duration // signed out after this long without a request
	Max      time.Duration // signed out this long after signing in, whatever happens
	// Origin is the dashboard's own scheme://host as browsers reach it (from
	// the configured redirect URL), for the post-logout address: never taken
	// from request headers a client could set.
	Origin string
	// Revoked are the sessions ended on the server (sign-out, or an
	// operator ending a person's sessions); nil makes an empty set.
	Revoked SessionRevocations
}

// signedIn is what the session keeps about the person. Only groups that
// decide a role are kept: an IdP may list hundreds, and a cookie holds 4 KiB.
type signedIn struct {
	// SID names this sign-in, so sign-out can revoke it on the server.
	SID     string    `json:"i"`
	User    string    `json:"u"`
	Email   string    `json:"e,omitempty"`
	Name    string    `json:"n,omitempty"`
	Groups  []string  `json:"g,omitempty"`
	LoginAt time.Time `json:"l"`
	SeenAt  time.Time `json:"s"`
}

func (o *OIDCLogin) relevantGroups(groups []string) []string {
	var keep []string
	for _, g := range groups {
		if slices.Contains(o.Roles.OperatorGroups, g) || slices.Contains(o.Roles.ViewerGroups, g) {
			keep = append(keep, g)
		}
	}
	return keep
}

// authenticateSession admits a request whose session holds a live sign-in; any
// other is sent to sign in: a page by redirect, an htmx request by
// HX-Redirect (so the whole browser goes, not a fragment), a form post with a
// page that links to sign-in (a post cannot be replayed through a redirect).
func (s *Server) authenticateSession(o *OIDCLogin) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			sess := s.cfg.Sessions.get(c)
			var who signedIn
			raw, _ := sess.Values[signedInKey].(string)
			now := s.cfg.Now()
			if raw == "" || json.Unmarshal([]byte(raw), &who) != nil || who.SID == "" ||
				now.Sub(who.LoginAt) > o.Max || now.Sub(who.SeenAt) > o.Idle {
				return s.requireSignIn(c)
			}
			revoked, err := o.Revoked.Revoked(c.Request().Context(), who.SID, who.User, who.LoginAt)
			if err != nil || revoked {
				s.log.Info("revoked session refused", "user", who.User, "err", errText(err))
				return s.requireSignIn(c)
			}
			if now.Sub(who.SeenAt) > seenEvery {
				who.SeenAt = now
				if b, err := json.Marshal(who); err == nil {
					sess.Values[signedInKey] = string(b)
					_ = s.cfg.Sessions.save(c, sess)
				}
			}
			id := auth.Identity{User: who.User, Email: who.Email, PreferredUsername: who.Name, Groups: who.Groups}
			return withRole(c, next, id, o.Roles)
		}
	}
}

func (s *Server) requireSignIn(c echo.Context) error {
	r := c.Request()
	switch hx := htmxRequestOf(c); {
	case hx.wantsFragment():
		back := routes.List
		if u, err := url.Parse(hx.CurrentURL); err == nil {
			back = auth.SafeReturnTo(u.RequestURI())
		}
		htmxResponse{Redirect: routes.LoginURL(back)}.apply(c)
		return pageErr(c.Request().Context(), http.StatusUnauthorized, "signin.signed_out.title", "signin.session_ended.text")
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return c.Redirect(http.StatusSeeOther, routes.LoginURL(auth.SafeReturnTo(r.URL.RequestURI())))
	default:
		return pageErr(c.Request().Context(), http.StatusUnauthorized, "signin.signed_out.title", "signin.session_ended.form_text", "Login", routes.Login)
	}
}

// Login starts sign-in with the identity provider.
func (s *Server) Login(c echo.Context) error {
	s.cfg.OIDC.Provider.StartLogin(c.Response(), c.Request(), auth.SafeReturnTo(c.QueryParam("return_to")))
	return nil
}

// Callback finishes sign-in: the ID token is verified by auth.OIDC; the
// session then gets the identity and a new CSRF token (no fixation).
func (s *Server) Callback(c echo.Context) error {
	o := s.cfg.OIDC
	id, returnTo, err := o.Provider.FinishLogin(c.Response(), c.Request())
	if err != nil {
		return pageErr(c.Request().Context(), http.StatusUnauthorized, "signin.failed.title", "signin.failed.text", "Login", routes.Login).logged(err.Error())
	}
	if o.Roles.RoleOf(id) == auth.RoleNone {
		return pageErr(c.Request().Context(), http.StatusForbidden, "signin.no_access.title", "signin.no_access.text", "Name", id.DisplayName())
	}
	now := s.cfg.Now()
	who := signedIn{SID: newToken(), User: id.User, Email: id.Email, Name: id.PreferredUsername, Groups: o.relevantGroups(id.Groups), LoginAt: now, SeenAt: now}
	b, err := json.Marshal(who)
	if err != nil {
		return err
	}
	sess := s.cfg.Sessions.get(c)
	sess.Values[signedInKey] = string(b)
	sess.Values[csrfKey] = newToken()
	if err := s.cfg.Sessions.save(c, sess); err != nil {
		return err
	}
	s.log.Info("signed in", "user", id.User, "email", id.Email)
	return c.Redirect(http.StatusSeeOther, returnTo)
}

// Logout ends the dashboard's session, on the server too (a copy of the
// cookie stops working), and the IdP's when it has an end-session endpoint.
func (s *Server) Logout(c echo.Context) error {
	sess := s.cfg.Sessions.get(c)
	var who signedIn
	if raw, _ := sess.Values[signedInKey].(string); json.Unmarshal([]byte(raw), &who) == nil && who.SID != "" {
		if err := s.cfg.OIDC.Revoked.RevokeSession(c.Request().Context(), who.SID, who.LoginAt, s.cfg.Now()); err != nil {
			// The cookie is cleared all the same; a copy would live on
			// until it expires, so say so where an administrator looks.
			s.log.Error("sign-out not recorded on the server", "user", who.User, "err", err.Error())
		}
		s.log.Info("signed out", "user", who.User)
	}
	delete(sess.Values, signedInKey)
	sess.Values[csrfKey] = newToken()
	if err := s.cfg.Sessions.save(c, sess); err != nil {
		return err
	}
	if end := s.cfg.OIDC.Provider.EndSessionURL(s.cfg.OIDC.Origin + routes.Login); end != "" {
		return c.Redirect(http.StatusSeeOther, end)
	}
	return pageErr(c.Request().Context(), http.StatusOK, "signin.signed_out.title", "signin.signed_out.text", "Login", routes.Login)
}
