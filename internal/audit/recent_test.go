package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// writeRaw appends n records built by mk straight to path, without fsync,
// to build big files fast.
func writeRaw(t *testing.T, path string, n int, mk func(i int) Record) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		r := mk(i)
		r.Event, r.AttemptID, r.Time = EventIntent, fmt.Sprintf("%032d", i), base.Add(time.Duration(i)*time.Second)
		b, _ := json.Marshal(r)
		w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func taskIDs(rs []Record) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.User + "/" + r.TaskID + "/" + r.Event
	}
	return strings.Join(ids, " ")
}

func TestRecentOrderAndFilters(t *testing.T) {
	l, _ := openTest(t)
	a := mustIntent(t, l, stopBy("alice", "t1"))
	mustIntent(t, l, stopBy("Bob", "t2"))
	if err := l.Outcome(a, Record{Outcome: OutcomeRefused, HTTPStatus: 400, ErrorCode: "DCS.0001"}); err != nil {
		t.Fatal(err)
	}
	mustIntent(t, l, stopBy("ALICE", "t2"))
	mustIntent(t, l, stopBy("carol", "T1"))

	all := mustRecent(t, l, Filter{})
	if got, want := taskIDs(all), "carol/T1/intent ALICE/t2/intent alice/t1/outcome Bob/t2/intent alice/t1/intent"; got != want {
		t.Errorf("order:\n got  %s\n want %s", got, want)
	}
	for i := 1; i < len(all); i++ {
		if !all[i-1].Time.After(all[i].Time) {
			t.Errorf("not newest first at %d", i)
		}
	}
	for _, c := range []struct {
		f    Filter
		want string
	}{
		{Filter{User: "alice"}, "ALICE/t2/intent alice/t1/outcome alice/t1/intent"},
		{Filter{User: "bob"}, "Bob/t2/intent"},
		{Filter{User: "ali"}, ""},
		{Filter{TaskID: "t1"}, "alice/t1/outcome alice/t1/intent"},
		{Filter{TaskID: "t"}, ""},
		{Filter{User: "Alice", TaskID: "t2"}, "ALICE/t2/intent"},
		{Filter{Limit: 2}, "carol/T1/intent ALICE/t2/intent"},
		{Filter{User: "alice", Limit: 1}, "ALICE/t2/intent"},
	} {
		if got := taskIDs(mustRecent(t, l, c.f)); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.f, got, c.want)
		}
	}
}

func TestRecentLimits(t *testing.T) {
	l, _ := openTest(t)
	writeRaw(t, l.Path(), 1200, func(i int) Record { return stopBy("u", fmt.Sprint(i)) })
	for _, c := range []struct{ limit, want int }{{0, DefaultLimit}, {-5, DefaultLimit}, {7, 7}, {5000, MaxLimit}} {
		got := mustRecent(t, l, Filter{Limit: c.limit})
		if len(got) != c.want || got[0].TaskID != "1199" {
			t.Errorf("limit %d: %d records, first %s", c.limit, len(got), got[0].TaskID)
		}
	}
}

