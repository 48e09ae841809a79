package dcs

// Native fuzz targets for the values the API sends and the ids sent to it.
// Seeds live in testdata/fuzz/<FuzzName>/ and run with plain `go test`;
// explore with, one target at a time:
//
//	go test -run '^$' -fuzz '^FuzzParseTimestamp$' -fuzztime 60s ./internal/dcs/

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzValidTaskID checks that an accepted id is at most 64 bytes of
// [A-Za-z0-9-], does not start with '-', needs no escaping in a URL path, and
// that the regexp agrees exactly with a byte-by-byte reading of that rule.
func FuzzValidTaskID(f *testing.F) {
	f.Fuzz(func(t *testing.T, id string) {
		ok := ValidTaskID(id)
		if want := taskIDRule(id); ok != want {
			t.Fatalf("ValidTaskID(%q) = %v, the rule says %v", id, ok, want)
		}
		if !ok {
			return
		}
		if len(id) > MaxTaskIDLength || id[0] == '-' {
			t.Fatalf("accepted %q: too long or starts with '-'", id)
		}
		if esc := url.PathEscape(id); esc != id {
			t.Fatalf("accepted %q, which a URL path escapes as %q", id, esc)
		}
		if u, err := url.Parse("https://dcs.example/v2/p/migration-task/" + id + "/stats"); err != nil ||
			u.Path != "/v2/p/migration-task/"+id+"/stats" {
			t.Fatalf("accepted %q, which changes the URL path (%v)", id, err)
		}
	})
}

// taskIDRule is the documented rule, written without a regexp.
func taskIDRule(id string) bool {
	if id == "" || len(id) > MaxTaskIDLength || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// documentedLayouts are the layouts of the API reference's own examples:
// "2021-06-16T06:12:55.508Z", "2019/10/22 14:44:30" and "202404011057".
var documentedLayouts = []string{time.RFC3339Nano, "2006/01/02 15:04:05", "200601021504"}

// FuzzParseTimestamp checks that any text gives a Timestamp whose Raw is the
// trimmed input (so non-blank input is never lost), that a parsed time is in
// UTC, that the documented layouts and 10- and 13-digit epochs read as
// those instants, and that printing the time as RFC 3339 and parsing that
// again gives the same instant.
func FuzzParseTimestamp(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw string) {
		ts := ParseTimestamp(raw)
		if want := strings.TrimSpace(raw); ts.Raw != want {
			t.Fatalf("ParseTimestamp(%q).Raw = %q, want the trimmed input %q", raw, ts.Raw, want)
		}
		if ts.IsZero() != (strings.TrimSpace(raw) == "") {
			t.Fatalf("ParseTimestamp(%q).IsZero() = %v", raw, ts.IsZero())
		}
		if again := ParseTimestamp(ts.Raw); again != ts {
			t.Fatalf("ParseTimestamp is not stable on its own Raw: %+v then %+v", ts, again)
		}
		for _, layout := range documentedLayouts {
			// A year RFC 3339 cannot write is refused (Time stays zero, Raw is shown).
			if want, err := time.Parse(layout, ts.Raw); err == nil && !want.IsZero() && inRange(want.UTC()) && !want.Equal(ts.Time) {
				t.Fatalf("ParseTimestamp(%q) = %+v, but it is %v in the documented layout %q", raw, ts, want, layout)
			}
		}
		if n, err := strconv.ParseInt(ts.Raw, 10, 64); err == nil && ts.Raw[0] != '+' && ts.Raw[0] != '-' &&
			(len(ts.Raw) == 10 && !ts.Time.Equal(time.Unix(n, 0)) || len(ts.Raw) == 13 && !ts.Time.Equal(time.UnixMilli(n))) {
			t.Fatalf("ParseTimestamp(%q) = %+v, not the epoch seconds or milliseconds", raw, ts)
		}
		if !ts.Valid() {
			return
		}
		if ts.Time.Location() != time.UTC {
			t.Fatalf("ParseTimestamp(%q) is in %v, want UTC", raw, ts.Time.Location())
		}
		if y := ts.Time.Year(); y < 1 || y > 9999 {
			t.Fatalf("ParseTimestamp(%q) = %v: a year RFC 3339 cannot write", raw, ts.Time)
		}
		text := ts.Time.Format(time.RFC3339Nano)
		back := ParseTimestamp(text)
		if !back.Valid() || !back.Time.Equal(ts.Time) {
			t.Fatalf("ParseTimestamp(%q) = %v; its RFC 3339 form %q reads back as %+v", raw, ts.Time, text, back)
		}
	})
}

// statsError is every message a failed stats read may carry: fixed text
// and positions only, never a piece of the body, which may hold secrets.
var statsError = regexp.MustCompile(`^the DCS API answered (HTTP 200 OK )?with ` +
	`(an empty body where a result was expected|a body that is not a JSON object|` +
	`a body that is not the documented JSON( \(invalid JSON at byte \d+\)| \(unexpected [a-z ]+ at "[A-Za-z0-9_.]*"\))?)$`)

// readStats runs a 200 answer's body through the same steps as Client.Stats.
func readStats(body []byte) (Stats, *APIError) {
	a := &answer{ReadCloser: io.NopCloser(bytes.NewReader(body)), status: 200, requestID: "req-fuzz"}
	data, err := readAnswer(a, "1s")
	if err != nil {
		return Stats{}, err
	}
	return decodeStats(data)
}

