// Command dcssim serves the in-memory DCS migration-task API simulator
// (package internal/dcs/dcssim) over HTTP, for demos and client tests.
//
//	go run ./cmd/dcssim -listen 127.0.0.1:8090 -project-id ID -ak AK -sk SK -faults SPEC -stop-delay 4s
//	go run ./cmd/dcssim -extra-projects ID2,ID3   # serve more projects, each with its own tasks
//
// Every flag falls back to an environment variable (DCSSIM_LISTEN,
// DCSSIM_PROJECT_ID, DCSSIM_EXTRA_PROJECTS, DCSSIM_AK, DCSSIM_SK,
// DCSSIM_FAULTS, DCSSIM_STOP_DELAY, DCSSIM_ALLOW_REMOTE). It listens on loopback only unless -allow-remote is
// given, because the /_sim/ control surface takes no signature.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// Demo defaults: fine for a laptop, printed at start-up so a client can be
// pointed at the simulator without reading code.
const (
	defaultListen    = "127.0.0.1:8090"
	defaultProjectID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	defaultAK        = "DCSSIMDEMOACCESSKEY0"
	defaultSK        = "dcssim-demo-secret-key-not-for-production"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dcssim:", err)
		os.Exit(1)
	}
}

// options are the command's settings after flags and environment.
type options struct {
	listen, projectID, ak, sk, faults string
	extraProjects                     []string // served beside projectID, each seeded by dcssim.SeedFor
	stopDelay                         time.Duration
	allowRemote                       bool
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var o options
	fs := flag.NewFlagSet("dcssim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", env("DCSSIM_LISTEN", defaultListen), "listen address (env DCSSIM_LISTEN); loopback only unless -allow-remote")
	fs.StringVar(&o.projectID, "project-id", env("DCSSIM_PROJECT_ID", defaultProjectID), "default project id, served with the full demo seed (env DCSSIM_PROJECT_ID)")
	extra := env("DCSSIM_EXTRA_PROJECTS", "")
	fs.StringVar(&extra, "extra-projects", extra, "comma-separated project ids served beside -project-id, each with its own demo tasks (env DCSSIM_EXTRA_PROJECTS)")
	fs.StringVar(&o.ak, "ak", env("DCSSIM_AK", defaultAK), "access key accepted (env DCSSIM_AK)")
	fs.StringVar(&o.sk, "sk", env("DCSSIM_SK", defaultSK), "secret key signatures are checked with (env DCSSIM_SK)")
	fs.StringVar(&o.faults, "faults", env("DCSSIM_FAULTS", ""), "fault spec, see below (env DCSSIM_FAULTS)")
	stopDelay := env("DCSSIM_STOP_DELAY", dcssim.DefaultStopDelay.String())
	fs.Func("stop-delay", "how long a stopped task reads TERMINATING (env DCSSIM_STOP_DELAY, default "+stopDelay+")", func(s string) error {
		stopDelay = s
		return nil
	})
	allow, _ := strconv.ParseBool(env("DCSSIM_ALLOW_REMOTE", "false"))
	fs.BoolVar(&o.allowRemote, "allow-remote", allow, "allow a non-loopback listen address (env DCSSIM_ALLOW_REMOTE); /_sim/ has no auth")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: dcssim [flags]\n\nServes a simulated Huawei Cloud DCS migration-task API.\n\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\n"+dcssim.FaultSyntax)
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	d, err := time.ParseDuration(stopDelay)
	if err != nil || d <= 0 {
		return o, fmt.Errorf("bad stop delay %q: want a positive duration such as 4s", stopDelay)
	}
	o.stopDelay = d
	if o.projectID == "" || o.ak == "" || o.sk == "" {
		return o, errors.New("project id, ak and sk must not be empty")
	}
	o.extraProjects, err = parseExtraProjects(extra, o.projectID)
	return o, err
}

// parseExtraProjects reads -extra-projects. Each id must be new: a project
// served twice would have two sets of tasks behind one path.
func parseExtraProjects(list, projectID string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var ids []string
	for id := range strings.SplitSeq(list, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "" || strings.ContainsAny(id, "/?#%"):
			// It must be one path segment, as {project_id} is.
			return nil, fmt.Errorf("bad -extra-projects %q: %q is not a project id", list, id)
		case id == projectID || slices.Contains(ids, id):
			return nil, fmt.Errorf("bad -extra-projects %q: project %q is served twice", list, id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// loopback reports whether addr's host is a loopback name or address.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	faults, err := dcssim.ParseFaults(o.faults)
	if err != nil {
		return fmt.Errorf("bad -faults: %w", err)
	}
	if !loopback(o.listen) && !o.allowRemote {
		return fmt.Errorf("refusing to listen on %q: not a loopback address (the /_sim/ control surface has no auth); pass -allow-remote to override", o.listen)
	}
	cfg := dcssim.Config{ProjectID: o.projectID, AccessKey: o.ak, SecretKey: o.sk, StopDelay: o.stopDelay}
	for _, id := range o.extraProjects {
		cfg.Projects = append(cfg.Projects, dcssim.Project{ID: id}) // nil Tasks: dcssim.SeedFor(id)
	}
	sim := dcssim.New(cfg)
	sim.SetFaults(faults)
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "dcssim: endpoint   http://%s\n", ln.Addr())
	fmt.Fprintf(stdout, "dcssim: project id %s\n", o.projectID)
	for _, id := range o.extraProjects {
		fmt.Fprintf(stdout, "dcssim: project id %s (extra)\n", id)
	}
	fmt.Fprintf(stdout, "dcssim: ak         %s\n", o.ak)
	fmt.Fprintf(stdout, "dcssim: sk         %s\n", o.sk)
	fmt.Fprintf(stdout, "dcssim: faults     %q, stop delay %s\n", faults.String(), o.stopDelay)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "dcssim: stopped")
	return nil
}
