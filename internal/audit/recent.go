package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Filter selects records for Recent. Empty fields match everything.
type Filter struct {
	User   string // case-insensitive exact match
	TaskID string // exact match
	Target string // exact match
	Limit  int    // at most this many records; 0 means DefaultLimit, capped at MaxLimit
}

// Limits for Filter.Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

const (
	// chunkSize is how much Recent reads per step, backwards from the end.
	chunkSize = 64 << 10
	// maxLine bounds the memory one line may take. Sanitised records are far
	// smaller; anything longer is damage and is skipped.
	maxLine = 1 << 20
)

// Recent returns the newest records matching f, newest first. It opens the
// file afresh for reading and reads it backwards in chunks, stopping once
// f.Limit records match, so its cost follows the answer, not the file size.
//
// Lines that are not valid records (a last line cut short by a crash, or
// damage anywhere) are skipped and reported to the logger; the rest are
// still returned. An intent whose outcome was never written is returned
// as-is.
func (l *Log) Recent(f Filter) ([]Record, error) {
	file, err := os.Open(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		// Deleted or moved away, and no record written since to make it
		// again: there is nothing to read, which is not a failure.
		l.logger.Warn("audit log file is missing; the next record creates it again", "path", l.path)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", l.path, err)
	}
	defer file.Close()
	// Size the file under the write lock so an in-process write is either
	// wholly inside the snapshot or wholly after it.
	l.mu.Lock()
	st, err := file.Stat()
	l.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", l.path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil // e.g. a device in tests: nothing to read back
	}
	return l.recent(file, st.Size(), f)
}

// recent does Recent's work on any ReaderAt, so tests can count the bytes
// it reads.
func (l *Log) recent(r io.ReaderAt, size int64, f Filter) ([]Record, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var out []Record
	err := scanBackward(r, size, chunkSize, func(off int64, line []byte, tooLong bool) bool {
		if tooLong {
			l.logger.Warn("audit log: skipping over-long line", "path", l.path, "offset", off)
			return true
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			l.logger.Warn("audit log: skipping unreadable line", "path", l.path, "offset", off, "err", err.Error())
			return true
		}
		if (rec.Event != EventIntent && rec.Event != EventOutcome) || rec.AttemptID == "" {
			l.logger.Warn("audit log: skipping line that is not an audit record", "path", l.path, "offset", off)
			return true
		}
		if f.User != "" && !strings.EqualFold(rec.User, f.User) {
			return true
		}
		if f.Target != "" && rec.Target != f.Target {
			return true
		}
		if f.TaskID != "" && rec.TaskID != f.TaskID {
			return true
		}
		out = append(out, rec)
		return len(out) < limit
	})
	if err != nil {
		return out, fmt.Errorf("audit log %s: read: %w", l.path, err)
	}
	return out, nil
}

// scanBackward calls fn for each non-empty line of r[0:size], last line
// first, with the line's offset; fn returns false to stop. The line slice is
// only valid during the call. A line longer than maxLine is passed as nil
// with tooLong set, without ever being held in memory whole. The last line
// need not end in "\n" (a cut-short write) and is passed like any other.
func scanBackward(r io.ReaderAt, size int64, chunk int, fn func(off int64, line []byte, tooLong bool) bool) error {
	buf := make([]byte, chunk)
	var tail tailPieces // end of a line whose start lies in an earlier chunk
	tooLong := false    // the line being collected in tail exceeds maxLine
	pos := size
	for pos > 0 {
		n := min(int64(chunk), pos)
		pos -= n
		b := buf[:n]
		if _, err := r.ReadAt(b, pos); err != nil {
			return err
		}
		end := len(b)
		for {
			i := bytes.LastIndexByte(b[:end], '\n')
			if i < 0 {
				break
			}
			// b[i+1:end]+tail is a whole line: it starts right after a newline.
			seg := b[i+1 : end]
			long := tooLong || len(seg)+tail.n > maxLine
			var line []byte
			if !long {
				line = tail.join(seg)
			}
			if long || len(line) > 0 {
				if !fn(pos+int64(i)+1, line, long) {
					return nil
				}
			}
			tail, tooLong = tailPieces{}, false
			end = i
		}
		// b[:end] continues the line whose start is further back.
		if !tooLong {
			if end+tail.n > maxLine {
				tail, tooLong = tailPieces{}, true
			} else if end > 0 {
				tail.prepend(b[:end])
			}
		}
	}
	if tooLong || tail.n > 0 {
		fn(0, tail.join(nil), tooLong)
	}
	return nil
}

// tailPieces collects a line backwards, chunk by chunk. Keeping the pieces
// apart until the line is complete makes a long line cost linear, not
// quadratic, copying.
type tailPieces struct {
	pieces [][]byte // last piece of the line first
	n      int
}

// prepend adds a copy of p (the reading buffer is reused) before the rest.
func (t *tailPieces) prepend(p []byte) {
	t.pieces = append(t.pieces, bytes.Clone(p))
	t.n += len(p)
}

// join returns seg followed by the collected pieces, or seg itself when
// nothing was collected.
func (t *tailPieces) join(seg []byte) []byte {
	if t.n == 0 {
		return seg
	}
	out := make([]byte, 0, len(seg)+t.n)
	out = append(out, seg...)
	for i := len(t.pieces) - 1; i >= 0; i-- {
		out = append(out, t.pieces[i]...)
	}
	return out
}
