package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// startTimeout bounds the wait for the dashboard's "listening" line.
	startTimeout = 30 * time.Second
	// stopTimeout is how long a SIGTERM gets before SIGKILL. The dashboard
	// itself waits up to 30s for in-flight requests, but none are left when
	// dcsload stops it, so a clean exit takes milliseconds.
	stopTimeout = 10 * time.Second
)

// dashboard is the real cmd/web binary running as a child process, so its
// memory is measured alone, not mixed with the simulator's and the load
// generator's.
type dashboard struct {
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:PORT/
	logs *tail  // its stdout and stderr, shown if something goes wrong
	done chan struct{}
	err  error // Wait's result, set before done is closed
	once sync.Once
}

// buildDashboard compiles ./cmd/web of the module dcsload runs in, into dir.
func buildDashboard(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("cannot find the module (run dcsload from inside it): go env GOMOD: %q %v", gomod, err)
	}
	bin := filepath.Join(dir, "web")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/web")
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/web: %v\n%s", err, out)
	}
	return bin, nil
}

// startDashboard runs bin against the simulator and waits until it listens.
// On error the process, if it started, is already stopped. The dashboard's
// files go next to files, in dcsload's temporary directory, never in the
// caller's working directory (cmd/web's default database is
// ./dashboard.db): its database (files.db, one per dashboard, so that two
// running side by side, or two runs of dcsload, share no SQLite file) and
// the audit log it mirrors to (files-audit.jsonl). -auth none (one local
// operator, loopback only) is named rather than left to the default,
// because it is what the figures describe.
func startDashboard(ctx context.Context, bin, credFile, files string, sim *simServer, extra ...string) (*dashboard, error) {
	d := &dashboard{logs: &tail{max: 16 << 10}, done: make(chan struct{})}
	args := append([]string{"-listen", "127.0.0.1:0", "-auth", "none",
		"-db", "sqlite:" + files + ".db", "-audit-log", files + "-audit.jsonl",
		"-dcs-endpoint", sim.endpoint, "-dcs-project-id", simProject}, extra...)
	d.cmd = exec.Command(bin, args...)
	d.cmd.Env = dashboardEnv(sim, credFile)
	d.cmd.Stderr = d.logs
	d.cmd.SysProcAttr = sysProcAttr()
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dashboard: %w", err)
	}
	listening := make(chan string, 1)
	go func() {
		// Keep reading after the line is found: a child whose stdout pipe
		// fills up blocks on its next write.
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(d.logs, line)
			rest, ok := strings.CutPrefix(line, "Dashboard listening on ")
			if f := strings.Fields(rest); ok && len(f) > 0 {
				select {
				case listening <- f[0]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		d.err = d.cmd.Wait() // only after stdout is drained, as StdoutPipe requires
		close(d.done)
	}()

	fail := func(err error) (*dashboard, error) {
		d.stop()
		return nil, fmt.Errorf("%w\ndashboard output:\n%s", err, d.logs)
	}
	select {
	case raw := <-listening:
		u, err := url.Parse(raw)
		if err != nil || !loopbackHost(u.Host) {
			return fail(fmt.Errorf("the dashboard announced %q, not a loopback URL", raw))
		}
		d.url = raw
		return d, nil
	case <-d.done:
		return fail(fmt.Errorf("the dashboard exited before listening: %v", d.err))
	case <-time.After(startTimeout):
		return fail(fmt.Errorf("the dashboard did not report listening within %s", startTimeout))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
}

// dashboardEnv is dcsload's environment without anything that could point
// the dashboard at a real cloud account (HUAWEICLOUD_* and DASHBOARD_*),
// plus the simulator's keys and a credentials file that does not exist, so
// the SDK's profile provider finds nothing either.
func dashboardEnv(sim *simServer, credFile string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HUAWEICLOUD_") || strings.HasPrefix(kv, "DASHBOARD_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HUAWEICLOUD_SDK_AK="+sim.ak,
		"HUAWEICLOUD_SDK_SK="+sim.sk,
		"HUAWEICLOUD_SDK_CREDENTIALS_FILE="+credFile,
	)
}

// pid is the dashboard's process id.
func (d *dashboard) pid() int { return d.cmd.Process.Pid }

// exited reports whether the process has ended (crashed, or been stopped).
func (d *dashboard) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, the signal cmd/web shuts down cleanly on, and kills
// the process if it has not exited within stopTimeout. It is safe to call
// more than once and returns the process's exit error, if any.
func (d *dashboard) stop() error {
	d.once.Do(func() {
		if d.exited() {
			return
		}
		if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			_ = d.cmd.Process.Kill()
		}
		select {
		case <-d.done:
		case <-time.After(stopTimeout):
			fmt.Fprintf(stderr, "dcsload: the dashboard ignored SIGTERM for %s; killing it\n", stopTimeout)
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	})
	<-d.done
	return d.err
}

// finish ends a measured run. It reads the dashboard's memory while the
// process still exists (VmHWM is the peak over its whole life, VmRSS what it
// holds right after load), fails if the dashboard exited during the run, and
// stops it: the measurement stands after an unclean exit, so that is only a
// warning.
func (d *dashboard) finish() (procMem, error) {
	mem, err := readMem(d.pid())
	if err != nil {
		return procMem{}, err
	}
	if d.exited() {
		return procMem{}, fmt.Errorf("the dashboard exited during the run: %v\n%s", d.err, d.logs)
	}
	if err := d.stop(); err != nil {
		fmt.Fprintf(stderr, "dcsload: warning: the dashboard exited with %v after SIGTERM\n%s\n", err, d.logs)
	}
	return mem, nil
}

// loopbackHost reports whether host:port names a loopback IP address.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
