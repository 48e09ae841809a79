package notify

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
)

// catalog is loaded once, on the first message.
var catalog = sync.OnceValues(func() (*i18n.Catalog, error) { return i18n.Load(i18n.English) })

// printer is lang's words.
func printer(lang string) (*i18n.Printer, error) {
	c, err := catalog()
	if err != nil {
		return nil, fmt.Errorf("notify: the message catalogs: %w", err)
	}
	return c.Printer(lang), nil
}

// message is what a person reads, before it is laid out in one format.
// Its words are the catalog's; the data in text and facts (task name,
// error message, statuses the dashboard has no name for, target label,
// who stopped and why) has been cleaned (see clean) and escaped for the
// format by the escaper compose was given. title and the labels hold no
// data.
type message struct {
	p     *i18n.Printer
	title string
	text  string
	facts []fact // target, task id, and for stops who and why; not the time
	at    time.Time
	link  string // an absolute http(s) URL, or ""
}

type fact struct {
	label, value string
	stop         bool // who stopped the task, or why
}

// line is a fact as the language writes it: "Target: prod", "目标：prod".
func (m message) line(f fact) string {
	return m.p.T("notify.fact", "Label", f.label, "Value", f.value)
}

// timeText is the event's time, in UTC: the channel's readers may be
// anywhere. timeLine is the fact that shows it, as text (the format's own
// markup, for Slack's date token).
func (m message) timeText() string { return m.at.UTC().Format("2006-01-02 15:04:05 UTC") }
func (m message) timeLine(text string) string {
	return m.line(fact{label: m.p.T("notify.fact.time"), value: text})
}

// limits bound each piece of data in a message, in characters, so that a
// message fits its receiver's limits (WeCom's 4096 bytes is the tightest)
// however long an error message is. shrink halves them all, for a format
// whose message still does not fit.
type limits struct{ name, errorMessage, reason, who, label, detail, status, id, channel int }

var fullLimits = limits{name: 128, errorMessage: 500, reason: 300, who: 100, label: 100, detail: 64, status: 64, id: 128, channel: 100}

func (l limits) shrink() limits {
	h := func(n int) int { return max(n/2, 8) }
	return limits{h(l.name), h(l.errorMessage), h(l.reason), h(l.who), h(l.label), h(l.detail), h(l.status), h(l.id), h(l.channel)}
}

// compose is ev's message for c, its data escaped by esc.
func compose(c Channel, ev Event, now time.Time, esc func(string) string, lim limits) (message, error) {
	p, err := printer(c.Lang)
	if err != nil {
		return message{}, err
	}
	data := func(s string, n int) string { return esc(clean(s, n)) }
	m := message{p: p, at: ev.At, link: safeLink(ev.Link)}
	if m.at.IsZero() {
		m.at = now
	}
	name := ev.TaskName
	if strings.TrimSpace(name) == "" {
		name = ev.TaskID
	}
	nameText := data(name, lim.name)
	old := statusText(p, ev.OldStatus, esc, lim.status)
	switch ev.Kind {
	case EventFinished:
		m.title = p.T("notify.title.finished")
		switch dcs.Status(ev.NewStatus) {
		case dcs.StatusSuccess:
			m.text = p.T("notify.finished.success", "Name", nameText, "Old", old)
		case dcs.StatusTerminated:
			m.text = p.T("notify.finished.stopped", "Name", nameText, "Old", old)
		case dcs.StatusReleased:
			m.text = p.T("notify.finished.released", "Name", nameText, "Old", old)
		default:
			m.text = p.T("notify.finished.other", "Name", nameText, "Old", old,
				"Status", statusText(p, ev.NewStatus, esc, lim.status))
		}
	case EventFailed:
		m.title = p.T("notify.title.failed")
		m.text = p.T("notify.failed", "Name", nameText, "Old", old, "Error", data(ev.ErrorMessage, lim.errorMessage))
	case EventStuck:
		m.title = p.T("notify.title.stuck")
		m.text = p.T("notify.stuck", "Name", nameText, "Detail", data(ev.Detail, lim.detail))
	case EventLagging:
		m.title = p.T("notify.title.lagging")
		m.text = p.T("notify.lagging", "Name", nameText, "Detail", data(ev.Detail, lim.detail))
	case EventStopUnfinished:
		m.title = p.T("notify.title.stop_unfinished")
		m.text = p.T("notify.stop_unfinished", "Name", nameText, "Detail", data(ev.Detail, lim.detail),
			"Status", statusText(p, ev.NewStatus, esc, lim.status))
	case EventTest:
		m.title = p.T("notify.title.test")
		m.text = p.T("notify.test", "Channel", data(c.Name, lim.channel))
	default:
		return message{}, fmt.Errorf("notify: event kind %q: use one of %s", ev.Kind, strings.Join(EventKinds(), ", "))
	}
	label := ev.TargetLabel
	if strings.TrimSpace(label) == "" {
		label = ev.Target
	}
	if v := data(label, lim.label); v != "" {
		m.facts = append(m.facts, fact{label: p.T("notify.fact.target"), value: v})
	}
	if v := data(ev.TaskID, lim.id); v != "" && ev.Kind != EventTest {
		m.facts = append(m.facts, fact{label: p.T("notify.fact.task_id"), value: v})
	}
	if v := data(ev.StoppedBy, lim.who); v != "" {
		m.facts = append(m.facts, fact{label: p.T("notify.fact.stopped_by"), value: v, stop: true})
	}
	if v := data(ev.StopReason, lim.reason); v != "" {
		m.facts = append(m.facts, fact{label: p.T("notify.fact.stop_reason"), value: v, stop: true})
	}
	return m, nil
}

// statusText is a status as the DCS console names it in p's language, or
// the raw status (data, so escaped) if the dashboard has no name for it.
func statusText(p *i18n.Printer, raw string, esc func(string) string, n int) string {
	if raw == "" {
		return ""
	}
	if id, ok := i18n.StatusID(dcs.Status(raw)); ok {
		return p.T(id)
	}
	return esc(clean(raw, n))
}

// clean makes data fit one line of a message: line breaks and tabs become
// spaces (a line break would let data start a markdown heading, list or
// quote), other control characters and the invisible characters that
// reorder text (bidi overrides) go, the ends are trimmed, and anything
// longer than n characters is cut, with "…".
func clean(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError, unicode.IsControl(r), bidi(r):
		default:
			b.WriteRune(r)
		}
	}
	out := strings.TrimSpace(b.String())
	if utf8.RuneCountInString(out) > n {
		r := []rune(out)
		out = strings.TrimSpace(string(r[:max(n-1, 1)])) + "…"
	}
	return out
}

// bidi reports the characters that change the direction text is shown in.
func bidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}
