package metrics

// The files in deploy/ name metrics, labels and statuses as strings that no
// compiler sees. These tests read them and check every name against what
// the registry exports after every method has been used once, so renaming a
// metric or a label here fails the build instead of silently blanking a
// panel or an alert.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

var (
	rulesFile     = filepath.Join("..", "..", "deploy", "prometheus-rules.yml")
	dashboardFile = filepath.Join("..", "..", "deploy", "grafana-dashboard.json")
)

// scrapeLabels are the labels Prometheus adds to every series it scrapes.
var scrapeLabels = []string{"job", "instance"}

// exported returns every series name a scrape of a fully used registry
// holds (histograms as their _bucket, _sum and _count series), each with
// its label names.
func exported(t *testing.T) map[string][]string {
	t.Helper()
	m := New("v", "r", "go")
	serve(newTestEcho(m, nil), http.MethodGet, routes.TaskURL(targets.DefaultName, "abc-123"))
	svc := m.Instrument(&fakeService{}, testTarget)
	_, _ = svc.Show(t.Context(), "t1")
	m.StopAttempt(audit.OutcomeAccepted)
	m.CacheHit("task")
	m.CacheMiss("task")
	m.Readiness(testTarget, true)
	m.ObserveTasks(testTarget, []TaskFigures{{TaskID: "t1", TaskName: "orders", Status: "FULLMIGRATING",
		FullProgress: 40, Lag: 10, SourceKeys: 100, TargetKeys: 40, Ops: 5}})
	m.WatchRound(testTarget, time.Now(), true)
	m.SetWatchInterval(time.Minute)
	scrape(t, m) // promhttp's own counters appear after a scrape

	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	out := map[string][]string{}
	for _, f := range families {
		labels := slices.Clone(scrapeLabels)
		for _, s := range f.GetMetric() {
			for _, lp := range s.GetLabel() {
				if !slices.Contains(labels, lp.GetName()) {
					labels = append(labels, lp.GetName())
				}
			}
		}
		name := f.GetName()
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			out[name+"_bucket"] = append(slices.Clone(labels), "le")
			out[name+"_sum"], out[name+"_count"] = labels, labels
		case dto.MetricType_SUMMARY:
			out[name] = append(slices.Clone(labels), "quantile")
			out[name+"_sum"], out[name+"_count"] = labels, labels
		default:
			out[name] = labels
		}
	}
	return out
}

// ruleFile is the Prometheus rule-file format, strictly: an unknown key
// (a typo such as "annotation") fails the decoding.
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readRules(t *testing.T) ruleFile {
	t.Helper()
	data, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	return rf
}

// statusSets says which statuses each alert must select, in the dcs
// package's own terms, so a status added there shows up here.
var statusSets = map[string]func(dcs.Status) bool{
	"DcsMigrationTaskFailed":         func(s dcs.Status) bool { return s.Tone() == dcs.ToneFailed },
	"DcsMigrationFullSyncStuck":      func(s dcs.Status) bool { return s.Moving() && !s.Incremental() },
	"DcsMigrationReplicationLagHigh": func(s dcs.Status) bool { return s.Incremental() },
}

// Prometheus durations, as in "for".
var promDuration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)

func TestRulesUseExportedMetrics(t *testing.T) {
	names := exported(t)
	rf := readRules(t)
	if len(rf.Groups) == 0 {
		t.Fatal("no rule groups")
	}
	alerts := map[string]bool{}
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: a group needs a name and rules", g.Name)
		}
		for _, r := range g.Rules {
			where := fmt.Sprintf("%s: alert %q", rulesFile, r.Alert)
			if r.Alert == "" || r.Record != "" {
				t.Errorf("%s: only alerting rules are expected (record %q)", where, r.Record)
			}
			if alerts[r.Alert] {
				t.Errorf("%s: alert defined twice", where)
			}
			alerts[r.Alert] = true
			if !promDuration.MatchString(r.For) {
				t.Errorf("%s: for %q is not a duration", where, r.For)
			}
			if s := r.Labels["severity"]; !slices.Contains([]string{"critical", "warning", "info"}, s) {
				t.Errorf("%s: severity %q, want critical, warning or info", where, s)
			}
			for _, k := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[k]) == "" {
					t.Errorf("%s: no %s annotation", where, k)
				}
			}
			sels := checkExpr(t, where, r.Expr, names)
			if want, ok := statusSets[r.Alert]; ok {
				checkStatusSet(t, where, sels, want)
			}
		}
	}
	for _, a := range []string{
		"DcsMigrationTaskFailed", "DcsMigrationFullSyncStuck", "DcsMigrationReplicationLagHigh",
		"DcsDashboardWatcherSilent", "DcsDashboardUpstreamErrorRateHigh",
	} {
		if !alerts[a] {
			t.Errorf("%s: no alert %s", rulesFile, a)
		}
	}
}

