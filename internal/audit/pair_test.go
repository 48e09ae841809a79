package audit

import "testing"

func TestPair(t *testing.T) {
	rec := func(ev, id, task string) Record { return Record{Event: ev, AttemptID: id, TaskID: task} }
	// Newest first, as Recent returns them.
	records := []Record{
		rec(EventIntent, "d", "t4"),  // in flight / crashed: no outcome
		rec(EventOutcome, "c", "t3"), // both halves
		rec(EventOutcome, "b", "t2"), // intent is older than the window
		rec(EventIntent, "c", "t3"),
		rec(EventOutcome, "a", "t1"), // a duplicate outcome stays visible
		rec(EventOutcome, "a", "t1"),
		rec(EventIntent, "a", "t1"),
	}
	got := Pair(records)
	type row struct{ intent, outcome string }
	want := []row{{"d", ""}, {"c", "c"}, {"", "b"}, {"", "a"}, {"a", "a"}}
	if len(got) != len(want) {
		t.Fatalf("%d attempts, want %d: %+v", len(got), len(want), got)
	}
	for i, a := range got {
		r := row{intent: a.Intent.AttemptID}
		if a.Outcome != nil {
			r.outcome = a.Outcome.AttemptID
		}
		if r != want[i] {
			t.Errorf("attempt %d: got %+v, want %+v", i, r, want[i])
		}
	}
	if got[1].Intent.TaskID != "t3" || got[1].Outcome.TaskID != "t3" {
		t.Errorf("pair c: %+v", got[1])
	}
	if Pair(nil) != nil {
		t.Error("Pair(nil) not empty")
	}
}
