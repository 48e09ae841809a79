package main

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/notify"
)

// The environment the notify tests run with: what would be secrets.
const (
	testHookURL    = "https://hooks.example.com/services/T000/B000/token-xyzzy"
	testHookSecret = "whsec_topsecret"
)

func notifyEnv() map[string]string {
	return map[string]string{
		"OPS_WEBHOOK_URL": testHookURL, "OPS_WEBHOOK_SECRET": testHookSecret,
		"SLACK_URL": "https://hooks.slack.com/services/T1/B1/abc", "FEISHU_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/x",
		"FEISHU_SECRET": "feishu-secret", "DINGTALK_URL": "https://oapi.dingtalk.com/robot/send?access_token=t",
		"DINGTALK_SECRET": "SECdingtalk", "WECOM_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
		"RELATIVE_URL": "hooks.example.com/relative-token-xyzzy",
	}
}

// TestConfigNotify: the file's notify list becomes the channels, one per
// kind, with the URL and secret read from the variables the entries name,
// the filters as written (a YAML list or comma-separated text) and the
// language defaulting to -default-lang.
func TestConfigNotify(t *testing.T) {
	path := writeConfig(t, `default-lang: zh-CN
targets:
  - name: bj-prod
    region: cn-north-4
    project_id: p1
  - name: sh-dr
    region: cn-east-3
    project_id: p2
notify:
  - name: ops-webhook
    kind: webhook
    url_env: OPS_WEBHOOK_URL
    secret_env: OPS_WEBHOOK_SECRET
    lang: en
  - name: prod-slack
    kind: slack
    url_env: SLACK_URL
    targets: [bj-prod]
    events: [failed, stuck, lagging]
  - name: dr-feishu
    kind: feishu
    url_env: FEISHU_URL
    secret_env: FEISHU_SECRET
    targets: sh-dr
    events: failed, stop_unfinished
  - name: dingtalk
    kind: dingtalk
    url_env: DINGTALK_URL
    secret_env: DINGTALK_SECRET
    lang: zh-CN
  - name: wecom-1
    kind: wecom
    url_env: WECOM_URL
    events: []
`)
	c, err := parseConfig([]string{"-config", path}, envOf(notifyEnv()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	env := notifyEnv()
	want := []notify.Channel{
		{Name: "ops-webhook", Kind: notify.KindWebhook, URL: testHookURL, Secret: testHookSecret, Lang: "en"},
		{Name: "prod-slack", Kind: notify.KindSlack, URL: env["SLACK_URL"], Lang: "zh-CN", Targets: []string{"bj-prod"},
			Events: []string{notify.EventFailed, notify.EventStuck, notify.EventLagging}},
		{Name: "dr-feishu", Kind: notify.KindFeishu, URL: env["FEISHU_URL"], Secret: "feishu-secret", Lang: "zh-CN",
			Targets: []string{"sh-dr"}, Events: []string{notify.EventFailed, notify.EventStopUnfinished}},
		{Name: "dingtalk", Kind: notify.KindDingTalk, URL: env["DINGTALK_URL"], Secret: "SECdingtalk", Lang: "zh-CN"},
		{Name: "wecom-1", Kind: notify.KindWeCom, URL: env["WECOM_URL"], Lang: "zh-CN"},
	}
	if !reflect.DeepEqual(c.Channels, want) {
		t.Errorf("channels:\n got %+v\nwant %+v", c.Channels, want)
	}

	// The language follows -default-lang however it is given.
	c, err = parseConfig([]string{"-config", path, "-default-lang", "en"}, envOf(notifyEnv()), io.Discard)
	if err != nil || c.Channels[1].Lang != "en" || c.Channels[3].Lang != "zh-CN" {
		t.Errorf("-default-lang en: %v, %+v", err, c.Channels)
	}
}

// TestConfigNotifyTargets: a channel's targets are the configured ones,
// whichever way they are configured: the demo's without a file's targets or
// the -dcs-* flags, and the one named default with the flags.
func TestConfigNotifyTargets(t *testing.T) {
	const demoOnly = "notify:\n  - name: a\n    kind: slack\n    url_env: SLACK_URL\n    targets: [bj-prod, sg-staging]\n"
	c, err := parseConfig([]string{"-config", writeConfig(t, demoOnly)}, envOf(notifyEnv()), io.Discard)
	if err != nil || len(c.Channels) != 1 || !reflect.DeepEqual(c.Channels[0].Targets, []string{"bj-prod", "sg-staging"}) {
		t.Errorf("demo targets: %v, %+v", err, c.Channels)
	}
	flags := []string{"-dcs-region", "cn-north-4", "-dcs-project-id", "p"}
	_, err = parseConfig(append([]string{"-config", writeConfig(t, demoOnly)}, flags...), envOf(notifyEnv()), io.Discard)
	if err == nil || !strings.Contains(err.Error(), `target "bj-prod" is not configured (the targets are default)`) {
		t.Errorf("a demo target with the -dcs-* flags: %v", err)
	}
	const dflt = "notify:\n  - name: a\n    kind: slack\n    url_env: SLACK_URL\n    targets: default\n"
	if _, err := parseConfig(append([]string{"-config", writeConfig(t, dflt)}, flags...), envOf(notifyEnv()), io.Discard); err != nil {
		t.Errorf("the target of the -dcs-* flags: %v", err)
	}
	// No notify key, or an empty list: no channels.
	for _, text := range []string{"listen: 127.0.0.1:8080\n", "notify: []\n"} {
		if c, err := parseConfig([]string{"-config", writeConfig(t, text)}, envOf(nil), io.Discard); err != nil || len(c.Channels) != 0 {
			t.Errorf("%q: %v, %+v", text, err, c.Channels)
		}
	}
}

// TestConfigNotifyRefusals: each bad notify entry fails at start with one
// line naming the file, the entry (or the key's line) and what to do, and
// no message repeats a URL or a secret.
func TestConfigNotifyRefusals(t *testing.T) {
	const head = "targets:\n  - name: bj-prod\n    region: cn-north-4\n    project_id: p\nnotify:\n"
	// ok is a good entry on lines 6 to 8 of a file that starts with head.
	const ok = "  - name: ops\n    kind: webhook\n    url_env: OPS_WEBHOOK_URL\n"
	tests := []struct {
		name, text string
		want       []string
	}{
		{"a url key", ok + "    url: " + testHookURL + "\n", []string{":9:", `"url"`, "url_env", "keep it out of the file"}},
		{"an empty url key", ok + "    url:\n", []string{":9:", "url_env"}},
		{"a literal secret", ok + "    secret: " + testHookSecret + "\n", []string{":9:", `"secret" holds a secret`, "secret_env"}},
		{"an empty secret key", ok + "    secret:\n", []string{":9:", "secret_env"}},
		{"a token", ok + "    token: " + testHookSecret + "\n", []string{":9:", `"token" holds a secret`}},
		{"unknown key", ok + "    channel: '#ops'\n", []string{":9:", `unknown notify key "channel"`, "url_env, secret_env"}},
		{"key given twice", ok + "    kind: slack\n", []string{":9:", `"kind" is already defined at line 7`}},
		{"not a list", "  ops\n", []string{":6:", "notify: want a list of channels"}},
		{"entry not a mapping", "  - ops\n", []string{":6:", "a notify channel is a set of `key: value` lines"}},
		{"name not a value", "  - name: [a, b]\n    kind: webhook\n", []string{":6:", "name: want a single value"}},
		{"events a mapping", ok + "    events:\n      failed: true\n", []string{":9:", "events: want a value or a list of values"}},
		{"no name", "  - kind: webhook\n    url_env: OPS_WEBHOOK_URL\n", []string{":6:", "a notify channel needs a name"}},
		{"name with capitals and spaces", "  - name: Ops Team\n    kind: webhook\n    url_env: OPS_WEBHOOK_URL\n",
			[]string{":6:", `notify channel "Ops Team"`, "lower-case letters"}},
		{"name too long", "  - name: " + strings.Repeat("a", 33) + "\n    kind: webhook\n    url_env: OPS_WEBHOOK_URL\n",
			[]string{"1 to 32"}},
		{"name used twice", ok + ok, []string{":9:", `notify channel "ops": the name is used twice`}},
		{"no kind", "  - name: ops\n    url_env: OPS_WEBHOOK_URL\n", []string{":6:", "kind is missing", "webhook, slack, feishu, dingtalk, wecom"}},
		{"unknown kind", "  - name: ops\n    kind: teams\n    url_env: OPS_WEBHOOK_URL\n",
			[]string{":6:", `channel "ops"`, `kind "teams"`, "webhook, slack, feishu, dingtalk, wecom"}},
		{"no url_env", "  - name: ops\n    kind: webhook\n", []string{":6:", `notify channel "ops"`, "url_env is missing"}},
		{"url_env unset", "  - name: ops\n    kind: webhook\n    url_env: NO_SUCH_URL\n",
			[]string{":6:", `notify channel "ops"`, "url_env names NO_SUCH_URL, which is not set or empty"}},
		{"url_env empty", "  - name: ops\n    kind: webhook\n    url_env: EMPTY_URL\n",
			[]string{`notify channel "ops"`, "url_env names EMPTY_URL"}},
		{"secret_env unset", ok + "    secret_env: NO_SUCH_SECRET\n",
			[]string{":6:", `notify channel "ops"`, "secret_env names NO_SUCH_SECRET, which is not set or empty"}},
		{"the URL written as url_env", "  - name: ops\n    kind: webhook\n    url_env: " + testHookURL + "\n",
			[]string{":6:", "url_env must be the name of an environment variable", "not the value itself"}},
		{"the secret written as secret_env", ok + "    secret_env: " + testHookSecret + "!\n",
			[]string{"secret_env must be the name of an environment variable"}},
		{"the variable holds no absolute URL", "  - name: ops\n    kind: webhook\n    url_env: RELATIVE_URL\n",
			[]string{":6:", `channel "ops"`, "https://"}},
		{"unknown target", ok + "    targets: [bj-prod, gz-prod]\n",
			[]string{":6:", `target "gz-prod" is not configured (the targets are bj-prod)`}},
		{"unknown event", ok + "    events: [failed, exploded]\n", []string{":6:", `event "exploded"`, "finished, failed, stuck"}},
		{"unknown language", ok + "    lang: fr\n", []string{":6:", `language "fr"`, "en"}},
		{"zh is not zh-CN", ok + "    lang: zh\n", []string{`language "zh"`}},
		{"a slack channel with a secret", "  - name: chat\n    kind: slack\n    url_env: SLACK_URL\n    secret_env: OPS_WEBHOOK_SECRET\n",
			[]string{":6:", "a slack channel has no signing"}},
		{"a wecom channel with a secret", "  - name: chat\n    kind: wecom\n    url_env: WECOM_URL\n    secret_env: OPS_WEBHOOK_SECRET\n",
			[]string{"a wecom channel has no signing"}},
		{"several mistakes at once", "  - name: ops\n    kind: fax\n    url_env: OPS_WEBHOOK_URL\n    lang: de\n",
			[]string{`kind "fax"`, `language "de"`}},
		{"notify twice", ok + "notify: []\n", []string{":9:", `"notify" is already defined at line 5`}},
	}
	env := notifyEnv()
	env["EMPTY_URL"] = ""
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig([]string{"-config", writeConfig(t, head+tc.text)}, envOf(env), io.Discard)
			if err == nil || exitCode(err) != 2 {
				t.Fatalf("err %v, want a usage error", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("more than one line: %q", err)
			}
			if !strings.Contains(err.Error(), "dashboard.yaml:") {
				t.Errorf("%q does not name the file", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			for _, secret := range []string{"xyzzy", "topsecret", "hooks.example.com"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error repeats a URL or a secret (%s): %q", secret, err)
				}
			}
		})
	}
}
