package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
)

// fakeNotifications is the watcher and its store as the page sees them.
type fakeNotifications struct {
	mu         sync.Mutex
	channels   []notify.Channel
	deliveries []store.Delivery
	readErr    error
	sendErr    error
	sent       []string // the channels SendTest was asked for
}

func (f *fakeNotifications) Channels() []notify.Channel {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notify.Channel(nil), f.channels...)
}

func (f *fakeNotifications) RecentDeliveries(_ context.Context, limit int) ([]store.Delivery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readErr != nil {
		return nil, f.readErr
	}
	return append([]store.Delivery(nil), f.deliveries[:min(limit, len(f.deliveries))]...), nil
}

func (f *fakeNotifications) SendTest(_ context.Context, channel string) (notify.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, channel)
	if f.sendErr != nil {
		return notify.Event{}, f.sendErr
	}
	return notify.Event{ID: "ev-test-1", Kind: notify.EventTest}, nil
}

func (f *fakeNotifications) sends() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// The channels' secrets: none may show on the page.
const (
	opsURL    = "https://hooks.example.com/services/T000/B000/opsSECRETpath"
	opsSecret = "whsec-ops-very-secret"
	dingURL   = "https://oapi.dingtalk.com/robot/send?access_token=dingSECRETtoken"
)

// newFakeNotifications has two channels and three deliveries, newest first:
// a pending failure of a task, a sent test message, a refused one.
func newFakeNotifications() *fakeNotifications {
	now := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	return &fakeNotifications{
		channels: []notify.Channel{
			{Name: "ops-webhook", Kind: notify.KindWebhook, URL: opsURL, Secret: opsSecret, Lang: "en"},
			{Name: "dr-dingtalk", Kind: notify.KindDingTalk, URL: dingURL, Lang: "zh-CN", Targets: []string{"sh-dr"},
				Events: []string{notify.EventFailed, notify.EventStuck}},
		},
		deliveries: []store.Delivery{
			{ID: 3, Channel: "ops-webhook", State: store.DeliveryPending, Attempts: 2, NextAt: now.Add(time.Minute),
				LastStatus: 502, LastError: "bad gateway from the receiver", CreatedAt: now,
				Event: notify.Event{ID: "e3", Kind: notify.EventFailed, Target: "default", TaskID: "task-3",
					TaskName: "orders-cache", OldStatus: "FULLMIGRATING", NewStatus: "FAILED", At: now}},
			{ID: 2, Channel: "dr-dingtalk", State: store.DeliverySent, Attempts: 1, SentAt: now.Add(-time.Minute),
				LastStatus: 200, CreatedAt: now.Add(-2 * time.Minute),
				Event: notify.Event{ID: "e2", Kind: notify.EventTest, At: now.Add(-2 * time.Minute)}},
			{ID: 1, Channel: "ops-webhook", State: store.DeliveryFailed, Attempts: 1, LastStatus: 401,
				LastError: "signature refused", CreatedAt: now.Add(-time.Hour),
				Event: notify.Event{ID: "e1", Kind: notify.EventFinished, Target: "default", TaskID: "task-1",
					TaskName: "sessions", OldStatus: "INCRMIGRATING", NewStatus: "SUCCESS", At: now.Add(-time.Hour)}},
		},
	}
}

func withNotifications(f *fakeNotifications) func(*testing.T, string, *handlers.Config) {
	return func(_ *testing.T, _ string, cfg *handlers.Config) { cfg.Notifications = f }
}

