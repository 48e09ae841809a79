package notify

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sameJSON fails unless body is the JSON of want (compared as decoded
// values, so key order and spacing do not matter).
func sameJSON(t *testing.T, what string, body []byte, want any) {
	t.Helper()
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(body, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, body)
	}
	if err := json.Unmarshal(wb, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got  %s\n want %s", what, body, wb)
	}
}

type obj = map[string]any
type arr = []any

// The words of failedEvent, in each language.
type words struct {
	title, sentence, target, taskID, time, open string
	feishuKey                                   string
}

var failedWords = map[string]words{
	"en": {
		title:    "DCS migration: task failed",
		sentence: "Migration task “orders-sync” failed (was Full migration): ERR source unreachable",
		target:   "Target: ", taskID: "Task ID: ", time: "Time: ", open: "Open the task", feishuKey: "en_us",
	},
	"zh-CN": {
		title:    "DCS 迁移：任务失败",
		sentence: "迁移任务“orders-sync”失败（此前为全量迁移中）：ERR source unreachable",
		target:   "目标：", taskID: "任务 ID：", time: "时间：", open: "打开任务", feishuKey: "zh_cn",
	},
}

var langs = []string{"en", "zh-CN"}

func TestWebhookBody(t *testing.T) {
	for _, lang := range langs {
		ev := failedEvent()
		req, body := build(t, channel(KindWebhook, lang), ev)
		want := obj{
			"event": "failed", "id": "evt-0001", "target": "cn-north-4", "target_label": "Beijing 4 / prod",
			"task_id": "6f1c9a2e-task", "task_name": "orders-sync", "old_status": "FULLMIGRATING", "new_status": "FAILED",
			"error_message": "ERR source unreachable", "link": ev.Link, "stopped_by": "", "stop_reason": "", "detail": "",
			"at": "2026-05-01T12:00:00Z", "lang": lang, "text": failedWords[lang].sentence,
		}
		sameJSON(t, "webhook "+lang, body, want)
		if got := req.Header.Get(EventIDHeader); got != "evt-0001" {
			t.Errorf("X-Dashboard-Event-Id = %q", got)
		}
		if got := req.Header.Get(EventHeader); got != "failed" {
			t.Errorf("X-Dashboard-Event = %q", got)
		}
		if got := req.Header.Get(SignatureHeader); got != "" {
			t.Errorf("unsigned channel sends a signature %q", got)
		}
		if req.URL.String() != channel(KindWebhook, lang).URL {
			t.Errorf("URL changed: %s", req.URL)
		}
	}
	// "at" is UTC whatever zone the event's time is in, and now stands in
	// for a missing time.
	ev := failedEvent()
	ev.At = at.In(time.FixedZone("CST", 8*3600))
	_, body := build(t, channel(KindWebhook, "en"), ev)
	var p WebhookPayload
	decodeStrict(t, body, &p)
	if p.At != "2026-05-01T12:00:00Z" {
		t.Errorf("at = %s", p.At)
	}
	ev2 := failedEvent()
	ev2.At = time.Time{}
	_, body = build(t, channel(KindWebhook, "en"), ev2)
	decodeStrict(t, body, &p)
	if p.At != "2026-05-01T12:00:30Z" {
		t.Errorf("at for a zero time = %s, want now", p.At)
	}
}

// slackShape is Block Kit as the dashboard uses it.
type slackShape struct {
	Text   string `json:"text"`
	Blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			Verbatim bool   `json:"verbatim"`
		} `json:"text"`
		Elements []json.RawMessage `json:"elements"`
	} `json:"blocks"`
}

