package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/dcs-dashboard/migrations/internal/dcs/dcssim"
)

// simProject is the project id both the dashboard and the direct client use.
const simProject = "dcsload-project"

// simServer is the in-process DCS simulator on a loopback port.
type simServer struct {
	sim      *dcssim.Simulator
	srv      *http.Server
	endpoint string // http://127.0.0.1:PORT
	ak, sk   string
	// conns counts accepted TCP connections: with keep-alive working it stays
	// near the number of concurrent callers, so a large count per phase shows
	// a client pool that closes and reopens connections.
	conns atomic.Int64
}

// startSim serves the seeded simulator on 127.0.0.1 with credentials made up
// for this run, so no real key is ever involved.
func startSim() (*simServer, error) {
	s := &simServer{ak: randomHex(10), sk: randomHex(20)}
	s.sim = dcssim.New(dcssim.Config{ProjectID: simProject, AccessKey: s.ak, SecretKey: s.sk})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simulator listen: %w", err)
	}
	s.endpoint = "http://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.sim,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		},
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(stderr, "dcsload: simulator stopped:", err)
		}
	}()
	return s, nil
}

// close stops the simulator; connections still open are cut after a moment.
func (s *simServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