// TestNotificationsPage: an operator sees each channel (kind, language,
// filters: never its URL or secret) with a test button, and the recent
// deliveries newest first, each with its event in words, its task linked,
// the status change in words and how its delivery stands.
func TestNotificationsPage(t *testing.T) {
	f := newFakeNotifications()
	e := newEnv(t, options{edit: withNotifications(f)})
	r := e.get(routes.Notifications)
	wantStatus(t, r, http.StatusOK)
	for _, secret := range []string{opsURL, opsSecret, dingURL, "SECRET", "hooks.example.com", "access_token"} {
		if strings.Contains(r.body, secret) {
			t.Errorf("the page shows a channel's URL or secret (%q)", secret)
		}
	}
	if r.doc.Find(`nav a[href="/notifications"]`).Length() != 1 {
		t.Error("no Notifications link in the header for an operator")
	}

	chans := r.find("notify-channel")
	if chans.Length() != 2 {
		t.Fatalf("%d channels shown, want 2", chans.Length())
	}
	ops, ding := chans.Eq(0), chans.Eq(1)
	if got := ops.Find(`[data-testid="notify-channel-name"]`).Text(); got != "ops-webhook" {
		t.Errorf("first channel %q", got)
	}
	if got := strings.TrimSpace(ding.Find(`[data-testid="notify-channel-kind"]`).Text()); got != "DingTalk" {
		t.Errorf("DingTalk's kind reads %q", got)
	}
	if got := strings.TrimSpace(ding.Find(`[data-testid="notify-channel-lang"]`).Text()); got != "中文" {
		t.Errorf("DingTalk's language reads %q", got)
	}
	filters := ding.Find(`[data-testid="notify-channel-filters"]`).Text()
	if !strings.Contains(filters, "sh-dr") || !strings.Contains(filters, "failed, full sync stuck") {
		t.Errorf("DingTalk's filters read %q", filters)
	}
	if f := ops.Find(`[data-testid="notify-channel-filters"]`).Text(); !strings.Contains(f, "Targets: all") || !strings.Contains(f, "Events: all") {
		t.Errorf("the unfiltered channel's filters read %q", f)
	}
	for i, ch := range []string{"ops-webhook", "dr-dingtalk"} {
		form := chans.Eq(i).Find(`form[data-testid="notify-test-form"]`)
		if form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != routes.NotificationsTest ||
			form.AttrOr("hx-post", "") != routes.NotificationsTest || form.Find(`input[name="channel"]`).AttrOr("value", "") != ch ||
			form.Find(`input[name="_csrf"]`).AttrOr("value", "") == "" || strings.TrimSpace(form.Find("button").Text()) != "Send test message" {
			t.Errorf("%s: test form not as expected: %s", ch, clipBody(outerHTML(form)))
		}
	}

	rows := r.find("notify-delivery")
	var ids []string
	rows.Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-delivery-id", "")) })
	if strings.Join(ids, ",") != "3,2,1" {
		t.Fatalf("deliveries %v, want newest first 3,2,1", ids)
	}
	failed := rows.Eq(0)
	cell := func(row *goquery.Selection, id string) string {
		return strings.Join(strings.Fields(row.Find(`[data-testid="`+id+`"]`).Text()), " ")
	}
	if got := cell(failed, "delivery-event"); got != "failed" {
		t.Errorf("event reads %q", got)
	}
	if link := failed.Find(`[data-testid="delivery-task-link"]`); link.Text() != "orders-cache" || link.AttrOr("href", "") != routes.TaskURL("default", "task-3") {
		t.Errorf("task link %q → %q", link.Text(), link.AttrOr("href", ""))
	}
	if got := cell(failed, "delivery-status"); got != "Full migration → Failed" {
		t.Errorf("status change reads %q", got)
	}
	state := cell(failed, "delivery-state")
	if !strings.Contains(state, "pending") || !strings.Contains(state, "next attempt") || !strings.Contains(state, "HTTP 502") ||
		!strings.Contains(state, "bad gateway from the receiver") {
		t.Errorf("pending delivery's state reads %q", state)
	}
	if next := failed.Find(`[data-testid="delivery-next"] time`).AttrOr("datetime", ""); next != "2025-03-01T08:01:00Z" {
		t.Errorf("next attempt's <time datetime=%q>", next)
	}
	if got := cell(failed, "delivery-attempts"); got != "2" {
		t.Errorf("attempts %q", got)
	}
	test := rows.Eq(1)
	if cell(test, "delivery-event") != "test message" || cell(test, "delivery-task") != "—" || !strings.Contains(cell(test, "delivery-state"), "sent") {
		t.Errorf("test message row reads %q", strings.Join(strings.Fields(test.Text()), " "))
	}
	refused := rows.Eq(2)
	if s := cell(refused, "delivery-state"); !strings.Contains(s, "failed") || !strings.Contains(s, "HTTP 401") || !strings.Contains(s, "signature refused") {
		t.Errorf("failed delivery's state reads %q", s)
	}
	if got := cell(refused, "delivery-status"); got != "Incremental migration → Succeeded" {
		t.Errorf("finished status change reads %q", got)
	}
}

