package main

import (
	"cmp"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go runtime's collector, tuned for the dashboard's steady state: a
// page allocates tens of kilobytes that die with it, around a live heap of
// a few megabytes. With the runtime's defaults (GOGC=100) the collector
// ran every few megabytes allocated, which was a third of the CPU of
// serving a page under load (make bench).
//
// So the heap may grow to five times what is live before a collection
// (GOGC=400), and a soft memory limit (-memory-limit) keeps it bounded.
// A fixed limit would turn against a deployment whose live heap nears it
// (many targets of thousands of tasks): the collector would run ever more
// often, up to half the CPU. The limit therefore follows the live heap,
// never below twice what is live, so the collector never runs more often
// than with the runtime's defaults; -memory-limit is where it starts and
// the least it is.

// limitCheck is how often the live heap is looked at.
const limitCheck = 10 * time.Second

// tuneCollector applies -memory-limit (floor, in bytes) and GOGC=400, and
// keeps the limit at least twice the live heap until the returned stop is
// called. GOMEMLIMIT and GOGC, the runtime's own settings, win when set (a
// GOMEMLIMIT is left fixed); a floor of 0 changes nothing.
func tuneCollector(floor int64, getenv func(string) string, log *slog.Logger) (stop func()) {
	if floor <= 0 {
		return func() {}
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") != "" {
		log.Info("memory", "limit", formatSize(debug.SetMemoryLimit(-1)), "gogc", cmp.Or(getenv("GOGC"), "400"))
		return func() {}
	}
	debug.SetMemoryLimit(floor)
	log.Info("memory", "limit", formatSize(floor), "gogc", cmp.Or(getenv("GOGC"), "400"))
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(limitCheck)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				followLiveHeap(floor, log)
			}
		}
	}()
	return func() { close(done) }
}

// followLiveHeap sets the memory limit to limitFor(floor, the live heap)
// when that differs from the limit now.
func followLiveHeap(floor int64, log *slog.Logger) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	want := limitFor(floor, int64(sample[0].Value.Uint64()))
	was := debug.SetMemoryLimit(want)
	switch {
	case was == want:
	case was == floor || want == floor: // leaving the floor, or back to it: worth a line
		log.Info("memory limit follows the live heap", "limit", formatSize(want), "was", formatSize(was))
	default:
		log.Debug("memory limit follows the live heap", "limit", formatSize(want), "was", formatSize(was))
	}
}

// limitFor is the memory limit for a live heap: twice it, rounded up to a
// MiB so small changes do not move the limit, and never below floor.
func limitFor(floor, live int64) int64 {
	const mib = 1 << 20
	return max(floor, (2*live+mib-1)/mib*mib)
}
