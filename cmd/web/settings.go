package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// setting is everything about one configuration value, written once: its
// flag, environment variable, default and meaning, and the config field it
// sets. Flag parsing, -help and the README's configuration table all come
// from the table below (settings_test.go keeps the README in step), so
// none of them can drift from the others.
type setting struct {
	flag    string // without the leading dash
	env     string // "" for a flag with no environment variable (-version)
	def     string // as a person would type it; "" for none (the field's zero value)
	value   value  // the config field, seen as text
	meaning string // Markdown, as it reads in the README
}

// The -config setting's names: it is read before the others.
const (
	configFlag = "config"
	configEnv  = "DASHBOARD_CONFIG"
)

// settings is the configuration table, bound to c's fields, in the order
// -help and the README list them.
func (c *config) settings() []setting {
	return []setting{
		{flag: configFlag, env: configEnv, def: "", value: text(&c.ConfigFile),
			meaning: "A YAML file of settings: keys are the flags without the dash (`listen: 0.0.0.0:8443`, a list as a YAML list), and the `targets` and `notify` lists, which only the file gives. A flag or environment variable given explicitly wins over the file. Unknown keys are refused with their line, and so is any secret (use the environment)."},
		{flag: "listen", env: "DASHBOARD_LISTEN", def: "127.0.0.1:8080", value: text(&c.Listen),
			meaning: "Address to listen on."},
		{flag: "metrics-listen", env: "DASHBOARD_METRICS_LISTEN", def: "", value: text(&c.MetricsListen),
			meaning: "Serve `/metrics` on this address instead of `-listen` (for example `:9090` for Prometheus inside a cluster), out of reach of whatever can reach the dashboard through its proxy. Empty: `/metrics` is served with the pages, unauthenticated, like `/healthz` and `/readyz`."},
		{flag: "dcs-endpoint", env: "DASHBOARD_DCS_ENDPOINT", def: "", value: text(&c.DCSEndpoint),
			meaning: "DCS API URL (a private endpoint or a simulator). Needs a project id."},
		{flag: "dcs-region", env: "DASHBOARD_DCS_REGION", def: "", value: text(&c.DCSRegion),
			meaning: "Region id such as `cn-north-4`, resolved through the SDK's region table."},
		// The project id keeps the SDK's own variable name, so one
		// environment serves the dashboard and the SDK's other tools.
		{flag: "dcs-project-id", env: "HUAWEICLOUD_SDK_PROJECT_ID", def: "", value: text(&c.DCSProjectID),
			meaning: "Project id. Required with `-dcs-endpoint`; with a region the SDK's own conventions apply."},
		{flag: "dcs-timeout", env: "DASHBOARD_DCS_TIMEOUT", def: "15s", value: duration(&c.DCSTimeout),
			meaning: "Bound on every DCS API call."},
		{flag: "dcs-metadata-credentials", env: "DASHBOARD_DCS_METADATA_CREDENTIALS", def: "false", value: switchOf(&c.DCSMetadata),
			meaning: "Also take credentials from the ECS metadata service (`169.254.169.254`) when the environment and the profile file give none."},
		{flag: "refresh", env: "DASHBOARD_REFRESH", def: "5s", value: duration(&c.Refresh),
			meaning: "How often pages read tasks that are still in progress again (rows, badges, progress); they stop once nothing shown can change."},
		{flag: "list-cache", env: "DASHBOARD_LIST_CACHE", def: "3s", value: duration(&c.ListCache),
			meaning: "How long a page of the task list, and a task's progress figures, are reused for everyone before DCS is asked again (a stop clears them); identical reads in flight are shared regardless. `0` turns the reuse off."},
		{flag: "share-reads", env: "DASHBOARD_SHARE_READS", def: "true", value: switchOf(&c.ShareReads),
			meaning: "Share DCS reads between viewers: the reuse of `-list-cache`, and one call for identical reads in flight. `false`: every page makes its own DCS calls, whatever `-list-cache` says, so the load on the rate-limited API grows with every viewer; only for measuring the dashboard's own cost (`cmd/dcsload`)."},
		{flag: "db", env: "DASHBOARD_DB", def: "sqlite:dashboard.db", value: text(&c.DB),
			meaning: "Where the dashboard keeps its state (the audit trail first): `sqlite:PATH` (embedded, for one process) or `postgres://USER@HOST/DB` (for replicas sharing it; the password in the environment, `PGPASSWORD`). The schema is created and migrated at start; a stop is refused when its record cannot be committed."},
		{flag: "audit-log", env: "DASHBOARD_AUDIT_LOG", def: "", value: text(&c.AuditLog),
			meaning: "Optional: also append every audit record, once committed to the database, to this JSON-lines file (one object per intent and per outcome), for shipping to a SIEM. The directory must exist."},
		{flag: "default-lang", env: "DASHBOARD_DEFAULT_LANG", def: "en", value: text(&c.DefaultLang),
			meaning: "The pages' language (`en` or `zh-CN`) for a browser whose `Accept-Language` names neither. Each person can switch language at the top of every page; the choice is remembered in a cookie."},
		{flag: "read-only", env: "DASHBOARD_READ_ONLY", def: "false", value: switchOf(&c.ReadOnly),
			meaning: "Hide and refuse every write (Stop) for everyone."},
		{flag: "auth", env: "DASHBOARD_AUTH", def: "none", value: text(&c.Auth),
			meaning: "How people are identified: `none` (one local operator, allowed only on a loopback listen address), `proxy` (headers of an authenticating reverse proxy such as oauth2-proxy), `oidc` (native OpenID Connect sign-in)."},
		// A text, not a list: validate parses it into networks and names
		// the bad item by its place in what was given.
		{flag: "trusted-proxies", env: "DASHBOARD_TRUSTED_PROXIES", def: "", value: text(&c.TrustedProxies),
			meaning: "CIDRs of the reverse proxies in front of the dashboard. Only their identity headers, and their `X-Forwarded-For` (the client address in logs and the audit trail), are believed. Required with `-auth proxy`; there is no default that trusts everyone."},
		{flag: "proxy-user-header", env: "DASHBOARD_PROXY_USER_HEADER", def: "X-Forwarded-User", value: text(&c.ProxyUserHeader),
			meaning: "Proxy mode: the user."},
		{flag: "proxy-email-header", env: "DASHBOARD_PROXY_EMAIL_HEADER", def: "X-Forwarded-Email", value: text(&c.ProxyEmailHeader),
			meaning: "Proxy mode: the email."},
		{flag: "proxy-groups-header", env: "DASHBOARD_PROXY_GROUPS_HEADER", def: "X-Forwarded-Groups", value: text(&c.ProxyGroupsHeader),
			meaning: "Proxy mode: the groups (comma-separated, or one header line per group)."},
		{flag: "proxy-preferred-username-header", env: "DASHBOARD_PROXY_PREFERRED_USERNAME_HEADER", def: "X-Forwarded-Preferred-Username", value: text(&c.ProxyPreferredUsernameHeader),
			meaning: "Proxy mode: the name shown on pages."},
		{flag: "proxy-id-token-issuer", env: "DASHBOARD_PROXY_ID_TOKEN_ISSUER", def: "", value: text(&c.ProxyIDTokenIssuer),
			meaning: "Proxy mode, optional: verify the bearer ID token the proxy forwards against this issuer. It must name the same user as the user header. Groups then come only from the token (`-groups-claim`): a token without that claim means no groups, whatever the groups header says."},
		{flag: "proxy-id-token-audience", env: "DASHBOARD_PROXY_ID_TOKEN_AUDIENCE", def: "", value: text(&c.ProxyIDTokenAudience),
			meaning: "The client id that forwarded token must be issued to."},
		{flag: "oidc-issuer", env: "DASHBOARD_OIDC_ISSUER", def: "", value: text(&c.OIDCIssuer),
			meaning: "OIDC mode: the identity provider's issuer URL."},
		{flag: "oidc-client-id", env: "DASHBOARD_OIDC_CLIENT_ID", def: "", value: text(&c.OIDCClientID),
			meaning: "OIDC mode: the client id."},
		{flag: "oidc-client-secret", env: "DASHBOARD_OIDC_CLIENT_SECRET", def: "", value: text(&c.OIDCClientSecret),
			meaning: "OIDC mode: the client secret (prefer the environment variable)."},
		{flag: "oidc-redirect-url", env: "DASHBOARD_OIDC_REDIRECT_URL", def: "", value: text(&c.OIDCRedirectURL),
			meaning: "OIDC mode: `https://<dashboard>/auth/callback` as browsers reach it."},
		{flag: "oidc-scopes", env: "DASHBOARD_OIDC_SCOPES", def: "openid,email,profile", value: list(&c.OIDCScopes),
			meaning: "OIDC mode: scopes to request; add `groups` where the provider needs it."},
		{flag: "groups-claim", env: "DASHBOARD_GROUPS_CLAIM", def: "groups", value: text(&c.GroupsClaim),
			meaning: "ID-token claim with the groups (OIDC mode, and proxy mode with a verified token)."},
		{flag: "viewer-groups", env: "DASHBOARD_VIEWER_GROUPS", def: "", value: list(&c.ViewerGroups),
			meaning: "Groups allowed to view. Empty: every signed-in person."},
		{flag: "operator-groups", env: "DASHBOARD_OPERATOR_GROUPS", def: "", value: list(&c.OperatorGroups),
			meaning: "Groups allowed to stop tasks. Empty: nobody (with `-auth none` the local user is the operator)."},
		{flag: "session-keys", env: "DASHBOARD_SESSION_KEYS", def: "", value: list(&c.SessionKeys),
			meaning: "Comma-separated secrets of 32+ characters for the session cookie. The first signs, all verify: rotate by putting a new key first and dropping the old one later. Required unless `-auth none`; the same on every replica."},
		{flag: "session-idle", env: "DASHBOARD_SESSION_IDLE", def: "1h", value: duration(&c.SessionIdle),
			meaning: "OIDC mode: signed out after this long without a request."},
		{flag: "session-max", env: "DASHBOARD_SESSION_MAX", def: "12h", value: duration(&c.SessionMax),
			meaning: "OIDC mode: signed out this long after signing in."},
		{flag: "insecure-cookies", env: "DASHBOARD_INSECURE_COOKIES", def: "false", value: switchOf(&c.InsecureCookies),
			meaning: "Send cookies over plain HTTP too (local development only)."},
		{flag: "hsts", env: "DASHBOARD_HSTS", def: "false", value: switchOf(&c.HSTS),
			meaning: "The dashboard is served over HTTPS (by itself or a proxy): send `Strict-Transport-Security`."},
		{flag: "stop-rate-limit", env: "DASHBOARD_STOP_RATE_LIMIT", def: "10", value: number(&c.StopRate),
			meaning: "Stops one signed-in person may request per minute (bursts up to the same number); `0` turns the limit off. Keyed on the person, never on an address a client sends; a confirmed *Stop selected* counts as one."},
		{flag: "shutdown-grace", env: "DASHBOARD_SHUTDOWN_GRACE", def: "", value: duration(&c.ShutdownGrace),
			meaning: "How long SIGTERM waits for requests in flight. Empty or `0`: twice `-dcs-timeout` plus 10s, as long as a stop and the read after it can take. A stop still unanswered when it runs out is recorded in the audit trail as `unknown`, never lost."},
		{flag: "watch-interval", env: "DASHBOARD_WATCH_INTERVAL", def: "30s", value: duration(&c.WatchInterval),
			meaning: "How often the dashboard reads every target's tasks in the background to notice what happened to them, for notifications (`notify` in the `-config` file) and per-task metrics. `0` turns watching off: no notifications, no per-task gauges."},
		{flag: "stuck-after", env: "DASHBOARD_STUCK_AFTER", def: "15m", value: duration(&c.StuckAfter),
			meaning: "A full synchronisation whose progress has not moved for this long counts as stuck (the `stuck` notification)."},
		{flag: "lag-threshold", env: "DASHBOARD_LAG_THRESHOLD", def: "10000", value: number(&c.LagThreshold),
			meaning: "The replication offset still to apply (the task's *Replication lag (offset)*: how far the target is behind the source) above which an incremental migration counts as lagging; a `lagging` notification is sent once it has stayed above for over a minute."},
		{flag: "public-url", env: "DASHBOARD_PUBLIC_URL", def: "", value: text(&c.PublicURL),
			meaning: "The dashboard's address as people reach it (through its proxy), such as `https://dcs-dashboard.example.com`, for the links to tasks in notifications. Must be an absolute `http` or `https` URL; empty: notifications carry no link."},
		{flag: "task-metrics-max", env: "DASHBOARD_TASK_METRICS_MAX", def: "500", value: number(&c.TaskMetricsMax),
			meaning: "Per-task gauges on `/metrics` (progress, lag, keys) for at most this many tasks in progress, so a large account cannot flood Prometheus with series; `0` turns them off."},
		{flag: "memory-limit", env: "DASHBOARD_MEMORY_LIMIT", def: "48MiB", value: size(&c.MemoryLimit),
			meaning: "The soft limit on the memory the Go runtime manages (`GOMEMLIMIT`; the process's resident memory is 10 to 25 MB more), below which the garbage collector runs a quarter as often as by default (`GOGC=400`): a third less CPU per page under load, the heap staying near the limit. The limit follows the live heap, never below twice what is live, so a deployment that keeps more (many targets of thousands of tasks) never collects more often than by default. `0` leaves the runtime's defaults; `GOMEMLIMIT` (then fixed) and `GOGC` in the environment win."},
		{flag: "log-format", env: "DASHBOARD_LOG_FORMAT", def: "text", value: text(&c.LogFormat),
			meaning: "`text` or `json` structured logs (on standard error)."},
		{flag: "log-level", env: "DASHBOARD_LOG_LEVEL", def: "info", value: text(&c.LogLevel),
			meaning: "`debug`, `info`, `warn` or `error`."},
		// An environment variable left set would turn every start into
		// printing the version, so -version has none.
		{flag: "version", env: "", def: "", value: switchOf(&c.Version),
			meaning: "Print the version and exit."},
		{flag: "sim-faults", env: "DASHBOARD_SIM_FAULTS", def: "", value: text(&c.SimFaults),
			meaning: "Demo mode only: faults for the built-in simulator, such as `latency=200ms,error-rate=0.1` (see *Faults* in README.md)."},
	}
}

