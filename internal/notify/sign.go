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
	"time"
)

// Webhook signatures, Stripe-style: the header
//
//	X-Dashboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// binds the body to the time it was signed, so a receiver can refuse both
// a forged body and an old one replayed.
const (
	SignatureHeader = "X-Dashboard-Signature"
	EventIDHeader   = "X-Dashboard-Event-Id"
	EventHeader     = "X-Dashboard-Event"
	// DefaultTolerance is how far from the receiver's clock a signature's
	// time may be when VerifyWebhook is given no tolerance.
	DefaultTolerance = 5 * time.Minute
)

// SignWebhook is the X-Dashboard-Signature value for body, signed at t.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := t.Unix()
	return "t=" + strconv.FormatInt(ts, 10) + ",v1=" + hex.EncodeToString(webhookMAC(secret, ts, body))
}

func webhookMAC(secret string, ts int64, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return mac.Sum(nil)
}

// Why VerifyWebhook refuses a request (errors.Is tells them apart).
var (
	ErrNoSignature       = errors.New("no " + SignatureHeader + " header")
	ErrSignatureFormat   = errors.New(SignatureHeader + " is not t=<unix seconds>,v1=<hex>")
	ErrSignatureMismatch = errors.New("the signature does not match the body")
	ErrSignatureTime     = errors.New("the signature's time is too far from now")
)

// VerifyWebhook checks a generic webhook's signature: header is the
// X-Dashboard-Signature value, body the raw request body (as received,
// before any decoding), now the receiver's clock. The signature must be
// the secret's HMAC of "<t>.<body>" (any one v1, so a receiver can accept
// during a change of secret if it is signed twice), and t within
// tolerance of now, either way (DefaultTolerance if tolerance is not
// positive).
func VerifyWebhook(secret string, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return errors.New("notify: VerifyWebhook needs the secret")
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrNoSignature
	}
	var (
		ts    int64
		hasTS bool
		sigs  [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrSignatureFormat
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || hasTS {
				return ErrSignatureFormat
			}
			ts, hasTS = n, true
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return ErrSignatureFormat
			}
			sigs = append(sigs, sig)
		}
		// Other schemes (a future v2) are for other verifiers.
	}
	if !hasTS || len(sigs) == 0 {
		return ErrSignatureFormat
	}
	want := webhookMAC(secret, ts, body)
	match := false
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			match = true
		}
	}
	if !match {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now (tolerance %s)", ErrSignatureTime,
			time.Unix(ts, 0).UTC().Format(time.RFC3339), d.Round(time.Second), tolerance)
	}
	return nil
}

// FeishuSign is a Feishu (Lark) custom bot's "sign" for timestamp (unix
// seconds), as Feishu documents it: the HMAC-SHA256 whose key is
// "<timestamp>\n<secret>", of an empty message, in base64.
func FeishuSign(secret string, timestamp int64) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DingTalkSign is a DingTalk custom robot's "sign" for timestamp (unix
// milliseconds), as DingTalk documents it: the HMAC-SHA256 whose key is the
// secret, of "<timestamp>\n<secret>", in base64, not yet URL-encoded.
func DingTalkSign(secret string, timestamp int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// dingtalkURL is u with DingTalk's timestamp and sign (made at now)
// appended to its query, the access_token already there left as it is.
func dingtalkURL(u *url.URL, secret string, now time.Time) *url.URL {
	ts := now.UnixMilli()
	signed := *u
	add := "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + url.QueryEscape(DingTalkSign(secret, ts))
	if signed.RawQuery == "" {
		signed.RawQuery = add
	} else {
		signed.RawQuery += "&" + add
	}
	return &signed
}
