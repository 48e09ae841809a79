package views

import (
	"context"

	"github.com/dcs-dashboard/migrations/internal/dcs"
	"github.com/dcs-dashboard/migrations/internal/i18n"
)

// StatusName is a status in the page's language; one the dashboard does
// not know is shown as the API sent it, in both languages.
func StatusName(ctx context.Context, st dcs.Status) string {
	if id, ok := i18n.StatusID(st); ok {
		return tr(ctx, id)
	}
	if st == "" {
		return tr(ctx, "status.none")
	}
	return string(st)
}

// kindWords are the catalog ids of the API's enum values: migration
// types, methods, network types and backup-file sources.
var kindWords = map[string]string{
	dcs.TypeBackupFileImport:   "kind.backupfile_import",
	dcs.TypeOnlineMigration:    "kind.online_migration",
	dcs.MethodFull:             "kind.full_amount_migration",
	dcs.MethodIncremental:      "kind.incremental_migration",
	dcs.NetworkVPC:             "kind.vpc",
	dcs.NetworkVPN:             "kind.vpn",
	dcs.FileSourceOBS:          "kind.self_build_obs",
	dcs.FileSourceBackupRecord: "kind.backup_record",
}

// KindName is an enum value of the API in the page's language: "—" when
// missing, the value as sent when the dashboard does not know it.
func KindName(ctx context.Context, raw string) string {
	if id, ok := kindWords[raw]; ok {
		return tr(ctx, id)
	}
	if raw == "" {
		return "—"
	}
	return raw
}
