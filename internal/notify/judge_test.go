package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		status int
		body   string
		ok     bool
		retry  bool
		says   []string // in the error's text
	}{
		{KindWebhook, 200, "", true, false, nil},
		{KindWebhook, 204, "", true, false, nil},
		{KindWebhook, 202, "queued", true, false, nil},
		{KindWebhook, 500, "internal error", false, true, []string{"HTTP 500", "internal error", "retrying may help"}},
		{KindWebhook, 503, "", false, true, []string{"HTTP 503"}},
		{KindWebhook, 429, "slow down", false, true, []string{"HTTP 429", "slow down"}},
		{KindWebhook, 408, "", false, true, []string{"HTTP 408"}},
		{KindWebhook, 400, "bad json", false, false, []string{"HTTP 400", "bad json", "retrying will not help"}},
		{KindWebhook, 401, "bad signature", false, false, []string{"HTTP 401"}},
		{KindWebhook, 404, "", false, false, []string{"HTTP 404"}},
		{KindWebhook, 302, "", false, false, []string{"HTTP 302"}},

		{KindSlack, 200, "ok", true, false, nil},
		{KindSlack, 400, "invalid_payload", false, false, []string{"invalid_payload"}},
		{KindSlack, 404, "no_service", false, false, []string{"no_service"}},
		{KindSlack, 410, "channel_is_archived", false, false, []string{"channel_is_archived"}},
		{KindSlack, 429, "rate_limited", false, true, nil},
		{KindSlack, 500, "rollup_error", false, true, nil},

		{KindFeishu, 200, `{"code":0,"data":{},"msg":"success"}`, true, false, nil},
		{KindFeishu, 200, `{"Extra":null,"StatusCode":0,"StatusMessage":"success"}`, true, false, nil},
		{KindFeishu, 200, `{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`, false, false,
			[]string{"HTTP 200", "error code 19021", "sign match fail", "retrying will not help"}},
		{KindFeishu, 200, `{"code":19024,"msg":"Key Words Not Found"}`, false, false, []string{"19024", "Key Words Not Found"}},
		{KindFeishu, 400, `{"code":9499,"msg":"Bad Request","data":{}}`, false, false, []string{"HTTP 400", "9499"}},
		{KindFeishu, 200, `{"code":11232,"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}`, false, true, []string{"11232"}},
		{KindFeishu, 200, `{"StatusCode":19021,"StatusMessage":"sign match fail"}`, false, false, []string{"19021"}},
		{KindFeishu, 200, `<html>captive portal</html>`, false, false, []string{"not the bot's JSON", "captive portal"}},
		{KindFeishu, 200, ``, false, false, []string{"not the bot's JSON"}},
		{KindFeishu, 502, `<html>bad gateway</html>`, false, true, []string{"HTTP 502"}},
		{KindFeishu, 500, `{"code":0,"msg":"success"}`, false, true, []string{"HTTP 500"}},

		{KindDingTalk, 200, `{"errcode":0,"errmsg":"ok"}`, true, false, nil},
		{KindDingTalk, 200, `{"errcode":310000,"errmsg":"keywords not in content, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`, false, false,
			[]string{"error code 310000", "keywords not in content"}},
		{KindDingTalk, 200, `{"errcode":310000,"errmsg":"sign not match"}`, false, false, []string{"sign not match"}},
		{KindDingTalk, 200, `{"errcode":300001,"errmsg":"token is not exist"}`, false, false, []string{"300001"}},
		{KindDingTalk, 200, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`, false, true, []string{"130101"}},
		{KindDingTalk, 200, `{"errcode":-1,"errmsg":"系统繁忙"}`, false, true, []string{"-1", "系统繁忙"}},

		{KindWeCom, 200, `{"errcode":0,"errmsg":"ok"}`, true, false, nil},
		{KindWeCom, 200, `{"errcode":93000,"errmsg":"invalid webhook url, hint: [1755605200], from ip: 1.2.3.4"}`, false, false,
			[]string{"93000", "invalid webhook url"}},
		{KindWeCom, 200, `{"errcode":45009,"errmsg":"api freq out of limit"}`, false, true, []string{"45009"}},
		{KindWeCom, 200, `{"errcode":40008,"errmsg":"invalid message type"}`, false, false, []string{"40008"}},
		{KindWeCom, 429, ``, false, true, []string{"HTTP 429"}},
	} {
		c := channel(tc.kind, "en")
		err := c.Judge(tc.status, []byte(tc.body))
		name := fmt.Sprintf("%s %d %.40s", tc.kind, tc.status, tc.body)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Judge = %v, want accepted %v", name, err, tc.ok)
			continue
		}
		if err == nil {
			continue
		}
		if Retryable(err) != tc.retry {
			t.Errorf("%s: Retryable = %v, want %v (%v)", name, !tc.retry, tc.retry, err)
		}
		var de *DeliveryError
		if !errors.As(err, &de) || de.Status != tc.status || de.Channel != c.Name {
			t.Errorf("%s: %#v", name, err)
		}
		for _, s := range tc.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q does not say %q", name, err, s)
			}
		}
	}
}

// TestJudgeBounded: however much a receiver says, the error repeats a few
// hundred bytes of it, as valid UTF-8 on one line.
func TestJudgeBounded(t *testing.T) {
	for _, body := range []string{
		strings.Repeat("A", 70<<10),
		strings.Repeat("错误\n", 30<<10),
		"\xff\xfe" + strings.Repeat("x", 100<<10),
		`{"code":19021,"msg":"` + strings.Repeat("m", 70<<10) + `"}`,
	} {
		for _, kind := range []string{KindWebhook, KindFeishu} {
			err := channel(kind, "en").Judge(500, []byte(body))
			s := err.Error()
			if len(s) > 600 || !utf8.ValidString(s) || strings.Contains(s, "\n") {
				t.Errorf("%s: error of %d bytes (valid %v): %.100q", kind, len(s), utf8.ValidString(s), s)
			}
			if !strings.Contains(s, "bytes in all") && !strings.Contains(s, "mmm…") {
				t.Errorf("%s: a cut answer does not say so: %.200q", kind, s)
			}
		}
	}
}

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("notify: channel \"x\": kind \"fax\""), false},
		{&DeliveryError{Retry: true}, true},
		{&DeliveryError{Retry: false}, false},
		{fmt.Errorf("delivery 7: %w", &DeliveryError{Retry: true}), true},
		{fmt.Errorf("delivery 7: %w", &DeliveryError{Retry: false}), false},
		{&url.Error{Op: "Post", URL: "x", Err: errors.New("connection refused")}, true},
		{&net.OpError{Op: "dial", Err: errors.New("no route to host")}, true},
		{context.DeadlineExceeded, true},
	} {
		if got := Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v", tc.err, got)
		}
	}
}
