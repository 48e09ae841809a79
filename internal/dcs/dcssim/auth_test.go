package dcssim

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sdkGolden are raw requests exactly as the official SDK (v0.1.207) sent
// them: request.HttpRequestBuilder + signer.Sign + ConvertRequest, dated at
// newFakeClock's time. They were captured by TestSDKGoldenDump in
// sdk_test.go (DCSSIM_DUMP=1), next to the tests that run the SDK live.
var sdkGolden = []string{
	"GET /v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/migration-tasks?limit=5&name=%E8%AE%A2%E5%8D%95%20cache%2Bx%2Fy&offset=10 HTTP/1.1\r\nHost: 127.0.0.1:34185\r\nAccept-Encoding: gzip\r\nAuthorization: SDK-HMAC-SHA256 Access=TESTAKDCSSIM0000001, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=c61df072369a494356686cbca8cf3a53a3ece2cd8275e7b83a1fc19a0bccc49e\r\nContent-Type: application/json\r\nUser-Agent: huaweicloud-usdk-go/3.0\r\nX-Project-Id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9\r\nX-Sdk-Date: 20240401T105700Z\r\n\r\n",
	"GET /v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/migration-task/567b2d0f-ba04-42d6-8f9c-14dea12ac619/logs?limit=3&log_level=ERROR&offset=0 HTTP/1.1\r\nHost: 127.0.0.1:34185\r\nAccept-Encoding: gzip\r\nAuthorization: SDK-HMAC-SHA256 Access=TESTAKDCSSIM0000001, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=f4cc46e5c0d20b497aa8cf9e3d759f95ccfb1fdcbe66a4b3479df26a43ed088b\r\nContent-Type: application/json\r\nUser-Agent: huaweicloud-usdk-go/3.0\r\nX-Project-Id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9\r\nX-Sdk-Date: 20240401T105700Z\r\n\r\n",
	"POST /v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/migration-task/567b2d0f-ba04-42d6-8f9c-14dea12ac619/stop HTTP/1.1\r\nHost: 127.0.0.1:34185\r\nAccept-Encoding: gzip\r\nAuthorization: SDK-HMAC-SHA256 Access=TESTAKDCSSIM0000001, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=fe2737b8e38e77f74a3cf44e80c82c5815c0c061c8fd9e7bae58351abf442c32\r\nContent-Length: 0\r\nContent-Type: application/json\r\nUser-Agent: huaweicloud-usdk-go/3.0\r\nX-Project-Id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9\r\nX-Sdk-Date: 20240401T105700Z\r\n\r\n",
	"POST /v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/migration-task/batch-stop HTTP/1.1\r\nHost: 127.0.0.1:34185\r\nAccept-Encoding: gzip\r\nAuthorization: SDK-HMAC-SHA256 Access=TESTAKDCSSIM0000001, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=30bb5e67f10b5f1cb08edb49a7e516c5f76aababb0e74a4e48fd3e4e04dc5fe0\r\nContent-Length: 100\r\nContent-Type: application/json\r\nUser-Agent: huaweicloud-usdk-go/3.0\r\nX-Project-Id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9\r\nX-Sdk-Date: 20240401T105700Z\r\n\r\n{\"migration_tasks\":[\"567b2d0f-ba04-42d6-8f9c-14dea12ac619\",\"0bb0204d-9719-4f82-b7e9-f582b4c54f01\"]}\n",
}

func readGolden(t *testing.T, raw string) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r, body
}

func serve(sim *Simulator, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	sim.ServeHTTP(w, r)
	return w
}

func TestVerifierAcceptsSDKSignatures(t *testing.T) {
	sim := newTestSim(newFakeClock(), 0)
	for i, raw := range sdkGolden {
		r, body := readGolden(t, raw)
		want := r.Header.Get("Authorization")
		if w := serve(sim, r); w.Code != http.StatusOK {
			t.Fatalf("golden %d (%s %s): %d %s", i, r.Method, r.URL, w.Code, w.Body)
		}
		// The test signer used everywhere else reproduces the SDK's header.
		r2, _ := readGolden(t, raw)
		r2.Header.Del("Authorization")
		r2.Header.Del("Accept-Encoding") // added by the transport, not signed by the SDK
		testSign(r2, body, testAK, testSK, newFakeClock().Now())
		if got := r2.Header.Get("Authorization"); got != want {
			t.Errorf("golden %d: test signer gives\n%s\nSDK gave\n%s", i, got, want)
		}
	}
}

