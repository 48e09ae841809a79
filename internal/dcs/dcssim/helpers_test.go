package dcssim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	testAK      = "TESTAKDCSSIM0000001"
	testSK      = "test-secret-key-do-not-use"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 4, 1, 10, 57, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestSim(clk *fakeClock, stopDelay time.Duration) *Simulator {
	return New(Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, StopDelay: stopDelay, Now: clk.Now})
}

// testSign signs r like the SDK's signer does (the golden test in
// auth_test.go pins this port to signatures the SDK itself produced).
func testSign(r *http.Request, body []byte, ak, sk string, date time.Time) {
	r.Header.Set("X-Sdk-Date", date.UTC().Format(sigDateFormat))
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	}
	var signed []string
	for k := range r.Header {
		lk := strings.ToLower(k)
		// The SDK signs the headers it set itself; the transport adds
		// Content-Length and Accept-Encoding later, unsigned.
		switch lk {
		case "authorization", "content-length", "accept-encoding", "host":
			continue
		}
		if strings.HasPrefix(lk, "content-type") || strings.Contains(k, "_") {
			continue
		}
		signed = append(signed, lk)
	}
	sort.Strings(signed)
	cr, err := canonicalRequest(r, signed, body)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256([]byte(cr))
	sts := sigAlgorithm + "\n" + date.UTC().Format(sigDateFormat) + "\n" + hex.EncodeToString(sum[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	r.Header.Set("Authorization", sigAlgorithm+" Access="+ak+", SignedHeaders="+strings.Join(signed, ";")+
		", Signature="+hex.EncodeToString(mac.Sum(nil)))
}

// result is a decoded answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r result) errorCode(t *testing.T) string {
	t.Helper()
	var e errorBody
	r.json(t, &e)
	return e.ErrorCode
}

// client sends signed requests straight to a simulator's ServeHTTP, with
// X-Project-Id as the SDK sends it: project, or testProject if empty.
type client struct {
	t       *testing.T
	sim     *Simulator
	clk     *fakeClock
	project string
}

func (c client) do(method, path string, query url.Values, body []byte) result {
	c.t.Helper()
	u := "http://127.0.0.1:8090" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	r := httptest.NewRequest(method, u, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	project := c.project
	if project == "" {
		project = testProject
	}
	r.Header.Set("X-Project-Id", project)
	date := time.Now()
	if c.clk != nil {
		date = c.clk.Now()
	}
	testSign(r, body, testAK, testSK, date)
	r.Body = io.NopCloser(bytes.NewReader(body))
	w := httptest.NewRecorder()
	c.sim.ServeHTTP(w, r)
	return result{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

func (c client) get(path string, query url.Values) result { return c.do("GET", path, query, nil) }

func taskPath(id string, suffix ...string) string {
	p := "/v2/" + testProject + "/migration-task/" + id
	for _, s := range suffix {
		p += "/" + s
	}
	return p
}

func listPath() string { return "/v2/" + testProject + "/migration-tasks" }
