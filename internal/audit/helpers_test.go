package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a slog handler used from many
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testClock returns a now func that advances by one millisecond per call, so
// records get distinct, predictable times.
func testClock() func() time.Time {
	base := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	var n atomic.Int64
	return func() time.Time { return base.Add(time.Duration(n.Add(1)) * time.Millisecond) }
}

// openTest opens a log in a fresh directory, with a captured JSON logger.
func openTest(t *testing.T) (*Log, *syncBuffer) {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "audit.log"))
}

func openAt(t *testing.T, path string) (*Log, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	l, err := Open(path, slog.New(slog.NewJSONHandler(buf, nil)), testClock())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, buf
}

// stopBy is a valid intent input.
func stopBy(user, task string) Record {
	return Record{
		Action: ActionStop, User: user, Email: user + "@example.com",
		Groups: []string{"ops"}, RemoteAddr: "10.0.0.1:5555",
		TaskID: task, TaskName: "name-" + task, Reason: "maintenance",
	}
}

func mustIntent(t *testing.T, l *Log, r Record) Record {
	t.Helper()
	got, err := l.Intent(r)
	if err != nil {
		t.Fatalf("Intent: %v", err)
	}
	return got
}

func mustRecent(t *testing.T, l *Log, f Filter) []Record {
	t.Helper()
	got, err := l.Recent(f)
	if err != nil {
		t.Fatalf("Recent: %v", err)
	}
	return got
}

// readLines reads the file the plain way, as an independent check, and
// decodes every line strictly: any partial or merged line fails the test.
func readLines(t *testing.T, path string) []Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("file does not end in a newline: %q", tail(data))
	}
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxLine)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var r Record
		if err := dec.Decode(&r); err != nil || dec.More() {
			t.Fatalf("line %d is not one whole record (%v): %q", len(out)+1, err, sc.Text())
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func tail(b []byte) []byte {
	if len(b) > 80 {
		return b[len(b)-80:]
	}
	return b
}

func assertRecord(t *testing.T, got, want Record) {
	t.Helper()
	if !got.Time.Equal(want.Time) {
		t.Errorf("time: got %v, want %v", got.Time, want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("record mismatch:\n got  %#v\n want %#v", got, want)
	}
}

// countingReader counts the bytes Recent reads, to show it stops early.
type countingReader struct {
	r *os.File
	n int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// openLogger opens path with a JSON logger writing to buf.
func openLogger(path string, buf *syncBuffer) (*Log, error) {
	return Open(path, slog.New(slog.NewJSONHandler(buf, nil)), testClock())
}
