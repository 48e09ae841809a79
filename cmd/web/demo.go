package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
	"github.com/dcs-dashboard/migrations/internal/targets"
)

// demoTargets are the regions and projects demo mode simulates, so the
// one-pane view shows on `make run`: the project ids are chosen so each
// project's made-up tasks read differently (production, DR, staging).
var demoTargets = []targets.Target{
	{Name: "bj-prod", DisplayName: "Beijing production", Region: "cn-north-4", ProjectID: "demo-project"},
	{Name: "sh-dr", DisplayName: "Shanghai DR", Region: "cn-east-3", ProjectID: "2c3d4e5f60718293a4b5c6d7e8f90a1b"},
	{Name: "sg-staging", DisplayName: "Singapore staging", Region: "ap-southeast-1", ProjectID: "3d4e5f60718293a4b5c6d7e8f90a1b2c"},
}

// demoSlowness is the fault the demo starts with when -sim-faults gives
// none: the overseas project answers its lists slowly, as a far region
// does, so the page shows it does not wait on it longer than it must.
const demoSlowness = "project:3d4e5f60718293a4b5c6d7e8f90a1b2c=delay:700ms@ListMigrationTask"

// startSimulator serves the built-in DCS simulator, one project per demo
// target, on a loopback port with credentials made up for this process,
// and returns the targets that reach it. Nothing in demo mode leaves the
// machine.
func startSimulator(cfg config, log *slog.Logger) ([]targetSpec, func(), error) {
	spec := cfg.SimFaults
	if spec == "" {
		spec = demoSlowness
	}
	faults, err := dcssim.ParseFaults(spec)
	if err != nil {
		return nil, nil, &usageError{"-sim-faults: " + err.Error()}
	}
	ak, sk := randomHex(10), randomHex(20)
	simCfg := dcssim.Config{ProjectID: demoTargets[0].ProjectID, AccessKey: ak, SecretKey: sk}
	for _, t := range demoTargets[1:] {
		simCfg.Projects = append(simCfg.Projects, dcssim.Project{ID: t.ProjectID})
	}
	sim := dcssim.New(simCfg)
	sim.SetFaults(faults)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("simulator listen: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("simulator stopped", "err", err.Error())
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	endpoint := "http://" + ln.Addr().String()
	specs := make([]targetSpec, len(demoTargets))
	for i, t := range demoTargets {
		specs[i] = targetSpec{target: t, dcs: dcs.Config{Endpoint: endpoint, ProjectID: t.ProjectID,
			AccessKey: ak, SecretKey: sk, Timeout: cfg.DCSTimeout}}
	}
	return specs, stop, nil
}

// randomHex is n random bytes in hex: the demo simulator's made-up credentials.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
