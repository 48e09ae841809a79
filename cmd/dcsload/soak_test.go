package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/a-h/templ"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/listquery"
	"github.com/dcs-dashboard/migrations/views"
)

// TestClassify renders the dashboard's real pages, so that a renamed marker
// or banner attribute in views fails here instead of turning every soak
// answer into a "dashboard error".
func TestClassify(t *testing.T) {
	upstream := views.Banner{Kind: "error", Title: "Listing migration tasks failed.", HTTPStatus: 500, Code: "DCS.5000"}
	timeout := views.Banner{Kind: "error", Title: "x failed.", Text: "The DCS API did not answer in time. Try again in a moment."}
	own := views.Banner{Kind: "error", Title: "Something went wrong.", Text: "The dashboard could not complete this request."}
	task := dcs.Task{ID: "t-1", Name: "task one", Type: dcs.TypeOnlineMigration}
	row := views.TaskState{Task: task}
	tests := []struct {
		name   string
		kind   pageKind
		status int
		page   templ.Component
		want   outcome
		claims []int
	}{
		{"list ok", kindList, 200, views.ListView(views.ListPage{Query: listquery.Query{Page: 1, Size: 20}, Total: 1, Rows: []views.TaskState{row}}), outOK, nil},
		{"list upstream", kindList, 502, views.ListView(views.ListPage{Query: listquery.Query{Page: 1}, Error: &upstream}), outUpstreamPage, []int{500}},
		{"list empty 200", kindList, 200, views.ListView(views.ListPage{Query: listquery.Query{Page: 9, Size: 20}}), outDashboard, nil},
		{"list 500", kindList, 500, views.ErrorView(views.ErrorPage{Status: 500, Banner: own}), outDashboard, nil},
		{"detail ok", kindDetail, 200, views.DetailView(views.DetailPage{Task: task, State: row, Stats: &dcs.Stats{}}), outOK, nil},
		{"detail stats and logs banners", kindDetail, 200,
			views.DetailView(views.DetailPage{Task: task, State: row, StatsErr: &upstream, LogsErr: &upstream}), outUpstreamBanner, []int{500, 500}},
		{"detail one own banner", kindDetail, 200,
			views.DetailView(views.DetailPage{Task: task, State: row, StatsErr: &upstream, LogsErr: &own}), outDashboard, nil},
		{"detail upstream page", kindDetail, 502, views.ErrorView(views.ErrorPage{Status: 502, Banner: upstream}), outUpstreamPage, []int{500}},
		{"detail timeout", kindDetail, 504, views.ErrorView(views.ErrorPage{Status: 504, Banner: timeout}), outUpstreamPage, []int{0}},
		{"detail 502 own banner", kindDetail, 502, views.ErrorView(views.ErrorPage{Status: 502, Banner: own}), outDashboard, nil},
		{"detail 401", kindDetail, 401, views.ErrorView(views.ErrorPage{Status: 401, Banner: own}), outDashboard, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body bytes.Buffer
			if err := tt.page.Render(context.Background(), &body); err != nil {
				t.Fatal(err)
			}
			got, claims, reason := classify(tt.kind, tt.status, body.Bytes())
			if got != tt.want || len(claims) != len(tt.claims) {
				t.Fatalf("classify = %d %v %q, want %d %v", got, claims, reason, tt.want, tt.claims)
			}
			for i := range claims {
				if claims[i] != tt.claims[i] {
					t.Fatalf("claims = %v, want %v", claims, tt.claims)
				}
			}
			if (got == outDashboard) != (reason != "") {
				t.Fatalf("reason %q for outcome %d", reason, got)
			}
		})
	}
}
