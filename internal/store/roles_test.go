package store

import (
	"strings"
	"testing"
)

func TestRoleAllows(t *testing.T) {
	tests := []struct {
		role, need Role
		want       bool
	}{
		{RoleViewer, RoleViewer, true},
		{RoleViewer, RoleEditor, false},
		{RoleViewer, RoleAdmin, false},
		{RoleEditor, RoleViewer, true},
		{RoleEditor, RoleEditor, true},
		{RoleEditor, RoleAdmin, false},
		{RoleAdmin, RoleViewer, true},
		{RoleAdmin, RoleEditor, true},
		{RoleAdmin, RoleAdmin, true},
		{"", RoleViewer, false},
		{"root", RoleViewer, false},
		{RoleAdmin, "", false},
		{RoleAdmin, "root", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := tt.role.Allows(tt.need); got != tt.want {
			t.Errorf("Role(%q).Allows(%q) = %v, want %v", tt.role, tt.need, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"viewer", RoleViewer, false},
		{"editor", RoleEditor, false},
		{"admin", RoleAdmin, false},
		{" Admin ", RoleAdmin, false},
		{"EDITOR", RoleEditor, false},
		{"", "", true},
		{"root", "", true},
		{"view", "", true},
	}
	for _, tt := range tests {
		got, err := ParseRole(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseRole(%q) error = %v, want error: %v", tt.in, err, tt.wantErr)
		}
		if got != tt.want {
			t.Errorf("ParseRole(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err != nil {
			for _, role := range []Role{RoleViewer, RoleEditor, RoleAdmin} {
				if !strings.Contains(err.Error(), string(role)) {
					t.Errorf("ParseRole(%q) error %q does not list role %q", tt.in, err, role)
				}
			}
		}
	}
}
