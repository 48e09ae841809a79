package main

import (
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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
	stop := tuneCollector(64<<20, env(nil), log)
	stop()
	if got, gogc := debug.SetMemoryLimit(-1), debug.SetGCPercent(400); got != 64<<20 || gogc != 400 {
		t.Errorf("limit %d, GOGC %d; want 64 MiB and 400", got, gogc)
	}

	debug.SetMemoryLimit(1 << 40)
	debug.SetGCPercent(150)
	tuneCollector(64<<20, env(map[string]string{"GOMEMLIMIT": "1GiB", "GOGC": "150"}), log)()
	if got, gogc := debug.SetMemoryLimit(-1), debug.SetGCPercent(150); got != 1<<40 || gogc != 150 {
		t.Errorf("with the runtime's own settings: limit %d, GOGC %d; want them untouched", got, gogc)
	}

	tuneCollector(0, env(nil), log)()
	if got, gogc := debug.SetMemoryLimit(-1), debug.SetGCPercent(150); got != 1<<40 || gogc != 150 {
		t.Errorf("-memory-limit 0: limit %d, GOGC %d; want them untouched", got, gogc)
	}
}

// TestLimitFollowsTheLiveHeap: a live heap past half the floor raises the
// limit to twice it, so the collector never runs more often than by
// default; once the heap is small again the limit is the floor.
func TestLimitFollowsTheLiveHeap(t *testing.T) {
	for _, tc := range []struct{ floor, live, want int64 }{
		{48 << 20, 10 << 20, 48 << 20},
		{48 << 20, 24 << 20, 48 << 20},
		{48 << 20, 100 << 20, 200 << 20},
		{48 << 20, 30<<20 + 1, 61 << 20}, // rounded up to a MiB
	} {
		if got := limitFor(tc.floor, tc.live); got != tc.want {
			t.Errorf("limitFor(%d, %d) = %d, want %d", tc.floor, tc.live, got, tc.want)
		}
	}

	limit0 := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(limit0) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	const floor = 8 << 20
	held := make([][]byte, 0, 32)
	for range 32 { // 32 MiB live, four times the floor
		held = append(held, make([]byte, 1<<20))
	}
	runtime.GC() // the live heap is measured by a collection
	debug.SetMemoryLimit(floor)
	followLiveHeap(floor, log)
	raised := debug.SetMemoryLimit(-1)
	if raised < 64<<20 {
		t.Errorf("limit %d MiB with 32 MiB live, want at least 64", raised>>20)
	}
	runtime.KeepAlive(held)
	held = nil
	runtime.GC()
	followLiveHeap(floor, log)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if got, want := debug.SetMemoryLimit(-1), limitFor(floor, int64(sample[0].Value.Uint64())); got >= raised || got != want {
		t.Errorf("limit %d MiB once the heap is small again, want %d MiB", got>>20, want>>20)
	}
}
