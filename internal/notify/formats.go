package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WebhookPayload is the body of a generic webhook: the event as data, plus
// its sentence in the channel's language. Receivers written in Go can
// decode it with this type.
type WebhookPayload struct {
	Event        string `json:"event"` // the kind: finished, failed, stuck, lagging, stop_unfinished, test
	ID           string `json:"id"`    // the same on every retry of one event: de-duplicate on it
	Target       string `json:"target"`
	TargetLabel  string `json:"target_label"`
	TaskID       string `json:"task_id"`
	TaskName     string `json:"task_name"`
	OldStatus    string `json:"old_status"` // raw DCS statuses, "" when not applicable
	NewStatus    string `json:"new_status"`
	ErrorMessage string `json:"error_message"`
	Link         string `json:"link"`
	StoppedBy    string `json:"stopped_by"`
	StopReason   string `json:"stop_reason"`
	Detail       string `json:"detail"`
	At           string `json:"at"`   // RFC 3339, UTC
	Lang         string `json:"lang"` // the language of text
	Text         string `json:"text"` // the human sentence
}

// Receivers' limits that a message must fit (the formats' data is bounded
// by limits; these catch what escaping adds).
const (
	slackTextMax  = 3000  // characters in one Block Kit text object
	wecomMax      = 4096  // bytes of WeCom markdown content
	dingtalkMax   = 18000 // bytes of DingTalk markdown text (its limit is 20000)
	feishuBodyMax = 19000 // bytes of a Feishu request body (its limit is 20 KB)
)

// body is the request body for ev. For Feishu with a secret, it carries
// the signature made at now.
func (c Channel) body(ev Event, now time.Time) ([]byte, error) {
	if c.Kind == KindWebhook {
		return c.webhookBody(ev, now)
	}
	lim := fullLimits
	for range 4 {
		b, fits, err := c.chatBody(ev, now, lim)
		if err != nil || fits {
			return b, err
		}
		lim = lim.shrink()
	}
	// Shrunk four times, the data is at most an eighth of its usual
	// length: the format's own words cannot be this long.
	return nil, fmt.Errorf("notify: channel %q: the message does not fit %s's limits", c.Name, c.Kind)
}

func (c Channel) chatBody(ev Event, now time.Time, lim limits) ([]byte, bool, error) {
	switch c.Kind {
	case KindSlack:
		return c.slackBody(ev, now, lim)
	case KindFeishu:
		return c.feishuBody(ev, now, lim)
	case KindDingTalk:
		return c.dingtalkBody(ev, now, lim)
	case KindWeCom:
		return c.wecomBody(ev, now, lim)
	}
	return nil, false, fmt.Errorf("notify: channel %q: kind %q: use one of %s", c.Name, c.Kind, strings.Join(ChannelKinds(), ", "))
}

// encode is v as JSON, with <, > and & left as they are (the bodies are
// read by bots, not put in web pages) and no trailing newline.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (c Channel) webhookBody(ev Event, now time.Time) ([]byte, error) {
	m, err := compose(c, ev, now, plainText, fullLimits)
	if err != nil {
		return nil, err
	}
	return encode(WebhookPayload{
		Event: ev.Kind, ID: ev.ID, Target: ev.Target, TargetLabel: ev.TargetLabel,
		TaskID: ev.TaskID, TaskName: ev.TaskName, OldStatus: ev.OldStatus, NewStatus: ev.NewStatus,
		ErrorMessage: ev.ErrorMessage, Link: ev.Link, StoppedBy: ev.StoppedBy, StopReason: ev.StopReason,
		Detail: ev.Detail, At: m.at.UTC().Format(time.RFC3339), Lang: c.Lang, Text: m.text,
	})
}

// Slack: Block Kit, as incoming webhooks take it.

type slackText struct {
	Type     string `json:"type"` // "mrkdwn" or "plain_text"
	Text     string `json:"text"`
	Verbatim bool   `json:"verbatim,omitempty"`
}

type slackBlock struct {
	Type     string     `json:"type"` // "section", "context", "actions"
	Text     *slackText `json:"text,omitempty"`
	Elements []any      `json:"elements,omitempty"` // slackText in a context, slackButton in actions
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

func (c Channel) slackBody(ev Event, now time.Time, lim limits) ([]byte, bool, error) {
	m, err := compose(c, ev, now, slackCode, lim)
	if err != nil {
		return nil, false, err
	}
	fallback, err := compose(c, ev, now, slackFallback, lim)
	if err != nil {
		return nil, false, err
	}
	// The section: the title in bold, the sentence, then who stopped the
	// task and why, when it is a stop.
	lines := []string{"*" + slackEntities.Replace(m.title) + "*", m.text}
	var context []string
	for _, f := range m.facts {
		if f.stop {
			lines = append(lines, m.line(f))
		} else {
			context = append(context, m.line(f))
		}
	}
	// The time as Slack's date token, which each reader sees in their own
	// time zone; the fallback (UTC) shows where it cannot be rendered.
	context = append(context, m.timeLine(fmt.Sprintf("<!date^%d^{date_num} {time_secs}|%s>", m.at.Unix(), m.timeText())))
	section := strings.Join(lines, "\n")
	contextText := strings.Join(context, "  ·  ")
	msg := slackMessage{
		Text: fallback.text,
		Blocks: []slackBlock{
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: section, Verbatim: true}},
			{Type: "context", Elements: []any{slackText{Type: "mrkdwn", Text: contextText, Verbatim: true}}},
		},
	}
	if m.link != "" {
		msg.Blocks = append(msg.Blocks, slackBlock{Type: "actions", Elements: []any{slackButton{
			Type: "button", Text: slackText{Type: "plain_text", Text: m.p.T("notify.open_task")}, URL: m.link,
		}}})
	}
	fits := utf8.RuneCountInString(section) <= slackTextMax && utf8.RuneCountInString(contextText) <= slackTextMax
	b, err := encode(msg)
	return b, fits, err
}