// register defines every setting on fs with its default, then the -config
// file's value over it, then its environment variable, so that fs.Parse
// lets a flag given on the command line win over all. A bad file or
// environment value is returned as "NAME=value is ..." rather than ignored.
func register(fs *flag.FlagSet, settings []setting, file map[string]string, getenv func(string) string) (envErrs []string) {
	for _, s := range settings {
		if s.def != "" {
			if err := s.value.Set(s.def); err != nil {
				panic(fmt.Sprintf("default of -%s: %q is %v", s.flag, s.def, err))
			}
		}
		if raw, ok := file[s.flag]; ok {
			if err := s.value.Set(raw); err != nil {
				envErrs = append(envErrs, fmt.Sprintf("-config %s: %q is %v", s.flag, raw, err))
			}
		}
		if raw := envValue(s, getenv); raw != "" {
			if err := s.value.Set(raw); err != nil {
				envErrs = append(envErrs, fmt.Sprintf("%s=%q is %v", s.env, raw, err))
			}
		}
		fs.Var(s.value, s.flag, s.meaning)
	}
	return envErrs
}

func envValue(s setting, getenv func(string) string) string {
	if s.env == "" {
		return ""
	}
	return getenv(s.env)
}

// printUsage is the -help text: each flag with its form, environment
// variable and default, and the README's sentence about it.
func printUsage(w io.Writer, settings []setting) {
	fmt.Fprint(w, "Usage of web:\n\nEvery flag but -version has an environment variable; a flag on the command line wins.\n\n")
	for _, s := range settings {
		line := "  -" + s.flag
		if k := s.value.form(); k != "" {
			line += " " + k
		}
		var notes []string
		if s.env != "" {
			notes = append(notes, "env "+s.env)
		}
		if s.def != "" {
			notes = append(notes, "default "+s.def)
		}
		if len(notes) > 0 {
			line += "  (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintln(w, line)
		for _, l := range wrap(s.meaning, usageWidth) {
			fmt.Fprintln(w, "    \t"+l)
		}
	}
}

// usageWidth keeps -help readable in an 80-column terminal after its indent.
const usageWidth = 70

// wrap breaks text into lines of at most width characters at spaces; a word
// longer than width stands on a line of its own.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}
