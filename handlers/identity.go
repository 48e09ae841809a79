package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// Identity is the person behind a request and what they may do.
type Identity struct {
	auth.Identity
	Role auth.Role
	// Local is the one local operator of -auth none, who has no groups:
	// an operator of every target.
	Local bool
}

// IsOperator reports whether the person's role is operator: they may stop
// tasks (where the dashboard is not read-only) and read the audit trail.
func (i Identity) IsOperator() bool { return i.Role == auth.RoleOperator }

// operatorOf reports whether the person may stop the tasks of t: by t's
// own operator groups when it has them (staging may be stoppable by more
// people than production), by the dashboard's role otherwise.
func (i Identity) operatorOf(t *targets.Target) bool {
	if t.OperatorGroups == nil || i.Local {
		return i.IsOperator()
	}
	return slices.ContainsFunc(i.Groups, func(g string) bool { return slices.Contains(t.OperatorGroups, g) })
}

type identityKey struct{}

// withIdentity stores id in the request's context for the handlers below.
func withIdentity(c echo.Context, id Identity) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
}

// identityOf returns the request's identity. A request that reached a handler
// without one (a wiring mistake) is treated as an anonymous viewer, never as
// an operator.
func identityOf(c echo.Context) Identity {
	if id, ok := knownIdentity(c); ok {
		return id
	}
	return Identity{Identity: auth.Identity{User: "anonymous"}, Role: auth.RoleViewer}
}

// knownIdentity is the identity an auth middleware vouched for, if any.
func knownIdentity(c echo.Context) (Identity, bool) {
	id, ok := c.Request().Context().Value(identityKey{}).(Identity)
	return id, ok
}

// AuthenticateLocal is used with -auth none: one local operator, for a dashboard
// listening on loopback only.
func AuthenticateLocal() echo.MiddlewareFunc {
	return AuthenticateAs(Identity{Identity: auth.Identity{User: "local"}, Role: auth.RoleOperator, Local: true})
}

// AuthenticateAs gives every request the same identity.
func AuthenticateAs(id Identity) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			withIdentity(c, id)
			return next(c)
		}
	}
}

// AuthenticateProxy believes the identity headers of an authenticating reverse
// proxy, and only from the proxies auth.Proxy trusts. Anything else is a 401
// before any handler runs, whatever the headers say.
func AuthenticateProxy(p *auth.Proxy, roles auth.RoleConfig) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, err := p.Identify(c.Request())
			if err != nil {
				if isHTMX(c) {
					// Reload the page so the proxy can send the browser to sign in.
					htmxResponse{Refresh: true}.apply(c)
				}
				ctx := c.Request().Context()
				return pageErr(ctx, http.StatusUnauthorized, "signin.not_signed_in.title", "signin.not_signed_in.text").logged(err.Error())
			}
			return withRole(c, next, id, roles)
		}
	}
}

// withRole admits an authenticated person who has a role.
func withRole(c echo.Context, next echo.HandlerFunc, id auth.Identity, roles auth.RoleConfig) error {
	role := roles.RoleOf(id)
	if role == auth.RoleNone {
		ctx := c.Request().Context()
		return pageErr(ctx, http.StatusForbidden, "signin.no_access.title", "signin.no_access.text_ask", "Name", id.DisplayName()).
			logged(fmt.Sprintf("no role for %s: groups %s from the %s", id.User, strings.Join(id.Groups, ","), id.GroupsSource))
	}
	withIdentity(c, Identity{Identity: id, Role: role})
	return next(c)
}
