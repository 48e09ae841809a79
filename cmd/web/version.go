package main

import (
	"runtime"
	"runtime/debug"
)

// version and revision are set at build time by `make build`
// (-ldflags "-X main.version=... -X main.revision=..."); a plain `go build`
// falls back to what the Go toolchain recorded.
var (
	version  = ""
	revision = ""
)

// buildInfo is the version, source revision and Go version of this binary.
type buildInfo struct {
	Version, Revision, GoVersion string
}

// currentBuild prefers what `make build` stamped and falls back to what the
// Go toolchain recorded, so any build can say what it is.
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Revision: revision, GoVersion: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && b.Revision == "" {
				b.Revision = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	if b.Revision == "" {
		b.Revision = "unknown"
	}
	return b
}

// String is the line -version prints.
func (b buildInfo) String() string {
	return "dcs-dashboard " + b.Version + " (revision " + b.Revision + ", " + b.GoVersion + ")"
}
