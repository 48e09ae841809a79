package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// The time events happen and requests are signed, in every test.
var (
	at  = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	now = at.Add(30 * time.Second) // 1777636830
)

// Task names (and error messages) that would be markup if they were not
// escaped.
var hostile = []string{
	"<script>alert(1)</script>",
	"*bold*",
	"[x](http://evil)",
	"<http://evil|x>",
	"_it_ ~st~ `code` <!channel> <@U123> &amp; \\*",
}

// failedEvent is the event most tests send.
func failedEvent() Event {
	return Event{
		ID: "evt-0001", Kind: EventFailed, Target: "cn-north-4", TargetLabel: "Beijing 4 / prod",
		TaskID: "6f1c9a2e-task", TaskName: "orders-sync", OldStatus: "FULLMIGRATING", NewStatus: "FAILED",
		ErrorMessage: "ERR source unreachable", Link: "https://dash.example.com/tasks/cn-north-4/6f1c9a2e-task", At: at,
	}
}

func channel(kind, lang string) Channel {
	return Channel{Name: "ops-" + kind, Kind: kind, URL: "https://hooks.example.com/services/T0SECRET1/B0SECRET2/xyzSECRETtoken123?access_token=tok-SECRET-999", Lang: lang}
}

// build is c's request for ev and its body.
func build(t *testing.T, c Channel, ev Event) (*http.Request, []byte) {
	t.Helper()
	req, err := c.Request(context.Background(), ev, now)
	if err != nil {
		t.Fatalf("%s %s: Request: %v", c.Kind, c.Lang, err)
	}
	if req.Method != http.MethodPost {
		t.Errorf("%s: method %s", c.Kind, req.Method)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", c.Kind, ct)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	// GetBody gives the same body again (for redirects and retries by a client).
	rc, err := req.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := io.ReadAll(rc)
	if !bytes.Equal(body, again) {
		t.Errorf("%s: GetBody gives another body", c.Kind)
	}
	return req, body
}

// decodeStrict decodes body into v, refusing fields v does not have: the
// test's struct is the documented shape.
func decodeStrict(t *testing.T, body []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
}
