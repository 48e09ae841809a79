package metrics

import (
	"context"
	"regexp"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

// Outcome label values of dcs_dashboard_upstream_request_duration_seconds,
// one per dcs.ErrorKind plus success. OutcomeOther is an error that is not a
// *dcs.APIError (dcs.Client never returns one; a test double or a future
// wrapper might) or an ErrorKind this package does not know yet.
const (
	OutcomeOK            = "ok"
	OutcomeErrorResponse = "error_response"
	OutcomeTimeout       = "timeout"
	OutcomeNetwork       = "network"
	OutcomeDecode        = "decode"
	OutcomeConfig        = "config"
	OutcomeOther         = other
)

// CodeNone is the code label of a call that carried no DCS error code.
const CodeNone = "none"

// codeShape is what a real DCS or API Gateway error code looks like. Any
// other code (an HTML page, a message in the code field, a new scheme) is
// recorded as "other": the API's answer must not choose our series.
var codeShape = regexp.MustCompile(`^(DCS|APIGW)\.[0-9]{4}$`)

// Instrument wraps next so every call records its duration in
// dcs_dashboard_upstream_request_duration_seconds, labelled with the
// target (a configured name), the operation (a dcs.Op* name), the outcome
// and the capped DCS error code.
// Results and errors pass through unchanged, including wrapped errors.
//
// Wrap a service once: wrapping twice counts twice.
// next must not be nil; Instrument panics at once rather than at the first
// request.
func (m *Metrics) Instrument(next dcs.TaskService, target string) dcs.TaskService {
	if next == nil {
		panic("metrics: Instrument(nil)")
	}
	return &instrumented{m: m, next: next, target: target}
}

// instrumented records every call of the service it wraps, under the name
// of the target (region and project) it reaches.
type instrumented struct {
	m      *Metrics
	next   dcs.TaskService
	target string
}

func (s *instrumented) List(ctx context.Context, opt dcs.ListOptions) (dcs.TaskPage, error) {
	return timed(s.m, s.target, dcs.OpList, func() (dcs.TaskPage, error) { return s.next.List(ctx, opt) })
}

func (s *instrumented) Show(ctx context.Context, id string) (dcs.Task, error) {
	return timed(s.m, s.target, dcs.OpShow, func() (dcs.Task, error) { return s.next.Show(ctx, id) })
}

func (s *instrumented) Stats(ctx context.Context, id string) (dcs.Stats, error) {
	return timed(s.m, s.target, dcs.OpStats, func() (dcs.Stats, error) { return s.next.Stats(ctx, id) })
}

func (s *instrumented) Logs(ctx context.Context, id string, opt dcs.LogOptions) (dcs.LogPage, error) {
	return timed(s.m, s.target, dcs.OpLogs, func() (dcs.LogPage, error) { return s.next.Logs(ctx, id, opt) })
}

func (s *instrumented) Stop(ctx context.Context, id string) (dcs.StopAnswer, error) {
	return timed(s.m, s.target, dcs.OpStop, func() (dcs.StopAnswer, error) { return s.next.Stop(ctx, id) })
}

func (s *instrumented) BatchStop(ctx context.Context, ids []string) (dcs.BatchStopAnswer, error) {
	return timed(s.m, s.target, dcs.OpBatchStop, func() (dcs.BatchStopAnswer, error) { return s.next.BatchStop(ctx, ids) })
}

// timed runs call and records it under op. The operation label comes from
// the method called, not from APIError.Op, so it stays one of the dcs.Op*
// names whatever the error says.
func timed[T any](m *Metrics, target, op string, call func() (T, error)) (T, error) {
	start := time.Now()
	v, err := call()
	outcome, code := Classify(err)
	m.upstreamDuration.WithLabelValues(target, op, outcome, code).Observe(time.Since(start).Seconds())
	return v, err
}

// Classify returns the outcome and code labels for a call's error (nil is
// OutcomeOK and CodeNone). It is exported so code that calls the API
// outside Instrument can label alike.
func Classify(err error) (outcome, code string) {
	if err == nil {
		return OutcomeOK, CodeNone
	}
	apiErr, ok := dcs.AsAPIError(err)
	if !ok {
		return OutcomeOther, CodeNone
	}
	return outcomeOf(apiErr.Kind), CapCode(apiErr.Code)
}

func outcomeOf(k dcs.ErrorKind) string {
	switch k {
	case dcs.KindResponse:
		return OutcomeErrorResponse
	case dcs.KindTimeout:
		return OutcomeTimeout
	case dcs.KindNetwork:
		return OutcomeNetwork
	case dcs.KindDecode:
		return OutcomeDecode
	case dcs.KindConfig:
		return OutcomeConfig
	}
	return OutcomeOther
}

// CapCode returns code if it has the shape of a DCS or API Gateway error
// code (DCS.4957, APIGW.0301), CodeNone for "", and "other" for anything
// else, which keeps the code label's values bounded.
func CapCode(code string) string {
	switch {
	case code == "":
		return CodeNone
	case codeShape.MatchString(code):
		return code
	}
	return other
}
