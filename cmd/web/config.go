package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// config is the dashboard's configuration. Each field is set by one entry
// of the settings table (settings.go), which says what it means.
type config struct {
	ConfigFile string
	// Targets are the -config file's targets; none means the one the
	// -dcs-* flags describe (or the demo's).
	Targets []targetConfig
	// Channels are the -config file's notify list, resolved: URLs and
	// secrets read from the environment variables the entries name, each
	// channel checked with Validate, its language defaulted to DefaultLang.
	Channels        []notify.Channel
	Listen          string
	MetricsListen   string
	DCSEndpoint     string
	DCSRegion       string
	DCSProjectID    string
	DCSTimeout      time.Duration
	DCSMetadata     bool
	Refresh         time.Duration
	InsecureCookies bool
	SimFaults       string
	AuditLog        string
	DB              string
	ReadOnly        bool
	LogFormat       string
	LogLevel        string
	HSTS            bool
	StopRate        int
	ListCache       time.Duration
	ShareReads      bool // false: taskcache.Config.NoSharing, whatever ListCache says
	ShutdownGrace   time.Duration
	DefaultLang     string
	Version         bool
	// WatchInterval is how often the watcher reads the tasks; 0 means no
	// watching (and so no notifications and no per-task gauges).
	WatchInterval time.Duration
	// StuckAfter is how long a full sync may make no progress before it
	// counts as stuck.
	StuckAfter time.Duration
	// LagThreshold is the replication offset (dcs.Stats.Offset) above
	// which an incremental migration counts as lagging.
	LagThreshold int
	// PublicURL is the dashboard's address as people reach it, without a
	// trailing slash, for links in notifications; "" for no links.
	PublicURL string
	// TaskMetricsMax bounds how many tasks get per-task gauges; 0 means none.
	TaskMetricsMax int
	MemoryLimit    int64 // bytes; 0 leaves the Go runtime's collector as it is
	authConfig
}

// shutdownGrace is how long shutdown waits for requests in flight: as
// configured, or long enough for a stop and the read after it (each bounded
// by -dcs-timeout), so SIGTERM never cuts a stop between its two records.
func (c config) shutdownGrace() time.Duration {
	if c.ShutdownGrace > 0 {
		return c.ShutdownGrace
	}
	return 2*c.DCSTimeout + 10*time.Second
}

// demo reports whether no DCS API was configured, so the built-in simulator serves.
func (c config) demo() bool { return c.DCSEndpoint == "" && c.DCSRegion == "" && len(c.Targets) == 0 }

// errHelp is returned after -help printed the usage: not a failure.
var errHelp = flag.ErrHelp

// usageError marks a configuration mistake (exit status 2).
type usageError struct{ msg string }

// Error returns the message, which names the setting and the fix.
func (e *usageError) Error() string { return e.msg }

// exitCode is the process's exit status for an error run returned.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// parseConfig reads the settings table's flags from args, with their
// environment variables as fallbacks, and validates the result.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	settings := c.settings()
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printUsage(fs.Output(), settings) }
	var file fileConfig
	if path := configPath(args, getenv); path != "" {
		var err error
		if file, err = fileValues(path, settings); err != nil {
			return c, err
		}
		c.Targets = file.targets
		if err := checkTargets(c.Targets, getenv); err != nil {
			return c, err
		}
	}
	envErrs := register(fs, settings, file.values, getenv)

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
		return c, &usageError{"configuration: " + strings.Join(envErrs, "; ")}
	}
	if err := c.validate(); err != nil {
		return c, err
	}
	// The channels are resolved last: their targets and default language
	// are known only once the flags are.
	var err error
	c.Channels, err = resolveChannels(file.channels, c.targetNames(), c.DefaultLang, getenv)
	return c, err
}

// validate checks the configuration and completes derived fields (the
// parsed trusted proxies), so it takes a pointer.
func (c *config) validate() error {
	if !i18n.Supported(c.DefaultLang) {
		return &usageError{"-default-lang " + strconv.Quote(c.DefaultLang) + ": the dashboard speaks " +
			strings.Join(i18n.Languages(), " and ")}
	}
	if len(c.Targets) > 0 && (c.DCSEndpoint != "" || c.DCSRegion != "") {
		return &usageError{"the -config file lists targets, and -dcs-endpoint or -dcs-region describes another: " +
			"give one or the other (the flags mean one target named " + targets.DefaultName + ")"}
	}
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
	if c.ShutdownGrace < 0 {
		return &usageError{"-shutdown-grace must be 0 (derived from -dcs-timeout) or a positive duration"}
	}
	if c.WatchInterval < 0 {
		return &usageError{"-watch-interval must be 0 (no watching) or a positive duration such as 30s"}
	}
	if c.StuckAfter <= 0 {
		return &usageError{"-stuck-after must be a positive duration such as 15m"}
	}
	if c.LagThreshold < 0 {
		return &usageError{"-lag-threshold must be 0 or more"}
	}
	if c.TaskMetricsMax < 0 {
		return &usageError{"-task-metrics-max must be 0 (no per-task gauges) or more"}
	}
	if err := c.checkPublicURL(); err != nil {
		return err
	}
	if c.SimFaults != "" && !c.demo() {
		return &usageError{"-sim-faults applies to the built-in simulator only (demo mode: no -dcs-endpoint or -dcs-region)"}
	}
	return c.authConfig.validate(c.Listen)
}

// checkPublicURL checks -public-url and drops its trailing slash, so a
// link is PublicURL followed by a path.
func (c *config) checkPublicURL() error {
	if c.PublicURL == "" {
		return nil
	}
	const want = "-public-url must be the dashboard's absolute http(s) address as people reach it, such as https://dcs-dashboard.example.com"
	u, err := url.Parse(c.PublicURL)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.Opaque != "":
		return &usageError{want}
	case u.User != nil:
		// Not quoted: it may carry a password.
		return &usageError{"-public-url must not carry a user or password: links in notifications are read by everyone in the chat"}
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return &usageError{fmt.Sprintf("-public-url %q: give the address without a ?query or #fragment", c.PublicURL)}
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
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
