package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dcs-dashboard/migrations/internal/auth"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// notifyKey is the -config file's list of notification channels.
const notifyKey = "notify"

// channelConfig is one entry of the file's notify list, as written: the
// URL and the signing secret are the names of environment variables.
type channelConfig struct {
	Name, Kind, URLEnv, SecretEnv, Lang string
	Targets, Events                     []string
	// at is "file:line" of the entry, for messages.
	at string
}

// channelKeys are the keys a notify entry may have, in the order messages
// list them.
var channelKeys = []string{"name", "kind", "url_env", "secret_env", "targets", "events", "lang"}

// channelName is what a channel's name may be: short, lower case, so it
// reads the same in logs, metrics labels and addresses.
var channelName = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// envName is what an environment variable's name looks like. A url_env or
// secret_env that is not one is most likely the URL or the secret itself,
// pasted where its name belongs.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// readChannels reads the file's notify list, checking each entry's keys;
// what needs the environment, the targets or the other settings is checked
// by resolveChannels once they are all known.
func readChannels(path string, list *yaml.Node) ([]channelConfig, error) {
	var out []channelConfig
	err := eachEntry(path, list, "notify", "channels", "notify channel", func(at string, keys func(func(keyAt string, key, val *yaml.Node) error) error) error {
		ch := channelConfig{at: at}
		err := keys(func(keyAt string, key, val *yaml.Node) error {
			switch {
			case key.Value == "url":
				return &usageError{fmt.Sprintf("%s: notify: \"url\": a webhook URL is a secret (whoever has it can post "+
					"to the chat): keep it out of the file, put it in an environment variable and name that variable with url_env", keyAt)}
			case key.Value == "secret" || (secretKey.MatchString(key.Value) && !empty(val)):
				return &usageError{fmt.Sprintf("%s: notify: %q holds a secret: keep it out of the file, put it in an "+
					"environment variable and name that variable with secret_env", keyAt, key.Value)}
			case !slices.Contains(channelKeys, key.Value):
				return &usageError{fmt.Sprintf("%s: unknown notify key %q (want %s)", keyAt, key.Value, strings.Join(channelKeys, ", "))}
			case key.Value == "targets" || key.Value == "events":
				text, err := scalarText(val)
				if err != nil {
					return &usageError{fmt.Sprintf("%s: %s: %v", keyAt, key.Value, err)}
				}
				if key.Value == "targets" {
					ch.Targets = auth.ParseList(text)
				} else {
					ch.Events = auth.ParseList(text)
				}
			case val.Kind != yaml.ScalarNode:
				return &usageError{fmt.Sprintf("%s: %s: want a single value", keyAt, key.Value)}
			default:
				*ch.field(key.Value) = strings.TrimSpace(val.Value)
			}
			return nil
		})
		out = append(out, ch)
		return err
	})
	return out, err
}

// field is where the single-valued key goes.
func (ch *channelConfig) field(key string) *string {
	switch key {
	case "name":
		return &ch.Name
	case "kind":
		return &ch.Kind
	case "url_env":
		return &ch.URLEnv
	case "secret_env":
		return &ch.SecretEnv
	case "lang":
		return &ch.Lang
	}
	panic("dashboard: no notify field " + key)
}

// resolveChannels checks the channels against each other, the configured
// targets and the environment, reads their URLs and secrets, and returns
// them as the notify package takes them. A channel without lang speaks
// defaultLang. Each mistake is one line naming the file, the entry and
// what to do; no message repeats a URL or a secret.
func resolveChannels(cs []channelConfig, targetNames []string, defaultLang string, getenv func(string) string) ([]notify.Channel, error) {
	var out []notify.Channel
	for _, cc := range cs {
		what := fmt.Sprintf("%s: notify channel %q", cc.at, cc.Name)
		switch {
		case cc.Name == "":
			return nil, &usageError{cc.at + ": a notify channel needs a name"}
		case !channelName.MatchString(cc.Name):
			return nil, &usageError{what + ": use 1 to 32 lower-case letters, digits and '-' for the name"}
		case slices.ContainsFunc(out, func(c notify.Channel) bool { return c.Name == cc.Name }):
			return nil, &usageError{what + ": the name is used twice"}
		case cc.Kind == "":
			return nil, &usageError{fmt.Sprintf("%s: kind is missing (use one of %s)", what, strings.Join(notify.ChannelKinds(), ", "))}
		case cc.URLEnv == "":
			return nil, &usageError{what + ": url_env is missing: put the webhook URL in an environment variable and give its name"}
		}
		ch := notify.Channel{Name: cc.Name, Kind: cc.Kind, Lang: cc.Lang, Targets: cc.Targets, Events: cc.Events}
		if ch.Lang == "" {
			ch.Lang = defaultLang
		}
		for _, v := range []struct {
			key, env string
			into     *string
		}{{"url_env", cc.URLEnv, &ch.URL}, {"secret_env", cc.SecretEnv, &ch.Secret}} {
			if v.env == "" {
				continue
			}
			if !envName.MatchString(v.env) {
				// Not quoted: it may well be the URL or the secret itself.
				return nil, &usageError{fmt.Sprintf("%s: %s must be the name of an environment variable (such as "+
					"DCS_NOTIFY_URL), not the value itself", what, v.key)}
			}
			if *v.into = getenv(v.env); *v.into == "" {
				return nil, &usageError{fmt.Sprintf("%s: %s names %s, which is not set or empty", what, v.key, v.env)}
			}
		}
		for _, t := range cc.Targets {
			if !slices.Contains(targetNames, t) {
				return nil, &usageError{fmt.Sprintf("%s: target %q is not configured (the targets are %s)",
					what, t, strings.Join(targetNames, ", "))}
			}
		}
		if err := ch.Validate(); err != nil {
			return nil, &usageError{what + ": " + oneLine(err, fmt.Sprintf("notify: channel %q: ", cc.Name))}
		}
		out = append(out, ch)
	}
	return out, nil
}

// oneLine is err's text on one line, each error it joins (errors.Join puts
// each on a line of its own) without prefix, which the message says once.
func oneLine(err error, prefix string) string {
	errs := []error{err}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = strings.TrimPrefix(e.Error(), prefix)
	}
	return strings.Join(parts, "; ")
}

// targetNames are the names of the targets the configuration describes:
// the file's, the demo's, or the one the -dcs-* flags describe.
func (c config) targetNames() []string {
	var names []string
	switch {
	case len(c.Targets) > 0:
		for _, t := range c.Targets {
			names = append(names, t.Name)
		}
	case c.demo():
		for _, t := range demoTargets {
			names = append(names, t.Name)
		}
	default:
		names = []string{targets.DefaultName}
	}
	return names
}
