package dcs

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// isolateEnv clears every HUAWEICLOUD_SDK_* variable and points the SDK's
// credentials and regions files at paths that do not exist, so nothing from
// the developer's machine leaks into a test.
func isolateEnv(t *testing.T) {
	t.Helper()
	names := []string{
		"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_DOMAIN_ID",
		"HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_IDP_ID", "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
		"HUAWEICLOUD_SDK_IAM_ENDPOINT", "HUAWEICLOUD_SDK_REGION_DCS_CN_NORTH_4",
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "HUAWEICLOUD_SDK_") {
			names = append(names, name)
		}
	}
	for _, name := range names {
		t.Setenv(name, "")
	}
	dir := t.TempDir()
	t.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("HUAWEICLOUD_SDK_REGIONS_FILE", filepath.Join(dir, "no-regions.yaml"))
}

// guard is a RoundTripper that refuses every request and records its URL:
// it proves what the SDK would have sent without anything leaving the process.
type guard struct {
	mu   sync.Mutex
	urls []string
}

func (g *guard) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.urls = append(g.urls, r.URL.String())
	return nil, errors.New("guard: no request may leave a test")
}

func (g *guard) seen() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.urls...)
}

func configError(t *testing.T, err error, wants ...string) {
	t.Helper()
	e, ok := AsAPIError(err)
	if !ok || e.Kind != KindConfig || e.Op != "NewClient" {
		t.Fatalf("error = %#v, want a KindConfig *APIError from NewClient", err)
	}
	for _, w := range wants {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not mention %q", e.Message, w)
		}
	}
}

func TestRegionClientResolvesEndpointWithoutRequests(t *testing.T) {
	isolateEnv(t)
	g := &guard{}
	c, err := newClient(Config{Region: "cn-north-4", ProjectID: "proj-1", AccessKey: "ak", SecretKey: "sk"}, g)
	if err != nil {
		t.Fatalf("newClient: %v", err)
	}
	if got := c.Endpoint(); got != "https://dcs.cn-north-4.myhuaweicloud.com" {
		t.Errorf("Endpoint() = %q", got)
	}
	if urls := g.seen(); len(urls) != 0 {
		t.Fatalf("building a region client with a project id sent %v (IAM must not be asked)", urls)
	}

	// The SDK's own URL for a call, caught by the guard before any dial.
	_, err = c.Show(context.Background(), "task-1")
	if e, ok := AsAPIError(err); !ok || e.Kind != KindNetwork || e.Op != OpShow {
		t.Errorf("Show through the guard = %#v, want KindNetwork", err)
	}
	want := "https://dcs.cn-north-4.myhuaweicloud.com/v2/proj-1/migration-task/task-1"
	if urls := g.seen(); len(urls) != 1 || urls[0] != want {
		t.Errorf("the SDK built %v, want [%s]", urls, want)
	}
}

func TestRegionProjectIDFromEnvDoesNotCallIAM(t *testing.T) {
	isolateEnv(t)
	t.Setenv("HUAWEICLOUD_SDK_AK", "env-ak")
	t.Setenv("HUAWEICLOUD_SDK_SK", "env-sk")
	t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "env-proj")
	g := &guard{}
	if _, err := newClient(Config{Region: "ap-southeast-1"}, g); err != nil {
		t.Fatalf("newClient: %v", err)
	}
	if urls := g.seen(); len(urls) != 0 {
		t.Fatalf("sent %v", urls)
	}
}

func TestRegionWithoutProjectIDFallsBackToIAM(t *testing.T) {
	isolateEnv(t)
	g := &guard{}
	_, err := newClient(Config{Region: "cn-north-4", AccessKey: "ak", SecretKey: "sk", Timeout: time.Second}, g)
	configError(t, err, "project id", "-dcs-project-id", "HUAWEICLOUD_SDK_PROJECT_ID")
	urls := g.seen()
	if len(urls) != 1 || !strings.Contains(urls[0], "iam") {
		t.Errorf("requests = %v, want the SDK's IAM project lookup (refused by the guard)", urls)
	}
}

