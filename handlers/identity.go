package handlers

import (
	"context"

	"github.com/labstack/echo/v4"
)

// Role is what a signed-in person may do.
type Role string

// Roles, from least to most allowed.
const (
	RoleViewer   Role = "viewer"
	RoleOperator Role = "operator"
)

// Identity is the person behind a request.
type Identity struct {
	User   string
	Email  string
	Groups []string
	Role   Role
}

// CanStop reports whether this person may stop migration tasks.
func (i Identity) CanStop() bool { return i.Role == RoleOperator }

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
	if id, ok := c.Request().Context().Value(identityKey{}).(Identity); ok {
		return id
	}
	return Identity{User: "anonymous", Role: RoleViewer}
}

// LocalIdentity is used with -auth none: one local operator, for a dashboard
// listening on loopback only.
func LocalIdentity() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			withIdentity(c, Identity{User: "local", Role: RoleOperator})
			return next(c)
		}
	}
}
