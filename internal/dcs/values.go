package dcs

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a time as the API sent it. The reference's own examples use
// several layouts (RFC 3339 with milliseconds, "2019/10/22 14:44:30",
// "202404011057"), so the raw text is always kept: a page shows the parsed
// time when it could be parsed and the raw text otherwise, and never fails
// over a date.
type Timestamp struct {
	Raw  string
	Time time.Time // zero unless Valid
}

// Valid reports whether Raw was parsed.
func (t Timestamp) Valid() bool { return !t.Time.IsZero() }

// IsZero reports whether the API sent nothing.
func (t Timestamp) IsZero() bool { return t.Raw == "" }

// timeLayouts are tried in order. Layouts without a zone are read as UTC,
// which is what the DCS API uses.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006/01/02 15:04:05",
	"2006-01-02 15:04",
	"200601021504",
	"20060102150405",
	"2006-01-02",
}

// ParseTimestamp reads any layout the API is known to use. Epoch seconds and
// milliseconds (as digits longer than a date) are accepted too.
func ParseTimestamp(raw string) Timestamp {
	s := strings.TrimSpace(raw)
	ts := Timestamp{Raw: s}
	if s == "" {
		return ts
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if inRange(t.UTC()) {
				ts.Time = t.UTC()
			}
			return ts
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) >= 10 && len(s) != 12 && len(s) != 14 {
		t := time.Unix(n, 0).UTC()
		if len(s) >= 13 {
			t = time.UnixMilli(n).UTC()
		}
		if inRange(t) {
			ts.Time = t
		}
	}
	return ts
}

// inRange keeps times to years 1-9999: RFC 3339 (and JSON) cannot write
// others, and no migration task has them. Such a value is shown raw.
func inRange(t time.Time) bool {
	y := t.Year()
	return y >= 1 && y <= 9999
}

// Number is a figure the API may send as a JSON number, as a string holding a
// number, or not at all. Raw keeps the text so an unparsable value can still
// be shown.
type Number struct {
	Value float64
	Raw   string
	Valid bool
}

// ParseNumber reads a number from its text form.
func ParseNumber(raw string) Number {
	s := strings.TrimSpace(raw)
	n := Number{Raw: s}
	if s == "" {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		n.Value, n.Valid = f, true
	}
	return n
}

// Int is Value rounded towards zero, for counts and byte sizes.
func (n Number) Int() int64 { return int64(n.Value) }

// UnmarshalJSON accepts a number, a string, or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	*n = decodeNumber(b)
	return nil
}

func decodeNumber(b []byte) Number {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return Number{}
		}
		return ParseNumber(s)
	}
	switch {
	case string(b) == "null":
		return Number{}
	case len(b) > 0 && (b[0] == '{' || b[0] == '[' || b[0] == 't' || b[0] == 'f'):
		// An object, array or boolean is no figure: show nothing rather
		// than echo structure onto a page (as string fields do).
		return Number{}
	}
	return ParseNumber(string(b))
}

// taskIDPattern is deliberately strict: ids go into upstream URL paths, so
// anything beyond letters, digits and hyphens is refused before any call.
var taskIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)

// MaxTaskIDLength bounds a task id; DCS ids are 36-character UUIDs.
const MaxTaskIDLength = 64

// ValidTaskID reports whether id may be sent to the API.
func ValidTaskID(id string) bool {
	return len(id) <= MaxTaskIDLength && taskIDPattern.MatchString(id)
}
