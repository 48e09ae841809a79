package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// receiver is a loopback stand-in for one kind of receiver: it checks the
// request as the real one would (the signature too) and answers the way it
// does.
func receiver(t *testing.T, kind, secret string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			http.Error(w, "want a JSON POST", http.StatusMethodNotAllowed)
			return
		}
		if !json.Valid(body) {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		switch kind {
		case KindWebhook:
			if err := VerifyWebhook(secret, r.Header.Get(SignatureHeader), body, time.Now(), time.Hour*24*365*10); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case KindSlack:
			_, _ = io.WriteString(w, "ok")
		case KindFeishu:
			var b struct{ Timestamp, Sign string }
			_ = json.Unmarshal(body, &b)
			ts, _ := strconv.ParseInt(b.Timestamp, 10, 64)
			if secret != "" && b.Sign != FeishuSign(secret, ts) {
				_, _ = io.WriteString(w, `{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`)
				return
			}
			_, _ = io.WriteString(w, `{"code":0,"data":{},"msg":"success"}`)
		case KindDingTalk:
			ts, _ := strconv.ParseInt(r.URL.Query().Get("timestamp"), 10, 64)
			if secret != "" && r.URL.Query().Get("sign") != DingTalkSign(secret, ts) {
				_, _ = io.WriteString(w, `{"errcode":310000,"errmsg":"sign not match"}`)
				return
			}
			_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		case KindWeCom:
			_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		}
	}))
}

// TestSend: each kind's request is accepted by its (stand-in) receiver;
// with the wrong secret, the signing kinds are refused for good.
func TestSend(t *testing.T) {
	for _, kind := range ChannelKinds() {
		secret := ""
		if kind == KindWebhook || kind == KindFeishu || kind == KindDingTalk {
			secret = "SEC-right"
		}
		srv := receiver(t, kind, secret)
		defer srv.Close()
		c := Channel{Name: "c-" + kind, Kind: kind, URL: srv.URL + "/hook/abcdefghijklmnop?access_token=tok123456", Secret: secret, Lang: "zh-CN"}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := c.Send(t.Context(), srv.Client(), failedEvent(), time.Now()); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		if secret == "" {
			continue
		}
		c.Secret = "SEC-wrong"
		err := c.Send(t.Context(), srv.Client(), failedEvent(), time.Now())
		if err == nil || Retryable(err) {
			t.Errorf("%s with the wrong secret: %v (retryable %v)", kind, err, Retryable(err))
		}
	}
}

// The URL of a channel, its parts that are secrets, and its secret.
const (
	secretPath  = "/services/T0SECRET1/B0SECRET2/xyzSECRETtoken123"
	secretToken = "tok-SECRET-999"
	signSecret  = "SEC-signing-secret"
)

// leaks fails if s shows any secret part of the URL (or the signing secret).
func leaks(t *testing.T, what, s, fullURL string) {
	t.Helper()
	for _, secret := range []string{fullURL, secretPath, secretToken, "xyzSECRETtoken123", "T0SECRET1", "B0SECRET2", signSecret,
		url.QueryEscape(fullURL), "SECRET"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s: %q shows %q", what, s, secret)
		}
	}
}

