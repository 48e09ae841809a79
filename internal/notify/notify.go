// Package notify turns one event about a migration task into one HTTP
// request for one notification channel, and judges the receiver's answer.
//
// A channel is a generic webhook (JSON, optionally signed with HMAC), a
// Slack incoming webhook, a Feishu (Lark) custom bot, a DingTalk custom
// robot or a WeCom (企业微信) group robot. Each gets the body its receiver
// documents, its human text in the channel's language from the i18n
// catalogs (notify.yaml), and, where the receiver supports it, a signature.
//
// What this package does not do is decide when to notify, store
// deliveries or schedule retries: Judge and Retryable tell the part that
// does whether a delivery was accepted and whether trying again can help.
//
// A channel's URL is a secret (whoever has it can post to the chat): it is
// never put in an error, and Redact takes it (and the signing secret) out
// of any text a receiver or the network sends back.
package notify

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/i18n"
)

// Event kinds.
const (
	EventFinished       = "finished"        // status changed into SUCCESS, TERMINATED or RELEASED
	EventFailed         = "failed"          // status changed into FAILED or MIGRATION_FAILED
	EventStuck          = "stuck"           // full sync made no progress for -stuck-after
	EventLagging        = "lagging"         // replication lag above a threshold for over a minute
	EventStopUnfinished = "stop_unfinished" // a stop confirmed in the dashboard has not finished after 10 minutes
	EventTest           = "test"            // an operator's test message
)

// EventKinds are the kinds of event, in the order documentation lists them.
func EventKinds() []string {
	return []string{EventFinished, EventFailed, EventStuck, EventLagging, EventStopUnfinished, EventTest}
}

// KnownEvent reports whether kind is one of EventKinds.
func KnownEvent(kind string) bool { return slices.Contains(EventKinds(), kind) }

// Event is one thing that happened to one task, as every channel is told it.
type Event struct {
	ID           string // unique, stable across retries (receivers de-duplicate on it)
	Kind         string
	Target       string // configured target name (region/project); TargetLabel its display name
	TargetLabel  string
	TaskID       string
	TaskName     string
	OldStatus    string // raw API statuses, "" when not applicable
	NewStatus    string
	ErrorMessage string // the API's error_message, when there is one
	Link         string // the task page, absolute (-public-url + path), "" if unknown
	StoppedBy    string // for stops: who asked
	StopReason   string // for stops: why
	// Detail is a figure where the kind has one, already formatted: for
	// stuck how long the full sync has not moved ("30m"), for lagging the
	// lag ("45s"), for stop_unfinished how long since the stop ("10m").
	Detail string
	At     time.Time
}

// Channel kinds.
const (
	KindWebhook  = "webhook"
	KindSlack    = "slack"
	KindFeishu   = "feishu"
	KindDingTalk = "dingtalk"
	KindWeCom    = "wecom"
)

// ChannelKinds are the kinds of channel.
func ChannelKinds() []string {
	return []string{KindWebhook, KindSlack, KindFeishu, KindDingTalk, KindWeCom}
}

// Channel is one place notifications go, as configured.
type Channel struct {
	Name    string   // as configured, unique
	Kind    string   // "webhook", "slack", "feishu", "dingtalk", "wecom"
	URL     string   // the webhook URL (a secret; never logged, never in errors)
	Secret  string   // optional signing secret (webhook HMAC; DingTalk and Feishu signing)
	Lang    string   // "en" or "zh-CN" for the human text
	Targets []string // filter: only these targets (none = all)
	Events  []string // filter: only these kinds (none = all; EventTest always passes)
}

// Validate checks what can be checked of a channel alone: its kind, its
// URL (absolute http or https), its language and the event names of its
// filter. Its errors name the channel, never its URL or secret.
func (c Channel) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("notify: channel %q: "+format, append([]any{c.Name}, args...)...))
	}
	if strings.TrimSpace(c.Name) == "" {
		bad("a channel needs a name")
	}
	if !slices.Contains(ChannelKinds(), c.Kind) {
		bad("kind %q: use one of %s", c.Kind, strings.Join(ChannelKinds(), ", "))
	}
	if _, err := c.parseURL(); err != nil {
		bad("%v", err)
	}
	if !i18n.Supported(c.Lang) {
		bad("language %q: use one of %s", c.Lang, strings.Join(i18n.Languages(), ", "))
	}
	if c.Secret != "" && (c.Kind == KindSlack || c.Kind == KindWeCom) {
		bad("a %s channel has no signing: remove its secret", c.Kind)
	}
	for _, e := range c.Events {
		if e != "" && !KnownEvent(e) {
			bad("event %q: use some of %s", e, strings.Join(EventKinds(), ", "))
		}
	}
	return errors.Join(errs...)
}

// parseURL is the channel's URL, if it is an absolute http(s) URL. Its
// error describes what is wrong without quoting the URL.
func (c Channel) parseURL() (*url.URL, error) {
	if c.URL == "" {
		return nil, errors.New("no URL")
	}
	u, err := url.Parse(c.URL)
	switch {
	case err != nil:
		// url.Error quotes the URL: say only what kind of problem it is.
		return nil, errors.New("the URL does not parse")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("the URL must start with https:// (or http://)")
	case u.Host == "":
		return nil, errors.New("the URL has no host")
	case u.Fragment != "":
		return nil, errors.New("the URL must not have a #fragment")
	}
	return u, nil
}

// Wants reports whether the channel's filters let ev through: its target
// is one of Targets and its kind one of Events, an empty filter (or one
// with only "") letting everything through. A test message always passes.
func (c Channel) Wants(ev Event) bool {
	if ev.Kind == EventTest {
		return true
	}
	return passes(c.Targets, ev.Target) && passes(c.Events, ev.Kind)
}

func passes(filter []string, v string) bool {
	filtered := false
	for _, f := range filter {
		if f == "" {
			continue
		}
		if f == v {
			return true
		}
		filtered = true
	}
	return !filtered
}
