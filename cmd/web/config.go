package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// config is the dashboard's configuration: every flag has an environment
// fallback, and a flag given on the command line wins over the environment.
type config struct {
	Listen          string
	DCSEndpoint     string
	DCSRegion       string
	DCSProjectID    string
	DCSTimeout      time.Duration
	DCSMetadata     bool
	Auth            string
	Refresh         time.Duration
	InsecureCookies bool
	SimFaults       string
	AuditLog        string
}

// demo reports whether no DCS API was configured, so the built-in simulator serves.
func (c config) demo() bool { return c.DCSEndpoint == "" && c.DCSRegion == "" }

// errHelp is returned after -help printed the usage: not a failure.
var errHelp = flag.ErrHelp

// usageError marks a configuration mistake (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	// Typed environment values are checked here; a bad one is reported with
	// its variable's name rather than silently ignored.
	var envErrs []string
	envDuration := func(name string, def time.Duration) time.Duration {
		raw := getenv(name)
		if raw == "" {
			return def
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			envErrs = append(envErrs, fmt.Sprintf("%s=%q is not a duration such as 15s", name, raw))
		}
		return d
	}
	envBool := func(name string) bool {
		raw := getenv(name)
		if raw == "" {
			return false
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			envErrs = append(envErrs, fmt.Sprintf("%s=%q is not true or false", name, raw))
		}
		return b
	}
	fs.StringVar(&c.Listen, "listen", env("DASHBOARD_LISTEN", "127.0.0.1:8080"),
		"address to listen on (env DASHBOARD_LISTEN)")
	fs.StringVar(&c.DCSEndpoint, "dcs-endpoint", env("DASHBOARD_DCS_ENDPOINT", ""),
		"DCS API endpoint URL, e.g. a private endpoint or a simulator; needs a project id (env DASHBOARD_DCS_ENDPOINT)")
	fs.StringVar(&c.DCSRegion, "dcs-region", env("DASHBOARD_DCS_REGION", ""),
		"Huawei Cloud region id, e.g. cn-north-4, resolved through the SDK's region table (env DASHBOARD_DCS_REGION)")
	fs.StringVar(&c.DCSProjectID, "dcs-project-id", env("HUAWEICLOUD_SDK_PROJECT_ID", ""),
		"project id for the DCS API (env HUAWEICLOUD_SDK_PROJECT_ID, the SDK's own name)")
	fs.DurationVar(&c.DCSTimeout, "dcs-timeout", envDuration("DASHBOARD_DCS_TIMEOUT", 15*time.Second),
		"bound on every DCS API call (env DASHBOARD_DCS_TIMEOUT)")
	fs.BoolVar(&c.DCSMetadata, "dcs-metadata-credentials", envBool("DASHBOARD_DCS_METADATA_CREDENTIALS"),
		"also take credentials from the ECS metadata service (169.254.169.254) when env and profile file give none (env DASHBOARD_DCS_METADATA_CREDENTIALS)")
	fs.StringVar(&c.Auth, "auth", env("DASHBOARD_AUTH", "none"),
		"how users are identified: none (one local operator; loopback listen address only) (env DASHBOARD_AUTH)")
	fs.DurationVar(&c.Refresh, "refresh", envDuration("DASHBOARD_REFRESH", 5*time.Second),
		"how often a page reads a stopping task's status again (env DASHBOARD_REFRESH)")
	fs.BoolVar(&c.InsecureCookies, "insecure-cookies", envBool("DASHBOARD_INSECURE_COOKIES"),
		"send session cookies over plain HTTP too; for local development only (env DASHBOARD_INSECURE_COOKIES)")
	fs.StringVar(&c.AuditLog, "audit-log", env("DASHBOARD_AUDIT_LOG", "audit.jsonl"),
		"append-only JSON-lines file recording every stop attempt; stops are refused when it cannot be written (env DASHBOARD_AUDIT_LOG)")
	fs.StringVar(&c.SimFaults, "sim-faults", env("DASHBOARD_SIM_FAULTS", ""),
		"demo mode only: faults for the built-in simulator, e.g. latency=200ms,error-rate=0.1 (env DASHBOARD_SIM_FAULTS)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return c, &usageError{fmt.Sprintf("unexpected argument %q (flags only; see -help)", fs.Arg(0))}
	}
	if len(envErrs) > 0 {
		return c, &usageError{"environment: " + strings.Join(envErrs, "; ")}
	}
	return c, c.validate()
}

func (c config) validate() error {
	if c.DCSEndpoint != "" && c.DCSRegion != "" {
		return &usageError{"-dcs-endpoint and -dcs-region are alternatives: give one"}
	}
	if c.DCSEndpoint != "" && c.DCSProjectID == "" {
		return &usageError{"-dcs-endpoint needs a project id: set -dcs-project-id or HUAWEICLOUD_SDK_PROJECT_ID"}
	}
	if c.DCSTimeout <= 0 || c.Refresh <= 0 {
		return &usageError{"-dcs-timeout and -refresh must be positive durations such as 15s"}
	}
	if c.SimFaults != "" && !c.demo() {
		return &usageError{"-sim-faults applies to the built-in simulator only (demo mode: no -dcs-endpoint or -dcs-region)"}
	}
	switch c.Auth {
	case "none":
		if !loopback(c.Listen) {
			return &usageError{fmt.Sprintf("-auth none lets anyone who reaches the dashboard stop tasks, so it is allowed only on a loopback address; %q is not one", c.Listen)}
		}
	default:
		return &usageError{fmt.Sprintf("-auth %q is not supported; use none", c.Auth)}
	}
	return nil
}

// loopback reports whether addr (host:port) listens on loopback only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
