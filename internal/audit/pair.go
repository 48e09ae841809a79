package audit

// Attempt is one stop attempt: its intent and, if one was recorded, its
// outcome. A nil Outcome means none was recorded (the call may still be in
// flight, or the dashboard crashed between intent and outcome). A zero
// Intent (empty AttemptID) means the intent lies outside the records given
// to Pair; the outcome carries the same who/what fields, so it is still
// readable on its own.
type Attempt struct {
	Intent  Record
	Outcome *Record
}

// Pair groups records, as returned by Recent (newest first), into attempts
// by AttemptID. Attempts come in the order of their newest record, so the
// result is newest first too. Nothing is dropped: a duplicate outcome (which
// the Log never writes) becomes an attempt of its own.
func Pair(records []Record) []Attempt {
	var out []Attempt
	// Outcome-only attempts whose intent, being older, may still come.
	waiting := make(map[string]int)
	for _, r := range records {
		if r.Event == EventOutcome {
			rc := r
			out = append(out, Attempt{Outcome: &rc})
			if r.AttemptID != "" {
				waiting[r.AttemptID] = len(out) - 1
			}
			continue
		}
		if i, ok := waiting[r.AttemptID]; ok {
			out[i].Intent = r
			delete(waiting, r.AttemptID)
			continue
		}
		out = append(out, Attempt{Intent: r})
	}
	return out
}
