package audit

import "time"

// Query selects stop attempts for the audit page and its export. Empty
// fields match everything.
type Query struct {
	User    string // case-insensitive exact match
	Target  string // exact match
	TaskID  string // exact match
	Outcome string // an Outcome* value, or OutcomeNone for attempts without one
	// Since and Until bound the intent's time (Until excluded); zero is open.
	Since, Until time.Time
	// Before continues a page: attempts older than the one the cursor names
	// (AttemptPage.Next of the page before).
	Before string
	Limit  int // attempts per page
}

// OutcomeNone selects, in a Query, attempts whose outcome was never written.
const OutcomeNone = "none"

// AttemptPage is one page of attempts, newest first, and the cursor of
// the next (older) page; Next is "" on the last page.
type AttemptPage struct {
	Attempts []Attempt
	Next     string
}