// checkStatusSet checks that the status matchers of an alert select exactly
// the statuses want accepts.
func checkStatusSet(t *testing.T, where string, sels []selector, want func(dcs.Status) bool) {
	t.Helper()
	var got []string
	for _, s := range sels {
		for _, m := range s.matchers {
			if m.label == "status" {
				got = append(got, alternatives(m.value)...)
			}
		}
	}
	var wantNames []string
	for _, st := range dcs.KnownStatuses() {
		if want(st) {
			wantNames = append(wantNames, string(st))
		}
	}
	slices.Sort(got)
	slices.Sort(wantNames)
	if !slices.Equal(slices.Compact(got), wantNames) {
		t.Errorf("%s: selects statuses %v, want %v", where, got, wantNames)
	}
}

// dashboard is what the test reads of a Grafana dashboard.
type dashboard struct {
	Inputs        []input `json:"__inputs"`
	SchemaVersion int     `json:"schemaVersion"`
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Datasource *datasource     `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
}

type input struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	PluginID string `json:"pluginId"`
}

type panel struct {
	ID         int                       `json:"id"`
	Type       string                    `json:"type"`
	Title      string                    `json:"title"`
	Datasource *datasource               `json:"datasource"`
	GridPos    *struct{ H, W, X, Y int } `json:"gridPos"`
	Targets    []struct {
		Expr       string      `json:"expr"`
		RefID      string      `json:"refId"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

type datasource struct{ Type, UID string }

const dsInput = "${DS_PROMETHEUS}"

func TestDashboardUsesExportedMetrics(t *testing.T) {
	names := exported(t)
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if d.SchemaVersion < 36 || d.UID == "" || d.Title == "" {
		t.Errorf("schemaVersion %d, uid %q, title %q: want 36 or later and a uid and title", d.SchemaVersion, d.UID, d.Title)
	}
	if !slices.ContainsFunc(d.Inputs, func(in input) bool {
		return "${"+in.Name+"}" == dsInput && in.Type == "datasource" && in.PluginID == "prometheus"
	}) {
		t.Errorf("no Prometheus datasource input DS_PROMETHEUS in __inputs: %+v", d.Inputs)
	}
	wantDS := func(where string, ds *datasource) {
		t.Helper()
		if ds == nil || ds.Type != "prometheus" || ds.UID != dsInput {
			t.Errorf("%s: datasource %+v, want prometheus %s", where, ds, dsInput)
		}
	}

	var all []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			all = append(all, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	ids := map[int]bool{}
	queries := 0
	for _, p := range all {
		where := fmt.Sprintf("%s: panel %d %q", dashboardFile, p.ID, p.Title)
		if ids[p.ID] {
			t.Errorf("%s: id used twice", where)
		}
		ids[p.ID] = true
		if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 {
			t.Errorf("%s: no gridPos", where)
		}
		if p.Type == "row" {
			continue
		}
		wantDS(where, p.Datasource)
		if len(p.Targets) == 0 {
			t.Errorf("%s: no query", where)
		}
		for _, q := range p.Targets {
			wantDS(where+" query "+q.RefID, q.Datasource)
			checkExpr(t, where+" query "+q.RefID, q.Expr, names)
			queries++
		}
	}
	if queries < 10 {
		t.Errorf("only %d queries found: is the dashboard read right?", queries)
	}

	// Template variables: label_values(selector, label) in the current or
	// the older (plain string) query form.
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		where := fmt.Sprintf("%s: variable %q", dashboardFile, v.Name)
		wantDS(where, v.Datasource)
		var q struct{ Query string }
		if err := json.Unmarshal(v.Query, &q); err != nil {
			_ = json.Unmarshal(v.Query, &q.Query)
		}
		match := labelValues.FindStringSubmatch(q.Query)
		if match == nil {
			t.Errorf("%s: query %q is not label_values(metric, label)", where, q.Query)
			continue
		}
		for _, s := range checkExpr(t, where, match[1], names) {
			if !slices.Contains(names[s.name], match[2]) {
				t.Errorf("%s: %s has no label %q", where, s.name, match[2])
			}
		}
	}
}

// checkExpr checks one PromQL expression against the exported series: it
// must select at least one series, only exported names, label matchers
// only on labels the series has, statuses the dcs package knows, and group
// by labels some selected series has. It returns the selectors.
func checkExpr(t *testing.T, where, expr string, names map[string][]string) []selector {
	t.Helper()
	sels, grouping, err := parseSelectors(expr)
	if err != nil {
		t.Errorf("%s: %v in %q", where, err, expr)
		return nil
	}
	if len(sels) == 0 {
		t.Errorf("%s: %q selects no metric", where, expr)
	}
	var union []string
	for _, s := range sels {
		labels, ok := names[s.name]
		if !ok {
			t.Errorf("%s: %s is not a metric the dashboard exports", where, s.name)
			continue
		}
		union = append(union, labels...)
		for _, m := range s.matchers {
			if !slices.Contains(labels, m.label) {
				t.Errorf("%s: %s has no label %q", where, s.name, m.label)
			}
			if m.label == "status" {
				for _, st := range alternatives(m.value) {
					if !dcs.Status(st).Known() {
						t.Errorf("%s: status %q is not one the dcs package knows", where, st)
					}
				}
			}
			if m.label == "outcome" && !strings.HasPrefix(m.value, "$") {
				known := append(slices.Clone(stopOutcomes), OutcomeOK, OutcomeErrorResponse, OutcomeTimeout,
					OutcomeNetwork, OutcomeDecode, OutcomeConfig, OutcomeOther)
				for _, o := range alternatives(m.value) {
					if !slices.Contains(known, o) {
						t.Errorf("%s: outcome %q is not one this package records", where, o)
					}
				}
			}
		}
	}
	for _, l := range grouping {
		if !slices.Contains(union, l) {
			t.Errorf("%s: groups or matches on %q, which no series it selects has", where, l)
		}
	}
	return sels
}

// alternatives splits a matcher value that is a plain alternation
// ("FAILED|MIGRATION_FAILED") into its parts.
func alternatives(v string) []string {
	return strings.Split(v, "|")
}

type selector struct {
	name     string
	matchers []labelMatcher
}

type labelMatcher struct{ label, op, value string }

// PromQL words that are not metric names. Aggregations may be followed by
// by/without before their parenthesis, so they are listed; any other word
// followed by "(" is a function.
var (
	promKeywords = []string{"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "start", "end"}
	promAggs     = []string{"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
		"bottomk", "topk", "quantile", "limitk", "limit_ratio"}
	promGrouping = []string{"by", "without", "on", "ignoring", "group_left", "group_right"}
)

// parseSelectors is a small PromQL reader, enough for these files: it
// returns the vector selectors of expr (metric name and label matchers) and
// the label names of its by, without, on, ignoring and group_x clauses.
// Strings, ranges ([5m], [$__rate_interval]), numbers, durations and
// Grafana variables are skipped.
func parseSelectors(expr string) (sels []selector, grouping []string, err error) {
	i, n := 0, len(expr)
	isIdentStart := func(c byte) bool { return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isIdent := func(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
	skipSpace := func() {
		for i < n && strings.IndexByte(" \t\r\n", expr[i]) >= 0 {
			i++
		}
	}
	ident := func() string {
		start := i
		for i < n && isIdent(expr[i]) {
			i++
		}
		return expr[start:i]
	}
	str := func() (string, error) {
		q := expr[i]
		i++
		var b strings.Builder
		for i < n && expr[i] != q {
			if expr[i] == '\\' && q != '`' && i+1 < n {
				i++
			}
			b.WriteByte(expr[i])
			i++
		}
		if i >= n {
			return "", fmt.Errorf("unterminated string")
		}
		i++
		return b.String(), nil
	}
	// labelList reads "(a, b)" after a grouping keyword.
	labelList := func() error {
		skipSpace()
		if i >= n || expr[i] != '(' {
			return nil // group_left without labels, or a keyword used bare
		}
		i++
		for {
			skipSpace()
			if i < n && expr[i] == ')' {
				i++
				return nil
			}
			if i >= n || !isIdentStart(expr[i]) {
				return fmt.Errorf("bad label list at %d", i)
			}
			grouping = append(grouping, ident())
			skipSpace()
			switch {
			case i < n && expr[i] == ',':
				i++
			case i >= n || expr[i] != ')':
				return fmt.Errorf("bad label list at %d", i)
			}
		}
	}
	matchers := func() ([]labelMatcher, error) {
		i++ // {
		var ms []labelMatcher
		for {
			skipSpace()
			if i < n && expr[i] == '}' {
				i++
				return ms, nil
			}
			if i >= n || !isIdentStart(expr[i]) {
				return nil, fmt.Errorf("bad label matcher at %d", i)
			}
			m := labelMatcher{label: ident()}
			skipSpace()
			for _, op := range []string{"=~", "!~", "!=", "="} {
				if strings.HasPrefix(expr[i:], op) {
					m.op = op
					i += len(op)
					break
				}
			}
			skipSpace()
			if m.op == "" || i >= n || strings.IndexByte("\"'`", expr[i]) < 0 {
				return nil, fmt.Errorf("bad label matcher %q at %d", m.label, i)
			}
			v, err := str()
			if err != nil {
				return nil, err
			}
			m.value = v
			ms = append(ms, m)
			skipSpace()
			switch {
			case i < n && expr[i] == ',':
				i++
			case i >= n || expr[i] != '}':
				return nil, fmt.Errorf("bad label matchers at %d", i)
			}
		}
	}

	for i < n {
		c := expr[i]
		switch {
		case strings.IndexByte(" \t\r\n", c) >= 0:
			i++
		case c == '#':
			for i < n && expr[i] != '\n' {
				i++
			}
		case strings.IndexByte("\"'`", c) >= 0:
			if _, err := str(); err != nil {
				return nil, nil, err
			}
		case c == '[':
			for i < n && expr[i] != ']' {
				i++
			}
			i++
		case c == '$': // a Grafana variable outside a string
			i++
			if i < n && expr[i] == '{' {
				for i < n && expr[i] != '}' {
					i++
				}
				i++
			} else {
				ident()
			}
		case c >= '0' && c <= '9' || c == '.':
			for i < n && (isIdent(expr[i]) || expr[i] == '.' ||
				(expr[i] == '+' || expr[i] == '-') && (expr[i-1] == 'e' || expr[i-1] == 'E')) {
				i++
			}
		case c == '{': // a selector without a name
			ms, err := matchers()
			if err != nil {
				return nil, nil, err
			}
			s := selector{matchers: ms}
			for _, m := range ms {
				if m.label == "__name__" && m.op == "=" {
					s.name = m.value
				}
			}
			sels = append(sels, s)
		case isIdentStart(c):
			word := ident()
			skipSpace()
			next := byte(0)
			if i < n {
				next = expr[i]
			}
			switch {
			case slices.Contains(promGrouping, word):
				if err := labelList(); err != nil {
					return nil, nil, err
				}
			case slices.Contains(promKeywords, word), slices.Contains(promAggs, word), next == '(':
			default:
				s := selector{name: word}
				if next == '{' {
					ms, err := matchers()
					if err != nil {
						return nil, nil, err
					}
					s.matchers = ms
				}
				sels = append(sels, s)
			}
		default:
			i++
		}
	}
	return sels, grouping, nil
}

func TestParseSelectors(t *testing.T) {
	sels, grouping, err := parseSelectors(`# a comment naming not_a_metric
		sum by (target, status) (rate(foo_total{a="b", c=~"x|y"}[$__rate_interval])) / on (target) group_left (name)
		bar offset 5m > 1e+06 and ignoring(z) baz{q!="}"} unless {__name__="qux"} or histogram_quantile(0.9, x_bucket) > ${v}`)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(sels)
	want := `[{foo_total [{a = b} {c =~ x|y}]} {bar []} {baz [{q != }}]} {qux [{__name__ = qux}]} {x_bucket []}]`
	if got != want {
		t.Errorf("selectors\n got %s\nwant %s", got, want)
	}
	if fmt.Sprint(grouping) != "[target status target name z]" {
		t.Errorf("grouping labels %v", grouping)
	}
	for _, bad := range []string{`foo{a="b}`, `foo{a b}`, `foo{a="b" c="d"}`, `sum by (a b) (x)`} {
		if _, _, err := parseSelectors(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
