package main

import (
	"errors"
	"flag"
	"strconv"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/auth"
)

// value is one config field seen as text. The same Set parses a setting's
// default, its environment variable and its flag, so the three can never
// disagree about what a good value is; Set's error completes "X is ..." in
// messages about the environment.
type value interface {
	flag.Value
	// form names the form of the text in -help ("duration"); "" for a
	// switch, which takes no text.
	form() string
}

// kind is how the text of one type of setting becomes a value and back.
type kind[T any] struct {
	form   string
	parse  func(string) (T, error)
	format func(T) string
}

// The kinds of setting. Parse errors say what a good value looks like,
// since the Go parsers' own errors name Go functions, not the setting.
var (
	textKind     = kind[string]{form: "string", parse: func(s string) (string, error) { return s, nil }, format: func(s string) string { return s }}
	durationKind = kind[time.Duration]{form: "duration", parse: explained(time.ParseDuration, "not a duration such as 15s"), format: time.Duration.String}
	// Base prefixes such as 0x are accepted, as the flag package's own int
	// flags accept them, so no command line that worked before stops working.
	numberKind = kind[int]{form: "int", parse: explained(parseInt, "not a whole number"), format: strconv.Itoa}
	switchKind = kind[bool]{parse: explained(strconv.ParseBool, "not true or false"), format: strconv.FormatBool}
	// Sizes are written as GOMEMLIMIT writes them: a whole number of
	// bytes with an optional B, KiB, MiB or GiB.
	sizeKind = kind[int64]{form: "size", parse: explained(parseSize, "not a size such as 64MiB"), format: formatSize}
	// Items are trimmed and empty and repeated ones dropped, as everywhere
	// else the dashboard reads a list.
	listKind = kind[[]string]{form: "list", parse: func(s string) ([]string, error) { return auth.ParseList(s), nil },
		format: func(l []string) string { return strings.Join(l, ",") }}
)

// text is a string field: any text is good.
func text(p *string) value { return field[string]{p, textKind} }

// duration is a time.Duration field written as Go durations ("15s", "1h").
func duration(p *time.Duration) value { return field[time.Duration]{p, durationKind} }

// number is an int field written as a whole number.
func number(p *int) value { return field[int]{p, numberKind} }

// switchOf is a bool field: given alone as a flag it means true.
func switchOf(p *bool) value { return field[bool]{p, switchKind} }

// size is an int64 field of bytes written as "64MiB".
func size(p *int64) value { return field[int64]{p, sizeKind} }

// list is a comma-separated field.
func list(p *[]string) value { return field[[]string]{p, listKind} }

// field is a config field of type T with the kind that reads it.
type field[T any] struct {
	p    *T
	kind kind[T]
}

// Set parses s into the field, replacing what was there: a list flag given
// on the command line replaces the environment's list rather than adding
// to it, as every other flag wins over the environment.
func (f field[T]) Set(s string) error {
	v, err := f.kind.parse(s)
	if err != nil {
		return err
	}
	*f.p = v
	return nil
}

// String writes the field's value as text.
func (f field[T]) String() string { return f.kind.format(*f.p) }

// IsBoolFlag lets the flag package accept a switch alone ("-hsts").
func (f field[T]) IsBoolFlag() bool { return f.kind.form == "" }

func (f field[T]) form() string { return f.kind.form }

func parseInt(s string) (int, error) {
	n, err := strconv.ParseInt(s, 0, strconv.IntSize)
	return int(n), err
}

// explained replaces parse's error with want, what a good value looks like.
func explained[T any](parse func(string) (T, error), want string) func(string) (T, error) {
	return func(s string) (T, error) {
		v, err := parse(s)
		if err != nil {
			return v, errors.New(want)
		}
		return v, nil
	}
}

// sizeUnits are the suffixes parseSize reads, largest first.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

func parseSize(s string) (int64, error) {
	unit := int64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, unit = n, u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/unit {
		return 0, errors.New("bad size")
	}
	return n * unit, nil
}

func formatSize(n int64) string {
	for _, u := range sizeUnits {
		if n != 0 && n%u.bytes == 0 {
			return strconv.FormatInt(n/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
