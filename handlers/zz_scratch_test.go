package handlers_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

func TestZZScratch(t *testing.T) {
	sim := dcssim.New(dcssim.Config{ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, StopDelay: stopDelay, Now: time.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := dcs.NewClient(dcs.Config{Endpoint: srv.URL, ProjectID: testProject, AccessKey: testAK, SecretKey: testSK, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	id := sim.IDsWithStatus("FULLMIGRATING")[0]
	sim.SetFaults(dcssim.Faults{Tasks: map[string]dcssim.TaskFault{id: {Delay: 150 * time.Millisecond}}})
	var ds []time.Duration
	for i := 0; i < 30; i++ {
		s := time.Now()
		if _, err := c.Show(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, time.Since(s).Round(time.Millisecond))
	}
	fmt.Fprintln(os.Stderr, "seq", ds)
}
