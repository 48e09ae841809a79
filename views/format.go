package views

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
)

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// humanBytes renders a size in binary units ("1.5 GiB").
func humanBytes(n dcs.Number) string {
	if !n.Valid || !countable(n) {
		return orDash(n.Raw)
	}
	v := n.Value
	if v < 1024 {
		return strconv.FormatInt(n.Int(), 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// exactBytes renders the exact byte count with thousands separators.
func exactBytes(ctx context.Context, n dcs.Number) string {
	if !n.Valid || !countable(n) {
		return ""
	}
	return tr(ctx, "format.bytes", "N", grouped(n.Int()))
}

func grouped(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// countable reports whether n is a byte count: whole is not required, but
// it must be non-negative and fit an int64; anything else is shown as sent.
func countable(n dcs.Number) bool {
	return n.Value >= 0 && n.Value < math.MaxInt64/2
}

// figure renders a count or rate; a value the API sent as text that is not
// a number is shown as sent.
func figure(n dcs.Number) string {
	if !n.Valid {
		return orDash(n.Raw)
	}
	if n.Value == math.Trunc(n.Value) && math.Abs(n.Value) < 1e15 {
		return grouped(n.Int())
	}
	return strconv.FormatFloat(n.Value, 'f', 1, 64)
}

// scaled is a count at human scale with its unit, the exact figure after
// it when the scale rounds it: "2.0 M keys (2,036,574)". unitID is the
// catalog id of the figure with its unit, "format.keys" or "format.ops".
func scaled(ctx context.Context, n dcs.Number, unitID string) string {
	short, rounded := compact(ctx, n)
	switch {
	case !n.Valid:
		return short
	case rounded:
		return tr(ctx, "format.rounded", "Figure", tr(ctx, unitID, "N", short), "Exact", figure(n))
	}
	return tr(ctx, unitID, "N", short)
}

// scales are the powers of ten a language names, largest first, with the
// catalog id of each one's word: English counts in thousands (k, M, G),
// Chinese in ten-thousands (万, 亿). A language without a word for one has
// "-" there.
var scales = []struct {
	unit float64
	id   string
}{{1e9, "format.scale.e9"}, {1e8, "format.scale.e8"}, {1e6, "format.scale.e6"}, {1e4, "format.scale.e4"}, {1e3, "format.scale.e3"}}

// compact is a count at the language's human scale, "2.0 M" or "203.7万",
// and whether that rounds it; below ten thousand it is the exact figure. A
// value that is not a number is shown as sent.
func compact(ctx context.Context, n dcs.Number) (string, bool) {
	if !n.Valid {
		return orDash(n.Raw), false
	}
	v := math.Abs(n.Value)
	if v >= 1e4 {
		for _, s := range scales {
			if word := tr(ctx, s.id); word != "-" && v >= s.unit {
				return tr(ctx, "format.scaled", "N", strconv.FormatFloat(n.Value/s.unit, 'f', 1, 64), "Unit", word), true
			}
		}
	}
	return figure(n), false
}

// rate is the API's input rate, in KB/s, as MB/s once it reaches one.
func rate(ctx context.Context, n dcs.Number) string {
	if !n.Valid {
		return orDash(n.Raw)
	}
	kbps := tr(ctx, "format.kbps", "N", figure(n))
	if n.Value >= 1024 {
		mbps := tr(ctx, "format.mbps", "N", strconv.FormatFloat(n.Value/1024, 'f', 1, 64))
		return tr(ctx, "format.rounded", "Figure", mbps, "Exact", kbps)
	}
	return kbps
}

// lag is the replication offset still to apply; 0 means caught up.
func lag(ctx context.Context, n dcs.Number) string {
	if !n.Valid {
		return orDash(n.Raw)
	}
	if n.Value == 0 {
		return tr(ctx, "format.lag.zero")
	}
	return tr(ctx, "format.lag.behind", "N", figure(n))
}

// percent clamps progress to 0-100 for the bar; the text shows the raw figure.
func percent(n dcs.Number) float64 {
	if !n.Valid {
		return 0
	}
	return math.Max(0, math.Min(100, n.Value))
}

func percentText(n dcs.Number) string {
	if !n.Valid {
		return orDash(n.Raw)
	}
	return strconv.FormatFloat(n.Value, 'f', -1, 64) + " %"
}

func yesNo(ctx context.Context, b *bool) string {
	switch {
	case b == nil:
		return "—"
	case *b:
		return tr(ctx, "format.yes")
	default:
		return tr(ctx, "format.no")
	}
}

// sourceSummary is the list's one-line answer to "where does data come from".
func sourceSummary(ctx context.Context, t dcs.Task) string {
	s, backupID := sourceOf(t)
	if backupID != "" {
		return tr(ctx, "format.backup", "ID", backupID)
	}
	return orDash(s)
}

// SourceText is sourceSummary without the dash: "" when nothing is known.
// Exports use it, so a file says what the list says (in English, whatever
// the page's language: a file is data).
func SourceText(t dcs.Task) string {
	s, backupID := sourceOf(t)
	if backupID != "" {
		return "backup " + backupID
	}
	return s
}

// sourceOf is where t's data comes from: a name or address, or else the
// backup record it imports (its id).
func sourceOf(t dcs.Task) (source, backupID string) {
	for _, s := range []string{t.Source.Name, t.Source.Addrs, t.DataSource} {
		if strings.TrimSpace(s) != "" {
			return s, ""
		}
	}
	if t.Backup != nil {
		if t.Backup.Bucket != "" {
			return "obs://" + t.Backup.Bucket, ""
		}
		return "", t.Backup.BackupID
	}
	return "", ""
}

func targetSummary(t dcs.Task) string { return orDash(TargetText(t)) }

// TargetText is targetSummary without the dash, for exports.
func TargetText(t dcs.Task) string {
	for _, s := range []string{t.Target.Name, t.Target.ID, t.Target.Addrs} {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func everyTrigger(d time.Duration) string {
	return fmt.Sprintf("every %dms", d.Milliseconds())
}

// passwordNote says whether an instance has a password. The password itself
// never reaches this package: internal/dcs drops it while decoding.
func passwordNote(ctx context.Context, set bool) string {
	if set {
		return tr(ctx, "format.password.set")
	}
	return tr(ctx, "format.password.not_set")
}

// rowErrorLength is how much of a task's error message a list row shows;
// the whole message is on hover and on the task's page.
const rowErrorLength = 80

// Clip cuts s to at most n characters (not bytes: messages may be
// Chinese), marking the cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// The byte offset of rune n-1, and whether there are more than n.
	cut, runes := 0, 0
	for i := range s {
		if runes == n-1 {
			cut = i
		}
		if runes == n {
			return s[:cut] + "…"
		}
		runes++
	}
	return s
}
