package main

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The README's configuration table stands between these markers; everything
// between them is rendered from the settings table.
const (
	readmePath         = "../../README.md"
	settingsBeginMark  = "<!-- settings:begin -->\n"
	settingsEndMark    = "<!-- settings:end -->"
	updateREADMEEnvVar = "UPDATE_README"
)

// TestREADMEConfigTable: the README documents exactly the flags the binary
// has, with their environment variables, defaults and meanings. Run with
// UPDATE_README=1 to rewrite the README's table from the settings.
func TestREADMEConfigTable(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	begin := strings.Index(readme, settingsBeginMark)
	end := strings.Index(readme, settingsEndMark)
	if begin < 0 || end < begin {
		t.Fatalf("README.md has no configuration table between %q and %q", strings.TrimSpace(settingsBeginMark), settingsEndMark)
	}
	got := readme[begin+len(settingsBeginMark) : end]
	want := markdownTable((&config{}).settings())
	if got == want {
		return
	}
	if os.Getenv(updateREADMEEnvVar) == "1" {
		updated := readme[:begin+len(settingsBeginMark)] + want + readme[end:]
		if err := os.WriteFile(readmePath, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote the configuration table in README.md from cmd/web/settings.go")
		return
	}
	t.Errorf("README.md's configuration table differs from the settings in cmd/web/settings.go: %s\n"+
		"Change the setting there, then rewrite the README's table with:\n"+
		"    %s=1 go test ./cmd/web -run TestREADMEConfigTable", firstDifference(got, want), updateREADMEEnvVar)
}

// markdownTable renders the settings as the README's configuration table.
func markdownTable(settings []setting) string {
	var b strings.Builder
	b.WriteString("| Flag | Environment | Default | Meaning |\n|---|---|---|---|\n")
	for _, s := range settings {
		b.WriteString("|")
		for _, cell := range []string{code("-" + s.flag), code(s.env), code(s.def), s.meaning} {
			if cell != "" {
				b.WriteString(" " + strings.ReplaceAll(cell, "|", `\|`))
			}
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + s + "`"
}

// firstDifference names the first line where the README and the settings
// disagree, so the message points at the setting to look at.
func firstDifference(readme, settings string) string {
	r, s := strings.Split(readme, "\n"), strings.Split(settings, "\n")
	for i := range max(len(r), len(s)) {
		var rl, sl string
		if i < len(r) {
			rl = r[i]
		}
		if i < len(s) {
			sl = s[i]
		}
		if rl != sl {
			return fmt.Sprintf("line %d of the table\n  README.md: %s\n  settings:  %s", i+1, rl, sl)
		}
	}
	return "no line differs"
}

// TestSettingsTable: every configuration field is set by exactly one
// setting, and flags and environment variables are not used twice.
func TestSettingsTable(t *testing.T) {
	var c config
	fields := map[uintptr]string{}
	collectFields(reflect.ValueOf(&c).Elem(), fields)
	// The file's targets and notify lists are the fields no flag sets
	// (targetconfig.go, notifyconfig.go).
	delete(fields, reflect.ValueOf(&c.Targets).Pointer())
	delete(fields, reflect.ValueOf(&c.Channels).Pointer())

	flags, envs := map[string]bool{}, map[string]bool{}
	for _, s := range c.settings() {
		if flags[s.flag] {
			t.Errorf("-%s is in the table twice", s.flag)
		}
		flags[s.flag] = true
		if s.env == "" && s.flag != "version" {
			t.Errorf("-%s has no environment variable", s.flag)
		}
		if s.env != "" && envs[s.env] {
			t.Errorf("%s is the environment variable of two settings", s.env)
		}
		envs[s.env] = true
		if strings.TrimSpace(s.meaning) == "" {
			t.Errorf("-%s says nothing about what it means", s.flag)
		}
		addr := reflect.ValueOf(s.value).FieldByName("p").Pointer()
		if _, ok := fields[addr]; !ok {
			t.Errorf("-%s sets no config field, or one another setting sets too", s.flag)
		}
		delete(fields, addr)
	}
	for _, name := range fields {
		t.Errorf("config field %s is set by no setting", name)
	}
}

// collectFields records the address of every exported field of v, looking
// into embedded structs as the settings do.
func collectFields(v reflect.Value, into map[uintptr]string) {
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		switch {
		case sf.Anonymous:
			collectFields(f, into)
		case sf.IsExported():
			into[f.Addr().Pointer()] = sf.Name
		}
	}
}

// TestListSettings: a list setting is read from its environment variable
// item by item, and a flag replaces it rather than adding to it.
func TestListSettings(t *testing.T) {
	env := envOf(map[string]string{"DASHBOARD_VIEWER_GROUPS": " ops , dev,,ops", "DASHBOARD_OIDC_SCOPES": "openid,groups"})
	c, err := parseConfig([]string{"-oidc-scopes", "openid"}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.ViewerGroups, []string{"ops", "dev"}) || !slices.Equal(c.OIDCScopes, []string{"openid"}) {
		t.Errorf("viewer groups %q, scopes %q", c.ViewerGroups, c.OIDCScopes)
	}
	c, err = parseConfig(nil, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.OIDCScopes, []string{"openid", "email", "profile"}) || c.OperatorGroups != nil {
		t.Errorf("default scopes %q, operator groups %q", c.OIDCScopes, c.OperatorGroups)
	}
}

// TestBadValuesNameTheirSource: a bad value is refused whether it comes
// from the environment (named by its variable) or the command line (by its flag).
func TestBadValuesNameTheirSource(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		env     map[string]string
		wantErr string
	}{
		{env: map[string]string{"DASHBOARD_STOP_RATE_LIMIT": "ten"}, wantErr: `DASHBOARD_STOP_RATE_LIMIT="ten" is not a whole number`},
		{env: map[string]string{"DASHBOARD_SESSION_IDLE": "1 hour"}, wantErr: `DASHBOARD_SESSION_IDLE="1 hour" is not a duration such as 15s`},
		{args: []string{"-list-cache", "soon"}, wantErr: `-list-cache: not a duration such as 15s`},
		{args: []string{"-hsts=perhaps"}, wantErr: `-hsts: not true or false`},
	} {
		_, err := parseConfig(tt.args, envOf(tt.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != 2 {
			t.Errorf("args %q env %v: err = %v, want a usage error containing %q", tt.args, tt.env, err, tt.wantErr)
		}
	}
}