func TestSlackBody(t *testing.T) {
	for _, lang := range langs {
		w := failedWords[lang]
		ev := failedEvent()
		req, body := build(t, channel(KindSlack, lang), ev)
		var s slackShape
		decodeStrict(t, body, &s)
		slackSentence := strings.NewReplacer("orders-sync", "`orders-sync`", "ERR source unreachable", "`ERR source unreachable`").Replace(w.sentence)
		sameJSON(t, "slack "+lang, body, obj{
			"text": w.sentence,
			"blocks": arr{
				obj{"type": "section", "text": obj{"type": "mrkdwn", "verbatim": true,
					"text": "*" + w.title + "*\n" + slackSentence}},
				obj{"type": "context", "elements": arr{obj{"type": "mrkdwn", "verbatim": true,
					"text": w.target + "`Beijing 4 / prod`  ·  " + w.taskID + "`6f1c9a2e-task`  ·  " + w.time +
						"<!date^1777636800^{date_num} {time_secs}|2026-05-01 12:00:00 UTC>"}}},
				obj{"type": "actions", "elements": arr{obj{"type": "button",
					"text": obj{"type": "plain_text", "text": w.open}, "url": ev.Link}}},
			},
		})
		if req.Header.Get(SignatureHeader) != "" || req.Header.Get(EventIDHeader) != "" {
			t.Error("slack gets the webhook's headers")
		}
	}
	// Without a link there is no button; a stop's who and why are in the section.
	ev := failedEvent()
	ev.Kind, ev.Link, ev.StoppedBy, ev.StopReason, ev.Detail, ev.NewStatus = EventStopUnfinished, "", "alice@example.com", "cut-over window", "10m", "TERMINATING"
	_, body := build(t, channel(KindSlack, "en"), ev)
	var s slackShape
	decodeStrict(t, body, &s)
	if len(s.Blocks) != 2 || s.Blocks[0].Type != "section" || s.Blocks[1].Type != "context" {
		t.Fatalf("blocks without a link: %s", body)
	}
	want := "*DCS migration: stop not finished*\nThe stop of migration task “`orders-sync`” has not finished after `10m`; its status is Stopping.\n" +
		"Stop requested by: `alice@example.com`\nReason given: `cut-over window`"
	if s.Blocks[0].Text.Text != want {
		t.Errorf("stop section:\n got %q\nwant %q", s.Blocks[0].Text.Text, want)
	}
}

// feishuShape is a Feishu post.
type feishuShape struct {
	Timestamp string `json:"timestamp"`
	Sign      string `json:"sign"`
	MsgType   string `json:"msg_type"`
	Content   struct {
		Post map[string]struct {
			Title   string `json:"title"`
			Content [][]struct {
				Tag  string `json:"tag"`
				Text string `json:"text"`
				Href string `json:"href"`
			} `json:"content"`
		} `json:"post"`
	} `json:"content"`
}

func TestFeishuBody(t *testing.T) {
	for _, lang := range langs {
		w := failedWords[lang]
		ev := failedEvent()
		_, body := build(t, channel(KindFeishu, lang), ev)
		var f feishuShape
		decodeStrict(t, body, &f)
		sameJSON(t, "feishu "+lang, body, obj{
			"msg_type": "post",
			"content": obj{"post": obj{w.feishuKey: obj{
				"title": w.title,
				"content": arr{
					arr{obj{"tag": "text", "text": w.sentence}, obj{"tag": "text", "text": " "}, obj{"tag": "a", "text": w.open, "href": ev.Link}},
					arr{obj{"tag": "text", "text": w.target + "Beijing 4 / prod"}},
					arr{obj{"tag": "text", "text": w.taskID + "6f1c9a2e-task"}},
					arr{obj{"tag": "text", "text": w.time + "2026-05-01 12:00:00 UTC"}},
				},
			}}},
		})
	}
}

type dingtalkShape struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	} `json:"markdown"`
}

func TestDingTalkBody(t *testing.T) {
	for _, lang := range langs {
		w := failedWords[lang]
		ev := failedEvent()
		req, body := build(t, channel(KindDingTalk, lang), ev)
		var d dingtalkShape
		decodeStrict(t, body, &d)
		sameJSON(t, "dingtalk "+lang, body, obj{"msgtype": "markdown", "markdown": obj{
			"title": w.title,
			"text": "#### " + w.title + "\n\n" + w.sentence + "\n\n" +
				"- " + w.target + "Beijing 4 / prod\n- " + w.taskID + "6f1c9a2e-task\n- " + w.time + "2026-05-01 12:00:00 UTC\n\n" +
				"[" + w.open + "](" + ev.Link + ")\n",
		}})
		if req.URL.String() != channel(KindDingTalk, lang).URL {
			t.Errorf("unsigned DingTalk URL changed: %s", req.URL)
		}
	}
}

type wecomShape struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Content string `json:"content"`
	} `json:"markdown"`
}

func TestWeComBody(t *testing.T) {
	for _, lang := range langs {
		w := failedWords[lang]
		ev := failedEvent()
		_, body := build(t, channel(KindWeCom, lang), ev)
		var m wecomShape
		decodeStrict(t, body, &m)
		sameJSON(t, "wecom "+lang, body, obj{"msgtype": "markdown", "markdown": obj{
			"content": "**" + w.title + "**\n" + w.sentence + "\n" +
				"> " + w.target + "Beijing 4 / prod\n> " + w.taskID + "6f1c9a2e-task\n> " + w.time + "2026-05-01 12:00:00 UTC\n" +
				"[" + w.open + "](" + ev.Link + ")",
		}})
	}
}