type slackButton struct {
	Type string    `json:"type"` // "button"
	Text slackText `json:"text"` // plain_text
	URL  string    `json:"url"`
}

// Feishu (Lark): a rich-text "post" in the channel's language.

type feishuMessage struct {
	Timestamp string        `json:"timestamp,omitempty"` // unix seconds, when signed
	Sign      string        `json:"sign,omitempty"`
	MsgType   string        `json:"msg_type"` // "post"
	Content   feishuContent `json:"content"`
}

type feishuContent struct {
	Post map[string]feishuPost `json:"post"` // "zh_cn" or "en_us"
}

type feishuPost struct {
	Title   string            `json:"title"`
	Content [][]feishuElement `json:"content"` // paragraphs of elements
}

type feishuElement struct {
	Tag  string `json:"tag"` // "text" or "a"
	Text string `json:"text"`
	Href string `json:"href,omitempty"`
}

// feishuLocale is the post's language key for lang.
func feishuLocale(lang string) string {
	if lang == "zh-CN" {
		return "zh_cn"
	}
	return "en_us"
}

func (c Channel) feishuBody(ev Event, now time.Time, lim limits) ([]byte, bool, error) {
	m, err := compose(c, ev, now, plainText, lim)
	if err != nil {
		return nil, false, err
	}
	first := []feishuElement{{Tag: "text", Text: m.text}}
	if m.link != "" {
		first = append(first, feishuElement{Tag: "text", Text: " "}, feishuElement{Tag: "a", Text: m.p.T("notify.open_task"), Href: m.link})
	}
	paragraphs := [][]feishuElement{first}
	for _, f := range m.facts {
		paragraphs = append(paragraphs, []feishuElement{{Tag: "text", Text: m.line(f)}})
	}
	paragraphs = append(paragraphs, []feishuElement{{Tag: "text", Text: m.timeLine(m.timeText())}})
	msg := feishuMessage{
		MsgType: "post",
		Content: feishuContent{Post: map[string]feishuPost{feishuLocale(c.Lang): {Title: m.title, Content: paragraphs}}},
	}
	if c.Secret != "" {
		ts := now.Unix()
		msg.Timestamp = strconv.FormatInt(ts, 10)
		msg.Sign = FeishuSign(c.Secret, ts)
	}
	b, err := encode(msg)
	return b, len(b) <= feishuBodyMax, err
}

// DingTalk: markdown. Its signature goes in the URL (see Request).

type dingtalkMessage struct {
	MsgType  string           `json:"msgtype"` // "markdown"
	Markdown dingtalkMarkdown `json:"markdown"`
}

type dingtalkMarkdown struct {
	Title string `json:"title"` // what the chat list shows
	Text  string `json:"text"`
}

func (c Channel) dingtalkBody(ev Event, now time.Time, lim limits) ([]byte, bool, error) {
	m, err := compose(c, ev, now, markdown, lim)
	if err != nil {
		return nil, false, err
	}
	var b strings.Builder
	b.WriteString("#### " + markdown(m.title) + "\n\n" + m.text + "\n\n")
	for _, f := range m.facts {
		b.WriteString("- " + m.line(f) + "\n")
	}
	b.WriteString("- " + m.timeLine(m.timeText()) + "\n")
	if m.link != "" {
		b.WriteString("\n[" + markdown(m.p.T("notify.open_task")) + "](" + m.link + ")\n")
	}
	text := b.String()
	out, err := encode(dingtalkMessage{MsgType: "markdown", Markdown: dingtalkMarkdown{Title: m.title, Text: text}})
	return out, len(text) <= dingtalkMax, err
}

// WeCom: its markdown subset.

type wecomMessage struct {
	MsgType  string        `json:"msgtype"` // "markdown"
	Markdown wecomMarkdown `json:"markdown"`
}

type wecomMarkdown struct {
	Content string `json:"content"`
}

func (c Channel) wecomBody(ev Event, now time.Time, lim limits) ([]byte, bool, error) {
	m, err := compose(c, ev, now, markdown, lim)
	if err != nil {
		return nil, false, err
	}
	var b strings.Builder
	b.WriteString("**" + markdown(m.title) + "**\n" + m.text + "\n")
	for _, f := range m.facts {
		b.WriteString("> " + m.line(f) + "\n")
	}
	b.WriteString("> " + m.timeLine(m.timeText()) + "\n")
	if m.link != "" {
		b.WriteString("[" + markdown(m.p.T("notify.open_task")) + "](" + m.link + ")")
	}
	content := strings.TrimSuffix(b.String(), "\n")
	out, err := encode(wecomMessage{MsgType: "markdown", Markdown: wecomMarkdown{Content: content}})
	return out, len(content) <= wecomMax, err
}