// FuzzDecodeStats feeds any body to the ShowMigrationTaskStats decoder. A
// failure is a KindDecode error of fixed wording that quotes nothing of the
// body; every JSON object succeeds (the decoder is tolerant below the top
// level); and every figure of a success is a consistent Number.
func FuzzDecodeStats(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := readStats(body)
		trimmed := bytes.TrimSpace(body)
		isObject := len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed)
		if err != nil {
			if err.Kind != KindDecode || !statsError.MatchString(err.Message) {
				t.Fatalf("error %q (kind %d) is not one of the decoder's fixed messages", err.Message, err.Kind)
			}
			if len(trimmed) >= 8 && strings.Contains(err.Error(), string(trimmed)) {
				t.Fatalf("error %q quotes the body", err.Error())
			}
			if isObject {
				t.Fatalf("a valid JSON object was refused: %v", err)
			}
			return
		}
		if !isObject {
			t.Fatalf("accepted a body that is not a JSON object: %q", body)
		}
		for name, n := range map[string]Number{"full_migration_progress": s.FullProgress, "offset": s.Offset,
			"source_dbsize": s.SourceKeys, "target_dbsize": s.TargetKeys,
			"target_input_kbps": s.InputKbps, "target_ops": s.Ops} {
			checkNumber(t, name, n)
		}
	})
}

// checkNumber: Valid means Raw is the text of a finite Value; otherwise
// Value is 0. Raw is always trimmed.
func checkNumber(t *testing.T, name string, n Number) {
	t.Helper()
	if n.Raw != strings.TrimSpace(n.Raw) {
		t.Fatalf("%s: Raw %q is not trimmed", name, n.Raw)
	}
	if !n.Valid {
		if n.Value != 0 {
			t.Fatalf("%s: invalid Number %+v has a Value", name, n)
		}
		return
	}
	v, err := strconv.ParseFloat(n.Raw, 64)
	if err != nil || v != n.Value || math.IsNaN(n.Value) || math.IsInf(n.Value, 0) {
		t.Fatalf("%s: valid Number %+v, but its Raw reads as %v (%v)", name, n, v, err)
	}
}

// progressOf decodes {"full_migration_progress": lit} and returns the figure.
func progressOf(t *testing.T, lit string) Number {
	t.Helper()
	s, err := readStats([]byte(`{"full_migration_progress": ` + lit + `}`))
	if err != nil {
		t.Fatalf("progress %s: %v", lit, err)
	}
	checkNumber(t, "full_migration_progress", s.FullProgress)
	return s.FullProgress
}

// jsonNumber matches exactly the JSON number grammar (RFC 8259, section 6).
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// FuzzStatsNumberForms is differential: a figure sent as a JSON number and
// the same text sent as a JSON string decode to the same Number, for the
// shortest forms of any finite float and for any JSON number literal; and a
// figure sent as any JSON string decodes as ParseNumber of the string.
func FuzzStatsNumberForms(f *testing.F) {
	f.Fuzz(func(t *testing.T, v float64, lit string) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			for _, format := range []byte{'g', 'e', 'f'} {
				text := strconv.FormatFloat(v, format, -1, 64)
				num, str := progressOf(t, text), progressOf(t, `"`+text+`"`)
				if num != str {
					t.Fatalf("%s as a number gives %+v, as a string %+v", text, num, str)
				}
				if !num.Valid || num.Value != v || num.Raw != text {
					t.Fatalf("%s decodes as %+v, want %v", text, num, v)
				}
			}
		}
		if jsonNumber.MatchString(lit) {
			num, str := progressOf(t, lit), progressOf(t, `"`+lit+`"`)
			if num != str {
				t.Fatalf("%s as a number gives %+v, as a string %+v", lit, num, str)
			}
		}
		if utf8.ValidString(lit) {
			quoted, err := json.Marshal(lit)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := progressOf(t, string(quoted)), ParseNumber(lit); got != want {
				t.Fatalf("string %s decodes as %+v, ParseNumber gives %+v", quoted, got, want)
			}
		}
	})
}

// FuzzNumberUnmarshalJSON calls Number.UnmarshalJSON on any bytes: it never
// fails and always leaves a consistent Number; for valid JSON, decoding
// through encoding/json gives the same as the direct call on the value.
func FuzzNumberUnmarshalJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		var n Number
		if err := n.UnmarshalJSON(b); err != nil {
			t.Fatalf("UnmarshalJSON(%q) = %v, want no error", b, err)
		}
		checkNumber(t, "direct", n)
		if !json.Valid(b) {
			return
		}
		var viaJSON Number
		if err := json.Unmarshal(b, &viaJSON); err != nil {
			t.Fatalf("json.Unmarshal(%q) = %v", b, err)
		}
		var direct Number
		_ = direct.UnmarshalJSON(bytes.TrimSpace(b))
		if viaJSON != direct {
			t.Fatalf("%q: via encoding/json %+v, direct %+v", b, viaJSON, direct)
		}
		if trimmed := bytes.TrimSpace(b); string(trimmed) == "null" || trimmed[0] == '"' {
			var s *string
			if json.Unmarshal(trimmed, &s) == nil && (s == nil && viaJSON != (Number{}) ||
				s != nil && viaJSON != ParseNumber(*s)) {
				t.Fatalf("%q: decodes as %+v, want ParseNumber of the string", b, viaJSON)
			}
		}
	})
}
