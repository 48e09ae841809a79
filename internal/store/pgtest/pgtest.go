// Package pgtest gives tests a real, throwaway PostgreSQL server: the
// dashboard's audit trail lives in PostgreSQL when replicas share it, and
// only the real server shows its locking, constraint and durability
// behaviour. It is for tests only.
//
// Start creates a cluster of its own for one test; Shared hands each test a
// fresh database in one cluster per test binary, which saves the seconds a
// cluster takes to start. Both need PostgreSQL's server programs (Debian's
// postgresql package, which `make test` installs) and fail the test, never
// skip it, when they are missing.
//
// The server listens on 127.0.0.1 only, on a free port, with its socket and
// data in a private temporary folder. As root it runs as the postgres
// account, since PostgreSQL refuses to run as root. It keeps PostgreSQL's
// durable defaults (fsync, synchronous_commit), and dies with the test
// binary even when cleanups do not run.
package pgtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// Start starts a new PostgreSQL cluster for tb and returns the DSN of an
// empty database, owned by the role the DSN names, reached over TCP with a
// password, e.g. postgres://dashboard:PASSWORD@127.0.0.1:PORT/dashboard?sslmode=disable.
// The cluster is stopped and its folder removed when tb ends.
func Start(tb testing.TB) string {
	tb.Helper()
	return StartServer(tb).DSN()
}

// shared is the cluster of Shared. A failed start is kept too, so the
// following tests fail at once instead of each waiting for a start of its own.
var shared struct {
	mu      sync.Mutex
	cluster *cluster
	err     error
	dbs     int // databases handed out, for unique names
}

// Shared returns the DSN of a new, empty database for tb, in the PostgreSQL
// cluster this test binary shares, started on first use. The database is
// owned by the role the DSN names and dropped when tb ends, so tests, even
// parallel ones, never see each other's data. A package using Shared must
// call StopShared from its TestMain after m.Run.
func Shared(tb testing.TB) string {
	tb.Helper()
	shared.mu.Lock()
	if shared.cluster == nil && shared.err == nil {
		shared.cluster, shared.err = startCluster()
	}
	c, err := shared.cluster, shared.err
	shared.dbs++
	name := fmt.Sprintf("test%d", shared.dbs)
	shared.mu.Unlock()
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.createDatabase(name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		// Dropped now rather than with the cluster: each empty database
		// takes about 7 MB of the machine's temporary folder.
		if err := c.dropDatabase(name); err != nil {
			tb.Logf("dropping database %s: %v", name, err)
		}
	})
	return c.dsn(name)
}

// StopShared stops the cluster Shared started, if any, and removes its
// folder. Call it from TestMain after m.Run; a later Shared starts a new one.
// Should it be missed, the server still ends with the test binary, but its
// folder stays behind.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cluster != nil {
		if err := shared.cluster.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stopping the shared PostgreSQL:", err)
		}
	}
	shared.cluster, shared.err = nil, nil
}

// Server is a cluster of a test's own that the test can take away and
// bring back, to see what an outage does.
type Server struct {
	tb testing.TB
	c  *cluster
}

// StartServer starts a cluster for tb alone (stopped and removed when tb
// ends).
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	c, err := startCluster()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := c.stop(); err != nil {
			tb.Errorf("stopping PostgreSQL: %v", err)
		}
	})
	return &Server{tb: tb, c: c}
}

// DSN is the server's database, as Start returns it.
func (s *Server) DSN() string { return s.c.dsn(appUser) }

// Pause stops the server, keeping its data: connections fail until Resume.
func (s *Server) Pause() {
	s.tb.Helper()
	if err := s.c.run.run(filepath.Join(s.c.bin, "pg_ctl"), "stop", "--pgdata", s.c.data(), "--mode", "fast", "--wait",
		"--timeout", strconv.Itoa(int(commandTimeout.Seconds()))); err != nil {
		s.tb.Fatalf("pausing PostgreSQL: %v", err)
	}
	if !s.c.waitExited() {
		s.tb.Fatal("PostgreSQL did not stop")
	}
}

// Resume starts the paused server again, on the same port, with its data.
func (s *Server) Resume() {
	s.tb.Helper()
	if err := s.c.start(); err != nil {
		s.tb.Fatalf("resuming PostgreSQL: %v", err)
	}
}
