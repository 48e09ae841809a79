package dcssim

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Signature constants, as in the SDK's core/auth/signer.
const (
	sigAlgorithm     = "SDK-HMAC-SHA256"
	sigDateFormat    = "20060102T150405Z"
	headerSdkDate    = "X-Sdk-Date"
	headerContentSHA = "X-Sdk-Content-Sha256"
	maxClockSkew     = 15 * time.Minute
)

// Auth failures. The codes follow the reference's DCS.1001-1004 range for
// "token problems"; which code means what is this simulator's choice.
func errAuthMissing(msg string) *apiError {
	return &apiError{http.StatusUnauthorized, "DCS.1001", "Incorrect authentication information: " + msg}
}

func errAuthAK() *apiError {
	return &apiError{http.StatusUnauthorized, "DCS.1002", "Incorrect authentication information: access key not found"}
}

func errAuthSignature() *apiError {
	return &apiError{http.StatusUnauthorized, "DCS.1003", "Incorrect authentication information: signature verification failed"}
}

func errAuthDate(msg string) *apiError {
	return &apiError{http.StatusUnauthorized, "DCS.1004", "Incorrect authentication information: " + msg}
}

// headerProjectID is the header the SDK's BasicCredentials add, and sign,
// whenever a project id is set (core/auth/basic_credentials.go,
// ProcessAuthRequest): the same id they fill into the path's {project_id}.
const headerProjectID = "X-Project-Id"

// checkProjectHeader refuses a call whose X-Project-Id names another project
// than its path. The gateway scopes the caller's credentials to the
// header's project, so a path naming another is a token/project mismatch:
// refused as an IAM authentication failure, with the code the API gateway
// documents for those (APIGW.0301, 401). A call without the header is not
// checked, as the SDK sends none without a project id.
func checkProjectHeader(r *http.Request, pathProject string) *apiError {
	for _, v := range r.Header.Values(headerProjectID) {
		if v != pathProject {
			return &apiError{http.StatusUnauthorized, "APIGW.0301",
				"Incorrect IAM authentication information: the project in X-Project-Id does not match the project in the URL"}
		}
	}
	return nil
}

// authHeader is a parsed "SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=..." value.
type authHeader struct {
	access, signature string
	signedHeaders     []string
}

func parseAuthHeader(v string) (authHeader, bool) {
	var a authHeader
	rest, ok := strings.CutPrefix(v, sigAlgorithm+" ")
	if !ok {
		return a, false
	}
	for part := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, false
		}
		switch k {
		case "Access":
			a.access = val
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		default:
			return a, false
		}
	}
	return a, a.access != "" && a.signature != "" && len(a.signedHeaders) > 0
}

// verify checks r's signature the way the API gateway checks what the SDK's
// signer.Signer produced. body is the request body, already read.
func (s *Simulator) verify(r *http.Request, body []byte, now time.Time) *apiError {
	raw := r.Header.Get("Authorization")
	if raw == "" {
		return errAuthMissing("missing Authorization header")
	}
	a, ok := parseAuthHeader(raw)
	if !ok {
		return errAuthMissing("malformed Authorization header")
	}
	if subtle.ConstantTimeCompare([]byte(a.access), []byte(s.cfg.AccessKey)) != 1 {
		return errAuthAK()
	}
	dateRaw := r.Header.Get(headerSdkDate)
	if dateRaw == "" {
		return errAuthDate("missing X-Sdk-Date header")
	}
	t, err := time.Parse(sigDateFormat, dateRaw)
	if err != nil {
		return errAuthDate("malformed X-Sdk-Date header")
	}
	if d := now.Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return errAuthDate("request expired: X-Sdk-Date is more than 15 minutes from server time")
	}
	// The date must be covered by the signature, or a captured request
	// could be replayed forever with a fresh date.
	if !containsString(a.signedHeaders, strings.ToLower(headerSdkDate)) {
		return errAuthSignature()
	}
	cr, err := canonicalRequest(r, a.signedHeaders, body)
	if err != nil {
		return errAuthSignature()
	}
	sum := sha256.Sum256([]byte(cr))
	sts := sigAlgorithm + "\n" + t.UTC().Format(sigDateFormat) + "\n" + hex.EncodeToString(sum[:])
	mac := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	mac.Write([]byte(sts))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(a.signature))) {
		return errAuthSignature()
	}
	return nil
}

// canonicalRequest rebuilds the SDK's canonical request from what arrived
// on the wire: method, URI (each segment escaped, trailing slash added),
// sorted query, signed headers, and the body hash (or the value of
// X-Sdk-Content-Sha256, which the SDK sends as UNSIGNED-PAYLOAD for
// non-JSON bodies).
func canonicalRequest(r *http.Request, signed []string, body []byte) (string, error) {
	uri, err := canonicalURI(r.URL.EscapedPath())
	if err != nil {
		return "", err
	}
	query, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	hash := r.Header.Get(headerContentSHA)
	if hash == "" {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	return strings.Join([]string{
		r.Method, uri, query, canonicalHeaders(r, signed), strings.Join(signed, ";"), hash,
	}, "\n"), nil
}

func canonicalURI(escapedPath string) (string, error) {
	segs := strings.Split(escapedPath, "/")
	for i, seg := range segs {
		u, err := url.PathUnescape(seg)
		if err != nil {
			return "", err
		}
		segs[i] = sdkEscape(u)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p, nil
}

func canonicalQuery(rawQuery string) (string, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", err
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, sdkEscape(k)+"="+sdkEscape(v))
		}
	}
	return strings.Join(parts, "&"), nil
}

func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		var vals []string
		if name == "host" {
			vals = []string{r.Host}
		} else {
			vals = append(vals, r.Header.Values(name)...)
		}
		sort.Strings(vals)
		for _, v := range vals {
			b.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	if b.Len() == 0 {
		return "\n"
	}
	return b.String()
}

// sdkEscape is the SDK signer's escape: everything but A-Z a-z 0-9 _ - ~ .
// becomes %XX with upper-case hex.
func sdkEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
