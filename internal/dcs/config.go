package dcs

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/provider"
	sdkregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	dcsregion "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/region"
)

// DefaultTimeout bounds a call when Config.Timeout is zero. The SDK's own
// default (120 s) is far longer than anyone waits for a page.
const DefaultTimeout = 15 * time.Second

// projectIDEnv is the SDK's own variable for the project id; it is named in
// error messages and read as a fallback for explicit keys, never invented.
const projectIDEnv = "HUAWEICLOUD_SDK_PROJECT_ID"

// Config says where the DCS API is and who calls it.
type Config struct {
	// Region is an SDK region id (cn-north-4, ...), resolved through the DCS
	// service's region table. Exactly one of Region and Endpoint is set.
	Region string
	// Endpoint is an explicit base URL (simulator or private endpoint), such
	// as http://127.0.0.1:8080. It must not carry a path, query or user info.
	Endpoint string
	// ProjectID is required with Endpoint unless the credentials carry one
	// (HUAWEICLOUD_SDK_PROJECT_ID, or project_id in the credentials file; with
	// explicit keys, HUAWEICLOUD_SDK_PROJECT_ID). With Region and no project
	// id anywhere, the SDK asks IAM for it while NewClient runs.
	ProjectID string
	// Timeout bounds every call; 0 means DefaultTimeout.
	Timeout time.Duration
	// UseMetadata allows the ECS metadata credential provider
	// (http://169.254.169.254). It is off unless explicitly chosen, because
	// outside ECS it means a network call to an address nobody expects.
	UseMetadata bool
	// AccessKey, SecretKey and SecurityToken are explicit credentials (demo
	// mode, tests). Empty means the SDK's provider chain: environment
	// (HUAWEICLOUD_SDK_AK, ...), the credentials profile file, and ECS
	// metadata when UseMetadata is set.
	AccessKey, SecretKey, SecurityToken string
}

// target is a validated Config: where requests go and what signs them.
type target struct {
	region   *sdkregion.Region // nil with an explicit endpoint
	endpoint string
	cred     *auth.BasicCredentials
	timeout  time.Duration
}

// resolve checks cfg and finds its credentials. It sends nothing.
func (cfg Config) resolve() (target, error) {
	var t target
	t.timeout = cfg.Timeout
	switch {
	case cfg.Timeout < 0:
		return t, fmt.Errorf("the timeout must not be negative (got %s)", cfg.Timeout)
	case cfg.Timeout == 0:
		t.timeout = DefaultTimeout
	}

	region := strings.TrimSpace(cfg.Region)
	endpoint := strings.TrimSpace(cfg.Endpoint)
	switch {
	case region != "" && endpoint != "":
		return t, fmt.Errorf("set either a region (%q) or an endpoint (%q), not both", region, endpoint)
	case region == "" && endpoint == "":
		return t, fmt.Errorf("set a region (such as cn-north-4) or an endpoint URL")
	case region != "":
		reg, err := dcsregion.SafeValueOf(region)
		if err != nil || reg == nil || len(reg.Endpoints) == 0 {
			return t, fmt.Errorf("unknown DCS region %q: %v", region, err)
		}
		t.region = reg
		t.endpoint = withScheme(reg.Endpoints[0])
	default:
		ep, err := checkEndpoint(endpoint)
		if err != nil {
			return t, err
		}
		t.endpoint = ep
	}

	cred, err := cfg.credentials()
	if err != nil {
		return t, err
	}
	// An explicit project id beats whatever the credential source carried.
	if pid := strings.TrimSpace(cfg.ProjectID); pid != "" {
		cred.ProjectId = pid
	}
	if t.region == nil && cred.ProjectId == "" {
		// Without a project id the SDK would send "/v2/{project_id}/..." as is.
		return t, fmt.Errorf("a project id is required with an explicit endpoint: "+
			"set -dcs-project-id or %s (or project_id in the credentials file)", projectIDEnv)
	}
	t.cred = cred
	return t, nil
}

// withScheme mirrors the SDK's builder, which prefixes https:// to a bare host.
func withScheme(ep string) string {
	if !strings.HasPrefix(ep, "http") {
		return "https://" + ep
	}
	return ep
}

// checkEndpoint accepts only scheme://host[:port]: the SDK replaces the URL
// path with the API path, so a path prefix would silently vanish, and user
// info would be a password in a URL.
func checkEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("invalid endpoint URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("invalid endpoint URL %q: the scheme must be http or https", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("invalid endpoint URL %q: no host", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("invalid endpoint URL: it must not contain user info")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("invalid endpoint URL %q: give only scheme, host and port", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// credentials returns explicit keys if given, else the first source of the
// SDK's providers that has some. The SDK's DefaultCredentialProviderChain is
// not used: it always falls through to the ECS metadata service.
func (cfg Config) credentials() (*auth.BasicCredentials, error) {
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		if cfg.AccessKey == "" || cfg.SecretKey == "" {
			return nil, fmt.Errorf("explicit credentials need both an access key and a secret key")
		}
		cred, err := auth.NewBasicCredentialsBuilder().
			WithAk(cfg.AccessKey).WithSk(cfg.SecretKey).WithSecurityToken(cfg.SecurityToken).
			WithProjectId(os.Getenv(projectIDEnv)).
			SafeBuild()
		if err != nil {
			return nil, fmt.Errorf("invalid explicit credentials: %v", err)
		}
		return cred, nil
	}
	if cfg.SecurityToken != "" {
		return nil, fmt.Errorf("a security token needs an explicit access key and secret key")
	}

	providers := []provider.ICredentialProvider{
		provider.BasicCredentialEnvProvider(),
		provider.BasicCredentialProfileProvider(),
	}
	if cfg.UseMetadata {
		providers = append(providers, provider.BasicCredentialMetadataProvider())
	}
	ic, err := provider.NewCredentialProviderChain(providers).GetCredentials()
	if err != nil {
		hint := ""
		if !cfg.UseMetadata {
			hint = ", or enable the ECS metadata credential provider"
		}
		return nil, fmt.Errorf("no Huawei Cloud credentials found: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, "+
			"or write them to the credentials file (HUAWEICLOUD_SDK_CREDENTIALS_FILE, default ~/.huaweicloud/credentials)%s (%s)",
			hint, oneLine(err.Error()))
	}
	cred, ok := ic.(*auth.BasicCredentials)
	if !ok || cred == nil {
		return nil, fmt.Errorf("the credential provider returned %T, not basic (project) credentials", ic)
	}
	return cred, nil
}

// oneLine joins the SDK's multi-line provider errors so a log line stays one line.
func oneLine(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	return strings.Join(fields, "; ")
}
