//go:build e2e

package e2e

import "regexp"

func regexpMust(p string) *regexp.Regexp { return regexp.MustCompile(p) }
