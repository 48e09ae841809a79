package audit

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// helperEnv names the file TestHelperAppend writes to when this test binary
// is re-run as a second process.
const helperEnv = "AUDIT_TEST_HELPER_PATH"

const perProcess = 150

// TestHelperAppend is not a test on its own: it is the second process of
// TestTwoProcessesSameFile.
func TestHelperAppend(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	appendMany(t, path, "child")
}

func appendMany(t *testing.T, path, user string) {
	l, err := Open(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range perProcess {
		r := stopBy(user, "t")
		r.Reason = strings.Repeat("p", 1000)
		if _, err := l.Intent(r); err != nil {
			t.Fatal(err)
		}
	}
}

// Another process appending to the same file (say, a second dashboard
// replica on shared storage) must only ever interleave whole lines.
func TestTwoProcessesSameFile(t *testing.T) {
	l, _ := openTest(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppend$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+l.Path())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	appendMany(t, l.Path(), "parent")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "PASS") {
		t.Fatalf("helper process did not run:\n%s", out.String())
	}
	assertUniqueWholeLines(t, l.Path(), 2*perProcess)
}
