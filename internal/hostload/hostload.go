// Package hostload tells the machine's load average, which the
// measurement tools (cmd/dcsload, cmd/benchtable) print beside their
// figures: other jobs on a shared machine change every figure they take.
package hostload

import (
	"os"
	"strings"
)

// Average is the host's 1, 5 and 15 minute load averages, as
// /proc/loadavg gives them ("0.41 1.59 1.60"), or "unknown" where there is
// no such file.
func Average() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
