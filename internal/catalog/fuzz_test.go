package catalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the loader, as a user's tree may hold
// anything. The loader must not panic, and a failure must be a list of
// diagnostics that each name the file.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/lint/*.yaml")
	more, _ := filepath.Glob("testdata/backstage/*.yaml")
	seeds = append(seeds, more...)
	seeds = append(seeds, "../../examples/acme/services/shop.yaml", "../../examples/acme/teams.yaml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(checkParse)
}

// checkParse is the property every fuzz target of the loader checks: no
// panic, and a failure is a list of diagnostics that each name the file.
func checkParse(t *testing.T, data []byte) {
	c, err := Parse(context.Background(), []File{{Name: "fuzz.yaml", Data: data}})
	if err == nil {
		if c == nil {
			t.Fatal("nil catalog without error")
		}
		return
	}
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error is not a *catalog.Error: %v", err)
	}
	if !cerr.Diagnostics.HasErrors() {
		t.Fatal("failure without an error diagnostic")
	}
	for _, d := range cerr.Diagnostics {
		if d.File != "fuzz.yaml" || d.Message == "" {
			t.Fatalf("diagnostic without file or message: %+v", d)
		}
	}
}
