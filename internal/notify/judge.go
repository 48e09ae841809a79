package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxAnswer is how much of a receiver's answer Send reads: enough for any
// bot's JSON, not so much that a receiver can make the dashboard hold a
// large page in memory.
const MaxAnswer = 64 << 10

// saidMax bounds, in bytes, what an error repeats of a receiver's answer.
const saidMax = 300

// DeliveryError is a delivery that did not succeed: the receiver refused
// it, or did not answer. Its text says what the receiver said (cleaned,
// bounded, with the channel's URL and secret taken out) and whether trying
// again can help.
type DeliveryError struct {
	Channel string // the channel's name
	Kind    string // the channel's kind
	Status  int    // the HTTP status, 0 if there was no answer
	Code    string // the bot's error code ("19021"), "" if none
	Said    string // what the receiver said (or the network error), safe to show and log
	Retry   bool   // whether sending again later can succeed
	err     error  // the network error, URL taken out
}

func (e *DeliveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "notify: channel %q (%s): ", e.Channel, e.Kind)
	switch {
	case e.Status == 0:
		b.WriteString("no answer")
	case e.Code != "":
		fmt.Fprintf(&b, "refused: HTTP %d, error code %s", e.Status, e.Code)
	default:
		fmt.Fprintf(&b, "refused: HTTP %d", e.Status)
	}
	if e.Said != "" {
		b.WriteString(": " + e.Said)
	}
	if e.Retry {
		b.WriteString(" (retrying may help)")
	} else {
		b.WriteString(" (retrying will not help)")
	}
	return b.String()
}

// Unwrap is the network error, for errors.Is(err, context.Canceled) and
// the like; the URL in it is replaced with "[redacted]".
func (e *DeliveryError) Unwrap() error { return e.err }

// Retryable reports whether err, from Send or Judge (or from an
// http.Client, for a caller that sends requests itself), means a later
// attempt can succeed: no answer (network errors, timeouts), HTTP 5xx,
// 429 and 408, and the bot error codes that mean too many messages or a
// passing fault. Other refusals (4xx, a bad signature, a missing keyword,
// an unknown or revoked URL, a malformed message) and errors in the
// channel's configuration are not.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.Retry
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

// statusRetryable reports whether an HTTP status means "later, maybe".
func statusRetryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// Bot error codes that mean "too many messages" or "a passing fault":
// sending again later may succeed. Every other non-zero code is a refusal
// that repeating will not change (DingTalk's 310000 is a bad signature, a
// missing keyword or an IP not allowed; Feishu's 19021 a bad signature,
// 19024 a missing keyword, 19022 an IP not allowed; WeCom's 93000 an
// invalid URL; DingTalk's 300001 an unknown token).
var retryableCodes = map[string][]int64{
	KindFeishu:   {11232, 2200}, // frequency limited; internal error
	KindDingTalk: {130101, -1},  // sending too fast; system busy
	KindWeCom:    {45009, 45033, -1},
}

// botAnswer is the error code and message in a bot's JSON answer. ok is
// false if the answer has no code.
func botAnswer(kind string, body []byte) (code int64, msg string, ok bool) {
	switch kind {
	case KindFeishu:
		// {"code":0,"msg":"success","data":{}}; older bots answer
		// {"StatusCode":0,"StatusMessage":"success"}, some both.
		var a struct {
			Code          *int64 `json:"code"`
			Msg           string `json:"msg"`
			StatusCode    *int64 `json:"StatusCode"`
			StatusMessage string `json:"StatusMessage"`
		}
		if json.Unmarshal(body, &a) != nil {
			return 0, "", false
		}
		switch {
		case a.Code != nil:
			return *a.Code, a.Msg, true
		case a.StatusCode != nil:
			return *a.StatusCode, a.StatusMessage, true
		}
	case KindDingTalk, KindWeCom:
		// {"errcode":0,"errmsg":"ok"}
		var a struct {
			Code *int64 `json:"errcode"`
			Msg  string `json:"errmsg"`
		}
		if json.Unmarshal(body, &a) == nil && a.Code != nil {
			return *a.Code, a.Msg, true
		}
	}
	return 0, "", false
}

// Judge is nil when the receiver accepted the message: an HTTP 2xx, and
// for Feishu, DingTalk and WeCom bots also the error code 0 in their JSON
// answer (they answer 200 with an error code when they refuse). Otherwise
// it is a *DeliveryError saying what the receiver said and whether
// retrying can help (Retryable). body may be of any length; the error
// repeats at most a few hundred bytes of it.
func (c Channel) Judge(status int, body []byte) error {
	accepted := status >= 200 && status <= 299
	switch c.Kind {
	case KindFeishu, KindDingTalk, KindWeCom:
		code, msg, ok := botAnswer(c.Kind, body)
		if accepted && ok && code == 0 {
			return nil
		}
		e := c.refused(status, body)
		if ok {
			e.Code = strconv.FormatInt(code, 10)
			if msg != "" {
				e.Said = c.said([]byte(msg))
			}
			e.Retry = e.Retry || slices.Contains(retryableCodes[c.Kind], code)
		} else if accepted {
			e.Said = "the answer is not the bot's JSON (is the URL the bot's webhook?)"
			if len(body) > 0 {
				e.Said += ": " + c.said(body)
			}
		}
		return e
	}
	if accepted {
		return nil
	}
	return c.refused(status, body)
}

