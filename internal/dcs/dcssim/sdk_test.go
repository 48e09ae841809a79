// These tests drive the simulator with the official SDK: its signer on a
// request built by its request builder, and its DCS client end to end.

package dcssim

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	dcsv2 "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2/model"
)

// sdkSend signs a request with the SDK's signer, as its HTTP client does,
// and sends it.
func sdkSend(t *testing.T, srv *httptest.Server, method, path string, query map[string]any, body any, ak, sk string, date time.Time) *http.Response {
	t.Helper()
	b := request.NewHttpRequestBuilder().WithEndpoint(srv.URL).WithMethod(method).WithPath(path).
		AddHeaderParam("User-Agent", "huaweicloud-usdk-go/3.0").
		AddHeaderParam("X-Project-Id", testProject).
		AddHeaderParam("Content-Type", "application/json").
		AddHeaderParam("X-Sdk-Date", date.UTC().Format(sigDateFormat))
	for k, v := range query {
		b.AddQueryParam(k, reflect.ValueOf(v)) // the SDK's client stores reflect.Values
	}
	if body != nil {
		b.WithBody("body", body)
	}
	req := b.Build()
	headers, err := signer.Sign(req, ak, sk)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.AddHeaderParam(k, v)
	}
	hr, err := req.ConvertRequest()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestSDKSignerAccepted(t *testing.T) {
	clk := newFakeClock()
	sim := newTestSim(clk, 0)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	id := sim.IDsWithStatus("INCRMIGRATING")[0]
	base := "/v2/" + testProject
	cases := []struct {
		name         string
		method, path string
		query        map[string]any
		body         any
		ak, sk       string
		date         time.Time
		want         int
	}{
		{"list", "GET", base + "/migration-tasks", nil, nil, testAK, testSK, clk.Now(), 200},
		{"list with query", "GET", base + "/migration-tasks",
			map[string]any{"offset": int32(2), "limit": int32(5), "name": "迁移 a+b/c"}, nil, testAK, testSK, clk.Now(), 200},
		{"logs with query", "GET", base + "/migration-task/" + id + "/logs",
			map[string]any{"offset": int32(0), "limit": int32(3), "log_level": "INFO"}, nil, testAK, testSK, clk.Now(), 200},
		{"batch stop body", "POST", base + "/migration-task/batch-stop", nil,
			map[string][]string{"migration_tasks": {id}}, testAK, testSK, clk.Now(), 200},
		{"wrong sk", "GET", base + "/migration-tasks", nil, nil, testAK, "nope", clk.Now(), 401},
		{"unknown ak", "GET", base + "/migration-tasks", nil, nil, "OTHERAK", testSK, clk.Now(), 401},
		{"skew", "GET", base + "/migration-tasks", nil, nil, testAK, testSK, clk.Now().Add(-16 * time.Minute), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdkSend(t, srv, tc.method, tc.path, tc.query, tc.body, tc.ak, tc.sk, tc.date)
			if resp.StatusCode != tc.want {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, b)
			}
		})
	}
}

func newSDKClient(t *testing.T, url string) *dcsv2.DcsClient {
	t.Helper()
	return newSDKClientFor(t, url, testProject)
}

// newSDKClientFor is the SDK's DCS client with credentials for project, as
// a dashboard configured for that project builds it.
func newSDKClientFor(t *testing.T, url, project string) *dcsv2.DcsClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(testAK).WithSk(testSK).WithProjectId(project).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := dcsv2.DcsClientBuilder().WithEndpoints([]string{url}).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(5 * time.Second)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return dcsv2.NewDcsClient(hc)
}

func TestSDKClientEndToEnd(t *testing.T) {
	sim := New(Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := newSDKClient(t, srv.URL)

	name, limit := "迁移", int32(100)
	list, err := c.ListMigrationTask(&model.ListMigrationTaskRequest{Name: &name, Limit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if *list.Count == 0 || len(*list.MigrationTasks) != int(*list.Count) {
		t.Fatalf("count %d, items %d", *list.Count, len(*list.MigrationTasks))
	}
	id := sim.IDsWithStatus("FULLMIGRATING")[0]
	show, err := c.ShowMigrationTask(&model.ShowMigrationTaskRequest{TaskId: id})
	if err != nil {
		t.Fatal(err)
	}
	if show.SourceInstance == nil || show.SourceInstance.Password == nil {
		t.Fatal("detail lacks the clear-text source password the real API returns")
	}
	stop, err := c.StopMigrationTask(&model.StopMigrationTaskRequest{TaskId: id})
	if err != nil {
		t.Fatal(err)
	}
	if got := stop.Status.Value(); got != "TERMINATING" {
		t.Fatalf("stop answered %q", got)
	}
	_, err = c.StopMigrationTask(&model.StopMigrationTaskRequest{TaskId: id})
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) || se.StatusCode != 400 || se.ErrorCode != "DCS.4957" || se.RequestId == "" {
		t.Fatalf("second stop: %v", err)
	}
	batch, err := c.BatchStopMigrationTasks(&model.BatchStopMigrationTasksRequest{
		Body: &model.BatchStopMigrationTasksBody{MigrationTasks: []string{id, sim.IDsWithStatus("RUNNING")[0]}}})
	if err != nil {
		t.Fatal(err)
	}
	res := *batch.MigrationTasks
	if fmt.Sprintf("%s %s", res[0].Result.Value(), res[1].Result.Value()) != "failed success" {
		t.Fatalf("batch results %v", res)
	}
	logs, err := c.ListMigrationTaskLogs(&model.ListMigrationTaskLogsRequest{TaskId: id})
	if err != nil {
		t.Fatal(err)
	}
	if *logs.LogNum == 0 {
		t.Fatal("no logs")
	}
	// The SDK's stats model wants strings; tasks seeded with StatsAsStrings decode.
	for _, r := range sim.projects[0].store.order {
		if r.task.StatsAsStrings && r.task.MigrationType == "online_migration" {
			if _, err := c.ShowMigrationTaskStats(&model.ShowMigrationTaskStatsRequest{TaskId: r.task.TaskID}); err != nil {
				t.Fatalf("stats as strings: %v", err)
			}
			break
		}
	}
}

// TestSDKGoldenDump prints, with DCSSIM_DUMP=1, the raw requests the SDK's
// signer produces at the fake clock's time; auth_test.go embeds them so the
// default test run checks the verifier against real SDK output.
func TestSDKGoldenDump(t *testing.T) {
	if os.Getenv("DCSSIM_DUMP") == "" {
		t.Skip("set DCSSIM_DUMP=1 to print golden requests")
	}
	var dumps []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := httputil.DumpRequest(r, true)
		dumps = append(dumps, string(b))
	}))
	defer srv.Close()
	at := newFakeClock().Now()
	base := "/v2/" + testProject
	id := SeedID(2)
	sdkSend(t, srv, "GET", base+"/migration-tasks", map[string]any{"offset": int32(10), "limit": int32(5), "name": "订单 cache+x/y"}, nil, testAK, testSK, at)
	sdkSend(t, srv, "GET", base+"/migration-task/"+id+"/logs", map[string]any{"offset": int32(0), "limit": int32(3), "log_level": "ERROR"}, nil, testAK, testSK, at)
	sdkSend(t, srv, "POST", base+"/migration-task/"+id+"/stop", nil, nil, testAK, testSK, at)
	sdkSend(t, srv, "POST", base+"/migration-task/batch-stop", nil, model.BatchStopMigrationTasksBody{MigrationTasks: []string{id, SeedID(3)}}, testAK, testSK, at)
	for _, d := range dumps {
		fmt.Printf("%q,\n", d)
	}
}
