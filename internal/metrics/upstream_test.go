package metrics

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

const upstreamMetric = "dcs_dashboard_upstream_request_duration_seconds"

// testTarget is the target the tests' services are instrumented under.
const testTarget = "bj-prod"

// fakeService answers every call with fixed values and err.
type fakeService struct{ err error }

var (
	fakePage  = dcs.TaskPage{Tasks: []dcs.Task{{ID: "t1"}}, Total: 1}
	fakeTask  = dcs.Task{ID: "t1", Status: dcs.Status("MIGRATING")}
	fakeStats = dcs.Stats{}
	fakeLogs  = dcs.LogPage{Total: 3}
	fakeStop  = dcs.StopAnswer{Task: fakeTask, Call: dcs.Call{HTTPStatus: 200, RequestID: "req-1"}}
	fakeStops = dcs.BatchStopAnswer{Results: []dcs.StopResult{{TaskID: "t1", Accepted: true}}, Call: dcs.Call{HTTPStatus: 200, RequestID: "req-2"}}
)

func (f *fakeService) List(context.Context, dcs.ListOptions) (dcs.TaskPage, error) {
	return fakePage, f.err
}
func (f *fakeService) Show(context.Context, string) (dcs.Task, error)   { return fakeTask, f.err }
func (f *fakeService) Stats(context.Context, string) (dcs.Stats, error) { return fakeStats, f.err }
func (f *fakeService) Logs(context.Context, string, dcs.LogOptions) (dcs.LogPage, error) {
	return fakeLogs, f.err
}
func (f *fakeService) Stop(context.Context, string) (dcs.StopAnswer, error) { return fakeStop, f.err }

func (f *fakeService) BatchStop(context.Context, []string) (dcs.BatchStopAnswer, error) {
	return fakeStops, f.err
}

func upstreamLabels(op, outcome, code string) map[string]string {
	return map[string]string{"target": testTarget, "operation": op, "outcome": outcome, "code": code}
}

func TestInstrumentOutcomes(t *testing.T) {
	cases := []struct {
		name          string
		err           error
		outcome, code string
	}{
		{"ok", nil, "ok", "none"},
		{"response with code", &dcs.APIError{Kind: dcs.KindResponse, HTTPStatus: 400, Code: "DCS.4957"}, "error_response", "DCS.4957"},
		{"gateway code", &dcs.APIError{Kind: dcs.KindResponse, HTTPStatus: 429, Code: "APIGW.0308"}, "error_response", "APIGW.0308"},
		{"response without code", &dcs.APIError{Kind: dcs.KindResponse, HTTPStatus: 502}, "error_response", "none"},
		{"junk code", &dcs.APIError{Kind: dcs.KindResponse, HTTPStatus: 500, Code: "<html><body>oops"}, "error_response", "other"},
		{"timeout", &dcs.APIError{Kind: dcs.KindTimeout, Message: "no answer within 15s"}, "timeout", "none"},
		{"network", &dcs.APIError{Kind: dcs.KindNetwork, Message: "connection refused"}, "network", "none"},
		{"decode", &dcs.APIError{Kind: dcs.KindDecode, HTTPStatus: 200}, "decode", "none"},
		{"config", &dcs.APIError{Kind: dcs.KindConfig, Message: "invalid task id"}, "config", "none"},
		{"wrapped", fmt.Errorf("reading: %w", &dcs.APIError{Kind: dcs.KindTimeout}), "timeout", "none"},
		{"unknown kind", &dcs.APIError{Kind: dcs.ErrorKind(99)}, "other", "none"},
		{"not an APIError", errors.New("test double failed"), "other", "none"},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := New("v", "r", "go")
			svc := m.Instrument(&fakeService{err: c.err}, testTarget)

			page, err1 := svc.List(ctx, dcs.ListOptions{Limit: 10})
			task, err2 := svc.Show(ctx, "t1")
			stats, err3 := svc.Stats(ctx, "t1")
			logs, err4 := svc.Logs(ctx, "t1", dcs.LogOptions{Level: "ERROR"})
			stopped, err5 := svc.Stop(ctx, "t1")

			// Results and errors pass through untouched: the very same error
			// value, so errors.As and identity checks in handlers still work.
			for i, err := range []error{err1, err2, err3, err4, err5} {
				if err != c.err {
					t.Errorf("call %d returned %v, want the service's own error %v", i, err, c.err)
				}
			}
			if !reflect.DeepEqual(page, fakePage) || !reflect.DeepEqual(task, fakeTask) ||
				!reflect.DeepEqual(stats, fakeStats) || !reflect.DeepEqual(logs, fakeLogs) ||
				!reflect.DeepEqual(stopped, fakeStop) {
				t.Errorf("results changed on the way through")
			}

			for _, op := range []string{dcs.OpList, dcs.OpShow, dcs.OpStats, dcs.OpLogs, dcs.OpStop} {
				if got := histogramCount(t, m, upstreamMetric, upstreamLabels(op, c.outcome, c.code)); got != 1 {
					t.Errorf("%s{outcome=%q,code=%q}: %d observations, want 1", op, c.outcome, c.code, got)
				}
			}
			if n := len(series(t, m, upstreamMetric)); n != 5 {
				t.Errorf("%d upstream series, want 5 (one per operation)", n)
			}
		})
	}
}

