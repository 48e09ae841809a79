// Package handlers is the dashboard's HTTP layer: Echo handlers, middleware
// (security headers, sessions, CSRF, authentication) and all routes in
// routes.go, registered from the route table in internal/routes.
//
// Handlers return errors; one error handler (errors.go) renders them as a
// full page or, for htmx requests, as a banner fragment. Every stop, of one
// task or of several, goes through one path: stop_guard.go checks it,
// stop_send.go sends it, stop.go records and answers it.
package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/internal/i18n"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/internal/targets"
	"github.com/dcs-dashboard/migrations/static"
	"github.com/dcs-dashboard/migrations/views"
)

// Config is everything the HTTP layer needs, built once by cmd/web.
type Config struct {
	// Targets are the regions and projects watched, each with its task
	// service; targets.Single makes the one target of a simple setup.
	Targets *targets.Set
	// TargetTimeout bounds how long a list waits for one target: a slow
	// target costs the page its rows, never the others'. 0 means 8s.
	TargetTimeout time.Duration
	Sessions      *Sessions
	Log           *slog.Logger
	// Authenticate puts the requester's identity on each request:
	// AuthenticateLocal, AuthenticateProxy, or nil with OIDC set (the session
	// holds the identity).
	Authenticate echo.MiddlewareFunc
	// OIDC enables native sign-in (/auth/login, /auth/callback, /auth/logout).
	OIDC *OIDCLogin
	// TrustedProxies are the peers whose X-Forwarded-For is believed for the
	// client address recorded in logs and the audit trail.
	TrustedProxies []netip.Prefix
	// ReadOnly hides and refuses every write for everyone.
	ReadOnly bool
	// HSTS says the dashboard is served over HTTPS: send Strict-Transport-Security.
	HSTS bool
	// StopsPerMinute bounds the stops one person may request; 0 means no limit.
	StopsPerMinute int
	// Metrics, when set, serves /metrics and measures requests.
	Metrics Instrumentation
	// MetricsElsewhere leaves /metrics off this handler: cmd/web serves it
	// on a listener of its own (-metrics-listen), out of the proxy's reach.
	MetricsElsewhere bool
	// Demo marks every page as showing simulated data.
	Demo bool
	// Refresh is how often a settling status is read again by the browser.
	Refresh time.Duration
	// PageSize is the number of tasks on one list page.
	PageSize int
	// Audit records every stop attempt; a stop is refused when it cannot.
	Audit AuditTrail
	// Database, when set, is reported by /readyz beside the targets: without
	// it pages still read, but no stop can be recorded, so none is sent.
	Database interface{ Ping(context.Context) error }
	// Leases, when set, make one stop per task in flight across the
	// replicas sharing them (*store.Leases); without, per process only.
	Leases StopLeases
	// Budgets, when set, are the per-person stop rate limit shared by the
	// replicas (*store.Budgets); without, counted in this process.
	Budgets StopBudgets
	// StopNotifier, when set, tells the other replicas about every stop, so
	// they drop their cached list pages of its target at once (*store.DB).
	StopNotifier interface {
		Stopped(ctx context.Context, target string) error
	}
	// StaleAfter is how long after its intent an attempt without an outcome
	// is shown as "outcome unknown" rather than in progress: as long as a
	// stop and the read after it can take. 0 means a minute.
	StaleAfter time.Duration
	// InFlight tracks stops between their intent and their outcome, for
	// shutdown to wait for; nil makes one that nobody drains (tests).
	InFlight *StopsInFlight
	// Notifications, when set, shows the notification channels and recent
	// deliveries at /notifications and sends test messages (operators);
	// nil: the page says notifications are not configured.
	Notifications NotificationsService
	// DemoReceiver, when set (the simulator demo only), serves the demo's
	// stand-in webhook receiver at /demo/receiver: POST without a session
	// or CSRF token, for the dashboard's own sender; GET lists what came.
	DemoReceiver *DemoReceiver
	// Catalog holds the pages' words in every language; nil means the
	// catalogs with English as the fallback.
	Catalog *i18n.Catalog
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

// AuditTrail is where stop attempts are recorded and read back:
// *store.Audit, the database's, is one.
type AuditTrail interface {
	// Intents records intents all or none, before anything is sent.
	Intents(rs []audit.Record) ([]audit.Record, error)
	// Outcome records how the attempt begun by intent ended.
	Outcome(intent, outcome audit.Record) error
	// Attempts reads one page of the attempts q selects, newest first.
	Attempts(q audit.Query) (audit.AttemptPage, error)
}

// StopLeases take and release a task's stop lease; see store.Leases.
type StopLeases interface {
	Acquire(ctx context.Context, key, attemptID, user string, ttl time.Duration) (store.Lease, bool, error)
	Release(ctx context.Context, key, attemptID string, keep time.Duration) error
}

// StopBudgets count each person's stops; see store.Budgets.
type StopBudgets interface {
	Allow(ctx context.Context, user string, perMinute int) (bool, time.Duration, error)
}

// Server is the dashboard's HTTP layer.
type Server struct {
	cfg      Config
	log      *slog.Logger
	stopper  *stopper
	facts    *taskFacts
	limiter  *stopLimiter
	ready    *readiness
	inflight *StopsInFlight
}

// New builds the Echo instance with every route and middleware.
func New(cfg Config) (*echo.Echo, error) {
	if cfg.Targets == nil || cfg.Sessions == nil || cfg.Log == nil || cfg.Audit == nil {
		return nil, errors.New("handlers: Targets, Sessions, Log and Audit are required")
	}
	if (cfg.Authenticate == nil) == (cfg.OIDC == nil) {
		return nil, errors.New("handlers: exactly one of Authenticate and OIDC is required")
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = time.Minute
	}
	if cfg.TargetTimeout <= 0 {
		cfg.TargetTimeout = 8 * time.Second
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OIDC != nil && cfg.OIDC.Revoked == nil {
		cfg.OIDC.Revoked = NewRevocations(cfg.OIDC.Max)
	}
	if cfg.Catalog == nil {
		var err error
		if cfg.Catalog, err = i18n.Load(i18n.English); err != nil {
			return nil, err
		}
	}
	if cfg.InFlight == nil {
		cfg.InFlight = NewStopsInFlight(cfg.Audit, cfg.Log)
	}
	s := &Server{cfg: cfg, log: cfg.Log, stopper: newStopper(cfg.Targets, cfg.Leases, cfg.StaleAfter, cfg.Now), facts: newTaskFacts(),
		limiter: newStopLimiter(cfg.StopsPerMinute), ready: &readiness{targets: cfg.Targets, database: cfg.Database, ttl: readyTTL, timeout: readyTimeout, now: cfg.Now, metrics: cfg.Metrics},
		inflight: cfg.InFlight}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.ErrorHandler
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)

	e.Use(middleware.Recover())
	if cfg.Metrics != nil {
		// Right after Recover: it renders errors itself, so it sees the
		// status the error handler actually sent.
		e.Use(cfg.Metrics.EchoMiddleware())
	}
	e.Use(middleware.RequestID())
	e.Use(requestLog(cfg.Log))
	e.Use(s.language)
	compress, err := compression()
	if err != nil {
		return nil, err
	}
	e.Use(compress)
	e.Use(SecurityHeaders(cfg.HSTS))
	e.Use(middleware.BodyLimit("64K"))

	static.Prepare() // every asset compressed now, not on its first request
	assets := e.Group(routes.Static, StaticCache())
	assets.Match([]string{http.MethodGet, http.MethodHead}, "/*", serveAsset)

	// Reads answer HEAD too, for uptime monitors; net/http drops the body.
	read := []string{http.MethodGet, http.MethodHead}
	e.Match(read, routes.Health, func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.Match(read, routes.Ready, s.Ready)
	if cfg.Metrics != nil && !cfg.MetricsElsewhere {
		e.GET(routes.Metrics, echo.WrapHandler(cfg.Metrics.Handler()))
	}
	if cfg.DemoReceiver != nil {
		// The dashboard's own sender posts here, with no session or CSRF
		// token: the receiver checks the message's signature instead.
		e.POST(routes.DemoReceiver, cfg.DemoReceiver.Receive)
	}

	identity := cfg.Authenticate
	if cfg.OIDC != nil {
		identity = s.authenticateSession(cfg.OIDC)
		// Sign-in cannot ask who is signed in. The group is there for its
		// catch-all: an unknown /auth/ address is a 404 without a sign-in.
		csrf := cfg.Sessions.CSRF()
		e.Group(routes.AuthPrefix, csrf)
		e.GET(routes.Login, s.Login, csrf)
		e.GET(routes.Callback, s.Callback, csrf)
		e.POST(routes.Logout, s.Logout, csrf)
	}

	// Switching language needs nobody's identity: sign-in pages have the
	// switch too, and it only sets a cookie and goes back to a local page.
	e.GET(routes.Language, s.SetLanguage)

	// Identity first: a request nobody vouches for is refused before anything else.
	pages := e.Group("", identity, cfg.Sessions.CSRF())
	for _, r := range []struct {
		path string
		read echo.HandlerFunc // GET and HEAD
		post echo.HandlerFunc // nil: reads only
	}{
		{routes.List, s.List, nil}, {routes.Rows, s.Rows, nil},
		{routes.ExportCSV, s.ExportCSV, nil}, {routes.ExportJSON, s.ExportJSON, nil},
		{routes.LegacyTask, s.LegacyTask, nil},
		{routes.Task, s.Show, nil}, {routes.TaskStatus, s.Status, nil},
		{routes.TaskProgress, s.ProgressPanel, nil}, {routes.TaskLogs, s.LogsPanel, nil},
		{routes.TaskStop, s.ConfirmStop, s.Stop}, {routes.BatchStop, s.ConfirmBatchStop, s.BatchStop},
	} {
		pages.Match(read, r.path, r.read)
		if r.post != nil {
			pages.POST(r.path, r.post)
		}
	}
	// Every method, so an old form's post is redirected with its method kept.
	pages.Any(routes.LegacyTaskPath, s.LegacyTask)
	pages.GET(routes.Audit, s.Audit)
	pages.GET(routes.AuditCSV, s.AuditCSV)
	pages.Match(read, routes.Notifications, s.Notifications)
	pages.POST(routes.NotificationsTest, s.NotificationsTest)
	if cfg.DemoReceiver != nil {
		pages.Match(read, routes.DemoReceiver, s.DemoReceiverPage)
	}
	if cfg.OIDC != nil {
		pages.POST(routes.RevokeSessions, s.RevokeSessions)
	}
	return e, nil
}

// Instrumentation is what the server needs from internal/metrics.
type Instrumentation interface {
	EchoMiddleware() echo.MiddlewareFunc
	Handler() http.Handler
	StopAttempt(outcome string)
	Readiness(target string, ready bool)
}

// ipExtractor decides which address is the client's. Without trusted proxies
// the TCP peer is the client and X-Forwarded-For is ignored; with them, the
// header is read only through those peers, so a client cannot choose the
// address written to the audit trail.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// chrome is the layout's data for the current request.
func (s *Server) chrome(c echo.Context, title string) views.Chrome {
	chrome := views.Chrome{
		Lang:     langOf(c),
		Here:     c.Request().URL.RequestURI(),
		CSRF:     csrfTokenOf(c),
		Title:    title,
		Demo:     s.cfg.Demo,
		ReadOnly: s.cfg.ReadOnly,
		Flashes:  s.cfg.Sessions.Flashes(c),
	}
	// Pages shown to nobody in particular (401, "no access", signed out)
	// name no one rather than a made-up viewer.
	if id, ok := knownIdentity(c); ok {
		chrome.Viewer = views.Viewer{Name: id.DisplayName(), Role: string(id.Role), Operator: id.IsOperator(),
			SignOut: s.cfg.OIDC != nil}
	}
	return chrome
}