// TestHostileNames: task names and error messages that are markup in some
// format stay text in every format: no link, tag, mention or formatting
// can come from them.
func TestHostileNames(t *testing.T) {
	// The escaped forms, written out by hand.
	escaped := map[string]struct{ slack, md string }{
		hostile[0]: {"`&lt;script&gt;alert(1)&lt;/script&gt;`", `&lt;script&gt;alert\(1\)&lt;/script&gt;`},
		hostile[1]: {"`*bold*`", `\*bold\*`},
		hostile[2]: {"`[x](http://evil)`", `\[x\]\(http://evil\)`},
		hostile[3]: {"`&lt;http://evil|x&gt;`", `&lt;http://evil|x&gt;`},
		hostile[4]: {"`_it_ ~st~ ˋcodeˋ &lt;!channel&gt; &lt;@U123&gt; &amp;amp; \\*`",
			"\\_it\\_ \\~st\\~ \\`code\\` &lt;!channel&gt; &lt;@U123&gt; &amp;amp; \\\\\\*"},
	}
	dateToken := regexp.MustCompile(`<!date\^\d+\^\{date_num\} \{time_secs\}\|[0-9: -]+UTC>`)
	codeSpan := regexp.MustCompile("`[^`]*`")
	for _, name := range hostile {
		for _, lang := range langs {
			ev := failedEvent()
			ev.TaskName, ev.ErrorMessage = name, name
			en := failedWords[lang]
			sentence := strings.NewReplacer("orders-sync", name, "ERR source unreachable", name).Replace(en.sentence)

			_, body := build(t, channel(KindWebhook, lang), ev)
			var p WebhookPayload
			decodeStrict(t, body, &p)
			if p.TaskName != name || p.ErrorMessage != name || p.Text != sentence {
				t.Errorf("webhook %q: task_name %q error_message %q text %q", name, p.TaskName, p.ErrorMessage, p.Text)
			}

			_, body = build(t, channel(KindSlack, lang), ev)
			var s slackShape
			decodeStrict(t, body, &s)
			want := strings.NewReplacer("orders-sync", escaped[name].slack, "ERR source unreachable", escaped[name].slack).Replace(en.sentence)
			if got := s.Blocks[0].Text.Text; got != "*"+en.title+"*\n"+want {
				t.Errorf("slack %q section:\n got %q\nwant %q", name, got, "*"+en.title+"*\n"+want)
			}
			// Outside code spans (and the date token) the mrkdwn has no
			// control or formatting characters at all.
			for _, text := range []string{s.Blocks[0].Text.Text, string(s.Blocks[1].Elements[0])} {
				rest := codeSpan.ReplaceAllString(dateToken.ReplaceAllString(text, ""), "")
				rest = strings.Replace(rest, "*"+en.title+"*", "", 1)
				if strings.ContainsAny(rest, "<>*_~`") || strings.Contains(rest, "evil") {
					t.Errorf("slack %q: markup outside code spans: %q", name, rest)
				}
			}
			if strings.ContainsAny(s.Text, "<>") {
				t.Errorf("slack %q: fallback text has < or >: %q", name, s.Text)
			}

			_, body = build(t, channel(KindFeishu, lang), ev)
			var f feishuShape
			decodeStrict(t, body, &f)
			post := f.Content.Post[en.feishuKey]
			if post.Content[0][0].Text != sentence {
				t.Errorf("feishu %q: text %q, want %q", name, post.Content[0][0].Text, sentence)
			}
			for _, para := range post.Content {
				for _, el := range para {
					if el.Tag != "text" && (el.Tag != "a" || el.Href != ev.Link) {
						t.Errorf("feishu %q: element %+v", name, el)
					}
				}
			}

			_, body = build(t, channel(KindDingTalk, lang), ev)
			var d dingtalkShape
			decodeStrict(t, body, &d)
			_, body = build(t, channel(KindWeCom, lang), ev)
			var wc wecomShape
			decodeStrict(t, body, &wc)
			wantMD := strings.NewReplacer("orders-sync", escaped[name].md, "ERR source unreachable", escaped[name].md).Replace(en.sentence)
			for kind, text := range map[string]string{KindDingTalk: d.Markdown.Text, KindWeCom: wc.Markdown.Content} {
				lines := strings.Split(text, "\n")
				i := 1 // the sentence's line: after the title (and DingTalk's blank line)
				if kind == KindDingTalk {
					i = 2
				}
				if lines[i] != wantMD {
					t.Errorf("%s %q sentence:\n got %q\nwant %q", kind, name, lines[i], wantMD)
				}
				// The sentence's own words have parentheses, in English.
				if msg := unescapedMarkup(strings.Replace(lines[i], " (was Full migration)", "", 1)); msg != "" {
					t.Errorf("%s %q: %s in %q", kind, name, msg, lines[i])
				}
				if strings.Contains(text, "<") || strings.Count(text, "](") != 1 {
					t.Errorf("%s %q: a tag or a second link in %q", kind, name, text)
				}
			}
		}
	}
}