// TestNotificationsEmptyAndBroken: no delivery yet says so; a store that
// cannot be read is a banner that says what to do, and the channels and
// their test buttons stay; without notifications configured the page says
// so and points to the README.
func TestNotificationsEmptyAndBroken(t *testing.T) {
	f := newFakeNotifications()
	f.deliveries = nil
	e := newEnv(t, options{edit: withNotifications(f)})
	r := e.get(routes.Notifications)
	wantStatus(t, r, http.StatusOK)
	if r.find("notify-deliveries-none").Length() != 1 || r.find("notify-delivery").Length() != 0 {
		t.Errorf("an empty list does not say so:\n%s", clipBody(r.body))
	}

	f.readErr = errors.New("database is locked")
	r = e.get(routes.Notifications)
	wantStatus(t, r, http.StatusOK)
	banner := r.find("banner-error")
	if banner.Length() != 1 || !strings.Contains(banner.Text(), "Reading the deliveries failed") || !strings.Contains(banner.Text(), "/readyz") {
		t.Errorf("store failure banner: %q", banner.Text())
	}
	if strings.Contains(r.body, "database is locked") {
		t.Error("the store's error is shown on the page")
	}
	if r.find("notify-channel").Length() != 2 || r.find("notify-test").Length() != 2 {
		t.Error("the channels went with the deliveries")
	}

	off := newEnv(t, options{})
	r = off.get(routes.Notifications)
	wantStatus(t, r, http.StatusOK)
	if note := r.find("notifications-off"); note.Length() != 1 || !strings.Contains(note.Text(), "README") {
		t.Errorf("not-configured note: %q", note.Text())
	}
	if r.find("notify-test").Length() != 0 {
		t.Error("test buttons without notifications")
	}
	wantStatus(t, off.post(routes.NotificationsTest, url.Values{"_csrf": {metaToken(t, r)}, "channel": {"ops-webhook"}}), http.StatusBadRequest)
}

// TestNotificationsViewerRefused: a viewer has no link to the page, is
// refused it (403), and cannot send a test message even with the
// session's token.
func TestNotificationsViewerRefused(t *testing.T) {
	f := newFakeNotifications()
	e := newEnv(t, options{anonymous: true, edit: withNotifications(f)})
	list := e.get("/")
	if list.doc.Find(`a[href="/notifications"]`).Length() != 0 {
		t.Error("a viewer is shown the Notifications link")
	}
	r := e.get(routes.Notifications)
	wantStatus(t, r, http.StatusForbidden)
	if strings.Contains(r.body, "ops-webhook") {
		t.Error("the refusal names a channel")
	}
	wantStatus(t, e.post(routes.NotificationsTest, url.Values{"_csrf": {metaToken(t, list)}, "channel": {"ops-webhook"}}, htmx...), http.StatusForbidden)
	wantStatus(t, e.post(routes.NotificationsTest, url.Values{"_csrf": {metaToken(t, list)}, "channel": {"ops-webhook"}}), http.StatusForbidden)
	if s := f.sends(); len(s) != 0 {
		t.Errorf("a viewer sent test messages: %v", s)
	}
}