func TestInstrumentBatchStop(t *testing.T) {
	m := New("v", "r", "go")

	refused := &dcs.APIError{Kind: dcs.KindResponse, HTTPStatus: 400, Code: "DCS.4960"}
	for _, err := range []error{nil, refused} {
		svc := m.Instrument(&fakeService{err: err}, testTarget)
		res, gotErr := svc.BatchStop(context.Background(), []string{"t1"})
		if gotErr != err || !reflect.DeepEqual(res, fakeStops) {
			t.Errorf("BatchStop = %v, %v; want %v, %v", res, gotErr, fakeStops, err)
		}
	}
	for _, l := range []map[string]string{
		upstreamLabels(dcs.OpBatchStop, "ok", "none"),
		upstreamLabels(dcs.OpBatchStop, "error_response", "DCS.4960"),
	} {
		if got := histogramCount(t, m, upstreamMetric, l); got != 1 {
			t.Errorf("%v: %d observations, want 1", l, got)
		}
	}
}

func TestInstrumentNilPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Instrument(nil) did not panic")
		}
	}()
	New("v", "r", "go").Instrument(nil, testTarget)
}

func TestCapCode(t *testing.T) {
	for code, want := range map[string]string{
		"":                  "none",
		"DCS.4957":          "DCS.4957",
		"DCS.0000":          "DCS.0000",
		"APIGW.0301":        "APIGW.0301",
		"DCS.495":           "other",
		"DCS.49570":         "other",
		"dcs.4957":          "other",
		"DCS-4957":          "other",
		"DCS.4957\n":        "other",
		" DCS.4957":         "other",
		"DCS.４９５７":          "other", // full-width digits are not [0-9]
		"IAM.0001":          "other",
		"<html>502</html>":  "other",
		"DCS.4957 APIGW.01": "other",
	} {
		if got := CapCode(code); got != want {
			t.Errorf("CapCode(%q) = %q, want %q", code, got, want)
		}
	}

	// The cap holds end to end: 100 distinct junk codes make one series.
	m := New("v", "r", "go")
	for i := range 100 {
		svc := m.Instrument(&fakeService{err: &dcs.APIError{Kind: dcs.KindResponse, Code: fmt.Sprintf("X%d", i)}}, testTarget)
		_, _ = svc.Show(context.Background(), "t1")
	}
	if got := histogramCount(t, m, upstreamMetric, upstreamLabels(dcs.OpShow, "error_response", "other")); got != 100 {
		t.Errorf("junk codes: %d observations under other, want 100", got)
	}
	if n := len(series(t, m, upstreamMetric)); n != 1 {
		t.Errorf("%d series after 100 junk codes, want 1", n)
	}
}
