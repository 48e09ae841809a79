package handlers

import (
	"sync"
	"time"
)

// Revocations are signed-in sessions ended on the server. A session lives
// in its cookie, so deleting the cookie at sign-out only ends it in the
// browser that signs out: a copy taken earlier would work on until it
// expires. Sign-out therefore revokes the session's id here, and an
// operator can revoke every session of a person signed in before a moment.
//
// Entries are kept only as long as the sessions they end could live (the
// absolute maximum), so the set stays small. They live in this process:
// replicas sharing sessions need the shared store of the database.
type Revocations struct {
	mu       sync.Mutex
	sessions map[string]time.Time // session id -> when it would have expired anyway
	users    map[string]time.Time // user -> sessions signed in before this are ended
	max      time.Duration
}

// NewRevocations remembers revocations for sessions that live at most max.
func NewRevocations(max time.Duration) *Revocations {
	return &Revocations{sessions: map[string]time.Time{}, users: map[string]time.Time{}, max: max}
}

// revokeSession ends the session sid, signed in at login.
func (r *Revocations) revokeSession(sid string, login, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prune(now)
	r.sessions[sid] = login.Add(r.max)
}

// RevokeUser ends every session of user signed in up to now.
func (r *Revocations) RevokeUser(user string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prune(now)
	r.users[user] = now
}

// revoked reports whether the session sid of user, signed in at login, has
// been ended on the server.
func (r *Revocations) revoked(sid, user string, login time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.sessions[sid]; ok {
		return true
	}
	at, ok := r.users[user]
	return ok && !login.After(at)
}

// prune forgets revocations of sessions that have expired by now anyway.
func (r *Revocations) prune(now time.Time) {
	for sid, until := range r.sessions {
		if now.After(until) {
			delete(r.sessions, sid)
		}
	}
	for user, at := range r.users {
		if now.After(at.Add(r.max)) {
			delete(r.users, user)
		}
	}
}
