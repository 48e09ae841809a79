package watch

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/store"
)

// sendLoop sends due deliveries while this replica leads, every SendEvery
// and when a round has recorded events, until ctx ends; then it waits for
// the attempts under way (each bounded by SendTimeout).
func (w *Watcher) sendLoop(ctx context.Context) {
	p := newPool()
	defer p.wg.Wait()
	t := time.NewTicker(w.cfg.SendEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
		w.fill(ctx, p)
	}
}

// pool is the sender's attempts under way: at most sendSlots at once.
type pool struct {
	slots chan struct{}
	wg    sync.WaitGroup
}

func newPool() *pool { return &pool{slots: make(chan struct{}, sendSlots)} }

// fill claims due deliveries for the free slots of p and starts an attempt
// at each, until none is due or no slot is free, ctx ends, or this replica
// no longer leads. It does not wait for the attempts: a receiver that
// hangs holds its own slots, and the others go on. It returns how many
// attempts it started.
func (w *Watcher) fill(ctx context.Context, p *pool) int {
	started := 0
	// A claim outlasts its attempt (within SendTimeout) and the record of
	// its outcome.
	hold := w.cfg.SendTimeout + time.Minute
	for ctx.Err() == nil && w.held() {
		free := 0
	take:
		for free < sendSlots {
			select {
			case p.slots <- struct{}{}:
				free++
			default:
				break take
			}
		}
		if free == 0 {
			return started
		}
		batch, err := w.cfg.Store.Claim(ctx, free, hold)
		for range free - len(batch) {
			<-p.slots
		}
		for _, d := range batch {
			p.wg.Go(func() {
				defer func() { <-p.slots }()
				w.deliver(ctx, d)
			})
		}
		started += len(batch)
		if err != nil {
			if ctx.Err() == nil {
				w.cfg.Log.Warn("watch: deliveries not claimed", "err", err.Error())
			}
			return started
		}
		if len(batch) < free {
			return started
		}
	}
	return started
}

// sendDue makes one attempt at every delivery due now, and waits for them:
// one pass of the sender, for tests. It returns how many attempts it made.
func (w *Watcher) sendDue(ctx context.Context) int {
	p := newPool()
	total := 0
	for {
		n := w.fill(ctx, p)
		p.wg.Wait()
		total += n
		if n == 0 {
			return total
		}
	}
}

// deliver makes one attempt at d and records its outcome. The attempt and
// the record outlive ctx (each bounded), so a shutdown never leaves a
// delivery sent but not recorded as sent.
func (w *Watcher) deliver(ctx context.Context, d store.Delivery) {
	bg := context.WithoutCancel(ctx)
	record := func(f func(context.Context) error) {
		rctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		if err := f(rctx); err != nil {
			w.cfg.Log.Warn("watch: delivery outcome not recorded", "delivery", d.ID, "channel", d.Channel, "err", err.Error())
		}
	}
	log := w.cfg.Log.With("channel", d.Channel, "event_id", d.Event.ID, "kind", d.Event.Kind, "attempt", d.Attempts+1)
	ch, ok := w.channels[d.Channel]
	if !ok {
		log.Warn("watch: delivery dropped: no channel of that name is configured any more")
		record(func(ctx context.Context) error {
			return w.cfg.Store.Failed(ctx, d, 0, "no channel of this name is configured", time.Time{})
		})
		return
	}
	sctx, cancel := context.WithTimeout(bg, w.cfg.SendTimeout)
	status := new(int)
	err := ch.Send(context.WithValue(sctx, statusKey{}, status), w.client, d.Event, w.now())
	cancel()
	if err == nil {
		log.Info("watch: notification sent", "status", *status)
		record(func(ctx context.Context) error { return w.cfg.Store.Sent(ctx, d, *status) })
		return
	}
	code := 0
	if de, ok := errors.AsType[*notify.DeliveryError](err); ok {
		code = de.Status
	}
	text := ch.Redact(err.Error())
	var retryAt time.Time
	if notify.Retryable(err) && d.Attempts+1 < w.cfg.MaxAttempts {
		retryAt = w.now().Add(w.backoff(d.Attempts + 1))
	}
	if retryAt.IsZero() {
		log.Warn("watch: notification not delivered, for good", "status", code, "err", text)
	} else {
		log.Warn("watch: notification not delivered; trying again later", "status", code, "err", text,
			"retry_in", retryAt.Sub(w.now()).String())
	}
	record(func(ctx context.Context) error { return w.cfg.Store.Failed(ctx, d, code, text, retryAt) })
}

// backoff is the wait after the n-th failed attempt: RetryFirst doubled
// n-1 times, at most RetryMax.
func (w *Watcher) backoff(n int) time.Duration {
	d := w.cfg.RetryFirst
	for i := 1; i < n && d < w.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, w.cfg.RetryMax)
}

// statusKey marks a send's context with where to put the HTTP status the
// receiver answered (notify.Send tells only whether it was accepted).
type statusKey struct{}

// statusTransport records each answer's status where its request's
// context says.
type statusTransport struct{ base http.RoundTripper }

func (s statusTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	if p, ok := req.Context().Value(statusKey{}).(*int); ok && err == nil {
		*p = resp.StatusCode
	}
	return resp, err
}

// statusClient is c (or a client with timeout) whose transport records
// the answers' statuses.
func statusClient(c *http.Client, timeout time.Duration) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = timeout
	}
	base := out.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = statusTransport{base: base}
	return &out
}
