package store

import (
	"fmt"
	"strings"
)

// Role is what a token is allowed to do. Roles are ordered: an admin can do
// everything an editor can, and an editor everything a viewer can.
type Role string

// The roles, from least to most privileged.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

// rank orders the roles; unknown roles rank zero and allow nothing.
func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// ParseRole returns the role named s, ignoring case and surrounding space.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() == 0 {
		return "", fmt.Errorf("unknown role %q; expected %s, %s or %s", s, RoleViewer, RoleEditor, RoleAdmin)
	}
	return r, nil
}

// Allows reports whether r grants what need requires. An unknown role allows
// nothing and is allowed by nothing.
func (r Role) Allows(need Role) bool {
	return r.rank() != 0 && need.rank() != 0 && r.rank() >= need.rank()
}
