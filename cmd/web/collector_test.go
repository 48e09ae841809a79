package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestTuneCollector: -memory-limit sets the runtime's soft limit and a
// GOGC of 400; GOMEMLIMIT and GOGC in the environment win; 0 changes
// nothing.
func TestTuneCollector(t *testing.T) {
	limit0, gogc0 := debug.SetMemoryLimit(-1), debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetMemoryLimit(limit0); debug.SetGCPercent(gogc0) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

	debug.SetMemoryLimit(1 << 40)
	debug.SetGCPercent(100)
	tuneCollector(64<<20, env(nil), log)
	if got, gogc := debug.SetMemoryLimit(-1), debug.SetGCPercent(400); got != 64<<20 || gogc != 400 {
		t.Errorf("limit %d, GOGC %d; want 64 MiB and 400", got, gogc)
	}

	debug.SetMemoryLimit(1 << 40)
	debug.SetGCPercent(150)
	tuneCollector(64<<20, env(map[string]string{"GOMEMLIMIT": "1GiB", "GOGC": "150"}), log)
	if got, gogc := debug.SetMemoryLimit(-1), debug.SetGCPercent(150); got != 1<<40 || gogc != 150 {
		t.Errorf("with the runtime's own settings: limit %d, GOGC %d; want them untouched", got, gogc)
	}

	tuneCollector(0, env(nil), log)
	if got, gogc := debug.SetMemoryLimit(-1), debug.SetGCPercent(150); got != 1<<40 || gogc != 150 {
		t.Errorf("-memory-limit 0: limit %d, GOGC %d; want them untouched", got, gogc)
	}
}

func TestSizes(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "512": 512, "64MiB": 64 << 20, "2GiB": 2 << 30, "10KiB": 10 << 10, "7B": 7} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
		if n, _ := parseSize(formatSize(want)); n != want {
			t.Errorf("formatSize(%d) = %q does not read back", want, formatSize(want))
		}
	}
	for _, bad := range []string{"", "-1", "64MB", "1.5GiB", "MiB", "99999999999GiB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}
