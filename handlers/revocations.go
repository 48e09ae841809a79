package handlers

import (
	"context"
	"sync"
	"time"
)

// SessionRevocations are signed-in sessions ended on the server: in this
// process (Revocations), or in the database every replica shares
// (*store.Revocations). An error reading them refuses the session: a
// revoked one must never pass because the list could not be read.
type SessionRevocations interface {
	RevokeSession(ctx context.Context, sid string, login, now time.Time) error
	RevokeUser(ctx context.Context, user string, now time.Time) error
	Revoked(ctx context.Context, sid, user string, login time.Time) (bool, error)
}

// Revocations are signed-in sessions ended on the server. A session lives
// in its cookie, so deleting the cookie at sign-out only ends it in the
// browser that signs out: a copy taken earlier would work on until it
// expires. Sign-out therefore revokes the session's id here, and an
// operator can revoke every session of a person signed in before a moment.
//
// Entries are kept only as long as the sessions they end could live (the
// absolute maximum), so the set stays small. They live in this process:
// replicas sharing sessions use the database's (store.Revocations).
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

// RevokeSession ends the session sid, signed in at login.
func (r *Revocations) RevokeSession(_ context.Context, sid string, login, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prune(now)
	r.sessions[sid] = login.Add(r.max)
	return nil
}

// RevokeUser ends every session of user signed in up to now.
func (r *Revocations) RevokeUser(_ context.Context, user string, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prune(now)
	r.users[user] = now
	return nil
}

// Revoked reports whether the session sid of user, signed in at login, has
// been ended on the server.
func (r *Revocations) Revoked(_ context.Context, sid, user string, login time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.sessions[sid]; ok {
		return true, nil
	}
	at, ok := r.users[user]
	return ok && !login.After(at), nil
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
