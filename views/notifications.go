package views

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

// NotificationsPage is the notification channels, each with a test
// button, and the recent deliveries, for operators.
type NotificationsPage struct {
	Chrome Chrome
	// Configured is false when the dashboard sends no notifications: the
	// page says so and where to read how to set them up.
	Configured bool
	Channels   []NotifyChannel
	// Deliveries are the most recent, newest first.
	Deliveries []NotifyDelivery
	// Error says why the deliveries could not be read; the channels and
	// their test buttons are shown all the same.
	Error *Banner
	// DemoReceiver links the demo's stand-in receiver (demo mode only).
	DemoReceiver bool
}

// NotifyChannel is what the page shows of a channel: never its URL or
// secret, which are not even handed to the view.
type NotifyChannel struct {
	Name string
	Kind string // notify.Kind*
	Lang string // i18n.English or i18n.Chinese
	// Targets and Events are its filters; none means everything.
	Targets []string
	Events  []string
}

// Delivery states, as the page tells them apart.
const (
	DeliverySent    = "sent"
	DeliveryPending = "pending"
	DeliveryFailed  = "failed"
)

// NotifyDelivery is one event's delivery to one channel.
type NotifyDelivery struct {
	ID      int64
	Channel string
	// At is when the event happened (when it was recorded, failing that).
	At          time.Time
	Kind        string // notify.Event*
	Target      string
	TargetLabel string
	TaskID      string
	TaskName    string
	OldStatus   string // raw API statuses, "" when not applicable
	NewStatus   string
	State       string // DeliverySent, DeliveryPending or DeliveryFailed
	Attempts    int
	NextAt      time.Time // a pending delivery's next attempt
	SentAt      time.Time // when the receiver accepted it
	LastStatus  int       // the receiver's HTTP status at the last attempt, 0 if none
	LastError   string
}

// eventWords are the catalog ids of the event kinds.
var eventWords = map[string]string{
	notify.EventFinished:       "notifications.event.finished",
	notify.EventFailed:         "notifications.event.failed",
	notify.EventStuck:          "notifications.event.stuck",
	notify.EventLagging:        "notifications.event.lagging",
	notify.EventStopUnfinished: "notifications.event.stop_unfinished",
	notify.EventTest:           "notifications.event.test",
}

// EventName is an event kind in words; a kind the dashboard does not know
// is shown as sent.
func EventName(ctx context.Context, kind string) string {
	if id, ok := eventWords[kind]; ok {
		return tr(ctx, id)
	}
	return kind
}

// channelKindWords are the catalog ids of the channel kinds.
var channelKindWords = map[string]string{
	notify.KindWebhook:  "notifications.kind.webhook",
	notify.KindSlack:    "notifications.kind.slack",
	notify.KindFeishu:   "notifications.kind.feishu",
	notify.KindDingTalk: "notifications.kind.dingtalk",
	notify.KindWeCom:    "notifications.kind.wecom",
}

// channelKindName is a channel's kind in words.
func channelKindName(ctx context.Context, kind string) string {
	if id, ok := channelKindWords[kind]; ok {
		return tr(ctx, id)
	}
	return kind
}

// channelLangName is the language of a channel's messages, named as the
// language switch names it (in itself).
func channelLangName(ctx context.Context, lang string) string {
	if id, ok := langName[lang]; ok && i18n.Supported(lang) {
		return tr(ctx, id)
	}
	return lang
}

// nonEmpty is filter without its empty entries (which let everything through).
func nonEmpty(filter []string) []string {
	var out []string
	for _, f := range filter {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// channelTargets is a channel's target filter in words.
func channelTargets(ctx context.Context, ch NotifyChannel) string {
	ts := nonEmpty(ch.Targets)
	if len(ts) == 0 {
		return tr(ctx, "notifications.filter.all_targets")
	}
	return strings.Join(ts, tr(ctx, "notifications.list_separator"))
}

// channelEvents is a channel's event filter in words.
func channelEvents(ctx context.Context, ch NotifyChannel) string {
	es := nonEmpty(ch.Events)
	if len(es) == 0 {
		return tr(ctx, "notifications.filter.all_events")
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = EventName(ctx, e)
	}
	return strings.Join(names, tr(ctx, "notifications.list_separator"))
}

// channelNameID is the id of the cell that names the i-th channel, which
// its test button refers to.
func channelNameID(i int) string { return "notify-channel-" + strconv.Itoa(i) }

// Timestamp is t as a page shows it (TimeTag): a dash for the zero time.
func Timestamp(t time.Time) dcs.Timestamp {
	if t.IsZero() {
		return dcs.Timestamp{}
	}
	return dcs.Timestamp{Raw: t.UTC().Format(time.RFC3339), Time: t}
}

// deliveryTaskURL is the page of a delivery's task, "" when the event is
// about none (a test message).
func deliveryTaskURL(d NotifyDelivery) string {
	if d.Target == "" || d.TaskID == "" {
		return ""
	}
	return routes.TaskURL(d.Target, d.TaskID)
}

// statusChange is a delivery's old and new status in words ("" when the
// event carries neither).
func statusChange(ctx context.Context, d NotifyDelivery) string {
	return statusChangeOf(ctx, d.OldStatus, d.NewStatus)
}

func statusChangeOf(ctx context.Context, old, new string) string {
	switch {
	case old == "" && new == "":
		return ""
	case old == "":
		return StatusName(ctx, dcs.Status(new))
	case new == "":
		return StatusName(ctx, dcs.Status(old))
	}
	return tr(ctx, "notifications.status_change", "Old", StatusName(ctx, dcs.Status(old)), "New", StatusName(ctx, dcs.Status(new)))
}

// deliveryStateName and deliveryTone are a delivery's state in words and
// its badge's tone.
func deliveryStateName(ctx context.Context, state string) string {
	switch state {
	case DeliverySent:
		return tr(ctx, "notifications.state.sent")
	case DeliveryPending:
		return tr(ctx, "notifications.state.pending")
	case DeliveryFailed:
		return tr(ctx, "notifications.state.failed")
	}
	return state
}

func deliveryTone(state string) string {
	switch state {
	case DeliverySent:
		return "ok"
	case DeliveryPending:
		return "waiting"
	case DeliveryFailed:
		return "failed"
	}
	return "unknown"
}

// deliveriesSummary says how many deliveries are shown.
func deliveriesSummary(ctx context.Context, p NotificationsPage) string {
	return trn(ctx, "notifications.deliveries.count", len(p.Deliveries))
}
