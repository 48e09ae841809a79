package handlers

import (
	"context"
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/dcs-dashboard/migrations/views"
)

// requestLog writes one line per request, with the request id every error
// banner shows, so a user's screenshot leads to the line.
func requestLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogURIPath: true, LogRoutePath: true, LogLatency: true,
		LogRequestID: true, LogRemoteIP: true,
		// The error handler writes the answer first, so the line has the
		// status it sent (401, 403, 404 ...), not the 200 a response starts with.
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("request_id", v.RequestID), slog.String("method", v.Method),
				slog.String("path", v.URIPath), slog.String("route", v.RoutePath), slog.Int("status", v.Status),
				slog.Int64("duration_ms", v.Latency.Milliseconds()), slog.String("remote_ip", v.RemoteIP),
			}
			if id, ok := knownIdentity(c); ok {
				attrs = append(attrs, slog.String("user", id.User))
			}
			log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// requestIDOf is the id the RequestID middleware gave this request.
func requestIDOf(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// withRequestID lets banners rendered during this request show its id.
func withRequestID(c echo.Context) context.Context {
	return views.WithRequestID(c.Request().Context(), requestIDOf(c))
}
