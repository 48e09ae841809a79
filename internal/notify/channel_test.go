package notify

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, kind := range ChannelKinds() {
		for _, lang := range langs {
			if err := channel(kind, lang).Validate(); err != nil {
				t.Errorf("%s %s: %v", kind, lang, err)
			}
		}
	}
	ok := channel(KindFeishu, "en")
	for _, tc := range []struct {
		change func(*Channel)
		says   string
	}{
		{func(c *Channel) { c.Name = " " }, "needs a name"},
		{func(c *Channel) { c.Kind = "teams" }, `kind "teams"`},
		{func(c *Channel) { c.Kind = "" }, `kind ""`},
		{func(c *Channel) { c.URL = "" }, "no URL"},
		{func(c *Channel) { c.URL = "ftp://x.example.com/hook" }, "https://"},
		{func(c *Channel) { c.URL = "/hook/relative" }, "https://"},
		{func(c *Channel) { c.URL = "https:///hook" }, "no host"},
		{func(c *Channel) { c.URL = "https://x.example.com/hook#x" }, "fragment"},
		{func(c *Channel) { c.URL = "https://x.example.com/%zz" }, "does not parse"},
		{func(c *Channel) { c.Lang = "fr" }, `language "fr"`},
		{func(c *Channel) { c.Lang = "" }, `language ""`},
		{func(c *Channel) { c.Lang = "zh" }, `language "zh"`},
		{func(c *Channel) { c.Events = []string{"failed", "exploded"} }, `event "exploded"`},
		{func(c *Channel) { c.Kind, c.Secret = KindSlack, "s" }, "no signing"},
		{func(c *Channel) { c.Kind, c.Secret = KindWeCom, "s" }, "no signing"},
	} {
		c := ok
		tc.change(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%+v: %v, want it to say %q", c, err, tc.says)
		}
	}
	c := ok
	c.Events = append(EventKinds(), "")
	c.Secret = "s"
	if err := c.Validate(); err != nil {
		t.Errorf("every event, a secret: %v", err)
	}
	// Everything wrong at once is said at once.
	err := Channel{Name: "all", Kind: "fax", Lang: "de", Events: []string{"x"}}.Validate()
	for _, s := range []string{"fax", "no URL", "de", `"x"`} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("all wrong: %v lacks %q", err, s)
		}
	}
}

func TestWants(t *testing.T) {
	ev := func(kind, target string) Event { return Event{Kind: kind, Target: target} }
	for _, tc := range []struct {
		targets, events []string
		ev              Event
		want            bool
	}{
		{nil, nil, ev(EventFailed, "a"), true},
		{[]string{}, []string{}, ev(EventStuck, "a"), true},
		{[]string{""}, []string{""}, ev(EventStuck, "a"), true},
		{[]string{"a"}, nil, ev(EventFailed, "a"), true},
		{[]string{"a"}, nil, ev(EventFailed, "b"), false},
		{[]string{"", "a"}, nil, ev(EventFailed, "b"), false},
		{[]string{"a", "b"}, nil, ev(EventFailed, "b"), true},
		{nil, []string{EventFailed}, ev(EventFailed, "a"), true},
		{nil, []string{EventFailed}, ev(EventFinished, "a"), false},
		{[]string{"a"}, []string{EventFailed, EventStuck}, ev(EventStuck, "a"), true},
		{[]string{"a"}, []string{EventFailed, EventStuck}, ev(EventStuck, "b"), false},
		// A test message passes both filters: it is sent to one channel on purpose.
		{[]string{"a"}, []string{EventFailed}, ev(EventTest, "b"), true},
		{[]string{"a"}, []string{EventFailed}, ev(EventTest, ""), true},
	} {
		c := Channel{Targets: tc.targets, Events: tc.events}
		if got := c.Wants(tc.ev); got != tc.want {
			t.Errorf("targets %q events %q, %+v: Wants = %v", tc.targets, tc.events, tc.ev, got)
		}
	}
}
