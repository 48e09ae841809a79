package dcs

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	v2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"
)

// SDK operation names, used as APIError.Op.
const (
	OpList      = "ListMigrationTask"
	OpShow      = "ShowMigrationTask"
	OpStats     = "ShowMigrationTaskStats"
	OpLogs      = "ListMigrationTaskLogs"
	OpStop      = "StopMigrationTask"
	OpBatchStop = "BatchStopMigrationTasks"
)

// List returns one page of tasks. List items are flat, so only the summary
// fields of each Task are filled (Source.Name, Target.Name, Target.Addrs, ...).
func (c *Client) List(ctx context.Context, opt ListOptions) (TaskPage, error) {
	offset, limit, err := pageParams(OpList, opt.Offset, opt.Limit)
	if err != nil {
		return TaskPage{}, err
	}
	req := &model.ListMigrationTaskRequest{Offset: offset, Limit: limit}
	if name := strings.TrimSpace(opt.Name); name != "" {
		req.Name = &name
	}
	return call(ctx, c, OpList, req, v2.GenReqDefForListMigrationTask(), decodeTaskPage)
}

// Show returns one task in the detail shape.
func (c *Client) Show(ctx context.Context, id string) (Task, error) {
	req := &model.ShowMigrationTaskRequest{TaskId: id}
	task, _, err := callTask(ctx, c, OpShow, id, req, v2.GenReqDefForShowMigrationTask(), withID(id, decodeTask))
	return task, err
}

// Stats returns an online migration's progress. Figures arrive as numbers
// or strings; both are kept.
func (c *Client) Stats(ctx context.Context, id string) (Stats, error) {
	req := &model.ShowMigrationTaskStatsRequest{TaskId: id}
	stats, _, err := callTask(ctx, c, OpStats, id, req, v2.GenReqDefForShowMigrationTaskStats(), decodeStats)
	return stats, err
}

// Logs returns one page of a task's migration log.
func (c *Client) Logs(ctx context.Context, id string, opt LogOptions) (LogPage, error) {
	if err := checkID(OpLogs, id); err != nil {
		return LogPage{}, err
	}
	offset, limit, err := pageParams(OpLogs, opt.Offset, opt.Limit)
	if err != nil {
		return LogPage{}, err
	}
	req := &model.ListMigrationTaskLogsRequest{TaskId: id, Offset: offset, Limit: limit}
	if level := strings.ToUpper(strings.TrimSpace(opt.Level)); level != "" {
		req.LogLevel = &level
	}
	return call(ctx, c, OpLogs, req, v2.GenReqDefForListMigrationTaskLogs(), decodeLogPage)
}

// Stop asks the API to stop a task and returns the task as the API answered
// (typically TERMINATING: stopping is asynchronous). It is sent at most once:
// never retried, because after a timeout the stop may already be under way.
// On an error with Ambiguous() true, read the task again.
func (c *Client) Stop(ctx context.Context, id string) (StopAnswer, error) {
	req := &model.StopMigrationTaskRequest{TaskId: id}
	task, answered, err := callTask(ctx, c, OpStop, id, req, v2.GenReqDefForStopMigrationTask(), withID(id, decodeTask))
	return StopAnswer{Task: task, Call: answered}, err
}

// BatchStop asks the API to stop up to MaxBatchStop tasks in one request,
// never retried. Each result says whether the API accepted that stop, not
// whether the task has stopped; a task the answer leaves out has NoAnswer
// set. An empty ids sends nothing.
func (c *Client) BatchStop(ctx context.Context, ids []string) (BatchStopAnswer, error) {
	if len(ids) > MaxBatchStop {
		return BatchStopAnswer{}, &APIError{Op: OpBatchStop, Kind: KindConfig,
			Message: fmt.Sprintf("at most %d tasks can be stopped at once, got %d", MaxBatchStop, len(ids))}
	}
	if len(ids) == 0 {
		return BatchStopAnswer{Results: []StopResult{}}, nil
	}
	for _, id := range ids {
		if err := checkID(OpBatchStop, id); err != nil {
			return BatchStopAnswer{}, err
		}
	}
	list := append([]string(nil), ids...) // the caller's slice stays theirs
	req := &model.BatchStopMigrationTasksRequest{Body: &model.BatchStopMigrationTasksBody{MigrationTasks: list}}
	decode := func(data []byte) ([]StopResult, *APIError) { return decodeStopResults(data, list) }
	results, answered, err := callFor(ctx, c, OpBatchStop, req, v2.GenReqDefForBatchStopMigrationTasks(), decode)
	return BatchStopAnswer{Results: results, Call: answered}, err
}

// callTask is callFor for an operation on one task: an id that may not go
// into a URL path is refused before anything is sent.
func callTask[T any](ctx context.Context, c *Client, op, id string, req any, reqDef *def.HttpRequestDef,
	decode func([]byte) (T, *APIError)) (T, Call, error) {
	if err := checkID(op, id); err != nil {
		var zero T
		return zero, Call{}, err
	}
	return callFor(ctx, c, op, req, reqDef, decode)
}

// checkID refuses ids that may not go into a URL path, before any call.
func checkID(op, id string) *APIError {
	if ValidTaskID(id) {
		return nil
	}
	return &APIError{Op: op, Kind: KindConfig, Message: fmt.Sprintf("invalid task id %q", clip(id, MaxTaskIDLength))}
}

// withID fills in the requested id when the answer leaves task_id out.
func withID(id string, decode func([]byte) (Task, *APIError)) func([]byte) (Task, *APIError) {
	return func(data []byte) (Task, *APIError) {
		t, err := decode(data)
		if err == nil && t.ID == "" {
			t.ID = id
		}
		return t, err
	}
}

// pageParams turns offset and limit into the SDK's optional query values:
// zero means "let the API choose" and is not sent.
func pageParams(op string, offset, limit int) (*int32, *int32, *APIError) {
	if offset < 0 || limit < 0 || offset > math.MaxInt32 || limit > math.MaxInt32 {
		return nil, nil, &APIError{Op: op, Kind: KindConfig,
			Message: fmt.Sprintf("invalid page: offset %d, limit %d", offset, limit)}
	}
	opt := func(n int) *int32 {
		if n == 0 {
			return nil
		}
		v := int32(n)
		return &v
	}
	return opt(offset), opt(limit), nil
}
