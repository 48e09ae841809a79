package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestRun runs the whole tool against a stand-in go command that prints
// the sample outputs, the soak failing: every figure it could read is in
// the table, which comes last; the failure is told with its last lines and
// makes the exit status 1; each command's output is saved.
func TestRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in go command is a shell script")
	}
	dir := t.TempDir()
	for name, text := range map[string]string{"views": viewsOut, "handlers": handlersOut, "compare": compareOut} {
		if err := os.WriteFile(filepath.Join(dir, name+".out"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fake := filepath.Join(dir, "go")
	script := `#!/bin/sh
d=` + dir + `
case "$*" in
env\ GOVERSION) echo go1.99-fake ;;
*./views/*) cat "$d/views.out" ;;
*./handlers/*) cat "$d/handlers.out" ;;
*soak*) echo "dcsload: building ./cmd/web" >&2; echo "dcsload: the dashboard did not start" >&2; exit 1 ;;
*./cmd/dcsload*) echo "dcsload: warming up" >&2; cat "$d/compare.out" ;;
*) echo "unexpected: $*" >&2; exit 3 ;;
esac
`
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "raw")
	sel, _ := selectCommands("", false)
	var stdout, stderr bytes.Buffer
	code, err := run(context.Background(), fake, outDir, sel, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if code != 1 {
		t.Errorf("exit status %d with the soak failing, want 1", code)
	}
	out := stdout.String()
	for _, want := range []string{
		"machine: ", "go1.99-fake", "load average (1, 5, 15 min): ",
		"FAILED: " + fake + " run ./cmd/dcsload -mode soak",
		"dcsload: the dashboard did not start",
		"note: Peak memory under make loadtest: not measured: soak failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// The table comes after the failure, its notes last.
	if strings.Index(out, "FAILED") > strings.Index(out, "figure ") {
		t.Errorf("the failure is told after the table:\n%s", out)
	}
	for _, row := range []string{"First visit on the wire", "rps ratio, reads not shared", "Task page p50"} {
		i := strings.Index(out, row)
		if i < 0 || !strings.Contains(out[i:i+strings.Index(out[i:], "\n")], "PASS") {
			t.Errorf("row %q is not a PASS:\n%s", row, out)
		}
	}
	// The raw output streamed to stderr and was saved.
	if !strings.Contains(stderr.String(), "dcsload: warming up") || !strings.Contains(stderr.String(), "=== benchtable: views") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	saved, err := os.ReadFile(filepath.Join(outDir, "compare.txt"))
	if err != nil || !bytes.Contains(saved, []byte("rps_ratio_unshared")) || !bytes.Contains(saved, []byte("dcsload: warming up")) {
		t.Errorf("compare.txt: %v\n%s", err, saved)
	}

	// The soak left out, nothing fails.
	sel, _ = selectCommands("", true)
	stdout.Reset()
	if code, err := run(context.Background(), fake, outDir, sel, &stdout, &stderr); err != nil || code != 0 {
		t.Errorf("-skip-soak: %d, %v\n%s", code, err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "skipped") || strings.Contains(stdout.String(), "FAILED") {
		t.Errorf("-skip-soak:\n%s", stdout.String())
	}
}
