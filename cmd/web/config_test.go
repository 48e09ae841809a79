package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestParseConfig: flags win over the environment, defaults are safe, and
// every configuration mistake is refused with a message naming the fix.
func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, c config)
		wantErr string
	}{
		{name: "defaults are demo mode on loopback", check: func(t *testing.T, c config) {
			if !c.demo() || c.Listen != "127.0.0.1:8080" || c.DCSTimeout != 15*time.Second || c.Auth != "none" || c.DCSMetadata {
				t.Errorf("unexpected defaults: %+v", c)
			}
		}},
		{name: "environment fallbacks", env: map[string]string{
			"DASHBOARD_DCS_ENDPOINT": "http://127.0.0.1:9", "HUAWEICLOUD_SDK_PROJECT_ID": "p1",
			"DASHBOARD_DCS_TIMEOUT": "3s", "DASHBOARD_REFRESH": "2s", "DASHBOARD_INSECURE_COOKIES": "true",
		}, check: func(t *testing.T, c config) {
			if c.demo() || c.DCSProjectID != "p1" || c.DCSTimeout != 3*time.Second || c.Refresh != 2*time.Second || !c.InsecureCookies {
				t.Errorf("environment not applied: %+v", c)
			}
		}},
		{name: "flag wins over environment", args: []string{"-dcs-timeout", "7s"},
			env: map[string]string{"DASHBOARD_DCS_TIMEOUT": "3s"}, check: func(t *testing.T, c config) {
				if c.DCSTimeout != 7*time.Second {
					t.Errorf("timeout %v, want 7s", c.DCSTimeout)
				}
			}},
		{name: "endpoint without project id", args: []string{"-dcs-endpoint", "http://127.0.0.1:9"},
			wantErr: "-dcs-project-id or HUAWEICLOUD_SDK_PROJECT_ID"},
		{name: "endpoint and region together", args: []string{"-dcs-endpoint", "http://x", "-dcs-region", "cn-north-4", "-dcs-project-id", "p"},
			wantErr: "alternatives"},
		{name: "auth none on all interfaces", args: []string{"-listen", ":8080"}, wantErr: "loopback"},
		{name: "auth none on a public address", args: []string{"-listen", "10.0.0.5:8080"}, wantErr: "loopback"},
		{name: "auth none on localhost is fine", args: []string{"-listen", "localhost:0"}},
		{name: "unknown auth mode", args: []string{"-auth", "magic"}, wantErr: `-auth "magic"`},
		{name: "bad duration in environment", env: map[string]string{"DASHBOARD_DCS_TIMEOUT": "soon"}, wantErr: "DASHBOARD_DCS_TIMEOUT"},
		{name: "bad bool in environment", env: map[string]string{"DASHBOARD_INSECURE_COOKIES": "maybe"}, wantErr: "DASHBOARD_INSECURE_COOKIES"},
		{name: "zero timeout", args: []string{"-dcs-timeout", "0s"}, wantErr: "positive"},
		{name: "faults outside demo mode", args: []string{"-dcs-region", "cn-north-4", "-sim-faults", "latency=1s"}, wantErr: "demo mode"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected argument"},
		{name: "bad log format", args: []string{"-log-format", "xml"}, wantErr: "text or json"},
		{name: "bad log level", args: []string{"-log-level", "loud"}, wantErr: "debug, info, warn or error"},
		{name: "negative stop rate", args: []string{"-stop-rate-limit", "-1"}, wantErr: "0 (off) or more"},
		{name: "proxy mode needs trusted proxies", args: []string{"-auth", "proxy", "-session-keys", strings.Repeat("k", 32)},
			wantErr: "-trusted-proxies"},
		{name: "proxy mode needs session keys", args: []string{"-auth", "proxy", "-trusted-proxies", "127.0.0.1/32"},
			wantErr: "-session-keys"},
		{name: "short session key", args: []string{"-auth", "proxy", "-trusted-proxies", "127.0.0.1/32", "-session-keys", "short"},
			wantErr: "at least 32"},
		{name: "oidc mode needs its settings", args: []string{"-auth", "oidc", "-session-keys", strings.Repeat("k", 32)},
			wantErr: "-auth oidc needs"},
		{name: "reads shared by default", check: func(t *testing.T, c config) {
			if !c.ShareReads || c.ListCache != 3*time.Second {
				t.Errorf("share reads %v, list cache %s; want true and 3s", c.ShareReads, c.ListCache)
			}
		}},
		{name: "share-reads off by environment", env: map[string]string{"DASHBOARD_SHARE_READS": "false"}, check: func(t *testing.T, c config) {
			if c.ShareReads {
				t.Error("DASHBOARD_SHARE_READS=false left reads shared")
			}
		}},
		{name: "share-reads flag wins", args: []string{"-share-reads=false"}, env: map[string]string{"DASHBOARD_SHARE_READS": "true"},
			check: func(t *testing.T, c config) {
				if c.ShareReads {
					t.Error("-share-reads=false left reads shared")
				}
			}},
		{name: "memory limit by default", check: func(t *testing.T, c config) {
			if c.MemoryLimit != 48<<20 {
				t.Errorf("memory limit %d, want 48 MiB", c.MemoryLimit)
			}
		}},
		{name: "memory limit in GiB", args: []string{"-memory-limit", "1GiB"}, check: func(t *testing.T, c config) {
			if c.MemoryLimit != 1<<30 {
				t.Errorf("memory limit %d, want 1 GiB", c.MemoryLimit)
			}
		}},
		{name: "memory limit off", env: map[string]string{"DASHBOARD_MEMORY_LIMIT": "0"}, check: func(t *testing.T, c config) {
			if c.MemoryLimit != 0 {
				t.Errorf("memory limit %d, want 0", c.MemoryLimit)
			}
		}},
		{name: "memory limit not a size", args: []string{"-memory-limit", "64MB"}, wantErr: "not a size such as 64MiB"},
		{name: "watching defaults", check: func(t *testing.T, c config) {
			if c.WatchInterval != 30*time.Second || c.StuckAfter != 15*time.Minute || c.LagThreshold != 10000 ||
				c.PublicURL != "" || c.TaskMetricsMax != 500 || c.Channels != nil {
				t.Errorf("watch %s, stuck %s, lag %d, public %q, task metrics %d, channels %v",
					c.WatchInterval, c.StuckAfter, c.LagThreshold, c.PublicURL, c.TaskMetricsMax, c.Channels)
			}
		}},
		{name: "watching settings", args: []string{"-watch-interval", "0", "-stuck-after", "1h", "-lag-threshold", "250000",
			"-task-metrics-max", "0"}, env: map[string]string{"DASHBOARD_PUBLIC_URL": "https://dcs.example.com/dashboard/"},
			check: func(t *testing.T, c config) {
				if c.WatchInterval != 0 || c.StuckAfter != time.Hour || c.LagThreshold != 250000 || c.TaskMetricsMax != 0 ||
					c.PublicURL != "https://dcs.example.com/dashboard" {
					t.Errorf("watch %s, stuck %s, lag %d, task metrics %d, public %q (want the trailing slash dropped)",
						c.WatchInterval, c.StuckAfter, c.LagThreshold, c.TaskMetricsMax, c.PublicURL)
				}
			}},
		{name: "watching settings from the environment", env: map[string]string{"DASHBOARD_WATCH_INTERVAL": "5s",
			"DASHBOARD_STUCK_AFTER": "20m", "DASHBOARD_LAG_THRESHOLD": "7", "DASHBOARD_TASK_METRICS_MAX": "12",
			"DASHBOARD_PUBLIC_URL": "http://127.0.0.1:8080"}, check: func(t *testing.T, c config) {
			if c.WatchInterval != 5*time.Second || c.StuckAfter != 20*time.Minute || c.LagThreshold != 7 || c.TaskMetricsMax != 12 ||
				c.PublicURL != "http://127.0.0.1:8080" {
				t.Errorf("environment not applied: %+v", c)
			}
		}},
		{name: "negative watch interval", args: []string{"-watch-interval", "-1s"}, wantErr: "-watch-interval must be 0 (no watching)"},
		{name: "zero stuck-after", args: []string{"-stuck-after", "0"}, wantErr: "-stuck-after must be a positive duration"},
		{name: "bad stuck-after", env: map[string]string{"DASHBOARD_STUCK_AFTER": "a while"}, wantErr: `DASHBOARD_STUCK_AFTER="a while" is not a duration`},
		{name: "negative lag threshold", args: []string{"-lag-threshold", "-5"}, wantErr: "-lag-threshold must be 0 or more"},
		{name: "bad lag threshold", args: []string{"-lag-threshold", "10k"}, wantErr: "not a whole number"},
		{name: "negative task metrics max", args: []string{"-task-metrics-max", "-1"}, wantErr: "-task-metrics-max must be 0"},
		{name: "relative public url", args: []string{"-public-url", "/dashboard"}, wantErr: "absolute http(s) address"},
		{name: "public url without scheme", args: []string{"-public-url", "dcs.example.com"}, wantErr: "absolute http(s) address"},
		{name: "public url of another scheme", args: []string{"-public-url", "ftp://dcs.example.com"}, wantErr: "absolute http(s) address"},
		{name: "public url without host", args: []string{"-public-url", "https:///tasks"}, wantErr: "absolute http(s) address"},
		{name: "public url with a query", args: []string{"-public-url", "https://dcs.example.com/?a=b"}, wantErr: "without a ?query or #fragment"},
		{name: "public url with a fragment", args: []string{"-public-url", "https://dcs.example.com/#top"}, wantErr: "without a ?query or #fragment"},
		{name: "public url with a password", args: []string{"-public-url", "https://u:hunter2@dcs.example.com"}, wantErr: "must not carry a user or password"},
		{name: "trusted proxies everywhere", args: []string{"-trusted-proxies", "10.0.0.0/8"}, check: func(t *testing.T, c config) {
			if len(c.trusted) != 1 || c.trusted[0].String() != "10.0.0.0/8" {
				t.Errorf("trusted = %v", c.trusted)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, envOf(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if exitCode(err) != 2 {
					t.Errorf("exit code %d, want 2 for a usage error", exitCode(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// TestHelpListsEveryFlag: -help documents each flag with its environment variable.
func TestHelpListsEveryFlag(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig([]string{"-help"}, envOf(nil), &out)
	if err != errHelp {
		t.Fatalf("err = %v, want errHelp", err)
	}
	for _, want := range []string{"-listen", "DASHBOARD_LISTEN", "-dcs-endpoint", "-dcs-region", "-dcs-project-id",
		"HUAWEICLOUD_SDK_PROJECT_ID", "-dcs-timeout", "-dcs-metadata-credentials", "-auth", "-refresh",
		"-insecure-cookies", "-sim-faults", "-audit-log", "-read-only", "-log-format", "-log-level", "-hsts",
		"-stop-rate-limit", "-version", "-trusted-proxies", "-proxy-user-header", "-proxy-id-token-issuer",
		"-oidc-issuer", "-oidc-client-secret", "-session-keys", "-session-idle", "-session-max",
		"-viewer-groups", "-operator-groups", "-groups-claim", "-watch-interval", "DASHBOARD_WATCH_INTERVAL",
		"-stuck-after", "-lag-threshold", "-public-url", "-task-metrics-max"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-help does not mention %s", want)
		}
	}
}
