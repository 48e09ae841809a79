package auth

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestRoleOf(t *testing.T) {
	ops := []string{"dcs-operators", "sre"}
	viewers := []string{"dcs-viewers"}
	for _, tc := range []struct {
		name   string
		cfg    RoleConfig
		groups []string
		want   Role
	}{
		{"operator group", RoleConfig{viewers, ops}, []string{"dcs-operators"}, RoleOperator},
		{"second operator group", RoleConfig{viewers, ops}, []string{"x", "sre"}, RoleOperator},
		{"operator wins over viewer", RoleConfig{viewers, ops}, []string{"dcs-viewers", "sre"}, RoleOperator},
		{"operator without being a viewer", RoleConfig{viewers, ops}, []string{"sre"}, RoleOperator},
		{"viewer group", RoleConfig{viewers, ops}, []string{"dcs-viewers"}, RoleViewer},
		{"no matching group", RoleConfig{viewers, ops}, []string{"finance"}, RoleNone},
		{"no groups", RoleConfig{viewers, ops}, nil, RoleNone},
		{"everyone views when no viewer groups", RoleConfig{nil, ops}, nil, RoleViewer},
		{"everyone views, operator still operator", RoleConfig{nil, ops}, []string{"sre"}, RoleOperator},
		{"nobody operates when no operator groups", RoleConfig{viewers, nil}, []string{"dcs-viewers"}, RoleViewer},
		{"empty config: viewer", RoleConfig{}, []string{"dcs-operators"}, RoleViewer},
		{"case matters", RoleConfig{viewers, ops}, []string{"DCS-Operators", "DCS-VIEWERS"}, RoleNone},
		{"no trimming or prefix match", RoleConfig{viewers, ops}, []string{" sre", "sre-team", "dcs"}, RoleNone},
		{"empty group never matches", RoleConfig{[]string{""}, []string{""}}, []string{""}, RoleNone},
	} {
		if got := tc.cfg.RoleOf(Identity{User: "u", Groups: tc.groups}); got != tc.want {
			t.Errorf("%s: RoleOf(%q) = %q, want %q", tc.name, tc.groups, got, tc.want)
		}
	}
}

func TestParseList(t *testing.T) {
	for in, want := range map[string][]string{
		"":                        nil,
		" , ,":                    nil,
		"a":                       {"a"},
		" dcs-ops , sre,,dcs-ops": {"dcs-ops", "sre"},
		"CN=Ops,OU=x":             {"CN=Ops", "OU=x"},
	} {
		if got := ParseList(in); !slices.Equal(got, want) {
			t.Errorf("ParseList(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanGroups(t *testing.T) {
	got, err := cleanGroups([]string{" a, b ,,a", "c", ""})
	if err != nil || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("got %q, %v", got, err)
	}
	many := make([]string, maxGroups)
	for i := range many {
		many[i] = fmt.Sprintf("group-%03d", i)
	}
	if got, err := cleanGroups(many); err != nil || len(got) != maxGroups {
		t.Errorf("%d distinct groups: got %d, %v", maxGroups, len(got), err)
	}
	if _, err := cleanGroups(append(many, "one-more")); err == nil {
		t.Error("more than maxGroups groups accepted")
	}
	if _, err := cleanGroups([]string{strings.Repeat("g", maxGroupLen+1)}); err == nil {
		t.Error("overlong group accepted")
	}
	for _, bad := range []string{"ops\x00", "ops\r\nX-Evil: 1", "o\tps", "ops\x7f", "\xff\xfe"} {
		if _, err := cleanGroups([]string{bad}); err == nil {
			t.Errorf("group %q accepted", bad)
		}
	}
}

func TestDisplayName(t *testing.T) {
	for _, tc := range []struct {
		id   Identity
		want string
	}{
		{Identity{User: "u-1", Email: "a@x", PreferredUsername: "alice"}, "alice"},
		{Identity{User: "u-1", Email: "a@x"}, "a@x"},
		{Identity{User: "u-1"}, "u-1"},
	} {
		if got := tc.id.DisplayName(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.id, got, tc.want)
		}
	}
}
