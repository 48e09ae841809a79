package handlers

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/dcs-dashboard/migrations/internal/audit"
	"github.com/dcs-dashboard/migrations/static"
	"github.com/dcs-dashboard/migrations/views"
)

// Config is everything the HTTP layer needs, built once by cmd/web.
type Config struct {
	Tasks    TaskService
	Sessions *Sessions
	Log      *slog.Logger
	// Identity puts the requester's identity on each request (auth mode).
	Identity echo.MiddlewareFunc
	// Demo marks every page as showing simulated data.
	Demo bool
	// Refresh is how often a settling status is read again by the browser.
	Refresh time.Duration
	// PageSize is the number of tasks on one list page.
	PageSize int
	// Audit records every stop attempt; a stop is refused when it cannot.
	Audit *audit.Log
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

// Server is the dashboard's HTTP layer.
type Server struct {
	cfg     Config
	log     *slog.Logger
	stopper *stopper
	facts   *taskFacts
}

// New builds the Echo instance with every route and middleware.
func New(cfg Config) (*echo.Echo, error) {
	if cfg.Tasks == nil || cfg.Sessions == nil || cfg.Log == nil || cfg.Identity == nil || cfg.Audit == nil {
		return nil, errors.New("handlers: Tasks, Sessions, Log, Identity and Audit are required")
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Log, stopper: newStopper(cfg.Tasks, cfg.Now), facts: newTaskFacts(cfg.Tasks)}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.ErrorHandler
	// The dashboard is reached directly or through a proxy named by the auth
	// configuration; until then the TCP peer is the client, and headers such as
	// X-Forwarded-For are not believed.
	e.IPExtractor = echo.ExtractIPDirect()

	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(SecurityHeaders())
	e.Use(middleware.BodyLimit("64K"))

	assets := e.Group("/static", StaticCache())
	assets.StaticFS("/", staticFS())

	// Reads answer HEAD too, for uptime monitors; net/http drops the body.
	read := []string{http.MethodGet, http.MethodHead}
	e.Match(read, "/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })

	pages := e.Group("", cfg.Identity, cfg.Sessions.CSRF())
	pages.Match(read, "/", s.List)
	pages.Match(read, "/tasks/:id", s.Show)
	pages.Match(read, "/tasks/:id/status", s.Status)
	pages.Match(read, "/tasks/:id/stop", s.ConfirmStop)
	pages.POST("/tasks/:id/stop", s.Stop)
	return e, nil
}

func staticFS() fs.FS { return static.FS() }

// chrome is the layout's data for the current request.
func (s *Server) chrome(c echo.Context, title string) views.Chrome {
	id := identityOf(c)
	return views.Chrome{
		Title:   title,
		Demo:    s.cfg.Demo,
		Viewer:  views.Viewer{Name: id.User, Role: string(id.Role)},
		Flashes: s.cfg.Sessions.Flashes(c),
	}
}
