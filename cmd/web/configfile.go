package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxConfigFile bounds what -config reads: a settings file is a few KiB.
const maxConfigFile = 1 << 20

// secretKey is what a key holding a secret is named like (the settings
// oidc-client-secret and session-keys among them). Secrets never go into the
// file, which is copied, committed and shown far more freely than the
// environment a process runs with.
var secretKey = regexp.MustCompile(`(?i)(^|[-_])(ak|sk|password|passwd|secret|token|keys?)$`)

// fileConfig is what the -config file says.
type fileConfig struct {
	values   map[string]string // each setting's value as the text its flag would take
	targets  []targetConfig    // the targets list
	channels []channelConfig   // the notify list, before resolveChannels
}

// fileValues reads the YAML file at path: a mapping from setting names (the
// flags without the dash) to values, a list setting as a YAML list or as
// comma-separated text, and the targets and notify lists. It returns each
// setting's value as the text its flag would take. Every mistake names the
// file, the line and the key.
func fileValues(path string, settings []setting) (fileConfig, error) {
	var fc fileConfig
	f, err := os.Open(path)
	if err != nil {
		return fc, &usageError{fmt.Sprintf("-config: %v", err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return fc, &usageError{fmt.Sprintf("-config %s: %v", path, err)}
	}
	if len(data) > maxConfigFile {
		return fc, &usageError{fmt.Sprintf("-config %s: larger than %d KiB; is it the right file?", path, maxConfigFile>>10)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fc, &usageError{fmt.Sprintf("-config %s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	if len(doc.Content) == 0 {
		return fc, nil // an empty file sets nothing
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return fc, &usageError{fmt.Sprintf("%s:%d: want settings as `name: value` lines", path, top.Line)}
	}
	byFlag := make(map[string]setting, len(settings))
	for _, s := range settings {
		byFlag[s.flag] = s
	}
	fc.values = map[string]string{}
	lines := map[string]int{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		at := fmt.Sprintf("%s:%d", path, key.Line)
		if first, twice := lines[key.Value]; twice {
			return fc, &usageError{fmt.Sprintf("%s: %q is already defined at line %d", at, key.Value, first)}
		}
		lines[key.Value] = key.Line
		switch key.Value {
		case targetsKey:
			if fc.targets, err = readTargets(path, val); err != nil {
				return fc, err
			}
			continue
		case notifyKey:
			if fc.channels, err = readChannels(path, val); err != nil {
				return fc, err
			}
			continue
		}
		s, known := byFlag[key.Value]
		switch {
		case secretKey.MatchString(key.Value) && !empty(val):
			return fc, &usageError{fmt.Sprintf("%s: %q holds a secret: keep it out of the file and give it in the environment%s "+
				"(a target's credentials are named by its ak_env, sk_env and security_token_env keys)", at, key.Value, envHint(s))}
		case !known || s.env == "" || s.flag == configFlag:
			return fc, &usageError{fmt.Sprintf("%s: unknown key %q (keys are the flags without the dash; see -help)", at, key.Value)}
		}
		text, err := scalarText(val)
		if err != nil {
			return fc, &usageError{fmt.Sprintf("%s: %s: %v", at, key.Value, err)}
		}
		if u, err := url.Parse(text); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				return fc, &usageError{fmt.Sprintf("%s: %q holds a password: keep it out of the file and give it "+
					"in the environment (PGPASSWORD for -db)", at, key.Value)}
			}
		}
		fc.values[s.flag] = text
	}
	return fc, nil
}

// scalarText is a value as its flag would take it: a scalar as written, a
// list of scalars joined with commas, nothing for an empty value.
func scalarText(n *yaml.Node) (string, error) {
	switch {
	case empty(n):
		return "", nil
	case n.Kind == yaml.ScalarNode:
		return n.Value, nil
	case n.Kind == yaml.SequenceNode:
		items := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return "", errors.New("want a list of plain values")
			}
			items = append(items, item.Value)
		}
		return strings.Join(items, ","), nil
	}
	return "", errors.New("want a value or a list of values, not a mapping")
}

func empty(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "")
}

func envHint(s setting) string {
	if s.env == "" {
		return ""
	}
	return " (" + s.env + ")"
}

// configPath is the -config file named on the command line (either dash,
// "=value" or the next argument), or else by DASHBOARD_CONFIG. It is read
// before the flags are parsed, since the file's values sit under them.
func configPath(args []string, getenv func(string) string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != configFlag {
			continue
		}
		if hasVal {
			return val
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return getenv(configEnv)
}
