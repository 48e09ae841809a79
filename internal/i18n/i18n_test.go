package i18n_test

import (
	"context"
	"testing"

	"github.com/dcs-dashboard/migrations/internal/i18n"
)

// TestMatch: the chosen language wins, then the browser's preferences,
// then the fallback.
func TestMatch(t *testing.T) {
	for _, fallback := range []string{i18n.English, i18n.Chinese} {
		c, err := i18n.Load(fallback)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ chosen, accept, want string }{
			{"", "", fallback},
			{"", "zh-CN,zh;q=0.9,en;q=0.8", i18n.Chinese},
			{"", "zh", i18n.Chinese},
			{"", "zh-Hans-CN", i18n.Chinese},
			{"", "en-US,en;q=0.9", i18n.English},
			{"", "en-GB", i18n.English},
			{"", "fr-FR", fallback},
			{"", "not a header ;;;", fallback},
			{i18n.Chinese, "en-US", i18n.Chinese},
			{i18n.English, "zh-CN", i18n.English},
			{"de", "zh-CN", i18n.Chinese}, // a cookie naming a language it does not speak is ignored
		} {
			if got := c.Match(tc.chosen, tc.accept); got != tc.want {
				t.Errorf("fallback %s: Match(%q, %q) = %s, want %s", fallback, tc.chosen, tc.accept, got, tc.want)
			}
		}
	}
	if _, err := i18n.Load("fr"); err == nil {
		t.Error("Load(fr) succeeded")
	}
}

// TestPrinter: placeholders are filled; a context without a printer
// speaks English; an unknown id comes back as itself.
func TestPrinter(t *testing.T) {
	c, err := i18n.Load(i18n.English)
	if err != nil {
		t.Fatal(err)
	}
	zh := c.Printer(i18n.Chinese)
	if got := zh.T("layout.title", "Page", "任务"); got != "任务 · DCS 迁移" {
		t.Errorf("zh layout.title = %q", got)
	}
	ctx := i18n.With(context.Background(), zh)
	if got := i18n.T(ctx, "layout.nav.tasks"); got != "任务" {
		t.Errorf("T in a Chinese context = %q", got)
	}
	if got := i18n.T(context.Background(), "layout.nav.tasks"); got != "Tasks" {
		t.Errorf("T without a printer = %q", got)
	}
	if got := zh.T("no.such.id"); got != "no.such.id" {
		t.Errorf("an unknown id = %q", got)
	}
	if c.Printer("fr").Lang() != i18n.English {
		t.Error("a language it does not speak does not fall back")
	}
}