// TestNotificationsSendTest: the test button sends one test message to its
// channel and says so, with htmx in the page's alert region and without
// JavaScript as a flash on the page it returns to. An unknown channel is a
// 400 that names it; a missing token is refused; a failure to queue is an
// error banner.
func TestNotificationsSendTest(t *testing.T) {
	f := newFakeNotifications()
	e := newEnv(t, options{edit: withNotifications(f)})
	tok := metaToken(t, e.get(routes.Notifications))
	form := func(ch string) url.Values { return url.Values{"_csrf": {tok}, "channel": {ch}} }

	r := e.post(routes.NotificationsTest, form("dr-dingtalk"), htmx...)
	wantStatus(t, r, http.StatusOK)
	if got := r.text("banner-success"); !strings.Contains(got, "Test message queued for dr-dingtalk") || !strings.Contains(got, "within seconds") {
		t.Errorf("htmx answer %q", got)
	}
	if r.header.Get("HX-Retarget") != "#client-alerts" {
		t.Errorf("htmx answer retargeted to %q", r.header.Get("HX-Retarget"))
	}
	if s := f.sends(); len(s) != 1 || s[0] != "dr-dingtalk" {
		t.Fatalf("SendTest calls %v, want one for dr-dingtalk", s)
	}
	if !strings.Contains(e.logs.String(), "channel=dr-dingtalk") || !strings.Contains(e.logs.String(), "user=local") {
		t.Error("the test message is not logged with its user and channel")
	}

	r = e.post(routes.NotificationsTest, form("ops-webhook"))
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != routes.Notifications {
		t.Errorf("no-JavaScript answer goes to %q", loc)
	}
	page := e.get(routes.Notifications)
	if got := page.text("banner-success"); !strings.Contains(got, "Test message queued for ops-webhook") {
		t.Errorf("flash after the redirect: %q", got)
	}
	if s := f.sends(); len(s) != 2 || s[1] != "ops-webhook" {
		t.Fatalf("SendTest calls %v", s)
	}

	for _, h := range [][]string{nil, htmx} {
		r = e.post(routes.NotificationsTest, form("no-such-channel"), h...)
		wantStatus(t, r, http.StatusBadRequest)
		if !strings.Contains(r.body, "No such channel") || !strings.Contains(r.body, "no-such-channel") {
			t.Errorf("unknown channel answer:\n%s", clipBody(r.body))
		}
		wantStatus(t, e.post(routes.NotificationsTest, url.Values{"channel": {"ops-webhook"}}, h...), http.StatusForbidden)
		wantStatus(t, e.post(routes.NotificationsTest, url.Values{"_csrf": {"forged"}, "channel": {"ops-webhook"}}, h...), http.StatusForbidden)
	}
	if s := f.sends(); len(s) != 2 {
		t.Errorf("refused posts reached SendTest: %v", s)
	}

	f.sendErr = errors.New("database is locked")
	r = e.post(routes.NotificationsTest, form("ops-webhook"), htmx...)
	wantStatus(t, r, http.StatusServiceUnavailable)
	if got := r.text("banner-error"); !strings.Contains(got, "could not be queued") || strings.Contains(got, "database is locked") {
		t.Errorf("failure banner %q", got)
	}
	r = e.post(routes.NotificationsTest, form("ops-webhook"))
	wantStatus(t, r, http.StatusSeeOther)
	if got := e.get(routes.Notifications).text("banner-error"); !strings.Contains(got, "could not be queued") {
		t.Errorf("failure flash %q", got)
	}
}

// TestNotificationsChinese: the page, its event kinds and its answers are
// in Chinese for a Chinese browser.
func TestNotificationsChinese(t *testing.T) {
	f := newFakeNotifications()
	e := newEnv(t, options{edit: withNotifications(f)})
	r := e.get(routes.Notifications, zh...)
	wantStatus(t, r, http.StatusOK)
	for _, want := range []string{"通知", "通道", "最近投递", "发送测试消息", "失败", "测试消息", "钉钉", "全量迁移中 → 失败",
		"待发送", "下次尝试", "全量同步停滞"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the Chinese page lacks %q", want)
		}
	}
	text := r.doc.Find("main").Text()
	for _, english := range []string{"Send test message", "Recent deliveries", "pending", "test message", "Targets", "all"} {
		if strings.Contains(text, english) {
			t.Errorf("the Chinese page says %q", english)
		}
	}
	a := e.post(routes.NotificationsTest, url.Values{"_csrf": {metaToken(t, r)}, "channel": {"ops-webhook"}}, append(zh, htmx...)...)
	wantStatus(t, a, http.StatusOK)
	if got := a.text("banner-success"); !strings.Contains(got, "已为 ops-webhook 排队测试消息") {
		t.Errorf("Chinese answer %q", got)
	}
	for event, want := range map[string]string{notify.EventFinished: "已完成", notify.EventFailed: "失败", notify.EventStuck: "全量同步停滞",
		notify.EventLagging: "复制延迟过高", notify.EventStopUnfinished: "停止未完成", notify.EventTest: "测试消息"} {
		f.mu.Lock()
		f.deliveries = []store.Delivery{{ID: 9, Channel: "ops-webhook", State: store.DeliverySent, Event: notify.Event{Kind: event}}}
		f.mu.Unlock()
		if got := e.get(routes.Notifications, zh...).text("delivery-event"); got != want {
			t.Errorf("%s reads %q in Chinese, want %q", event, got, want)
		}
	}
}

func outerHTML(s *goquery.Selection) string {
	h, _ := goquery.OuterHtml(s)
	return h
}
