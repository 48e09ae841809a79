//go:build e2e

package e2e

import (
	"regexp"
	"strings"
)

func regexpMust(p string) *regexp.Regexp { return regexp.MustCompile(p) }

// at is the address of path, a route or a URL the routes package built,
// on the server at base (which ends in "/", as the dashboard prints it).
func at(base, path string) string { return strings.TrimSuffix(base, "/") + path }
