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
	Refresh         time.Duration
	InsecureCookies bool
	SimFaults       string
	AuditLog        string
	ReadOnly        bool
	LogFormat       string
	LogLevel        string
	HSTS            bool
	StopRate        int
	ListCache       time.Duration
	Version         bool
	authConfig
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

// envReader reads flag defaults from the environment. Typed values are
// checked; a bad one is reported with its variable's name, not ignored.
type envReader struct {
	getenv func(string) string
	errs   []string
}

func (e *envReader) str(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	raw := e.getenv(name)
	if raw == "" {
		return def
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		e.errs = append(e.errs, fmt.Sprintf("%s=%q is not a duration such as 15s", name, raw))
	}
	return d
}

func (e *envReader) integer(name string, def int) int {
	raw := e.getenv(name)
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		e.errs = append(e.errs, fmt.Sprintf("%s=%q is not a whole number", name, raw))
	}
	return n
}

func (e *envReader) boolean(name string) bool {
	raw := e.getenv(name)
	if raw == "" {
		return false
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		e.errs = append(e.errs, fmt.Sprintf("%s=%q is not true or false", name, raw))
	}
	return b
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := &envReader{getenv: getenv}

	fs.StringVar(&c.Listen, "listen", env.str("DASHBOARD_LISTEN", "127.0.0.1:8080"),
		"address to listen on (env DASHBOARD_LISTEN)")
	fs.StringVar(&c.DCSEndpoint, "dcs-endpoint", env.str("DASHBOARD_DCS_ENDPOINT", ""),
		"DCS API endpoint URL, e.g. a private endpoint or a simulator; needs a project id (env DASHBOARD_DCS_ENDPOINT)")
	fs.StringVar(&c.DCSRegion, "dcs-region", env.str("DASHBOARD_DCS_REGION", ""),
		"Huawei Cloud region id, e.g. cn-north-4, resolved through the SDK's region table (env DASHBOARD_DCS_REGION)")
	fs.StringVar(&c.DCSProjectID, "dcs-project-id", env.str("HUAWEICLOUD_SDK_PROJECT_ID", ""),
		"project id for the DCS API (env HUAWEICLOUD_SDK_PROJECT_ID, the SDK's own name)")
	fs.DurationVar(&c.DCSTimeout, "dcs-timeout", env.duration("DASHBOARD_DCS_TIMEOUT", 15*time.Second),
		"bound on every DCS API call (env DASHBOARD_DCS_TIMEOUT)")
	fs.BoolVar(&c.DCSMetadata, "dcs-metadata-credentials", env.boolean("DASHBOARD_DCS_METADATA_CREDENTIALS"),
		"also take credentials from the ECS metadata service (169.254.169.254) when env and profile file give none (env DASHBOARD_DCS_METADATA_CREDENTIALS)")
	fs.DurationVar(&c.Refresh, "refresh", env.duration("DASHBOARD_REFRESH", 5*time.Second),
		"how often pages read tasks that are still in progress again; they stop once nothing shown can change (env DASHBOARD_REFRESH)")
	fs.BoolVar(&c.InsecureCookies, "insecure-cookies", env.boolean("DASHBOARD_INSECURE_COOKIES"),
		"send session cookies over plain HTTP too; for local development only (env DASHBOARD_INSECURE_COOKIES)")
	fs.StringVar(&c.AuditLog, "audit-log", env.str("DASHBOARD_AUDIT_LOG", "audit.jsonl"),
		"append-only JSON-lines file recording every stop attempt; stops are refused when it cannot be written (env DASHBOARD_AUDIT_LOG)")
	fs.BoolVar(&c.ReadOnly, "read-only", env.boolean("DASHBOARD_READ_ONLY"),
		"hide and refuse every write (Stop) for everyone (env DASHBOARD_READ_ONLY)")
	fs.StringVar(&c.LogFormat, "log-format", env.str("DASHBOARD_LOG_FORMAT", "text"),
		"log line format: text or json (env DASHBOARD_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env.str("DASHBOARD_LOG_LEVEL", "info"),
		"least important log level written: debug, info, warn or error (env DASHBOARD_LOG_LEVEL)")
	fs.BoolVar(&c.HSTS, "hsts", env.boolean("DASHBOARD_HSTS"),
		"the dashboard is served over HTTPS (directly or by a proxy): send Strict-Transport-Security (env DASHBOARD_HSTS)")
	fs.IntVar(&c.StopRate, "stop-rate-limit", env.integer("DASHBOARD_STOP_RATE_LIMIT", 10),
		"stops one person may request per minute (bursts up to the same number); 0 turns the limit off (env DASHBOARD_STOP_RATE_LIMIT)")
	fs.DurationVar(&c.ListCache, "list-cache", env.duration("DASHBOARD_LIST_CACHE", 3*time.Second),
		"how long a page of the task list is reused for everyone before DCS is asked again; identical reads in flight are shared regardless; 0 turns the reuse off (env DASHBOARD_LIST_CACHE)")
	fs.BoolVar(&c.Version, "version", false, "print the version and exit")
	fs.StringVar(&c.SimFaults, "sim-faults", env.str("DASHBOARD_SIM_FAULTS", ""),
		"demo mode only: faults for the built-in simulator, e.g. latency=200ms,error-rate=0.1 (env DASHBOARD_SIM_FAULTS)")
	c.authConfig.addFlags(fs, env)

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return c, &usageError{fmt.Sprintf("unexpected argument %q (flags only; see -help)", fs.Arg(0))}
	}
	if len(env.errs) > 0 {
		return c, &usageError{"environment: " + strings.Join(env.errs, "; ")}
	}
	err := c.validate()
	return c, err
}

// validate checks the configuration and completes derived fields (the
// parsed trusted proxies), so it takes a pointer.
func (c *config) validate() error {
	if c.DCSEndpoint != "" && c.DCSRegion != "" {
		return &usageError{"-dcs-endpoint and -dcs-region are alternatives: give one"}
	}
	if c.DCSEndpoint != "" && c.DCSProjectID == "" {
		return &usageError{"-dcs-endpoint needs a project id: set -dcs-project-id or HUAWEICLOUD_SDK_PROJECT_ID"}
	}
	if c.DCSTimeout <= 0 || c.Refresh <= 0 {
		return &usageError{"-dcs-timeout and -refresh must be positive durations such as 15s"}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return &usageError{fmt.Sprintf("-log-format %q: use text or json", c.LogFormat)}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return &usageError{err.Error()}
	}
	if c.ListCache < 0 {
		return &usageError{"-list-cache must be 0 (off) or a positive duration"}
	}
	if c.StopRate < 0 {
		return &usageError{"-stop-rate-limit must be 0 (off) or more"}
	}
	if c.SimFaults != "" && !c.demo() {
		return &usageError{"-sim-faults applies to the built-in simulator only (demo mode: no -dcs-endpoint or -dcs-region)"}
	}
	return c.authConfig.validate(c.Listen)
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
