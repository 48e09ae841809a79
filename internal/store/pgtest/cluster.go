package pgtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// startTimeout bounds the wait for a started server to accept connections.
	startTimeout = 60 * time.Second
	// commandTimeout bounds initdb, pg_ctl and each statement.
	commandTimeout = 60 * time.Second
	// superuser is the cluster's bootstrap role, reachable only through the
	// socket in the cluster's private folder.
	superuser = "postgres"
	// appUser owns the databases handed to tests, as the dashboard's own role
	// would in production: not a superuser, password over TCP.
	appUser = "dashboard"
)

// cluster is one running throwaway PostgreSQL server.
type cluster struct {
	run      runner
	bin      string // folder of initdb, pg_ctl and postgres
	dir      string // data/, server.log and the unix socket
	port     int
	password string        // appUser's
	exited   chan struct{} // closed once the server process is gone
}

func (c *cluster) data() string    { return filepath.Join(c.dir, "data") }
func (c *cluster) logPath() string { return filepath.Join(c.dir, "server.log") }

// startCluster creates a cluster in a new folder, starts it, and creates
// appUser and its database. On error nothing is left running or on disk.
func startCluster() (*cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	run, err := newRunner()
	if err != nil {
		return nil, err
	}
	dir, err := run.makeDir()
	if err != nil {
		return nil, err
	}
	c := &cluster{run: run, bin: bin, dir: dir, password: rand.Text()}
	if err := c.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.startOnFreePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.createAppUser(); err != nil {
		return nil, errors.Join(err, c.stop())
	}
	return c, nil
}

// init runs initdb. The superuser is reachable without a password only
// through the socket, in a folder no other account can enter; every TCP
// connection needs a scram-sha-256 password. --no-sync only spares initdb
// flushing a folder that is deleted after the tests: the server keeps fsync
// and synchronous_commit on, since the product relies on durable commits.
func (c *cluster) init() error {
	return c.run.run(filepath.Join(c.bin, "initdb"),
		"--pgdata", c.data(), "--username", superuser,
		"--auth-local", "trust", "--auth-host", "scram-sha-256",
		"--encoding", "UTF8", "--no-locale", "--no-sync")
}

// startOnFreePort starts the server on a port that was free a moment ago;
// another process may take it in between, so a bind failure tries another.
func (c *cluster) startOnFreePort() error {
	var err error
	for range 3 {
		if c.port, err = freePort(); err != nil {
			return err
		}
		if err = c.start(); err == nil || !strings.Contains(err.Error(), "could not bind") {
			return err
		}
	}
	return err
}

// start runs postgres as a child of the test binary rather than through
// `pg_ctl start`, whose daemon would survive a crashed test binary; see
// runner.command. It returns once the server accepts connections.
func (c *cluster) start() error {
	logFile, err := os.Create(c.logPath())
	if err != nil {
		return err
	}
	defer logFile.Close() // the server keeps its own descriptor
	cmd := c.run.command(context.Background(), filepath.Join(c.bin, "postgres"),
		"-D", c.data(),
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+c.dir,
		"-c", "password_encryption=scram-sha-256",
		// Test databases are tiny; the default 128MB is shared by every
		// cluster on the machine.
		"-c", "shared_buffers=16MB",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	c.exited = make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit status says nothing the log does not
		close(c.exited)
	}()
	if err := c.waitReady(); err != nil {
		_ = cmd.Process.Signal(syscall.SIGTERM) // runuser passes it on
		c.waitExited()
		return fmt.Errorf("starting PostgreSQL in %s: %w\nserver log:\n%s", c.dir, err, c.serverLog())
	}
	return nil
}

// waitReady polls the socket until the server accepts a connection, exits
// or startTimeout passes.
func (c *cluster) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := c.admin(ctx)
		cancel()
		if err == nil {
			return conn.Close(context.Background())
		}
		select {
		case <-c.exited:
			return errors.New("the server exited")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting connections after %v: %w", startTimeout, err)
		}
	}
}

// stop stops the server and removes its folder. Immediate shutdown skips the
// shutdown checkpoint, pointless for data about to be deleted.
func (c *cluster) stop() error {
	var err error
	select {
	case <-c.exited:
	default:
		err = c.run.run(filepath.Join(c.bin, "pg_ctl"), "stop", "--pgdata", c.data(),
			"--mode", "immediate", "--wait", "--timeout", strconv.Itoa(int(commandTimeout.Seconds())))
		if !c.waitExited() {
			err = errors.Join(err, fmt.Errorf("PostgreSQL in %s still running after %v", c.dir, commandTimeout))
		}
	}
	return errors.Join(err, os.RemoveAll(c.dir))
}

// waitExited waits up to commandTimeout for the server process to end.
func (c *cluster) waitExited() bool {
	select {
	case <-c.exited:
		return true
	case <-time.After(commandTimeout):
		return false
	}
}

// serverLog is the server's log, for failure messages.
func (c *cluster) serverLog() string {
	b, err := os.ReadFile(c.logPath())
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// freePort returns a loopback TCP port nothing listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
