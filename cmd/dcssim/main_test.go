package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	env := envOf(map[string]string{"DCSSIM_AK": "ENVAK", "DCSSIM_FAULTS": "latency=1ms"})
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-stop-delay", "2s", "-project-id", "p1"}, env, &stdout, &stderr)
	}()
	endpoint := regexp.MustCompile(`endpoint\s+(http://\S+)`)
	var url string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := endpoint.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		t.Fatalf("no endpoint printed: %q %q", stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"project id p1", "ENVAK", defaultSK, "latency=1ms", "stop delay 2s"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Get(url + "/v2/p1/migration-tasks")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("unsigned call: %d", resp.StatusCode)
	}
	resp, err = http.Get(url + "/_sim/faults")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("control surface: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not shut down")
	}
}

func TestRunRefusals(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"non-loopback", []string{"-listen", "0.0.0.0:0"}, nil, "not a loopback"},
		{"non-loopback from env", nil, map[string]string{"DCSSIM_LISTEN": "192.0.2.1:8090"}, "not a loopback"},
		{"no host", []string{"-listen", ":8090"}, nil, "not a loopback"},
		{"bad faults", []string{"-faults", "latency=soon"}, nil, "bad -faults"},
		{"bad faults from env", nil, map[string]string{"DCSSIM_FAULTS": "nope=1"}, "unknown key"},
		{"bad stop delay", []string{"-stop-delay", "0s"}, nil, "bad stop delay"},
		{"bad stop delay from env", nil, map[string]string{"DCSSIM_STOP_DELAY": "x"}, "bad stop delay"},
		{"empty sk", []string{"-sk", ""}, nil, "must not be empty"},
		{"stray argument", []string{"serve"}, nil, "unexpected arguments"},
		{"extra project twice", []string{"-extra-projects", "p2,p2"}, nil, "served twice"},
		{"extra project is the default", []string{"-project-id", "p1", "-extra-projects", "p1"}, nil, "served twice"},
		{"empty extra project", []string{"-extra-projects", "p2,,p3"}, nil, "not a project id"},
		{"extra project with a slash", nil, map[string]string{"DCSSIM_EXTRA_PROJECTS": "p2/x"}, "not a project id"},
		{"unknown flag", []string{"-port", "1"}, nil, "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, envOf(tc.env), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAllowRemoteAndHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-help"}, envOf(nil), &out, &errOut); err != nil {
		t.Fatalf("-help: %v", err)
	}
	for _, want := range []string{"-allow-remote", "DCSSIM_STOP_DELAY", "task:ID=status:HTTP", "@OP"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("-help lacks %q", want)
		}
	}
	if !strings.Contains(errOut.String(), dcssim.FaultSyntax) {
		t.Error("-help does not print the fault syntax")
	}
	o, err := parseOptions([]string{"-listen", "0.0.0.0:0"}, envOf(map[string]string{"DCSSIM_ALLOW_REMOTE": "true"}), &errOut)
	if err != nil || !o.allowRemote {
		t.Fatalf("DCSSIM_ALLOW_REMOTE ignored: %+v %v", o, err)
	}
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "[::1]:1": true, "localhost:1": true, "0.0.0.0:1": false, "example.com:1": false, "bad": false} {
		if loopback(addr) != want {
			t.Errorf("loopback(%q) != %v", addr, want)
		}
	}
}

func TestExtraProjects(t *testing.T) {
	var errOut bytes.Buffer
	o, err := parseOptions([]string{"-project-id", "p1", "-extra-projects", " p2 , p3 "}, envOf(nil), &errOut)
	if err != nil || !slices.Equal(o.extraProjects, []string{"p2", "p3"}) {
		t.Fatalf("-extra-projects: %q %v", o.extraProjects, err)
	}
	o, err = parseOptions(nil, envOf(map[string]string{"DCSSIM_EXTRA_PROJECTS": "p4"}), &errOut)
	if err != nil || !slices.Equal(o.extraProjects, []string{"p4"}) {
		t.Fatalf("DCSSIM_EXTRA_PROJECTS: %q %v", o.extraProjects, err)
	}
	if o, err = parseOptions(nil, envOf(nil), &errOut); err != nil || o.extraProjects != nil {
		t.Fatalf("no extra projects by default: %q %v", o.extraProjects, err)
	}
	errOut.Reset()
	if err := run(context.Background(), []string{"-help"}, envOf(nil), &bytes.Buffer{}, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-extra-projects", "DCSSIM_EXTRA_PROJECTS", "project:ID=status:HTTP"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("-help lacks %q", want)
		}
	}

	// Served: each extra project answers on its own path and is printed.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-project-id", "p1", "-extra-projects", "p2,p3"}, envOf(nil), &stdout, &stderr)
	}()
	endpoint := regexp.MustCompile(`endpoint\s+(http://\S+)`)
	var url string
	for deadline := time.Now().Add(5 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := endpoint.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("no endpoint printed: %q %q", stdout.String(), stderr.String())
	}
	for _, want := range []string{"project id p2 (extra)", "project id p3 (extra)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, stdout.String())
		}
	}
	resp, err := http.Get(url + "/_sim/projects")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = json.NewDecoder(resp.Body).Decode(&ids)
	resp.Body.Close()
	if err != nil || !slices.Equal(ids, []string{"p1", "p2", "p3"}) {
		t.Fatalf("/_sim/projects: %q %v", ids, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
}
