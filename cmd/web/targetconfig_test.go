package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

// TestConfigTargets: the file's targets become the dashboard's, with their
// own credentials from the environment variables they name and their own
// operator groups.
func TestConfigTargets(t *testing.T) {
	path := writeConfig(t, `targets:
  - name: bj-prod
    display_name: Beijing production
    region: cn-north-4
    project_id: 0a1b2c
    ak_env: PROD_AK
    sk_env: PROD_SK
    operator_groups: [dcs-prod-operators]
  - name: sh-dr
    endpoint: https://dcs.cn-east-3.example.internal
    project_id: 9f8e7d
`)
	env := envOf(map[string]string{"PROD_AK": "AKPROD", "PROD_SK": "skprod"})
	c, err := parseConfig([]string{"-config", path}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	specs := c.targetSpecs()
	if len(specs) != 2 || c.demo() {
		t.Fatalf("%d targets, demo %v; want 2 and no demo", len(specs), c.demo())
	}
	prod, dr := specs[0], specs[1]
	if prod.target.Name != "bj-prod" || prod.target.Label() != "Beijing production" || prod.dcs.Region != "cn-north-4" ||
		prod.dcs.ProjectID != "0a1b2c" || prod.dcs.AccessKey != "AKPROD" || prod.dcs.SecretKey != "skprod" ||
		!slices.Equal(prod.target.OperatorGroups, []string{"dcs-prod-operators"}) {
		t.Errorf("bj-prod: %+v", prod)
	}
	if dr.dcs.Endpoint != "https://dcs.cn-east-3.example.internal" || dr.dcs.AccessKey != "" || dr.target.OperatorGroups != nil {
		t.Errorf("sh-dr: %+v (no *_env: the SDK's chain; no operator_groups: the global ones)", dr)
	}

	one, err := parseConfig([]string{"-dcs-endpoint", "http://127.0.0.1:1", "-dcs-project-id", "p"}, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if specs := one.targetSpecs(); len(specs) != 1 || specs[0].target.Name != "default" || specs[0].dcs.ProjectID != "p" {
		t.Errorf("the single-target flags: %+v", specs)
	}
}

// TestConfigTargetRefusals: each bad targets list fails at start with one
// line naming the entry and what is wrong.
func TestConfigTargetRefusals(t *testing.T) {
	const ok = "  - name: a\n    region: cn-north-4\n    project_id: p\n"
	tests := []struct {
		name, text string
		args       []string
		want       []string
	}{
		{"duplicate names", "targets:\n" + ok + ok, nil, []string{`target "a"`, "used twice"}},
		{"name not URL-safe", "targets:\n  - name: Bj Prod\n    region: cn-north-4\n    project_id: p\n", nil,
			[]string{`"Bj Prod"`, "lower-case"}},
		{"no name", "targets:\n  - region: cn-north-4\n    project_id: p\n", nil, []string{":2:", "needs a name"}},
		{"neither region nor endpoint", "targets:\n  - name: a\n    project_id: p\n", nil, []string{"either region", "or endpoint"}},
		{"both region and endpoint", "targets:\n  - name: a\n    region: r\n    endpoint: https://x\n    project_id: p\n", nil,
			[]string{"one of them"}},
		{"missing project id", "targets:\n  - name: a\n    region: cn-north-4\n", nil, []string{"project_id is missing"}},
		{"env named but unset", "targets:\n" + ok + "    ak_env: NO_SUCH_AK\n    sk_env: NO_SUCH_SK\n", nil,
			[]string{"ak_env names NO_SUCH_AK, which is not set"}},
		{"ak without sk", "targets:\n" + ok + "    ak_env: HOME\n", nil, []string{"go together"}},
		{"literal secret", "targets:\n" + ok + "    sk: abcdef\n", nil, []string{`"sk" holds a secret`, "sk_env"}},
		{"literal password", "targets:\n" + ok + "    password: abcdef\n", nil, []string{"holds a secret"}},
		{"unknown key", "targets:\n" + ok + "    zone: b\n", nil, []string{":5:", `unknown target key "zone"`}},
		{"not a list", "targets: bj-prod\n", nil, []string{"want a list of targets"}},
		{"key given twice", "targets:\n" + ok + "    region: cn-east-3\n", nil, []string{":5:", `"region" is already defined at line`}},
		{"targets and flags", "targets:\n" + ok, []string{"-dcs-region", "cn-east-3"}, []string{"give one or the other"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-config", writeConfig(t, tc.text)}, tc.args...)
			_, err := parseConfig(args, envOf(map[string]string{"HOME": "/root"}), io.Discard)
			if err == nil || exitCode(err) != 2 {
				t.Fatalf("err %v, want a usage error", err)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("more than one line: %q", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "abcdef") {
				t.Error("the error repeats the secret")
			}
		})
	}
}
