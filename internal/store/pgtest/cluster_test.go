package pgtest

import (
	"errors"
	"os"
	"testing"
)

func TestStopLeavesNothing(t *testing.T) {
	c, err := startCluster()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	select {
	case <-c.exited:
	default:
		t.Fatal("the server is still running after stop")
	}
	if _, err := os.Stat(c.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s still exists after stop (%v)", c.dir, err)
	}
}

func TestNewestVersionWins(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"16", "15", true}, {"15", "16", false}, {"10", "9.6", true},
		{"9.6", "9.5", true}, {"15", "15", false}, {"15", "nonsense", true},
	} {
		if got := newer(parseVersion(tc.a), parseVersion(tc.b)); got != tc.want {
			t.Errorf("newer(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
