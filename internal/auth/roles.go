package auth

// Role is what a signed-in person may do on the dashboard.
type Role string

// Roles, from least to most allowed.
const (
	// RoleNone may not see the dashboard at all.
	RoleNone Role = ""
	// RoleViewer may read tasks.
	RoleViewer Role = "viewer"
	// RoleOperator may also stop tasks.
	RoleOperator Role = "operator"
)

// RoleConfig maps IdP groups to roles.
type RoleConfig struct {
	// ViewerGroups may read; empty means every signed-in person may read.
	ViewerGroups []string
	// OperatorGroups may stop tasks; empty means nobody may.
	OperatorGroups []string
}

// RoleOf returns the highest role id's groups grant. Groups compare exactly,
// case included, as IdPs send them: folding case could let a group named
// "Operators" in one directory grant what "operators" grants in another.
func (c RoleConfig) RoleOf(id Identity) Role {
	if memberOfAny(id.Groups, c.OperatorGroups) {
		return RoleOperator
	}
	if len(c.ViewerGroups) == 0 || memberOfAny(id.Groups, c.ViewerGroups) {
		return RoleViewer
	}
	return RoleNone
}

func memberOfAny(groups, wanted []string) bool {
	for _, g := range groups {
		if g != "" && contains(wanted, g) {
			return true
		}
	}
	return false
}
