package audit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	l, _ := openTest(t)
	in := mustIntent(t, l, stopBy("alice", "task-1"))
	if in.Event != EventIntent || len(in.AttemptID) != 32 || in.Time.IsZero() {
		t.Fatalf("intent not stamped: %+v", in)
	}
	err := l.Outcome(in, Record{Outcome: OutcomeAccepted, HTTPStatus: 200,
		RequestID: "req-9", DurationMS: 42, User: "mallory", TaskID: "other"})
	if err != nil {
		t.Fatalf("Outcome: %v", err)
	}
	got := mustRecent(t, l, Filter{})
	if len(got) != 2 {
		t.Fatalf("got %d records, want 2", len(got))
	}
	assertRecord(t, got[1], in)
	// Who/what come from the intent, not from the outcome argument.
	want := in
	want.Event, want.Time = EventOutcome, got[0].Time
	want.Outcome, want.HTTPStatus, want.RequestID, want.DurationMS = OutcomeAccepted, 200, "req-9", 42
	assertRecord(t, got[0], want)
	if !got[0].Time.After(in.Time) {
		t.Errorf("outcome time %v not after intent time %v", got[0].Time, in.Time)
	}
}

func TestIntentVisibleToSeparateRead(t *testing.T) {
	l, _ := openTest(t)
	in := mustIntent(t, l, stopBy("bob", "t"))
	// Not through the Log: an independent reader must already see it.
	lines := readLines(t, l.Path())
	if len(lines) != 1 || lines[0].AttemptID != in.AttemptID {
		t.Fatalf("file has %+v, want the intent %s", lines, in.AttemptID)
	}
	raw, _ := os.ReadFile(l.Path())
	if !strings.Contains(string(raw), `"attempt_id":"`+in.AttemptID+`"`) ||
		!strings.Contains(string(raw), `"task_id":"t"`) {
		t.Errorf("unexpected line format: %s", raw)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	l, _ := openAt(t, path)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	mustIntent(t, l, stopBy("a", "1"))
	// Reopening appends rather than truncating.
	l2, _ := openAt(t, path)
	mustIntent(t, l2, stopBy("b", "2"))
	if n := len(readLines(t, path)); n != 2 {
		t.Errorf("%d lines after reopen, want 2", n)
	}

	missing := filepath.Join(dir, "nope", "audit.log")
	_, err = Open(missing, nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "audit log "+missing+": ") ||
		!errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "directory must exist") {
		t.Errorf("missing dir: %v", err)
	}
	if _, err := Open(dir, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "audit log "+dir+": ") {
		t.Errorf("directory as path: %v", err)
	}
}

func TestConcurrentIntentsWholeLines(t *testing.T) {
	l, _ := openTest(t)
	const workers, each = 20, 25
	errs := make(chan error, workers*each)
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range each {
				r := stopBy("user", "task")
				r.Reason = strings.Repeat("x", 900) + string(rune('a'+w)) + string(rune('a'+i))
				_, err := l.Intent(r)
				errs <- err
			}
		}()
	}
	for range workers {
		<-done
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	assertUniqueWholeLines(t, l.Path(), workers*each)
}

func assertUniqueWholeLines(t *testing.T, path string, want int) {
	t.Helper()
	lines := readLines(t, path)
	if len(lines) != want {
		t.Fatalf("%d lines, want %d", len(lines), want)
	}
	seen := map[string]bool{}
	for _, r := range lines {
		if seen[r.AttemptID] {
			t.Fatalf("duplicate attempt id %s", r.AttemptID)
		}
		seen[r.AttemptID] = true
	}
}

