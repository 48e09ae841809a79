// Command benchtable runs the measurements behind the dashboard's
// performance targets (README, Performance) one after another, and prints
// every figure against its target in one table, the machine's load noted
// above it. `make bench` runs it last.
//
// Each command (see commands) runs as a subprocess of the go command, alone:
// the machine has few cores and two measurements at once would inflate both.
// Their raw output streams to stderr as it comes and is saved, one file per
// command, in -out (a new temporary directory by default); the table goes to
// stdout. A figure missing from its command's output is "not measured" and
// the note under the table says why.
//
// The targets are informational: the exit status is 0 whatever the results,
// 1 when a command failed to run (or was interrupted), 2 for bad flags.
package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/dcs-dashboard/migrations/internal/hostload"
)

func main() {
	skipSoak := flag.Bool("skip-soak", false, "leave out the 60 s soak (make loadtest's peak memory)")
	only := flag.String("only", "", "run only these commands, comma-separated: "+commandNames())
	outDir := flag.String("out", "", "directory for each command's raw output (default: a new temporary directory)")
	goCmd := flag.String("go", cmp.Or(os.Getenv("GO"), "go"), "the go command")
	flag.Parse()
	selected, err := selectCommands(*only, *skipSoak)
	if err == nil && flag.NArg() > 0 {
		err = errors.New("no arguments expected")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, *goCmd, *outDir, selected, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func commandNames() string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return strings.Join(names, ",")
}

// selectCommands is the set of commands to run, by name.
func selectCommands(only string, skipSoak bool) (map[string]bool, error) {
	sel := map[string]bool{}
	for _, c := range commands {
		sel[c.name] = only == ""
	}
	for name := range strings.SplitSeq(only, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if _, ok := sel[name]; !ok {
			return nil, fmt.Errorf("-only: no command %q (there are %s)", name, commandNames())
		}
		sel[name] = true
	}
	if skipSoak {
		sel["soak"] = false
	}
	return sel, nil
}

// ran is how a command went.
type ran struct {
	skipped  bool
	err      error // it failed to run or exited non-zero
	took     time.Duration
	loadAt   string // the load average when it started
	file     string // its raw output
	out      *output
	errTail  string // the end of its output, to show when it failed
	cmdShown string
}

// run runs the selected commands and prints the machine and the table; the
// int is the exit status.
func run(ctx context.Context, goCmd, outDir string, selected map[string]bool, stdout, stderr io.Writer) (int, error) {
	root, err := moduleRoot()
	if err != nil {
		return 0, err
	}
	if outDir == "" {
		if outDir, err = os.MkdirTemp("", "benchtable-"); err != nil {
			return 0, err
		}
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		return 0, err
	}
	m := machine{start: time.Now(), cpus: runtime.NumCPU(), loadStart: hostload.Average(),
		goVersion: goVersion(ctx, goCmd, root), revision: revision(ctx, root)}
	fmt.Fprintf(stderr, "benchtable: raw output in %s\n", outDir)

	runs := map[string]*ran{}
	interrupted := false
	for _, c := range commands {
		r := &ran{skipped: !selected[c.name] || interrupted, cmdShown: shown(goCmd, c.args)}
		runs[c.name] = r
		if r.skipped {
			continue
		}
		r.loadAt = hostload.Average()
		r.file = filepath.Join(outDir, c.name+".txt")
		fmt.Fprintf(stderr, "\n=== benchtable: %s (load %s): %s\n", c.name, r.loadAt, r.cmdShown)
		start := time.Now()
		var text string
		text, r.errTail, r.err = runOne(ctx, goCmd, root, c.args, r.file, stderr)
		r.took = time.Since(start).Round(time.Second)
		r.out = parseOutput(text)
		if ctx.Err() != nil {
			interrupted = true
			r.err = cmp.Or(r.err, ctx.Err())
		}
	}
	m.end, m.loadEnd = time.Now(), hostload.Average()

	// The failures first, so the table is what is printed last.
	fmt.Fprintln(stdout)
	m.print(stdout, outDir)
	printCommands(stdout, runs)
	failed := false
	for _, c := range commands {
		if r := runs[c.name]; !r.skipped && r.err != nil {
			failed = true
			fmt.Fprintf(stdout, "FAILED: %s: %v (raw output: %s); its last lines:\n%s\n", r.cmdShown, r.err, r.file, indent(r.errTail, "    "))
		}
	}
	if interrupted {
		fmt.Fprintln(stdout, "interrupted: the commands after it did not run")
	}
	fmt.Fprintln(stdout)
	for _, n := range printTable(stdout, runs) {
		fmt.Fprintln(stdout, n)
	}
	if failed {
		return 1, nil
	}
	return 0, nil
}

// runOne runs one command in its own process group, streaming its output
// to stderr and saving it in file. It returns what it printed to stdout
// (where go test and dcsload print their results) and the last lines of
// everything, for a failure.
func runOne(ctx context.Context, goCmd, dir string, args []string, file string, stderr io.Writer) (stdoutText, tail string, err error) {
	f, err := os.Create(file)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	fmt.Fprintf(f, "# %s\n# in %s, load average %s, %s\n", shown(goCmd, args), dir, hostload.Average(), time.Now().UTC().Format(time.RFC3339))
	var outBuf bytes.Buffer
	all := &tailBuffer{max: 4096}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	// The command's stdout and stderr are copied by two goroutines into
	// writers they share: one at a time.
	var mu sync.Mutex
	cmd.Stdout = lockedWriter{&mu, io.MultiWriter(stderr, f, &outBuf, all)}
	cmd.Stderr = lockedWriter{&mu, io.MultiWriter(stderr, f, all)}
	ownGroup(cmd)
	err = cmd.Run()
	return outBuf.String(), lastLines(all.String(), 12), err
}

// lockedWriter writes to w holding mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// shown is a command as one would type it.
func shown(goCmd string, args []string) string {
	parts := []string{goCmd}
	for _, a := range args {
		if strings.ContainsAny(a, " ^$|*?()\"'") {
			a = "'" + a + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// printCommands lists each command with how it went.
func printCommands(w io.Writer, runs map[string]*ran) {
	fmt.Fprintln(w, "commands, run one at a time:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		r := runs[c.name]
		status := "skipped"
		switch {
		case r.skipped:
		case r.err != nil:
			status = fmt.Sprintf("FAILED after %s (load at start %s)", r.took, r.loadAt)
		default:
			status = fmt.Sprintf("ok in %s (load at start %s)", r.took, r.loadAt)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.name, r.cmdShown, status)
	}
	_ = tw.Flush()
}

// printTable prints the figures against their targets and returns the
// notes on figures that were not measured.
func printTable(w io.Writer, runs map[string]*ran) []string {
	var notes []string
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmeasured\ttarget\tresult\tsource")
	for _, f := range figures {
		measured, result := "not measured", "n/a"
		r := runs[f.cmd]
		switch {
		case r == nil:
			notes = append(notes, fmt.Sprintf("note: %s: no command %q", strings.TrimSpace(f.name), f.cmd))
		case r.skipped:
			measured = "skipped"
			result = "-"
		default:
			rd, err := f.read(r.out)
			switch {
			case err != nil && r.err != nil:
				notes = append(notes, fmt.Sprintf("note: %s: not measured: %s failed", strings.TrimSpace(f.name), f.cmd))
			case err != nil:
				why := strings.ReplaceAll(err.Error(), "\n", "; ")
				notes = append(notes, fmt.Sprintf("note: %s: not measured: %s (output of %s, in %s)", strings.TrimSpace(f.name), why, f.cmd, r.file))
			default:
				measured, result = rd.text, verdict(f.target, rd.value)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s: %s\n", f.name, measured, f.target.text, result, f.cmd, f.source)
	}
	_ = tw.Flush()
	return notes
}

func verdict(t target, v float64) string {
	switch {
	case t.ok == nil:
		return "info"
	case t.ok(v):
		return "PASS"
	default:
		return "MISS"
	}
}

// machine is what the figures were measured on, and when.
type machine struct {
	start, end         time.Time
	cpus               int
	loadStart, loadEnd string
	goVersion          string
	revision           string
}

func (m machine) print(w io.Writer, outDir string) {
	fmt.Fprintf(w, "benchtable: %s, %s to %s UTC (%s)\n", m.start.UTC().Format("2006-01-02"),
		m.start.UTC().Format("15:04:05"), m.end.UTC().Format("15:04:05"), m.end.Sub(m.start).Round(time.Second))
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s/%s; revision %s\n", m.cpus, m.goVersion, runtime.GOOS, runtime.GOARCH, m.revision)
	fmt.Fprintf(w, "load average (1, 5, 15 min): %s at start, %s at end\n", m.loadStart, m.loadEnd)
	if busy(m.loadStart, m.cpus) {
		fmt.Fprintf(w, "WARNING: the 1-minute load average at start (%s) exceeded the %d CPUs: other work was running, so times and CPU figures are inflated\n",
			strings.Fields(m.loadStart)[0], m.cpus)
	}
	fmt.Fprintf(w, "raw output: %s\n", outDir)
}

// busy reports whether the 1-minute load average exceeds cpus.
func busy(load string, cpus int) bool {
	f := strings.Fields(load)
	if len(f) == 0 {
		return false
	}
	l, err := strconv.ParseFloat(f[0], 64)
	return err == nil && l > float64(cpus)
}

// goVersion is the version of the go command the measurements run with.
func goVersion(ctx context.Context, goCmd, dir string) string {
	cmd := exec.CommandContext(ctx, goCmd, "env", "GOVERSION")
	cmd.Dir = dir
	out, err := cmd.Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	return runtime.Version() + " (benchtable's own)"
}

// revision is the checked-out commit, read-only, or "unknown".
func revision(ctx context.Context, dir string) string {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	return "unknown"
}

// moduleRoot is the nearest directory at or above the working directory
// holding go.mod: the commands name packages relative to it.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no go.mod at or above " + dir + ": run benchtable in the module")
		}
	}
}
