package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
	"time"
)

// serverUser is the account initdb and postgres run as when the tests run as
// root: both refuse to run as root, and Debian's package creates it.
const serverUser = "postgres"

// runner starts PostgreSQL's programs as the account that owns the cluster:
// the current user, or serverUser through runuser when running as root.
type runner struct {
	asUser   string // "" to run directly
	uid, gid int
}

func newRunner() (runner, error) {
	if os.Geteuid() != 0 {
		return runner{}, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return runner{}, fmt.Errorf("running as root, PostgreSQL must run as the %q account, which is missing (%v): "+
			"`make test` installs Debian's postgresql package, which creates it", serverUser, err)
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		return runner{}, fmt.Errorf("running as root, PostgreSQL is started through runuser: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return runner{asUser: serverUser, uid: uid, gid: gid}, nil
}

// command prepares program with args, ended when ctx is done.
//
// Everything it starts also gets SIGTERM when the test binary dies (a panic
// or `go test -timeout` skips every cleanup), so no server outlives its tests
// on a shared machine. SIGTERM rather than SIGKILL because runuser passes
// SIGTERM on to its child and cannot pass on a SIGKILL. (The kernel sends it
// when the thread that started the process ends; Go keeps its threads unless
// a goroutine ends while locked to one, which nothing here does.)
func (r runner) command(ctx context.Context, program string, args ...string) *exec.Cmd {
	if r.asUser != "" {
		args = append([]string{"-u", r.asUser, "--", program}, args...)
		program = "runuser"
	}
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	// runuser kills a child that ignores SIGTERM after 2 s; past this, Go
	// kills runuser too.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs program to completion within commandTimeout; the error includes
// its output.
func (r runner) run(program string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := r.command(ctx, program, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", cmd, err, out)
	}
	return nil
}

// makeDir creates the cluster's folder: data, server log and unix socket.
// It lives directly under the temporary folder, not t.TempDir(): the server
// account must reach it, and the socket path must stay under the kernel's
// 107-byte limit. When the server runs as another account, the folder is
// that account's and must be reachable through every parent; os.TempDir()
// may point somewhere private to root, so /tmp is the fallback.
func (r runner) makeDir() (string, error) {
	var errs []error
	for _, base := range []string{os.TempDir(), "/tmp"} {
		dir, err := os.MkdirTemp(base, "pgtest-")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if r.asUser == "" {
			return dir, nil
		}
		if err := os.Chown(dir, r.uid, r.gid); err != nil {
			os.RemoveAll(dir)
			errs = append(errs, err)
			continue
		}
		// Asking the account itself is the only check that sees every
		// parent's mode, ACLs and mounts.
		if err := r.run("test", "-w", dir, "-a", "-x", dir); err != nil {
			os.RemoveAll(dir)
			errs = append(errs, fmt.Errorf("the %s account cannot use %s: %w", r.asUser, dir, err))
			continue
		}
		return dir, nil
	}
	return "", fmt.Errorf("no temporary folder for PostgreSQL: %v", errs)
}
