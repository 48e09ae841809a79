package audit

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestHostileTextRoundTrips(t *testing.T) {
	l, _ := openTest(t)
	hostile := "line1\nline2\r\n{\"event\":\"outcome\"}\n\u2028\u2029<script>alert('x')</script>&amp;" +
		"\"quoted\" back\\slash \x00\x1b[31m tab\t 日本語 🚀 \u202eRTL"
	r := Record{Action: ActionStop, User: "ev\nil<b>", Email: "x\"@y", Groups: []string{"a\nb", "<i>"},
		RemoteAddr: "::1\n", TaskID: "t\n1", TaskName: hostile, Reason: hostile + "\xff\xfe"}
	in := mustIntent(t, l, r)
	if in.Reason != hostile+"\uFFFD" || in.TaskName != hostile || in.User != r.User {
		t.Errorf("sanitise changed valid text: %q", in.Reason[len(hostile)-10:])
	}
	raw, _ := os.ReadFile(l.Path())
	if strings.Count(string(raw), "\n") != 1 || strings.Contains(string(raw), "<script>") {
		t.Errorf("hostile text broke the line format: %q", raw)
	}
	got := mustRecent(t, l, Filter{TaskID: "t\n1"})
	if len(got) != 1 {
		t.Fatalf("got %d records", len(got))
	}
	assertRecord(t, got[0], in)
}

func TestCaps(t *testing.T) {
	l, _ := openTest(t)
	r := stopBy(strings.Repeat("ü", 5000), "t")
	r.Reason = strings.Repeat("é", 5000)
	r.Groups = make([]string, 100)
	for i := range r.Groups {
		r.Groups[i] = strings.Repeat("g", 1000)
	}
	in := mustIntent(t, l, r)
	if n := len([]rune(in.Reason)); n != maxReason || !strings.HasSuffix(in.Reason, truncMark) {
		t.Errorf("reason: %d runes", n)
	}
	if n := len([]rune(in.User)); n != maxUser {
		t.Errorf("user: %d runes", n)
	}
	if len(in.Groups) != maxGroups || in.Groups[maxGroups-1] != truncMark+"(37 more)" || len(in.Groups[0]) != maxGroup+len(truncMark)-1 {
		t.Errorf("groups: %d, last %q", len(in.Groups), in.Groups[len(in.Groups)-1])
	}
	if got := capRunes("abc", 3); got != "abc" {
		t.Errorf("capRunes at limit: %q", got)
	}
}

func TestStructuredLogMirrorsRecord(t *testing.T) {
	l, buf := openTest(t)
	in := mustIntent(t, l, stopBy("dave", "t9"))
	var m map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(buf.String())), &m); err != nil {
		t.Fatalf("want exactly one structured line: %v: %s", err, buf.String())
	}
	want := map[string]any{"msg": "audit", "level": "INFO", "event": "intent", "attempt_id": in.AttemptID,
		"action": "stop", "user": "dave", "email": "dave@example.com", "remote_addr": "10.0.0.1:5555",
		"task_id": "t9", "task_name": "name-t9", "reason": "maintenance"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s: got %v, want %v", k, m[k], v)
		}
	}
	allowed := map[string]bool{"time": true, "audit_time": true, "groups": true}
	for k := range m {
		if _, ok := want[k]; !ok && !allowed[k] {
			t.Errorf("unexpected attribute %q", k)
		}
	}
}
