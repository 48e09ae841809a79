package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeConfig writes a -config file and returns its path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dashboard.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigFile: every setting can come from the file, a list as a YAML
// list or as text; the environment wins over the file and a flag over both;
// DASHBOARD_CONFIG names the file as well as -config does.
func TestConfigFile(t *testing.T) {
	path := writeConfig(t, `# the dashboard's settings
listen: 127.0.0.1:9999
dcs-timeout: 20s
refresh: 7s
read-only: true
viewer-groups: [dcs-viewers, dcs-auditors]
operator-groups: dcs-operators
stop-rate-limit: 3
log-level: debug
`)
	c, err := parseConfig([]string{"-config", path, "-refresh", "9s"}, envOf(map[string]string{"DASHBOARD_DCS_TIMEOUT": "30s"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9999" || !c.ReadOnly || c.StopRate != 3 || c.LogLevel != "debug" {
		t.Errorf("file values not applied: %+v", c)
	}
	if !slices.Equal(c.ViewerGroups, []string{"dcs-viewers", "dcs-auditors"}) || !slices.Equal(c.OperatorGroups, []string{"dcs-operators"}) {
		t.Errorf("lists: viewers %q, operators %q", c.ViewerGroups, c.OperatorGroups)
	}
	if c.DCSTimeout != 30*time.Second {
		t.Errorf("dcs-timeout %s: the environment must win over the file", c.DCSTimeout)
	}
	if c.Refresh != 9*time.Second {
		t.Errorf("refresh %s: the flag must win over the file", c.Refresh)
	}

	c, err = parseConfig(nil, envOf(map[string]string{"DASHBOARD_CONFIG": path}), io.Discard)
	if err != nil || c.Listen != "127.0.0.1:9999" {
		t.Errorf("DASHBOARD_CONFIG: %q, %v", c.Listen, err)
	}
	c, err = parseConfig([]string{"--config=" + path}, envOf(nil), io.Discard)
	if err != nil || c.Listen != "127.0.0.1:9999" {
		t.Errorf("--config=: %q, %v", c.Listen, err)
	}
}

// TestConfigFileRefusals: each mistake is refused at start with one line
// naming the file, the line and what to do.
func TestConfigFileRefusals(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"unknown key", "listen: :8080\nlisten-port: 80\n", []string{":2:", `unknown key "listen-port"`}},
		{"secret setting", "oidc-client-secret: hunter2\n", []string{":1:", "holds a secret", "DASHBOARD_OIDC_CLIENT_SECRET"}},
		{"session keys", "session-keys: [abc]\n", []string{":1:", "holds a secret"}},
		{"key named like a secret", "listen: :8080\nsk: abc\n", []string{":2:", `"sk" holds a secret`, "sk_env"}},
		{"password", "password: abc\n", []string{"holds a secret"}},
		{"bad duration", "dcs-timeout: soon\n", []string{"dcs-timeout", "not a duration"}},
		{"mapping value", "listen:\n  host: a\n", []string{":1:", "not a mapping"}},
		{"not a mapping", "- listen\n", []string{"name: value"}},
		{"duplicate key", "listen: a\nlisten: b\n", []string{"already defined"}},
		{"version", "version: true\n", []string{`unknown key "version"`}},
		{"config in config", "config: other.yaml\n", []string{`unknown key "config"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig([]string{"-config", writeConfig(t, tc.text)}, envOf(nil), io.Discard)
			if err == nil || exitCode(err) != 2 {
				t.Fatalf("err %v, want a usage error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Error("the error repeats the secret")
			}
		})
	}
	if _, err := parseConfig([]string{"-config", filepath.Join(t.TempDir(), "none.yaml")}, envOf(nil), io.Discard); err == nil ||
		!strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	// An empty secret is no secret: the key may stand, empty, in a template.
	if _, err := parseConfig([]string{"-config", writeConfig(t, "oidc-client-secret:\n")}, envOf(nil), io.Discard); err != nil {
		t.Errorf("empty secret key: %v", err)
	}
}