func (c Channel) refused(status int, body []byte) *DeliveryError {
	return &DeliveryError{Channel: c.Name, Kind: c.Kind, Status: status, Said: c.said(body), Retry: statusRetryable(status)}
}

// said is what a receiver said, fit for an error: valid UTF-8 on one
// line, at most saidMax bytes (with how long it was, if cut), and
// without the channel's URL or secret.
func (c Channel) said(body []byte) string {
	total := len(body)
	needles := c.needles()
	// Look at a good deal more than will be kept (redacting shortens the
	// text), but not at all of a huge answer; if the look is cut, it must
	// not end in the first part of a secret, which Redact would not know.
	const limit = 16 * saidMax
	s := string(body[:min(len(body), limit)])
	if len(body) > limit {
		for round, trimmed := 0, true; trimmed && round < 4; round++ {
			trimmed = false
			for _, n := range needles {
				for k := min(len(n)-1, len(s)); k > 0; k-- {
					if strings.HasSuffix(s, n[:k]) {
						s, trimmed = s[:len(s)-k], true
						break
					}
				}
			}
		}
	}
	looked := len(s)
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	s = redact(s, needles)
	if len(s) <= saidMax && total == looked {
		return s
	}
	cut := min(saidMax, len(s))
	for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes in all)", s[:cut], total)
}

// Redact is s with the channel's URL, the parts of it that are secrets
// (its path, the tokens in its path and query, a password) and its
// signing secret replaced with "[redacted]": for any text that may have
// come back from a receiver or the network.
func (c Channel) Redact(s string) string { return redact(s, c.needles()) }

func redact(s string, needles []string) string {
	for _, n := range needles {
		s = strings.ReplaceAll(s, n, "[redacted]")
	}
	return s
}

// needles are what Redact takes out, longest first (so a part is not
// taken out of the whole before the whole is), each also as a URL query
// and in JSON (which may write / as \/ and & as \u0026).
func (c Channel) needles() []string {
	base := []string{c.URL}
	if len(c.Secret) >= 4 {
		base = append(base, c.Secret)
	}
	if u, err := url.Parse(c.URL); err == nil {
		base = append(base, u.String(), u.Host+u.EscapedPath(), u.RawQuery)
		if len(u.Path) > 1 {
			base = append(base, u.Path, u.EscapedPath())
		}
		if pw, ok := u.User.Password(); ok {
			base = append(base, pw)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if secretLooking(seg) {
				base = append(base, seg, url.PathEscape(seg))
			}
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				if len(v) >= 6 {
					base = append(base, v)
				}
			}
		}
	}
	var out []string
	for _, n := range base {
		if n == "" {
			continue
		}
		out = append(out, n, url.QueryEscape(n),
			strings.ReplaceAll(n, "/", `\/`), strings.ReplaceAll(strings.ReplaceAll(n, "/", `\/`), "&", `\u0026`),
			strings.ReplaceAll(n, "&", `\u0026`))
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// secretLooking reports whether a path segment may be a token: long, or
// not so long but with a digit (Slack's T0123ABCD).
func secretLooking(seg string) bool {
	return len(seg) >= 12 || (len(seg) >= 8 && strings.ContainsAny(seg, "0123456789"))
}

// Send delivers ev to c with client (http.DefaultClient if nil) and
// judges the answer: nil, or an error that Retryable classifies and whose
// text never contains the URL. It does not follow redirects (a webhook
// that moved is a configuration to fix, and following would turn the POST
// into a GET); ctx bounds the whole exchange.
func (c Channel) Send(ctx context.Context, client *http.Client, ev Event, now time.Time) error {
	req, err := c.Request(ctx, ev, now)
	if err != nil {
		return err
	}
	if client == nil {
		client = http.DefaultClient
	}
	cl := *client
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := cl.Do(req)
	if err != nil {
		return c.noAnswer(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer))
	if err != nil && c.Kind != KindWebhook && c.Kind != KindSlack {
		// A bot's verdict is in the body, and it did not arrive.
		return c.noAnswer(err)
	}
	// Read a little of the rest, so the connection can be used again.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxAnswer))
	return c.Judge(resp.StatusCode, body)
}

// noAnswer is the error for a request that got no (whole) answer.
func (c Channel) noAnswer(err error) *DeliveryError {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: "[redacted]", Err: ue.Err}
	}
	return &DeliveryError{Channel: c.Name, Kind: c.Kind, Said: c.said([]byte(err.Error())), Retry: true, err: err}
}
