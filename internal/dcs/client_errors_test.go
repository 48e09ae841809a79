package dcs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

func TestClientWrongSecretKey(t *testing.T) {
	sim, c := simClient(t, func(cfg *dcs.Config) { cfg.SecretKey = "not-the-secret" })
	_, err := c.Show(context.Background(), dcssim.SeedID(0))
	e := wantAPIError(t, err, dcs.OpShow, dcs.KindResponse)
	if e.HTTPStatus != 401 || !strings.HasPrefix(e.Code, "DCS.100") || e.RequestID == "" || e.Ambiguous() {
		t.Errorf("wrong SK = %#v, want 401 DCS.100x with a request id, not ambiguous", e)
	}
	if strings.Contains(e.Error(), "not-the-secret") {
		t.Errorf("the error shows the secret key: %s", e)
	}
	if n := sim.Calls(dcssim.OpShow); n != 0 {
		t.Errorf("an unauthenticated call was counted: %d", n)
	}
}

func TestClientForbidden(t *testing.T) {
	sim, c := simClient(t, nil)
	id := dcssim.SeedID(0)
	sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {Status: 403, Code: "DCS.2003", Message: "No permission."}}})
	_, err := c.Show(context.Background(), id)
	e := wantAPIError(t, err, dcs.OpShow, dcs.KindResponse)
	if e.HTTPStatus != 403 || e.Code != "DCS.2003" || e.Message != "No permission." || e.Ambiguous() {
		t.Errorf("403 = %#v", e)
	}
}

func TestClientNotFound(t *testing.T) {
	_, c := simClient(t, nil)
	_, err := c.Show(context.Background(), "00000000-0000-4000-8000-000000000000")
	e := wantAPIError(t, err, dcs.OpShow, dcs.KindResponse)
	if e.HTTPStatus != 404 || e.Code != "DCS.4133" || !e.NotFound() || e.Ambiguous() {
		t.Errorf("unknown id = %#v, want 404 DCS.4133 NotFound", e)
	}

	_, err = c.Stats(context.Background(), "../../etc")
	wantAPIError(t, err, dcs.OpStats, dcs.KindConfig) // refused before any call
}

func TestClientServerErrorWithHTMLPage(t *testing.T) {
	sim, c := simClient(t, nil)
	id := firstWith(t, sim, "MIGRATING")
	sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {HTML: true, Status: 500}}})
	_, err := c.Stop(context.Background(), id)
	e := wantAPIError(t, err, dcs.OpStop, dcs.KindResponse)
	if e.HTTPStatus != 500 || e.Code != "" || !e.Ambiguous() {
		t.Errorf("HTML 500 = %#v, want 500 without code, ambiguous", e)
	}
	if strings.Contains(strings.ToLower(e.Error()), "<html") || strings.Contains(e.Error(), "nginx") {
		t.Errorf("the error copies the HTML page: %s", e)
	}
	if !strings.Contains(e.Message, "without a DCS error body") {
		t.Errorf("message = %q", e.Message)
	}
}

func TestClientTimeoutStopSentOnce(t *testing.T) {
	const timeout = 300 * time.Millisecond
	sim, c := simClient(t, func(cfg *dcs.Config) { cfg.Timeout = timeout })
	id := firstWith(t, sim, "INCRMIGRATING")
	sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{
		id: {Ops: []dcssim.Op{dcssim.OpStop}, Delay: 5 * time.Second},
	}})
	start := time.Now()
	_, err := c.Stop(context.Background(), id)
	elapsed := time.Since(start)
	e := wantAPIError(t, err, dcs.OpStop, dcs.KindTimeout)
	if elapsed < timeout || elapsed > timeout+time.Second {
		t.Errorf("Stop returned after %s, want about %s", elapsed, timeout)
	}
	if !e.Ambiguous() || !strings.Contains(e.Message, "300ms") {
		t.Errorf("timeout = %#v, want ambiguous and naming the timeout", e)
	}
	// Give a retry, if there were one, time to arrive.
	time.Sleep(2 * timeout)
	if n := sim.Calls(dcssim.OpStop); n != 1 {
		t.Errorf("stop calls = %d, want exactly 1", n)
	}
}