func TestUnknownRegion(t *testing.T) {
	isolateEnv(t)
	_, err := newClient(Config{Region: "xx-nowhere-9", ProjectID: "p", AccessKey: "ak", SecretKey: "sk"}, &guard{})
	configError(t, err, "unknown", "xx-nowhere-9", "cn-north-4")
}

func TestEndpointNeedsProjectID(t *testing.T) {
	isolateEnv(t)
	_, err := newClient(Config{Endpoint: "http://127.0.0.1:1", AccessKey: "ak", SecretKey: "sk"}, &guard{})
	configError(t, err, "-dcs-project-id", "HUAWEICLOUD_SDK_PROJECT_ID")
}

func TestProjectIDSources(t *testing.T) {
	t.Run("env credentials", func(t *testing.T) {
		isolateEnv(t)
		t.Setenv("HUAWEICLOUD_SDK_AK", "env-ak")
		t.Setenv("HUAWEICLOUD_SDK_SK", "env-sk")
		t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "env-proj")
		if _, err := newClient(Config{Endpoint: "http://127.0.0.1:1"}, &guard{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("credentials file", func(t *testing.T) {
		isolateEnv(t)
		path := filepath.Join(t.TempDir(), "credentials")
		ini := "[basic]\nak = file-ak\nsk = file-sk\nproject_id = file-proj\n"
		if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", path)
		if _, err := newClient(Config{Endpoint: "http://127.0.0.1:1"}, &guard{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("explicit keys with env project id", func(t *testing.T) {
		isolateEnv(t)
		t.Setenv("HUAWEICLOUD_SDK_PROJECT_ID", "env-proj")
		if _, err := newClient(Config{Endpoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "s"}, &guard{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestNoCredentialsAndNoMetadata(t *testing.T) {
	isolateEnv(t)
	start := time.Now()
	_, err := newClient(Config{Endpoint: "http://127.0.0.1:1", ProjectID: "p"}, &guard{})
	configError(t, err, "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_CREDENTIALS_FILE", "metadata")
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s: something waited on the network", d)
	}
}

func TestConfigValidation(t *testing.T) {
	isolateEnv(t)
	base := Config{ProjectID: "p", AccessKey: "ak", SecretKey: "sk"}
	for name, c := range map[string]struct {
		mod  func(*Config)
		want string
	}{
		"neither":          {func(c *Config) {}, "region"},
		"both":             {func(c *Config) { c.Region, c.Endpoint = "cn-north-4", "http://127.0.0.1:1" }, "not both"},
		"path":             {func(c *Config) { c.Endpoint = "http://127.0.0.1:1/prefix" }, "scheme, host and port"},
		"user info":        {func(c *Config) { c.Endpoint = "http://u:p@127.0.0.1:1" }, "user info"},
		"scheme":           {func(c *Config) { c.Endpoint = "ftp://127.0.0.1" }, "http or https"},
		"no host":          {func(c *Config) { c.Endpoint = "http://" }, "no host"},
		"negative timeout": {func(c *Config) { c.Endpoint, c.Timeout = "http://127.0.0.1:1", -time.Second }, "negative"},
		"half a key":       {func(c *Config) { c.Endpoint, c.SecretKey = "http://127.0.0.1:1", "" }, "both an access key and a secret key"},
		"token alone": {func(c *Config) {
			c.Endpoint, c.AccessKey, c.SecretKey, c.SecurityToken = "http://127.0.0.1:1", "", "", "tok"
		}, "security token"},
	} {
		cfg := base
		c.mod(&cfg)
		_, err := newClient(cfg, &guard{})
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if e, _ := AsAPIError(err); e == nil || e.Kind != KindConfig || !strings.Contains(e.Message, c.want) {
			t.Errorf("%s: error = %v, want KindConfig mentioning %q", name, err, c.want)
		}
	}

	cfg := base
	cfg.Endpoint = "http://127.0.0.1:1/"
	c, err := newClient(cfg, &guard{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint() != "http://127.0.0.1:1" || c.timeout != DefaultTimeout {
		t.Errorf("endpoint %q timeout %s, want trailing slash dropped and the default timeout", c.Endpoint(), c.timeout)
	}
}
