package handlers

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// stopLimiter bounds how many stops one person may request per minute. It
// is keyed on the authenticated user, never on an address a client supplies.
type stopLimiter struct {
	perMinute int
	mu        sync.Mutex
	users     map[string]*rate.Limiter
}

func newStopLimiter(perMinute int) *stopLimiter {
	return &stopLimiter{perMinute: perMinute, users: map[string]*rate.Limiter{}}
}

// allow reports whether user may stop now, and if not, how long to wait.
// Only a stop that is allowed uses up budget.
func (l *stopLimiter) allow(user string, now time.Time) (bool, time.Duration) {
	if l.perMinute <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.users[user]
	if !ok {
		if len(l.users) >= 10000 { // bounded: forgetting resets budgets, never raises them above burst
			clear(l.users)
		}
		lim = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.users[user] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
