package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
)

// TestHumanBytes: sizes read in binary units, exact bytes grouped, and a
// size the API sent as text that is not a number is shown as sent.
func TestHumanBytes(t *testing.T) {
	tests := []struct {
		raw, human, exact string
	}{
		{"0", "0 B", "0 bytes"},
		{"187", "187 B", "187 bytes"},
		{"1024", "1.0 KiB", "1,024 bytes"},
		{"1610612736", "1.5 GiB", "1,610,612,736 bytes"},
		{"42949672960", "40.0 GiB", "42,949,672,960 bytes"},
		{"12 MB", "12 MB", ""},
		{"", "—", ""},
	}
	for _, tt := range tests {
		n := dcs.ParseNumber(tt.raw)
		if got := humanBytes(n); got != tt.human {
			t.Errorf("humanBytes(%q) = %q, want %q", tt.raw, got, tt.human)
		}
		if got := exactBytes(context.Background(), n); got != tt.exact {
			t.Errorf("exactBytes(%q) = %q, want %q", tt.raw, got, tt.exact)
		}
	}
}

// TestTimeTag: a parsed time in UTC with a machine-readable datetime, an
// unparsable one as sent (escaped), a missing one as a dash.
func TestTimeTag(t *testing.T) {
	tests := []struct {
		ts   dcs.Timestamp
		want string
	}{
		{dcs.ParseTimestamp("2021-06-16T06:12:55.508Z"), `<time datetime="2021-06-16T06:12:55Z">2021-06-16 06:12:55 UTC</time>`},
		{dcs.ParseTimestamp("2019/10/22 14:44:30"), `<time datetime="2019-10-22T14:44:30Z">2019-10-22 14:44:30 UTC</time>`},
		{dcs.ParseTimestamp("202404011057"), `<time datetime="2024-04-01T10:57:00Z">2024-04-01 10:57:00 UTC</time>`},
		{dcs.Timestamp{Raw: "next <tuesday>"}, `<time>next &lt;tuesday&gt;</time>`},
		{dcs.Timestamp{}, `<time>—</time>`},
		{dcs.Timestamp{Raw: "huge", Time: time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)}, `<time>huge</time>`},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := TimeTag(tt.ts).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("TimeTag(%q) = %s, want %s", tt.ts.Raw, b.String(), tt.want)
		}
	}
}

// TestStatusBadgeEscapes: the hand-written badge escapes what the API sent
// and shows an unknown status raw, in the neutral tone.
func TestStatusBadgeEscapes(t *testing.T) {
	var b strings.Builder
	if err := StatusBadge(dcs.Status(`"><script>x</script>`)).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if strings.Contains(got, "<script>") || !strings.Contains(got, `data-tone="unknown"`) ||
		!strings.Contains(got, `data-status="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"`) {
		t.Errorf("badge = %s", got)
	}
	b.Reset()
	if err := StatusBadge(dcs.StatusTerminating).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if want := `<span class="badge" data-tone="stopping" data-testid="task-status" data-status="TERMINATING" title="TERMINATING">Stopping</span>`; b.String() != want {
		t.Errorf("badge = %s", b.String())
	}
}

// TestHumanScaleFigures: progress figures carry their unit, at a scale a
// person reads, with the exact figure beside a rounded one.
func TestHumanScaleFigures(t *testing.T) {
	n := func(v float64) dcs.Number { return dcs.Number{Value: v, Valid: true} }
	for _, c := range []struct{ got, want string }{
		{scaled(context.Background(), n(987), "format.keys"), "987 keys"},
		{scaled(context.Background(), n(401837), "format.keys"), "401.8 k keys (401,837)"},
		{scaled(context.Background(), n(2036574), "format.keys"), "2.0 M keys (2,036,574)"},
		{scaled(context.Background(), n(3.2e9), "format.keys"), "3.2 G keys (3,200,000,000)"},
		{scaled(context.Background(), n(6530), "format.ops"), "6,530 ops/s"},
		{rate(context.Background(), n(512)), "512 KB/s"},
		{rate(context.Background(), n(52470)), "51.2 MB/s (52,470 KB/s)"},
		{lag(context.Background(), n(0)), "0 (caught up)"},
		{lag(context.Background(), n(4527666)), "4,527,666 behind"},
		{rate(context.Background(), dcs.Number{Raw: "n/a"}), "n/a"},
		{scaled(context.Background(), dcs.Number{}, "format.keys"), "—"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestCompactByLanguage: English counts in thousands, Chinese in
// ten-thousands, each with its own words.
func TestCompactByLanguage(t *testing.T) {
	c, err := i18n.Load(i18n.English)
	if err != nil {
		t.Fatal(err)
	}
	zh := i18n.With(context.Background(), c.Printer(i18n.Chinese))
	en := context.Background()
	for _, tc := range []struct {
		ctx  context.Context
		v    float64
		want string
	}{
		{en, 9999, "9,999"}, {en, 401837, "401.8 k"}, {en, 2036574, "2.0 M"}, {en, 3e9, "3.0 G"},
		{zh, 9999, "9,999"}, {zh, 401837, "40.2万"}, {zh, 2036574, "203.7万"}, {zh, 3e8, "3.0亿"}, {zh, 3e9, "30.0亿"},
	} {
		if got, _ := compact(tc.ctx, dcs.Number{Value: tc.v, Valid: true}); got != tc.want {
			t.Errorf("compact(%s, %v) = %q, want %q", i18n.From(tc.ctx).Lang(), tc.v, got, tc.want)
		}
	}
}

// TestClip: a text of at most n characters is kept; a longer one is cut to
// n characters, the last being the ellipsis, counting characters, not
// bytes.
func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven 11!!", 10, "eleven 11…"},
		{"迁移失败迁移失败", 8, "迁移失败迁移失败"},
		{"迁移失败迁移失败了", 8, "迁移失败迁移失…"},
		{"ab迁移失败", 3, "ab…"},
	} {
		if got := Clip(tc.in, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
