package metrics

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// isolateSDKEnv keeps the developer's Huawei Cloud settings out of the test,
// as the dcs package's own tests do.
func isolateSDKEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "HUAWEICLOUD_SDK_") {
			t.Setenv(name, "")
		}
	}
	dir := t.TempDir()
	t.Setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("HUAWEICLOUD_SDK_REGIONS_FILE", filepath.Join(dir, "no-regions.yaml"))
}

func simClient(t *testing.T, endpoint string) *dcs.Client {
	t.Helper()
	c, err := dcs.NewClient(dcs.Config{Endpoint: endpoint, ProjectID: "proj", AccessKey: "AK", SecretKey: "SK",
		Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("dcs.NewClient: %v", err)
	}
	return c
}

// TestInstrumentRealClient drives the real dcs.Client against the simulator,
// so each outcome class comes from an APIError the client itself built.
func TestInstrumentRealClient(t *testing.T) {
	isolateSDKEnv(t)
	sim := dcssim.New(dcssim.Config{ProjectID: "proj", AccessKey: "AK", SecretKey: "SK"})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	m := New("v", "r", "go")
	svc := m.Instrument(simClient(t, srv.URL), testTarget)

	forbidden, junk, malformed, slow := dcssim.SeedID(0), dcssim.SeedID(1), dcssim.SeedID(2), dcssim.SeedID(3)
	sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{
		forbidden: {Status: 403, Code: "DCS.2003", Message: "No permission."},
		junk:      {Status: 400, Code: "not a code", Message: "odd"},
		malformed: {Malformed: true},
		slow:      {Delay: 2 * time.Second},
	}})
	ctx := context.Background()
	type obs struct{ op, outcome, code string }
	wantErr := func(name string, err error, kind dcs.ErrorKind) {
		t.Helper()
		if apiErr, ok := dcs.AsAPIError(err); !ok || apiErr.Kind != kind {
			t.Fatalf("%s: error %v, want an APIError of kind %d", name, err, kind)
		}
	}

	if _, err := svc.List(ctx, dcs.ListOptions{Limit: 5}); err != nil {
		t.Fatalf("List: %v", err)
	}
	_, err := svc.Show(ctx, forbidden)
	wantErr("403", err, dcs.KindResponse)
	_, err = svc.Stats(ctx, junk)
	wantErr("junk code", err, dcs.KindResponse)
	_, err = svc.Show(ctx, malformed)
	wantErr("malformed", err, dcs.KindDecode)
	_, err = svc.Stop(ctx, slow)
	wantErr("slow", err, dcs.KindTimeout)
	_, err = svc.Logs(ctx, "../../etc", dcs.LogOptions{})
	wantErr("bad id", err, dcs.KindConfig)

	// Nothing listens on loopback's port 1 (privileged, served by nothing):
	// the connection is refused, as it is sure to be there.
	closed := "http://127.0.0.1:1"
	_, err = m.Instrument(simClient(t, closed), testTarget).Show(ctx, dcssim.SeedID(0))
	wantErr("refused", err, dcs.KindNetwork)

	want := map[string]obs{
		"ok":        {dcs.OpList, "ok", "none"},
		"403":       {dcs.OpShow, "error_response", "DCS.2003"},
		"junk code": {dcs.OpStats, "error_response", "other"},
		"malformed": {dcs.OpShow, "decode", "none"},
		"slow":      {dcs.OpStop, "timeout", "none"},
		"bad id":    {dcs.OpLogs, "config", "none"},
		"refused":   {dcs.OpShow, "network", "none"},
	}
	for name, w := range want {
		if got := histogramCount(t, m, upstreamMetric, upstreamLabels(w.op, w.outcome, w.code)); got != 1 {
			t.Errorf("%s: %s{outcome=%q,code=%q} has %d observations, want 1", name, w.op, w.outcome, w.code, got)
		}
	}
}
