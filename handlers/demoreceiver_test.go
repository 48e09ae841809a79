package handlers_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/handlers"
	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/routes"
)

const demoSecret = "demo-receiver-secret"

// newReceiverEnv is the demo dashboard with its stand-in receiver.
func newReceiverEnv(t *testing.T) *env {
	return newEnv(t, options{edit: func(_ *testing.T, _ string, cfg *handlers.Config) {
		cfg.DemoReceiver = handlers.NewDemoReceiver(demoSecret)
	}})
}

// deliver sends ev as the dashboard's sender would, to a generic webhook
// channel pointed at e's receiver and signed with secret: a plain client,
// no session, no CSRF token. It returns the receiver's status.
func deliver(t *testing.T, e *env, secret string, ev notify.Event) int {
	t.Helper()
	ch := notify.Channel{Name: "demo", Kind: notify.KindWebhook, URL: e.url + routes.DemoReceiver, Secret: secret, Lang: "en"}
	req, err := ch.Request(context.Background(), ev, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

func failedEvent(id string) notify.Event {
	return notify.Event{ID: id, Kind: notify.EventFailed, Target: "default", TaskID: "task-9", TaskName: "orders-cache",
		OldStatus: "FULLMIGRATING", NewStatus: "FAILED", ErrorMessage: "source unreachable", At: time.Now()}
}

// TestDemoReceiverSigned: a signed message, posted without a session or
// token, is accepted and shown with what it says and a valid signature.
func TestDemoReceiverSigned(t *testing.T) {
	e := newReceiverEnv(t)
	if got := deliver(t, e, demoSecret, failedEvent("ev-signed")); got != http.StatusOK {
		t.Fatalf("signed message answered %d, want 200", got)
	}
	r := e.get(routes.DemoReceiver)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.text("demo-receiver-note"), "stand-in") {
		t.Errorf("the page does not say what it is: %q", r.text("demo-receiver-note"))
	}
	msgs := r.find("demo-message")
	if msgs.Length() != 1 {
		t.Fatalf("%d messages shown, want 1", msgs.Length())
	}
	m := msgs.First()
	text := strings.Join(strings.Fields(m.Text()), " ")
	for _, want := range []string{"failed", "ev-signed", "orders-cache", "Full migration → Failed", "source unreachable", "valid"} {
		if !strings.Contains(text, want) {
			t.Errorf("the message row lacks %q: %q", want, text)
		}
	}
	if m.AttrOr("data-signature", "") != "valid" || m.AttrOr("data-kind", "") != notify.EventFailed {
		t.Errorf("row marked signature %q kind %q", m.AttrOr("data-signature", ""), m.AttrOr("data-kind", ""))
	}
	if m.Find("time[datetime]").Length() != 1 {
		t.Error("the time received is not a <time datetime>")
	}

	zhPage := e.get(routes.DemoReceiver, zh...)
	if got := zhPage.doc.Find("h1").Text(); got != "演示接收端" || !strings.Contains(zhPage.text("demo-signature"), "有效") {
		t.Errorf("the Chinese page reads %q / %q", got, zhPage.text("demo-signature"))
	}
}

// TestDemoReceiverBadSignature: a message signed with another secret, or
// not signed, is refused (401) but kept and shown, marked invalid with why.
func TestDemoReceiverBadSignature(t *testing.T) {
	e := newReceiverEnv(t)
	if got := deliver(t, e, "another-secret", failedEvent("ev-forged")); got != http.StatusUnauthorized {
		t.Fatalf("forged message answered %d, want 401", got)
	}
	if got := deliver(t, e, "", failedEvent("ev-unsigned")); got != http.StatusUnauthorized {
		t.Fatalf("unsigned message answered %d, want 401", got)
	}
	r := e.get(routes.DemoReceiver)
	msgs := r.find("demo-message")
	if msgs.Length() != 2 {
		t.Fatalf("%d messages shown, want 2", msgs.Length())
	}
	for i, want := range []struct{ id, problem string }{{"ev-unsigned", "no signature"}, {"ev-forged", "does not match"}} {
		m := msgs.Eq(i)
		if m.AttrOr("data-event-id", "") != want.id || m.AttrOr("data-signature", "") != "invalid" {
			t.Errorf("row %d: event %q signature %q, want %s invalid", i, m.AttrOr("data-event-id", ""), m.AttrOr("data-signature", ""), want.id)
		}
		sig := m.Find(`[data-testid="demo-signature"]`).Text()
		if !strings.Contains(sig, "invalid") || !strings.Contains(sig, want.problem) {
			t.Errorf("row %d: signature cell %q", i, sig)
		}
	}
}

// TestDemoReceiverLimits: a body over 64 KiB is refused with 413 and not
// kept; a body that is no payload is 400 and marked; only the last 100
// messages are kept, newest first.
func TestDemoReceiverLimits(t *testing.T) {
	e := newReceiverEnv(t)
	post := func(body []byte, sign bool) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.url+routes.DemoReceiver, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if sign {
			req.Header.Set(notify.SignatureHeader, notify.SignWebhook(demoSecret, time.Now(), body))
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}
	big := []byte(`{"event":"test","text":"` + strings.Repeat("x", 64<<10) + `"}`)
	if got := post(big, true); got != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte body answered %d, want 413", len(big), got)
	}
	// Without a length up front (chunked), the same.
	req, _ := http.NewRequest(http.MethodPost, e.url+routes.DemoReceiver, io.MultiReader(bytes.NewReader(big)))
	req.ContentLength = -1
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("a chunked %d-byte body answered %d, want 413", len(big), res.StatusCode)
		}
	}
	if n := e.get(routes.DemoReceiver).find("demo-message").Length(); n != 0 {
		t.Errorf("a refused body was kept (%d rows)", n)
	}

	if got := post([]byte("not json"), true); got != http.StatusBadRequest {
		t.Errorf("a body that is no payload answered %d, want 400", got)
	}
	if got := e.get(routes.DemoReceiver).text("demo-event"); !strings.Contains(got, "not a webhook payload") {
		t.Errorf("a body that is no payload is shown as %q", got)
	}

	for i := range 105 {
		ev := notify.Event{ID: "ev-" + strconv.Itoa(i), Kind: notify.EventTest, At: time.Now()}
		if got := deliver(t, e, demoSecret, ev); got != http.StatusOK {
			t.Fatalf("message %d answered %d", i, got)
		}
	}
	msgs := e.get(routes.DemoReceiver).find("demo-message")
	if msgs.Length() != 100 || msgs.First().AttrOr("data-event-id", "") != "ev-104" || msgs.Last().AttrOr("data-event-id", "") != "ev-5" {
		t.Errorf("kept %d messages, first %q last %q; want 100, ev-104 to ev-5", msgs.Length(),
			msgs.First().AttrOr("data-event-id", ""), msgs.Last().AttrOr("data-event-id", ""))
	}
}

// TestDemoReceiverOff: without a receiver configured, there is none.
func TestDemoReceiverOff(t *testing.T) {
	e := newEnv(t, options{})
	wantStatus(t, e.get(routes.DemoReceiver), http.StatusNotFound)
	if got := deliver(t, e, demoSecret, failedEvent("ev-nowhere")); got == http.StatusOK {
		t.Error("a message was accepted with no receiver configured")
	}
}
