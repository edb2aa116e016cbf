package catalog

import "testing"

func TestRoute(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"/api/items/{id}", "/api/items/42", true},
		{"/api/items/{id}", "/api/items/42/", true},
		{"/api/items/{id}", "/api/items", false},
		{"/api/items/{id}", "/api/items/", false},
		{"/api/items/{id}", "/api/items/42/reviews", false},
		{"/api/items/{id}/reviews", "/api/items/42/reviews", true},
		{"/api/items", "/api/items", true},
		{"/api/items", "/api/itemsx", false},
		{"/static/*", "/static/css/site.css", true},
		{"/static/*", "/static", true},
		{"/static/*", "/other/x", false},
		{"/", "/", true},
		{"/", "/x", false},
		{"/orders/{id}/confirmation", "/orders/A-1/confirmation", true},
	}
	for _, tt := range tests {
		r, err := CompileRoute(tt.pattern)
		if err != nil {
			t.Fatalf("CompileRoute(%q): %v", tt.pattern, err)
		}
		if got := r.Match(tt.path); got != tt.want {
			t.Errorf("%q matches %q = %v; want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
	for _, bad := range []string{"api/items", "/api//items", "/api/{id", "/a/*/b", "/a/x*"} {
		if _, err := CompileRoute(bad); err == nil {
			t.Errorf("CompileRoute(%q) accepted a bad pattern", bad)
		}
	}
}
