package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWebhookSignature(t *testing.T) {
	c := channel(KindWebhook, "en")
	c.Secret = "whsec-test-0123456789"
	req, body := build(t, c, failedEvent())
	header := req.Header.Get(SignatureHeader)

	// The header, recomputed from its documented definition.
	mac := hmac.New(sha256.New, []byte(c.Secret))
	fmt.Fprintf(mac, "%d.%s", now.Unix(), body)
	if want := fmt.Sprintf("t=%d,v1=%s", now.Unix(), hex.EncodeToString(mac.Sum(nil))); header != want {
		t.Fatalf("signature header %q, want %q", header, want)
	}
	if req.Header.Get(EventIDHeader) != "evt-0001" {
		t.Error("no event id header")
	}

	// A receiver a little later accepts it.
	if err := VerifyWebhook(c.Secret, header, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("VerifyWebhook: %v", err)
	}
	for _, tc := range []struct {
		name      string
		secret    string
		header    string
		body      []byte
		at        time.Time
		tolerance time.Duration
		want      error
	}{
		{"wrong secret", "whsec-other", header, body, now, 0, ErrSignatureMismatch},
		{"tampered body", c.Secret, header, append([]byte(nil), strings.Replace(string(body), "orders-sync", "orders-sink", 1)...), now, 0, ErrSignatureMismatch},
		{"one byte more", c.Secret, header, append(append([]byte(nil), body...), ' '), now, 0, ErrSignatureMismatch},
		{"old", c.Secret, header, body, now.Add(6 * time.Minute), 5 * time.Minute, ErrSignatureTime},
		{"old by the default tolerance", c.Secret, header, body, now.Add(DefaultTolerance + time.Second), 0, ErrSignatureTime},
		{"from the future", c.Secret, header, body, now.Add(-6 * time.Minute), 5 * time.Minute, ErrSignatureTime},
		{"no header", c.Secret, "", body, now, 0, ErrNoSignature},
		{"garbage", c.Secret, "sha256=abc", body, now, 0, ErrSignatureFormat},
		{"no v1", c.Secret, fmt.Sprintf("t=%d", now.Unix()), body, now, 0, ErrSignatureFormat},
		{"no t", c.Secret, header[strings.Index(header, "v1="):], body, now, 0, ErrSignatureFormat},
		{"short v1", c.Secret, fmt.Sprintf("t=%d,v1=abcd", now.Unix()), body, now, 0, ErrSignatureFormat},
		{"other time, same v1", c.Secret, strings.Replace(header, strconv.FormatInt(now.Unix(), 10), strconv.FormatInt(now.Unix()+1, 10), 1), body, now, 0, ErrSignatureMismatch},
	} {
		err := VerifyWebhook(tc.secret, tc.header, tc.body, tc.at, tc.tolerance)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := VerifyWebhook("", header, body, now, 0); err == nil {
		t.Error("verified without a secret")
	}
	// Signed twice (a secret being changed): either signature will do, in
	// any order, with spaces, and schemes it does not know are skipped.
	other := SignWebhook("whsec-new", now, body)
	both := fmt.Sprintf("t=%d, v1=%s, v0=zz, %s", now.Unix(), other[strings.Index(other, "v1=")+3:], header[strings.Index(header, "v1="):])
	if err := VerifyWebhook(c.Secret, both, body, now, 0); err != nil {
		t.Errorf("two signatures: %v", err)
	}
	if err := VerifyWebhook("whsec-new", both, body, now, 0); err != nil {
		t.Errorf("two signatures, the other secret: %v", err)
	}
	// Each retry is signed afresh, at its own time.
	c2 := c
	req2, err := c2.Request(t.Context(), failedEvent(), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if req2.Header.Get(SignatureHeader) == header {
		t.Error("a later request reuses the signature")
	}
}

// Known answers, made with openssl from the vendors' documented
// algorithms:
//
//	printf '' | openssl dgst -sha256 -hmac "1777636830"$'\n'"SECfeishu-test-secret" -binary | base64
//	printf '%s\n%s' 1777636830000 SECdingtalk-test-secret | openssl dgst -sha256 -hmac SECdingtalk-test-secret -binary | base64
const (
	feishuKnownSign   = "xZbVFqbV5N0vl93tSnpgiyRkVMi+3Hu4vQsZSb6A7J4="
	dingtalkKnownSign = "uRRj8hV8oDafPHKa2g5DH9U/wEBNAtzGqiD3LlZMAnw="
)

func TestFeishuSignature(t *testing.T) {
	c := channel(KindFeishu, "zh-CN")
	c.Secret = "SECfeishu-test-secret"
	req, body := build(t, c, failedEvent())
	var f feishuShape
	decodeStrict(t, body, &f)
	if f.Timestamp != "1777636830" {
		t.Errorf("timestamp %q, want the signing time in unix seconds", f.Timestamp)
	}
	// Feishu: HMAC-SHA256 keyed with "<timestamp>\n<secret>", of nothing, base64.
	mac := hmac.New(sha256.New, []byte(f.Timestamp+"\n"+c.Secret))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if f.Sign != want || f.Sign != feishuKnownSign {
		t.Errorf("sign %q, want %q (known answer %q)", f.Sign, want, feishuKnownSign)
	}
	if req.URL.String() != c.URL {
		t.Errorf("Feishu's URL changed: %s", req.URL)
	}
	// The rest of the body is as without a secret.
	if f.MsgType != "post" || f.Content.Post["zh_cn"].Title != "DCS 迁移：任务失败" {
		t.Errorf("signed body: %s", body)
	}
}

func TestDingTalkSignature(t *testing.T) {
	c := channel(KindDingTalk, "en")
	c.URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"
	c.Secret = "SECdingtalk-test-secret"
	req, body := build(t, c, failedEvent())
	// The URL keeps its token and gains timestamp (unix ms) and sign.
	prefix := c.URL + "&timestamp=1777636830000&sign="
	got := req.URL.String()
	if !strings.HasPrefix(got, prefix) {
		t.Fatalf("signed URL %s, want it to start %s", got, prefix)
	}
	rawSign := strings.TrimPrefix(got, prefix)
	// DingTalk: HMAC-SHA256 keyed with the secret, of "<timestamp>\n<secret>", base64, URL-encoded.
	mac := hmac.New(sha256.New, []byte(c.Secret))
	mac.Write([]byte("1777636830000\n" + c.Secret))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if want != dingtalkKnownSign {
		t.Fatalf("the test's own computation %q differs from the known answer", want)
	}
	if rawSign != url.QueryEscape(want) || rawSign != "uRRj8hV8oDafPHKa2g5DH9U%2FwEBNAtzGqiD3LlZMAnw%3D" {
		t.Errorf("sign %q, want %q", rawSign, url.QueryEscape(want))
	}
	q := req.URL.Query()
	if q.Get("access_token") != "0123456789abcdef" || q.Get("sign") != want || q.Get("timestamp") != "1777636830000" {
		t.Errorf("query %v", q)
	}
	// The body carries no signature.
	var d dingtalkShape
	decodeStrict(t, body, &d)

	// A URL without a query gets one.
	c.URL = "https://oapi.dingtalk.com/robot/send"
	req, _ = build(t, c, failedEvent())
	if !strings.HasPrefix(req.URL.String(), c.URL+"?timestamp=1777636830000&sign=") {
		t.Errorf("signed URL %s", req.URL)
	}
}

func TestSignHelpers(t *testing.T) {
	if got := FeishuSign("SECfeishu-test-secret", 1777636830); got != feishuKnownSign {
		t.Errorf("FeishuSign = %s", got)
	}
	if got := DingTalkSign("SECdingtalk-test-secret", 1777636830000); got != dingtalkKnownSign {
		t.Errorf("DingTalkSign = %s", got)
	}
}
