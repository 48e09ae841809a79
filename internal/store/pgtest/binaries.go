package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// errNotInstalled is the failure every test reports on a machine without
// PostgreSQL: tests never skip for it, because CI must exercise PostgreSQL.
var errNotInstalled = errors.New("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin nor on PATH): " +
	"`make test` installs Debian's postgresql package")

// binDir returns the folder holding initdb, pg_ctl and postgres. Debian puts
// them under /usr/lib/postgresql/VERSION/bin, off PATH, possibly several
// versions side by side, so the newest wins; other systems put them on PATH.
func binDir() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	best, bestVersion := "", []int(nil)
	for _, m := range matches {
		dir := filepath.Dir(m)
		v := parseVersion(filepath.Base(filepath.Dir(dir)))
		if hasServer(dir) && newer(v, bestVersion) {
			best, bestVersion = dir, v
		}
	}
	if best != "" {
		return best, nil
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		// pg_ctl and postgres always ship beside initdb.
		if dir := filepath.Dir(initdb); hasServer(dir) {
			return dir, nil
		}
	}
	return "", errNotInstalled
}

// hasServer reports whether dir holds all three programs a cluster needs; a
// half-removed package can leave initdb alone.
func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// parseVersion reads a folder name such as "15" or "9.6"; anything else
// sorts below every real version.
func parseVersion(s string) []int {
	var v []int
	for _, part := range strings.Split(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return nil
		}
		v = append(v, n)
	}
	return v
}

// newer reports whether version a sorts after b.
func newer(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return len(a) > len(b)
}
