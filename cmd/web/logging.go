package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// parseLevel reads -log-level; slog's own names are upper case, people's are not.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, fmt.Errorf("-log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger writes structured logs in the configured format. Nothing secret
// is ever handed to it: passwords never leave internal/dcs, credentials and
// session keys are never logged.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	l, _ := parseLevel(level) // validated with the configuration
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