// unescapedMarkup is what in s would be markdown markup: a formatting or
// link character without a backslash, or a < that could open a tag.
func unescapedMarkup(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // the escaped character
		case '*', '_', '`', '~', '[', ']', '(', ')':
			return "unescaped " + string(s[i])
		case '<', '>':
			return "a raw " + string(s[i])
		}
	}
	return ""
}

// TestLineBreaksInData: data cannot start a line, so it cannot make a
// heading, a quote or a list item.
func TestLineBreaksInData(t *testing.T) {
	ev := failedEvent()
	ev.TaskName = "x\n# Heading\r\n> quote\n- item\t\u202eevil"
	ev.ErrorMessage = "line one\n\nline two"
	for _, kind := range []string{KindDingTalk, KindWeCom, KindSlack} {
		_, body := build(t, channel(kind, "en"), ev)
		var v any
		_ = json.Unmarshal(body, &v)
		b, _ := json.Marshal(v)
		for _, bad := range []string{`\n# Heading`, `\n\u003e quote`, `\n> quote`, `\n- item`, `\n\nline two`, "\u202e", `\u202e`} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s: %q in %s", kind, bad, body)
			}
		}
	}
	if got := clean("  a\nb\tc\x00d\u202ee  ", 100); got != "a b cde" {
		t.Errorf("clean = %q", got)
	}
	if got := clean(strings.Repeat("é", 200), 10); got != strings.Repeat("é", 9)+"…" {
		t.Errorf("clean cut = %q", got)
	}
}

// TestEveryKind: every kind of event reads as a sentence in both
// languages, with no placeholder or id left.
func TestEveryKind(t *testing.T) {
	want := map[string]map[string]string{
		"en": {
			"finished/SUCCESS":    "Migration task “orders-sync” succeeded (was Incremental migration).",
			"finished/TERMINATED": "Migration task “orders-sync” stopped (was Incremental migration).",
			"finished/RELEASED":   "Migration task “orders-sync” was released (was Incremental migration).",
			"finished/ODD":        "Migration task “orders-sync” finished as ODD (was Incremental migration).",
			"failed/":             "Migration task “orders-sync” failed (was Incremental migration): ERR x",
			"stuck/":              "Migration task “orders-sync” is stuck: its full sync has made no progress for 30m.",
			"lagging/":            "Migration task “orders-sync” is lagging: replication lag has stayed above the threshold for over a minute (now 45s).",
			"stop_unfinished/":    "The stop of migration task “orders-sync” has not finished after 30m; its status is Incremental migration.",
			"test/":               "Test message for the channel “ops-webhook” from the DCS migration dashboard: if you can read this, notifications reach it.",
		},
		"zh-CN": {
			"finished/SUCCESS":    "迁移任务“orders-sync”已成功（此前为增量迁移中）。",
			"finished/TERMINATED": "迁移任务“orders-sync”已结束（此前为增量迁移中）。",
			"finished/RELEASED":   "迁移任务“orders-sync”已释放（此前为增量迁移中）。",
			"finished/ODD":        "迁移任务“orders-sync”已结束，状态为ODD（此前为增量迁移中）。",
			"failed/":             "迁移任务“orders-sync”失败（此前为增量迁移中）：ERR x",
			"stuck/":              "迁移任务“orders-sync”停滞：全量同步已有 30m 没有进展。",
			"lagging/":            "迁移任务“orders-sync”同步延迟过高：复制延迟超过阈值已逾一分钟（当前 45s）。",
			"stop_unfinished/":    "迁移任务“orders-sync”的停止在 30m 后仍未完成，当前状态为增量迁移中。",
			"test/":               "这是 DCS 迁移看板发给通知渠道“ops-webhook”的测试消息：能看到这条消息，说明通知可以送达这里。",
		},
	}
	for _, lang := range langs {
		for key, sentence := range want[lang] {
			kind, status, _ := strings.Cut(key, "/")
			ev := Event{ID: "e", Kind: kind, Target: "t", TaskID: "id", TaskName: "orders-sync", OldStatus: "INCRMIGRATING",
				NewStatus: status, ErrorMessage: "ERR x", Detail: "30m", At: at}
			switch kind {
			case EventLagging:
				ev.Detail = "45s"
			case EventStopUnfinished:
				ev.NewStatus = "INCRMIGEATING" // the API's misspelling has the same name
			}
			_, body := build(t, channel(KindWebhook, lang), ev)
			var p WebhookPayload
			decodeStrict(t, body, &p)
			if p.Text != sentence {
				t.Errorf("%s %s:\n got %q\nwant %q", lang, key, p.Text, sentence)
			}
			for _, kindOfChannel := range ChannelKinds() {
				_, body := build(t, channel(kindOfChannel, lang), ev)
				if s := string(body); strings.Contains(s, "notify.") || strings.Contains(s, "{{") || strings.Contains(s, "<no value>") {
					t.Errorf("%s %s %s: a placeholder or id left: %s", kindOfChannel, lang, key, s)
				}
			}
		}
	}
	// Without an old status or an error, the sentence has no gap.
	ev := Event{Kind: EventFailed, TaskID: "only-an-id", At: at}
	_, body := build(t, channel(KindWebhook, "en"), ev)
	var p WebhookPayload
	decodeStrict(t, body, &p)
	if p.Text != "Migration task “only-an-id” failed." {
		t.Errorf("bare failed: %q", p.Text)
	}
	if _, err := channel(KindWebhook, "en").Request(t.Context(), Event{Kind: "exploded"}, now); err == nil {
		t.Error("an unknown event kind makes a request")
	}
}

