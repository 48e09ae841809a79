package dcssim

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"time"
)

// projectTheme is what another project's seed reads like: its rows, and the
// places its names may mention ("{place}" in a name stands for one: an
// environment or a region), so two projects of one theme still differ.
type projectTheme struct {
	rows   []seedSpec
	places []string
}

// projectThemes are the kinds of project a multi-project demo shows beside
// the default one: a staging project, a disaster-recovery project and an
// overseas one. Each has fewer tasks than Seed but the statuses a pane of
// several projects needs to tell them apart: some moving, some stoppable,
// some finished or failed.
func projectThemes() []projectTheme {
	const minute, h, day = time.Minute, time.Hour, 24 * time.Hour
	const (
		run, mig, full, incr  = "RUNNING", "MIGRATING", "FULLMIGRATING", "INCRMIGRATING"
		term, ok, fail, mfail = "TERMINATING", "SUCCESS", "FAILED", "MIGRATION_FAILED"
		termd, rel            = "TERMINATED", "RELEASED"
	)
	staging := projectTheme{places: []string{"staging", "stg2", "uat", "pre"}, rows: []seedSpec{
		{name: "{place}: 订单缓存回灌", desc: "预发环境 从生产 RDB 回灌", status: full, ago: 18 * minute},
		{name: "{place} session-store rehearsal", desc: "rehearsal before the production cut-over", status: incr, incr: true, ago: 3 * h, opts: optStrings},
		{name: "预发 商品详情缓存 全量", desc: "", status: ok, ago: 2 * day, opts: optDCSSource},
		{name: "{place} cart-cache dry run", desc: "", status: run, ago: 40 * minute},
		{name: "load-test fixtures import", desc: "fixtures for the load test", status: mig, backup: "obs", ago: 25 * minute},
		{name: "预发 排行榜 试迁移", desc: "", status: fail, ago: 4 * day,
			errMsg: "Target instance is read-only while it is being resized."},
		{name: "{place} weekly refresh", desc: "", status: termd, ago: 7 * day},
		{name: "{place} geo-index incremental", desc: "", status: term, incr: true, ago: 5 * h},
	}}
	dr := projectTheme{places: []string{"cn-south-1", "cn-east-3", "cn-north-9"}, rows: []seedSpec{
		{name: "容灾同步 订单缓存 → {place}", desc: "cross-region disaster recovery copy", status: incr, incr: true, vpn: true, ago: 9 * day},
		{name: "dr-standby session replica ({place})", desc: "", status: incr, incr: true, ago: 30 * h, opts: optStrings},
		{name: "DR drill: payment-cache", desc: "quarterly drill", status: termd, incr: true, ago: 12 * day},
		{name: "灾备 用户画像 全量重建", desc: "", status: full, ago: 12 * minute, opts: optDCSSource},
		{name: "failover rehearsal rollback", desc: "", status: mfail, incr: true, ago: 6 * day,
			errMsg: "Incremental synchronization interrupted: the network between regions was unreachable for 300s."},
		{name: "nightly DR snapshot import", desc: "", status: ok, backup: "record", ago: 1 * day},
		{name: "容灾演练 排行榜", desc: "", status: run, vpn: true, ago: 2 * h},
	}}
	overseas := projectTheme{places: []string{"ap-southeast-1", "ap-southeast-3", "eu-west-101", "af-south-1", "la-south-2"}, rows: []seedSpec{
		{name: "海外站 订单缓存 {place}", desc: "", status: full, ago: 30 * minute},
		{name: "{place} session-store migration", desc: "", status: incr, incr: true, ago: 2 * day},
		{name: "global token cache", desc: "CDN token cache for every overseas site", status: mig, ago: 10 * minute, opts: optDCSSource},
		{name: "海外 商品详情缓存 RDB 导入", desc: "", status: ok, backup: "obs", ago: 5 * day},
		{name: "{place} leaderboard incremental", desc: "", status: incr, incr: true, vpn: true, ago: 20 * h, opts: optStrings},
		{name: "{place} 新站点 购物车缓存", desc: "waiting for the VPN to the new site", status: run, vpn: true, ago: 3 * h},
		{name: "海外推荐缓存 (暂停)", desc: "", status: termd, ago: 10 * day},
		{name: "overseas pilot import", desc: "", status: fail, backup: "obs", ago: 8 * day,
			errMsg: "Access to the OBS bucket was denied: check the bucket policy."},
		{name: "跨境 风控特征 同步", desc: "", status: rel, ago: 25 * day},
	}}
	return []projectTheme{staging, dr, overseas}
}

// SeedFor returns demo tasks for a project other than the default one, as
// they stand at now. The same project always gets the same tasks; ids are
// derived from the project id, so they differ from Seed's and from every
// other project's. Which kind of project the tasks read like (staging,
// disaster recovery or overseas, and which environment or region their
// names mention) is
// picked by the project id too, so several projects side by side show
// different tasks.
func SeedFor(project string, now time.Time) []Task {
	// SHA-256, not hashOf: FNV's last multiply leaves ids that differ in one
	// character with the same value modulo a small number, which would give
	// "p1", "p2" and "p3" one theme.
	sum := sha256.Sum256([]byte(seedSalt + "/theme/" + project))
	hv := binary.BigEndian.Uint64(sum[:8])
	themes := projectThemes()
	theme := themes[hv%uint64(len(themes))]
	rows := theme.rows
	place := theme.places[(hv>>16)%uint64(len(theme.places))]
	for i := range rows {
		rows[i].name = strings.ReplaceAll(rows[i].name, "{place}", place)
	}
	return seedTasks(seedSalt+"/project/"+project, rows, now)
}