// TestURLNeverInErrors: whatever goes wrong (a bad configuration, a
// receiver that echoes the request, no answer at all), no error says the
// URL or the secret.
func TestURLNeverInErrors(t *testing.T) {
	// Configuration errors.
	for _, bad := range []string{
		"ftp://hooks.example.com" + secretPath + "?access_token=" + secretToken,
		"https://hooks.example.com" + secretPath + "?access_token=" + secretToken + "#frag",
		"https://hooks example.com" + secretPath + "?access_token=" + secretToken,
		"https://hooks.example.com/%zz" + secretPath + "?access_token=" + secretToken,
		"hooks.example.com" + secretPath + "?access_token=" + secretToken,
		secretPath + "?access_token=" + secretToken,
		"https://" + secretToken + ":" + signSecret + "@" + secretPath,
		"\x7fhttps://hooks.example.com" + secretPath,
	} {
		c := Channel{Name: "bad", Kind: KindSlack, URL: bad, Lang: "en"}
		err := c.Validate()
		if err == nil {
			t.Errorf("Validate passed a bad URL")
			continue
		}
		leaks(t, "Validate", err.Error(), bad)
		_, err = c.Request(t.Context(), failedEvent(), now)
		if err == nil {
			t.Errorf("Request took a bad URL")
			continue
		}
		leaks(t, "Request", err.Error(), bad)
	}

	// Receivers that repeat what they were sent, in every way they might.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		full := "http://" + r.Host + r.URL.String()
		status, _ := strconv.Atoi(r.URL.Query().Get("status"))
		w.WriteHeader(status)
		switch r.URL.Query().Get("as") {
		case "json":
			b, _ := json.Marshal(map[string]any{"code": 19001, "errcode": 93000, "msg": "param invalid: " + full, "errmsg": "invalid webhook url " + full})
			_, _ = w.Write(b)
		default:
			_, _ = io.WriteString(w, "Cannot POST "+r.URL.Path+"?"+r.URL.RawQuery+" ("+full+", "+url.QueryEscape(full)+", token "+r.URL.Query().Get("access_token")+")")
		}
	}))
	defer echo.Close()
	for _, kind := range ChannelKinds() {
		for _, q := range []string{"status=404", "status=500", "status=200&as=json", "status=400&as=json"} {
			full := echo.URL + secretPath + "?access_token=" + secretToken + "&" + q
			c := Channel{Name: "echo", Kind: kind, URL: full, Lang: "en"}
			if kind == KindDingTalk || kind == KindFeishu || kind == KindWebhook {
				c.Secret = signSecret
			}
			err := c.Send(t.Context(), echo.Client(), failedEvent(), now)
			if err == nil {
				if kind == KindWebhook || kind == KindSlack {
					if strings.HasPrefix(q, "status=200") {
						continue
					}
				}
				t.Errorf("%s %s: accepted", kind, q)
				continue
			}
			leaks(t, kind+" "+q, err.Error(), full)
		}
	}

	// No answer: the port is closed.
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL + secretPath + "?access_token=" + secretToken
	closed.Close()
	c := Channel{Name: "gone", Kind: KindDingTalk, URL: closedURL, Secret: signSecret, Lang: "en"}
	err := c.Send(t.Context(), nil, failedEvent(), now)
	var de *DeliveryError
	if !errors.As(err, &de) || de.Status != 0 || !Retryable(err) {
		t.Fatalf("no answer: %#v", err)
	}
	leaks(t, "no answer", err.Error(), closedURL)
	var ue *url.Error
	if !errors.As(err, &ue) || ue.URL != "[redacted]" {
		t.Errorf("the wrapped url.Error: %#v", ue)
	}

	// No answer in time.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // so the server notices the client leave
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	slowURL := slow.URL + secretPath + "?access_token=" + secretToken
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	err = Channel{Name: "slow", Kind: KindWebhook, URL: slowURL, Lang: "en"}.Send(ctx, slow.Client(), failedEvent(), now)
	if err == nil || !Retryable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v (retryable %v)", err, Retryable(err))
	} else {
		leaks(t, "timeout", err.Error(), slowURL)
	}
}

// TestSendNoRedirect: a receiver that redirects is refused, not followed
// (following would send the POST's body nowhere, as a GET).
func TestSendNoRedirect(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			hits++
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	}))
	defer srv.Close()
	c := Channel{Name: "r", Kind: KindWebhook, URL: srv.URL + "/old", Lang: "en"}
	err := c.Send(t.Context(), srv.Client(), failedEvent(), now)
	if err == nil || Retryable(err) || hits != 0 {
		t.Errorf("redirect: %v, retryable %v, followed %d times", err, Retryable(err), hits)
	}
}

// TestSendBigAnswer: a receiver's huge answer is read only so far.
func TestSendBigAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, strings.Repeat("<html>", 1<<20))
	}))
	defer srv.Close()
	err := Channel{Name: "big", Kind: KindFeishu, URL: srv.URL, Lang: "en"}.Send(t.Context(), srv.Client(), failedEvent(), now)
	if err == nil || !Retryable(err) || len(err.Error()) > 600 || !strings.Contains(err.Error(), "65536 bytes in all") {
		t.Errorf("big answer: %v", err)
	}
}

// TestSaidCutInASecret: an answer cut where it repeats the URL does not
// keep the URL's first part; a URL in JSON (with \/) goes too.
func TestSaidCutInASecret(t *testing.T) {
	c := channel(KindWebhook, "en")
	for pad := 0; pad < 200; pad++ {
		body := strings.Repeat(c.URL+" ", 40) + strings.Repeat("x", pad) + c.URL + strings.Repeat(" y", 5000)
		leaks(t, "cut", c.Judge(400, []byte(body)).Error(), c.URL)
		s := c.said([]byte(body))
		for _, n := range c.needles() {
			for k := 6; k < len(n); k++ {
				if strings.HasSuffix(strings.TrimSuffix(s[:strings.LastIndex(s, "…")], " "), n[:k]) {
					t.Fatalf("pad %d: ends in %q", pad, n[:k])
				}
			}
		}
	}
	b, _ := json.Marshal(map[string]string{"error": "no hook " + c.URL})
	b = []byte(strings.ReplaceAll(string(b), "/", `\/`))
	leaks(t, "JSON", c.Judge(404, b).Error(), c.URL)
}

// TestRedact: the URL and its secret parts go, whatever else is said stays.
func TestRedact(t *testing.T) {
	c := Channel{URL: "https://hooks.slack.com/services/T0SECRET1/B0SECRET2/xyzSECRETtoken123", Secret: signSecret}
	in := "Post \"https://hooks.slack.com/services/T0SECRET1/B0SECRET2/xyzSECRETtoken123\": refused; path /services/T0SECRET1/B0SECRET2/xyzSECRETtoken123, token xyzSECRETtoken123, team T0SECRET1, secret " + signSecret + ", host hooks.slack.com"
	got := c.Redact(in)
	leaks(t, "Redact", got, c.URL)
	if !strings.Contains(got, "refused") || !strings.Contains(got, "host hooks.slack.com") {
		t.Errorf("Redact took too much: %q", got)
	}
}
