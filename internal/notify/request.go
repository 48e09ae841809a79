package notify

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"
)

// UserAgent is what every request says it comes from.
const UserAgent = "dcs-migration-dashboard-notify/1"

// Request is the HTTP request that tells c about ev: a POST of the
// channel's JSON body, signed (for a channel with a secret) at now. Its
// body can be read again (GetBody), so a client may follow a redirect;
// but each retry of a delivery should call Request again, for a fresh
// signature time. Its errors never contain the URL.
func (c Channel) Request(ctx context.Context, ev Event, now time.Time) (*http.Request, error) {
	u, err := c.parseURL()
	if err != nil {
		return nil, fmt.Errorf("notify: channel %q: %w", c.Name, err)
	}
	if !KnownEvent(ev.Kind) {
		return nil, fmt.Errorf("notify: channel %q: event kind %q is not one it knows", c.Name, ev.Kind)
	}
	body, err := c.body(ev, now)
	if err != nil {
		return nil, err
	}
	if c.Kind == KindDingTalk && c.Secret != "" {
		u = dingtalkURL(u, c.Secret, now)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("notify: channel %q: %s", c.Name, c.Redact(err.Error()))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", UserAgent)
	if c.Kind == KindWebhook {
		req.Header.Set(EventHeader, ev.Kind)
		if ev.ID != "" {
			req.Header.Set(EventIDHeader, ev.ID)
		}
		if c.Secret != "" {
			req.Header.Set(SignatureHeader, SignWebhook(c.Secret, now, body))
		}
	}
	return req, nil
}
