package handlers

import (
	"context"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/dcs-dashboard/migrations/internal/notify"
	"github.com/dcs-dashboard/migrations/internal/routes"
	"github.com/dcs-dashboard/migrations/internal/store"
	"github.com/dcs-dashboard/migrations/views"
)

// NotificationsService is what the notifications page needs of the
// watcher and its store: cmd/web adapts *watch.Watcher (Channels,
// SendTest) and *store.Notifications (RecentDeliveries) to it.
type NotificationsService interface {
	// Channels are the configured channels, in configured order.
	Channels() []notify.Channel
	// RecentDeliveries are the latest deliveries, newest first.
	RecentDeliveries(ctx context.Context, limit int) ([]store.Delivery, error)
	// SendTest records a test message to the channel so named, which the
	// sender delivers within seconds.
	SendTest(ctx context.Context, channel string) (notify.Event, error)
}

// recentDeliveries is how many deliveries the notifications page shows.
const recentDeliveries = 50

// Notifications shows the notification channels (never their URLs or
// secrets), each with a button that sends it a test message, and the
// recent deliveries, for operators. Without notifications configured it
// says so and where to read how.
func (s *Server) Notifications(c echo.Context) error {
	if !identityOf(c).IsOperator() {
		return pageErr(c.Request().Context(), http.StatusForbidden, "notifications.not_allowed.title", "notifications.not_allowed.text")
	}
	p := views.NotificationsPage{Chrome: s.chrome(c, s.tr(c, "notifications.title")), DemoReceiver: s.cfg.DemoReceiver != nil}
	svc := s.cfg.Notifications
	if svc == nil {
		return render(c, http.StatusOK, views.NotificationsView(p))
	}
	p.Configured = true
	for _, ch := range svc.Channels() {
		p.Channels = append(p.Channels, views.NotifyChannel{Name: ch.Name, Kind: ch.Kind, Lang: ch.Lang,
			Targets: ch.Targets, Events: ch.Events})
	}
	ds, err := svc.RecentDeliveries(c.Request().Context(), recentDeliveries)
	if err != nil {
		// The channels and their test buttons work without the list.
		s.log.Error("reading the notification deliveries", "err", err.Error())
		p.Error = &views.Banner{Kind: "error", Title: s.tr(c, "notifications.unreadable.title"),
			Text: s.tr(c, "notifications.unreadable.text"), DashboardRequestID: requestIDOf(c)}
		return render(c, http.StatusOK, views.NotificationsView(p))
	}
	for _, d := range ds {
		p.Deliveries = append(p.Deliveries, deliveryView(d))
	}
	return render(c, http.StatusOK, views.NotificationsView(p))
}

// deliveryView is what the page shows of a delivery.
func deliveryView(d store.Delivery) views.NotifyDelivery {
	ev := d.Event
	at := ev.At
	if at.IsZero() {
		at = d.CreatedAt
	}
	state := d.State
	switch d.State {
	case store.DeliverySent:
		state = views.DeliverySent
	case store.DeliveryPending:
		state = views.DeliveryPending
	case store.DeliveryFailed:
		state = views.DeliveryFailed
	}
	return views.NotifyDelivery{ID: d.ID, Channel: d.Channel, At: at, Kind: ev.Kind, Target: ev.Target,
		TargetLabel: ev.TargetLabel, TaskID: ev.TaskID, TaskName: ev.TaskName, OldStatus: ev.OldStatus,
		NewStatus: ev.NewStatus, State: state, Attempts: d.Attempts, NextAt: d.NextAt, SentAt: d.SentAt,
		LastStatus: d.LastStatus, LastError: d.LastError}
}

// NotificationsTest sends a test message to one channel, for operators:
// the answer is a banner, in the page's alert region with htmx, and a
// flash on the notifications page without JavaScript. The pages group has
// checked the CSRF token already.
func (s *Server) NotificationsTest(c echo.Context) error {
	ctx := c.Request().Context()
	who := identityOf(c)
	if !who.IsOperator() {
		return pageErr(ctx, http.StatusForbidden, "notifications.not_allowed.title", "notifications.not_allowed.text")
	}
	svc := s.cfg.Notifications
	if svc == nil {
		return badRequest(ctx, "notifications.off.title", "notifications.off.text")
	}
	name := c.FormValue("channel")
	if !slices.ContainsFunc(svc.Channels(), func(ch notify.Channel) bool { return ch.Name == name }) {
		return badRequest(ctx, "notifications.test.unknown.title", "notifications.test.unknown.text", "Channel", name)
	}
	ev, err := svc.SendTest(ctx, name)
	banner := views.Banner{Kind: "success", Title: s.tr(c, "notifications.test.queued.title", "Channel", name),
		Text: s.tr(c, "notifications.test.queued.text")}
	status := http.StatusOK
	if err != nil {
		s.log.Error("test notification not queued", "user", who.User, "channel", name, "err", err.Error())
		banner = views.Banner{Kind: "error", Title: s.tr(c, "notifications.test.failed.title", "Channel", name),
			Text: s.tr(c, "notifications.test.failed.text"), DashboardRequestID: requestIDOf(c)}
		status = http.StatusServiceUnavailable
	} else {
		s.log.Info("test notification queued", "user", who.User, "channel", name, "event_id", ev.ID)
	}
	if !isHTMX(c) {
		s.flash(c, banner)
		return redirectAfterPost(c, routes.Notifications)
	}
	toAlerts.apply(c)
	return render(c, status, views.BannerView(banner))
}