func TestVerifierRejectsTampering(t *testing.T) {
	tamper := []struct {
		name string
		edit func(r *http.Request) []byte // returns the new body, or nil to keep it
		code string
	}{
		{"query value", func(r *http.Request) []byte {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "limit=", "limit=9", 1)
			return nil
		}, "DCS.1003"},
		{"extra query param", func(r *http.Request) []byte { r.URL.RawQuery += "&x=1"; return nil }, "DCS.1003"},
		{"body", func(r *http.Request) []byte { return []byte(`{"migration_tasks":[]}`) }, "DCS.1003"},
		{"signed header", func(r *http.Request) []byte { r.Header.Set("X-Project-Id", "other"); return nil }, "DCS.1003"},
		{"path", func(r *http.Request) []byte {
			r.URL.Path = strings.Replace(r.URL.Path, testProject, "ffffffffffffffffffffffffffffffff", 1)
			return nil
		}, "DCS.1003"},
		{"signature", func(r *http.Request) []byte {
			r.Header.Set("Authorization", regexp.MustCompile(`Signature=[0-9a-f]{4}`).ReplaceAllString(r.Header.Get("Authorization"), "Signature=0000"))
			return nil
		}, "DCS.1003"},
		{"date", func(r *http.Request) []byte { r.Header.Set("X-Sdk-Date", "20240401T105701Z"); return nil }, "DCS.1003"},
		{"unsigned date", func(r *http.Request) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-sdk-date", "", 1))
			return nil
		}, "DCS.1003"},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			sim := newTestSim(newFakeClock(), 0)
			for i, raw := range sdkGolden {
				r, _ := readGolden(t, raw)
				if tc.name == "body" && r.Method != "POST" || tc.name == "query value" && r.URL.RawQuery == "" {
					continue
				}
				if b := tc.edit(r); b != nil {
					r.Body = io.NopCloser(bytes.NewReader(b))
				}
				w := serve(sim, r)
				if w.Code != http.StatusUnauthorized && w.Code != http.StatusNotFound {
					t.Fatalf("golden %d: %d %s", i, w.Code, w.Body)
				}
				if tc.code != "" && !strings.Contains(w.Body.String(), tc.code) {
					t.Fatalf("golden %d: want %s, got %s", i, tc.code, w.Body)
				}
			}
		})
	}
}

func TestAuthFailures(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	cases := []struct {
		name string
		prep func(r *http.Request)
		code string
	}{
		{"no authorization", func(r *http.Request) { r.Header.Del("Authorization") }, "DCS.1001"},
		{"other scheme", func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }, "DCS.1001"},
		{"garbled", func(r *http.Request) { r.Header.Set("Authorization", "SDK-HMAC-SHA256 nonsense") }, "DCS.1001"},
		{"unknown ak", func(r *http.Request) { testSign(r, nil, "OTHER", testSK, clk.Now()) }, "DCS.1002"},
		{"wrong sk", func(r *http.Request) { testSign(r, nil, testAK, "wrong", clk.Now()) }, "DCS.1003"},
		{"16 min late", func(r *http.Request) { testSign(r, nil, testAK, testSK, clk.Now().Add(-16*time.Minute)) }, "DCS.1004"},
		{"16 min early", func(r *http.Request) { testSign(r, nil, testAK, testSK, clk.Now().Add(16*time.Minute)) }, "DCS.1004"},
		{"no date", func(r *http.Request) { r.Header.Del("X-Sdk-Date") }, "DCS.1004"},
		{"bad date", func(r *http.Request) { r.Header.Set("X-Sdk-Date", "yesterday") }, "DCS.1004"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://127.0.0.1"+listPath()+"?limit=3&offset=1", nil)
			testSign(r, nil, testAK, testSK, clk.Now().Add(14*time.Minute)) // within the window
			tc.prep(r)
			w := serve(sim, r)
			if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `"error_code":"`+tc.code+`"`) {
				t.Fatalf("got %d %s, want 401 %s", w.Code, w.Body, tc.code)
			}
		})
	}
	if n := sim.Calls(OpList); n != 0 {
		t.Errorf("failed authentication counted as %d calls", n)
	}
}

func TestProjectRouteAndHeaders(t *testing.T) {
	clk := newFakeClock()
	c := client{t: t, sim: newTestSim(clk, 0), clk: clk}
	cases := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"wrong project", "GET", "/v2/ffffffffffffffffffffffffffffffff/migration-tasks", 404, "DCS.4001"},
		{"unknown path", "GET", "/v2/" + testProject + "/instances", 404, "APIGW.0101"},
		{"trailing slash", "GET", listPath() + "/", 404, "APIGW.0101"},
		{"wrong method", "DELETE", taskPath(SeedID(0)), 404, "APIGW.0101"},
		{"stop by GET", "GET", taskPath(SeedID(0), "stop"), 404, "APIGW.0101"},
		{"v1", "GET", "/v1/" + testProject + "/migration-tasks", 404, "APIGW.0101"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.do(tc.method, tc.path, nil, nil)
			if res.status != tc.status || res.errorCode(t) != tc.code {
				t.Fatalf("got %d %s", res.status, res.body)
			}
		})
	}
	seen := map[string]bool{}
	for range 5 {
		res := c.get(listPath(), nil)
		id := res.header.Get("X-Request-Id")
		if _, err := hex.DecodeString(id); err != nil || len(id) != 32 || seen[id] {
			t.Fatalf("bad or repeated X-Request-Id %q", id)
		}
		seen[id] = true
		if ct := res.header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
	}
	_ = url.Values{}
}