func TestTwoLogsSameFile(t *testing.T) {
	l1, _ := openTest(t)
	l2, _ := openAt(t, l1.Path())
	const each = 200
	done := make(chan error, 2)
	for _, l := range []*Log{l1, l2} {
		go func() {
			for range each {
				r := stopBy("u", "t")
				r.Reason = strings.Repeat("y", 1000)
				if _, err := l.Intent(r); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	assertUniqueWholeLines(t, l1.Path(), 2*each)
}

func TestDevFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	buf := &syncBuffer{}
	l, err := openLogger("/dev/full", buf)
	if err != nil {
		t.Fatalf("Open(/dev/full) must succeed: %v", err)
	}
	defer l.Close()
	got, err := l.Intent(stopBy("carol", "t1"))
	if err == nil {
		t.Fatal("Intent on a full disk succeeded")
	}
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "audit log /dev/full: write: no space left on device") {
		t.Errorf("unclear error: %v", err)
	}
	if got.AttemptID != "" {
		t.Errorf("failed Intent returned a usable record: %+v", got)
	}
	// The failure is traceable in the structured log, and no "audit"
	// success line claims the record was written.
	if s := buf.String(); !strings.Contains(s, `"msg":"audit write failed"`) || strings.Contains(s, `"msg":"audit"`) {
		t.Errorf("structured log: %s", s)
	}
}

func TestClosedFileFails(t *testing.T) {
	l, _ := openTest(t)
	// Swap in a closed *os.File: every write fails, as when the disk or
	// file goes away under the process (root ignores chmod, so this is how
	// a test forces it).
	f, err := os.Open(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	real := l.f
	l.f = f
	if _, err := l.Intent(stopBy("a", "1")); err == nil || !errors.Is(err, os.ErrClosed) {
		t.Errorf("closed file: %v", err)
	}
	l.f = real
	in := mustIntent(t, l, stopBy("a", "2"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Intent(stopBy("a", "3")); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Intent after Close: %v", err)
	}
	if err := l.Outcome(in, Record{Outcome: OutcomeAccepted}); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Outcome after Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestIntentValidation(t *testing.T) {
	l, _ := openTest(t)
	for name, r := range map[string]Record{
		"no user":    {Action: ActionStop, TaskID: "t"},
		"blank user": {Action: ActionStop, User: " \n", TaskID: "t"},
		"no task":    {Action: ActionStop, User: "u"},
		"bad action": {Action: "delete", User: "u", TaskID: "t"},
	} {
		if _, err := l.Intent(r); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// An intent never claims an outcome, and the caller's slice is copied.
	r := stopBy("u", "t")
	r.Action, r.Outcome, r.HTTPStatus, r.ErrorCode, r.RequestID, r.DurationMS = ActionBatchStop, OutcomeAccepted, 200, "E", "R", 5
	in := mustIntent(t, l, r)
	r.Groups[0] = "changed"
	if in.Outcome != "" || in.HTTPStatus != 0 || in.ErrorCode != "" || in.RequestID != "" || in.DurationMS != 0 || in.Groups[0] != "ops" {
		t.Errorf("intent: %+v", in)
	}
	if err := l.Outcome(Record{User: "u", TaskID: "t"}, Record{Outcome: OutcomeFailed}); err == nil {
		t.Error("Outcome without an intent from Intent accepted")
	}
	if n := len(readLines(t, l.Path())); n != 1 {
		t.Errorf("%d lines, want only the valid intent", n)
	}
	if err := l.Outcome(in, Record{Outcome: "bogus"}); err != nil {
		t.Fatal(err)
	}
	if got := mustRecent(t, l, Filter{Limit: 1}); got[0].Outcome != OutcomeUnknown {
		t.Errorf("bogus outcome stored as %q, want unknown", got[0].Outcome)
	}
}

// TestFollowsMovedFile reproduces an audit file renamed or deleted while
// the dashboard runs: the next record goes to a new file at the path (where
// Recent reads), not into the file that was moved away or unlinked.
func TestFollowsMovedFile(t *testing.T) {
	for name, move := range map[string]func(path string) error{
		"renamed": func(path string) error { return os.Rename(path, path+".1") },
		"deleted": os.Remove,
	} {
		t.Run(name, func(t *testing.T) {
			l, _ := openTest(t)
			mustIntent(t, l, stopBy("a", "1"))
			if err := move(l.Path()); err != nil {
				t.Fatal(err)
			}
			if recs, err := l.Recent(Filter{}); err != nil || len(recs) != 0 {
				t.Errorf("with the file gone: %d records, %v; want none and no error", len(recs), err)
			}
			in := mustIntent(t, l, stopBy("b", "2"))
			recs, err := l.Recent(Filter{})
			if err != nil || len(recs) != 1 || recs[0].AttemptID != in.AttemptID {
				t.Fatalf("after the move: %+v, %v; want the new intent alone", recs, err)
			}
		})
	}
}

// TestCutBackAfterPartialWrite proves a write that failed part-way is cut
// off the file (a batch's intents are all or none), unless another writer
// appended meanwhile, whose lines are never cut.
func TestCutBackAfterPartialWrite(t *testing.T) {
	l, _ := openTest(t)
	mustIntent(t, l, stopBy("a", "1"))
	before, sized := l.size()
	if !sized {
		t.Fatal("a regular file has no size")
	}
	partial := []byte(`{"event":"intent","attempt_id":"x"`)
	if _, err := l.f.Write(partial); err != nil {
		t.Fatal(err)
	}
	if !l.cutBack(before, sized, len(partial)) {
		t.Fatal("the fragment was not cut")
	}
	if now, _ := l.size(); now != before {
		t.Errorf("size %d after cutting, want %d", now, before)
	}

	if _, err := l.f.Write(partial); err != nil {
		t.Fatal(err)
	}
	other, err := os.OpenFile(l.Path(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.WriteString("another writer's line\n"); err != nil {
		t.Fatal(err)
	}
	if l.cutBack(before, sized, len(partial)) {
		t.Error("cut although another writer appended after the fragment")
	}
}