// TestStatusNames: the console's names in both languages; a status the
// dashboard has no name for shows raw.
func TestStatusNames(t *testing.T) {
	names := map[string][2]string{
		"SUCCESS":          {"Succeeded", "成功"},
		"FAILED":           {"Failed", "失败"},
		"MIGRATING":        {"Migrating", "迁移中"},
		"TERMINATED":       {"Stopped", "已结束"},
		"TERMINATING":      {"Stopping", "停止中"},
		"INCRMIGRATING":    {"Incremental migration", "增量迁移中"},
		"FULLMIGRATING":    {"Full migration", "全量迁移中"},
		"RUNNING":          {"Waiting for configuration", "待配置"},
		"MIGRATION_FAILED": {"Migration failed", "迁移失败"},
		"RELEASED":         {"Released", "已释放"},
		"NEW_STATUS_2030":  {"NEW_STATUS_2030", "NEW_STATUS_2030"},
		"":                 {"", ""},
	}
	for raw, want := range names {
		for i, lang := range langs {
			p, err := printer(lang)
			if err != nil {
				t.Fatal(err)
			}
			if got := statusText(p, raw, plainText, 64); got != want[i] {
				t.Errorf("%s %q = %q, want %q", lang, raw, got, want[i])
			}
		}
	}
	p, _ := printer("en")
	if got := statusText(p, "ODD_*_", markdown, 64); got != `ODD\_\*\_` {
		t.Errorf("an unknown status is data and escaped: %q", got)
	}
}

// TestLongData: a very long error message is cut so each message fits its
// receiver, and WeCom's 4096 bytes hold even the worst case.
func TestLongData(t *testing.T) {
	ev := failedEvent()
	ev.ErrorMessage = strings.Repeat("<&>", 5000)
	ev.TaskName = strings.Repeat("名", 1000)
	ev.StopReason = strings.Repeat("&", 1000)
	ev.StoppedBy = strings.Repeat("<", 1000)
	ev.TargetLabel = strings.Repeat("_", 1000)
	for _, lang := range langs {
		_, body := build(t, channel(KindWeCom, lang), ev)
		var m wecomShape
		decodeStrict(t, body, &m)
		if n := len(m.Markdown.Content); n > 4096 {
			t.Errorf("wecom %s: %d bytes", lang, n)
		}
		_, body = build(t, channel(KindSlack, lang), ev)
		var s slackShape
		decodeStrict(t, body, &s)
		if n := len([]rune(s.Blocks[0].Text.Text)); n > 3000 {
			t.Errorf("slack %s: section of %d characters", lang, n)
		}
		_, body = build(t, channel(KindFeishu, lang), ev)
		if len(body) > 20000 {
			t.Errorf("feishu %s: %d bytes", lang, len(body))
		}
		// The webhook's data fields are whole; only its text is cut.
		_, body = build(t, channel(KindWebhook, lang), ev)
		var p WebhookPayload
		decodeStrict(t, body, &p)
		if p.ErrorMessage != ev.ErrorMessage || !strings.Contains(p.Text, "…") {
			t.Errorf("webhook %s: error_message cut or text whole", lang)
		}
	}
}