func TestRecentToleratesDamage(t *testing.T) {
	l, buf := openTest(t)
	a := mustIntent(t, l, stopBy("alice", "t1"))
	if err := l.Outcome(a, Record{Outcome: OutcomeAccepted}); err != nil {
		t.Fatal(err)
	}
	pending := mustIntent(t, l, stopBy("bob", "t2"))
	// Damage in the middle, then a crash halfway through writing a record.
	b, _ := json.Marshal(Record{Event: EventOutcome, AttemptID: pending.AttemptID, User: "bob", TaskID: "t2"})
	f, _ := os.OpenFile(l.Path(), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("not json\n{}\nnull\n")
	f.Write(b[:len(b)/2])
	f.Close()

	got := mustRecent(t, l, Filter{})
	if taskIDs(got) != "bob/t2/intent alice/t1/outcome alice/t1/intent" {
		t.Fatalf("got %s", taskIDs(got))
	}
	// The intent whose outcome was lost is intact and shown without one.
	assertRecord(t, got[0], pending)
	if p := Pair(got); len(p) != 2 || p[0].Outcome != nil || p[0].Intent.AttemptID != pending.AttemptID {
		t.Errorf("pairing: %+v", p)
	}
	logs := buf.String()
	if strings.Count(logs, "skipping unreadable line") != 2 || strings.Count(logs, "not an audit record") != 2 {
		t.Errorf("damage not reported:\n%s", logs)
	}

	// A restarted dashboard appends after the fragment on a fresh line, so
	// the new record is not lost with it.
	l2, _ := openAt(t, l.Path())
	next := mustIntent(t, l2, stopBy("carol", "t3"))
	got = mustRecent(t, l2, Filter{})
	if len(got) != 4 || got[0].AttemptID != next.AttemptID {
		t.Fatalf("after restart got %s", taskIDs(got))
	}
}

func TestRecentLargeFile(t *testing.T) {
	l, _ := openTest(t)
	const n = 25000
	writeRaw(t, l.Path(), n, func(i int) Record {
		r := stopBy("bulk", fmt.Sprint(i))
		if i == 0 {
			r.User = "first-user"
		}
		r.Reason = strings.Repeat("r", 150)
		return r
	})
	st, _ := os.Stat(l.Path())
	if st.Size() < 5<<20 {
		t.Fatalf("file only %d bytes", st.Size())
	}

	// A small query reads one chunk from the end, not the file.
	f, err := os.Open(l.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := &countingReader{r: f}
	got, err := l.recent(cr, st.Size(), Filter{Limit: 10})
	if err != nil || len(got) != 10 || got[0].TaskID != fmt.Sprint(n-1) || got[9].TaskID != fmt.Sprint(n-10) {
		t.Fatalf("limit 10: %v %s", err, taskIDs(got))
	}
	if cr.n > chunkSize {
		t.Errorf("read %d bytes for 10 records", cr.n)
	}

	got = mustRecent(t, l, Filter{Limit: MaxLimit})
	for i, r := range got {
		if r.TaskID != fmt.Sprint(n-1-i) {
			t.Fatalf("record %d is task %s", i, r.TaskID)
		}
	}
	// A match at the very start needs the whole file, read in chunks.
	got = mustRecent(t, l, Filter{User: "FIRST-USER"})
	if len(got) != 1 || got[0].TaskID != "0" {
		t.Errorf("first record: %s", taskIDs(got))
	}
}

func TestScanBackward(t *testing.T) {
	long := strings.Repeat("L", 300)
	data := "a\nbb\n\n" + long + "\nccc\r\n\n\nd\ntail-no-newline"
	want := []string{}
	off := 0
	var offs []int
	for _, s := range strings.Split(data, "\n") {
		if s != "" {
			want = append(want, s)
			offs = append(offs, off)
		}
		off += len(s) + 1
	}
	for chunk := 1; chunk <= len(data)+1; chunk++ {
		var got []string
		var gotOff []int
		err := scanBackward(strings.NewReader(data), int64(len(data)), chunk, func(o int64, line []byte, tooLong bool) bool {
			got = append(got, string(line))
			gotOff = append(gotOff, int(o))
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			j := len(want) - 1 - i
			if j < 0 || got[i] != want[j] || gotOff[i] != offs[j] {
				t.Fatalf("chunk %d: got %q at %v, want %q at %v", chunk, got, gotOff, want, offs)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("chunk %d: %d lines, want %d", chunk, len(got), len(want))
		}
	}
}

func TestScanBackwardTooLong(t *testing.T) {
	huge := strings.Repeat("h", maxLine+10)
	atLimit := strings.Repeat("k", maxLine)
	for _, c := range []struct{ data, want string }{
		{huge + "\nok\n", "ok(2) TOO-LONG"},
		{"ok\n" + huge + "\nok\n", "ok(2) TOO-LONG ok(2)"},
		{"ok\n" + huge, "TOO-LONG ok(2)"},
		{"ok\n" + atLimit + "\n", "kkkkkkkkkk(1048576) ok(2)"},
	} {
		var got []string
		err := scanBackward(strings.NewReader(c.data), int64(len(c.data)), 4096, func(_ int64, line []byte, tooLong bool) bool {
			if tooLong {
				if line != nil {
					t.Error("over-long line passed on")
				}
				got = append(got, "TOO-LONG")
			} else {
				got = append(got, fmt.Sprintf("%.10s(%d)", line, len(line)))
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("got %s, want %s", g, c.want)
		}
	}
}

// TestRecentMissingFile: a file deleted and not yet written again holds
// nothing to read, which is not an error (the page must not fail).
func TestRecentMissingFile(t *testing.T) {
	l, _ := openTest(t)
	os.Remove(l.Path())
	if recs, err := l.Recent(Filter{}); err != nil || len(recs) != 0 {
		t.Errorf("missing file: %d records, %v", len(recs), err)
	}
}
