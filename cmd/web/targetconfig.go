package main

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// targetsKey is the -config file's list of targets: the regions (or
// endpoints) and projects the dashboard shows in one pane.
const targetsKey = "targets"

// targetConfig is one entry of the file's targets list.
type targetConfig struct {
	Name, DisplayName, Region, Endpoint, ProjectID string
	// AKEnv, SKEnv and SecurityTokenEnv name the environment variables
	// that hold the target's credentials; empty means the SDK's own chain.
	AKEnv, SKEnv, SecurityTokenEnv string
	// OperatorGroups, when not nil, replace -operator-groups for the target.
	OperatorGroups []string
	// at is "file:line", for messages.
	at string
	// ak, sk and token are the credentials read from the environment.
	ak, sk, token string
}

// targetFields are the keys a target may have, and where each goes.
var targetFields = map[string]func(*targetConfig) *string{
	"name":               func(t *targetConfig) *string { return &t.Name },
	"display_name":       func(t *targetConfig) *string { return &t.DisplayName },
	"region":             func(t *targetConfig) *string { return &t.Region },
	"endpoint":           func(t *targetConfig) *string { return &t.Endpoint },
	"project_id":         func(t *targetConfig) *string { return &t.ProjectID },
	"ak_env":             func(t *targetConfig) *string { return &t.AKEnv },
	"sk_env":             func(t *targetConfig) *string { return &t.SKEnv },
	"security_token_env": func(t *targetConfig) *string { return &t.SecurityTokenEnv },
}

// readTargets reads the file's targets list, checking each entry's keys
// and values; what needs the environment is checked by checkTargets.
func readTargets(path string, list *yaml.Node) ([]targetConfig, error) {
	var out []targetConfig
	err := eachEntry(path, list, "targets", "targets", "target", func(at string, keys func(func(keyAt string, key, val *yaml.Node) error) error) error {
		t := targetConfig{at: at}
		err := keys(func(keyAt string, key, val *yaml.Node) error {
			field, known := targetFields[key.Value]
			switch {
			case secretKey.MatchString(key.Value) && !empty(val):
				return &usageError{fmt.Sprintf("%s: %q holds a secret: keep it out of the file and name the environment "+
					"variable that holds it with ak_env, sk_env or security_token_env", keyAt, key.Value)}
			case key.Value == "operator_groups":
				text, err := scalarText(val)
				if err != nil {
					return &usageError{fmt.Sprintf("%s: operator_groups: %v", keyAt, err)}
				}
				t.OperatorGroups = auth.ParseList(text)
				if t.OperatorGroups == nil {
					t.OperatorGroups = []string{} // given but empty: nobody may stop here
				}
			case !known:
				return &usageError{fmt.Sprintf("%s: unknown target key %q (want name, display_name, region, endpoint, "+
					"project_id, ak_env, sk_env, security_token_env, operator_groups)", keyAt, key.Value)}
			case val.Kind != yaml.ScalarNode:
				return &usageError{fmt.Sprintf("%s: %s: want a single value", keyAt, key.Value)}
			default:
				*field(&t) = strings.TrimSpace(val.Value)
			}
			return nil
		})
		out = append(out, t)
		return err
	})
	return out, err
}

// eachEntry walks a list of `key: value` entries of the file (targets,
// notify channels): entry gets each entry's place and a walk of its keys,
// each with its place; a key given twice in one entry is refused.
func eachEntry(path string, list *yaml.Node, listName, plural, entryName string,
	entry func(at string, keys func(func(keyAt string, key, val *yaml.Node) error) error) error) error {
	if list.Kind != yaml.SequenceNode {
		return &usageError{fmt.Sprintf("%s:%d: %s: want a list of %s (- name: ...)", path, list.Line, listName, plural)}
	}
	for _, item := range list.Content {
		at := fmt.Sprintf("%s:%d", path, item.Line)
		if item.Kind != yaml.MappingNode {
			return &usageError{fmt.Sprintf("%s: a %s is a set of `key: value` lines", at, entryName)}
		}
		keys := func(each func(keyAt string, key, val *yaml.Node) error) error {
			lines := map[string]int{}
			for i := 0; i+1 < len(item.Content); i += 2 {
				key, val := item.Content[i], item.Content[i+1]
				keyAt := fmt.Sprintf("%s:%d", path, key.Line)
				if first, twice := lines[key.Value]; twice {
					return &usageError{fmt.Sprintf("%s: %q is already defined at line %d", keyAt, key.Value, first)}
				}
				lines[key.Value] = key.Line
				if err := each(keyAt, key, val); err != nil {
					return err
				}
			}
			return nil
		}
		if err := entry(at, keys); err != nil {
			return err
		}
	}
	return nil
}

// checkTargets checks the targets against each other and the environment,
// and reads their credentials. Each mistake is one line naming the entry.
func checkTargets(ts []targetConfig, getenv func(string) string) error {
	var names []string
	for i := range ts {
		t := &ts[i]
		what := fmt.Sprintf("%s: target %q", t.at, t.Name)
		switch {
		case t.Name == "":
			return &usageError{t.at + ": a target needs a name"}
		case !targets.ValidName(t.Name):
			return &usageError{what + ": the name goes into addresses: use 1 to 32 lower-case letters, digits and '-'"}
		case slices.Contains(names, t.Name):
			return &usageError{what + ": the name is used twice"}
		case (t.Region == "") == (t.Endpoint == ""):
			return &usageError{what + ": give either region (such as cn-north-4) or endpoint (a URL), one of them"}
		case t.ProjectID == "":
			return &usageError{what + ": project_id is missing"}
		case (t.AKEnv == "") != (t.SKEnv == ""):
			return &usageError{what + ": ak_env and sk_env go together"}
		}
		names = append(names, t.Name)
		for _, v := range []struct {
			key, env string
			into     *string
		}{{"ak_env", t.AKEnv, &t.ak}, {"sk_env", t.SKEnv, &t.sk}, {"security_token_env", t.SecurityTokenEnv, &t.token}} {
			if v.env == "" {
				continue
			}
			if *v.into = getenv(v.env); *v.into == "" {
				return &usageError{fmt.Sprintf("%s: %s names %s, which is not set", what, v.key, v.env)}
			}
		}
	}
	return nil
}