func TestClientContextEndsFirst(t *testing.T) {
	sim, c := simClient(t, nil) // client timeout 5s
	id := dcssim.SeedID(0)
	sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {Delay: 5 * time.Second}}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Show(ctx, id)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Show returned after %s, want at the context's deadline", d)
	}
	wantAPIError(t, err, dcs.OpShow, dcs.KindTimeout)

	done, stop := context.WithCancel(context.Background())
	stop()
	_, err = c.Stop(done, firstWith(t, sim, "MIGRATING"))
	if e := wantAPIError(t, err, dcs.OpStop, dcs.KindTimeout); !strings.Contains(e.Message, "not sent") {
		t.Errorf("cancelled stop = %#v", e)
	}
	if n := sim.Calls(dcssim.OpStop); n != 0 {
		t.Errorf("a stop with a cancelled context was sent (%d calls)", n)
	}
}

func TestClientMalformedAnswer(t *testing.T) {
	sim, c := simClient(t, nil)
	id := firstWith(t, sim, "FULLMIGRATING")
	sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {Malformed: true}}})
	_, err := c.Show(context.Background(), id)
	e := wantAPIError(t, err, dcs.OpShow, dcs.KindDecode)
	if e.HTTPStatus != 200 || e.RequestID == "" || !e.Ambiguous() {
		t.Errorf("malformed = %#v, want status 200, a request id, and ambiguous (the API acted)", e)
	}
	for _, pw := range sim.Passwords() {
		if strings.Contains(e.Error(), pw) {
			t.Fatalf("the decode error quotes the body: %s", e)
		}
	}
	if strings.Contains(e.Error(), "task_id") {
		t.Errorf("the decode error quotes the body: %s", e)
	}
}

func TestClientConnectionRefused(t *testing.T) {
	dcs.IsolateEnv(t)
	// Port 1 on loopback: privileged and served by nothing, so sure to
	// refuse (a port found free and closed again could be taken by another
	// test's listener in between).
	addr := "127.0.0.1:1"
	c, err := dcs.NewClient(dcs.Config{Endpoint: "http://" + addr, ProjectID: simProject,
		AccessKey: simAK, SecretKey: simSK, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.List(context.Background(), dcs.ListOptions{})
	e := wantAPIError(t, err, dcs.OpList, dcs.KindNetwork)
	if e.HTTPStatus != 0 || !e.Ambiguous() || !strings.Contains(e.Message, "refused") {
		t.Errorf("connection refused = %#v", e)
	}
}

func TestClientEveryCallNamesItsOp(t *testing.T) {
	_, c := simClient(t, func(cfg *dcs.Config) { cfg.SecretKey = "wrong" })
	ctx, id := context.Background(), dcssim.SeedID(0)
	calls := map[string]func() error{
		dcs.OpList:      func() error { _, err := c.List(ctx, dcs.ListOptions{}); return err },
		dcs.OpShow:      func() error { _, err := c.Show(ctx, id); return err },
		dcs.OpStats:     func() error { _, err := c.Stats(ctx, id); return err },
		dcs.OpLogs:      func() error { _, err := c.Logs(ctx, id, dcs.LogOptions{}); return err },
		dcs.OpStop:      func() error { _, err := c.Stop(ctx, id); return err },
		dcs.OpBatchStop: func() error { _, err := c.BatchStop(ctx, []string{id}); return err },
	}
	for op, call := range calls {
		if e := wantAPIError(t, call(), op, dcs.KindResponse); e.HTTPStatus != 401 {
			t.Errorf("%s: %#v, want 401", op, e)
		}
	}
}
