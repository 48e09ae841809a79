package hostload

import (
	"regexp"
	"runtime"
	"testing"
)

func TestAverage(t *testing.T) {
	got := Average()
	if runtime.GOOS != "linux" {
		if got != "unknown" {
			t.Errorf("Average() = %q off Linux", got)
		}
		return
	}
	if !regexp.MustCompile(`^\d+\.\d+ \d+\.\d+ \d+\.\d+$`).MatchString(got) {
		t.Errorf("Average() = %q, want three averages", got)
	}
}
