package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
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
	// errAnswers counts the simulator's error answers by status (index
	// status-400), when startSim was asked to: the soak mode checks every
	// upstream error the dashboard reports against what was really sent.
	errAnswers [200]atomic.Int64
	// idle are the connections with no request in progress (StateNew or
	// StateIdle), tracked when startSim was asked to, for closeIdleConns.
	idleMu sync.Mutex
	idle   map[net.Conn]bool
}

// startSim serves the seeded simulator on 127.0.0.1 with credentials made up
// for this run, so no real key is ever involved. With observe, every
// answer's status is recorded in errAnswers and idle connections are
// tracked; the comparison mode leaves both off so that its direct phase
// measures the simulator exactly as before.
func startSim(observe bool) (*simServer, error) {
	s := &simServer{ak: randomHex(10), sk: randomHex(20)}
	s.sim = dcssim.New(dcssim.Config{ProjectID: simProject, AccessKey: s.ak, SecretKey: s.sk})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simulator listen: %w", err)
	}
	s.endpoint = "http://" + ln.Addr().String()
	var h http.Handler = s.sim
	if observe {
		s.idle = map[net.Conn]bool{}
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			s.sim.ServeHTTP(sw, r)
			if sw.status >= 400 && sw.status < 600 {
				s.errAnswers[sw.status-400].Add(1)
			}
		})
	}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(c net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
			if observe {
				s.idleMu.Lock()
				if st == http.StateNew || st == http.StateIdle {
					s.idle[c] = true
				} else {
					delete(s.idle, c)
				}
				s.idleMu.Unlock()
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

// errorAnswers returns the error answers counted so far, by status.
func (s *simServer) errorAnswers() map[int]int64 {
	m := map[int]int64{}
	for i := range s.errAnswers {
		if n := s.errAnswers[i].Load(); n > 0 {
			m[400+i] = n
		}
	}
	return m
}

// resetErrorAnswers zeroes the error counts, so that the soak phase counts
// only what happened while it ran.
func (s *simServer) resetErrorAnswers() {
	for i := range s.errAnswers {
		s.errAnswers[i].Store(0)
	}
}

// closeIdleConns closes, from the simulator's side, the connections the
// dashboard keeps idle in its upstream pool, and returns how many. Each
// holds two goroutines in the dashboard, and how many the pool holds depends
// on the load just before, so goroutines are compared without any. Not
// http.Server.SetKeepAlivesEnabled(false): it closes StateIdle connections
// only, and the dashboard's pool also holds connections it dialled for a
// request that another connection served first, which the server still sees
// as StateNew. Only call it when no request is on its way.
func (s *simServer) closeIdleConns() int {
	s.idleMu.Lock()
	defer s.idleMu.Unlock()
	for c := range s.idle {
		_ = c.Close()
	}
	n := len(s.idle)
	clear(s.idle)
	return n
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
