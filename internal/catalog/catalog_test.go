package catalog

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// lintOutput is what kiban lint prints for a tree: every diagnostic, one
// per line.
func lintOutput(t *testing.T, path string) (*Catalog, string) {
	t.Helper()
	c, err := Load(context.Background(), path)
	var cerr *Error
	var diags Diagnostics
	switch {
	case errors.As(err, &cerr):
		diags = cerr.Diagnostics
	case err != nil:
		t.Fatalf("Load(%s): %v", path, err)
	default:
		diags = c.Warnings
	}
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return c, b.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
	}
}

// TestLintBrokenTrees checks the exact diagnostics, with file, line, column
// and field path, for each broken tree under testdata/lint.
func TestLintBrokenTrees(t *testing.T) {
	entries, err := os.ReadDir("testdata/lint")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".golden") {
			continue
		}
		n++
		name := strings.TrimSuffix(e.Name(), ".yaml")
		t.Run(name, func(t *testing.T) {
			c, got := lintOutput(t, filepath.Join("testdata/lint", e.Name()))
			if c != nil {
				t.Errorf("Load succeeded on a broken tree; want errors")
			}
			if !strings.Contains(got, ": error: ") {
				t.Errorf("no error reported:\n%s", got)
			}
			golden(t, filepath.Join("testdata/lint", name+".golden"), got)
		})
	}
	if n < 10 {
		t.Fatalf("only %d broken trees found", n)
	}
}

func TestLintExampleIsClean(t *testing.T) {
	c, got := lintOutput(t, "../../examples/acme")
	if c == nil || got != "" {
		t.Fatalf("examples/acme does not lint clean:\n%s", got)
	}
	if len(c.Teams) < 6 || len(c.Services) < 15 || len(c.Services) > 25 {
		t.Errorf("examples/acme has %d teams and %d services; want about 6 teams and 15–25 services", len(c.Teams), len(c.Services))
	}
	products := map[string]bool{}
	for _, s := range c.Services {
		products[s.Spec.Product] = true
	}
	for _, p := range []string{"online-shop", "membership-app", "data-platform"} {
		if !products[p] {
			t.Errorf("no service in product %q", p)
		}
	}
	for _, name := range []string{"checkout", "search", "login", "catalog", "payments"} {
		if _, ok := c.Service(name); !ok {
			t.Errorf("service %q missing", name)
		}
	}
	if _, ok := c.Team("sre"); !ok {
		t.Error("no sre team")
	}
	// The Backstage file in the example is read as it is.
	rewards, ok := c.Service("rewards")
	if !ok {
		t.Fatal("Backstage component rewards not loaded")
	}
	if rewards.Source.Format != "backstage" || rewards.Spec.Owner != "membership" || rewards.Spec.Product != "membership-app" {
		t.Errorf("rewards = format %q owner %q product %q; want backstage, membership, membership-app", rewards.Source.Format, rewards.Spec.Owner, rewards.Spec.Product)
	}
	if got := c.Dependents("payments"); !cmp.Equal(got, []string{"billing", "checkout"}) {
		t.Errorf("Dependents(payments) = %v; want [billing checkout]", got)
	}
}

// TestBackstageConformance loads real Backstage entities as they are.
func TestBackstageConformance(t *testing.T) {
	// Alone, the entities refer to two groups they do not define.
	_, got := lintOutput(t, "testdata/backstage")
	golden(t, "testdata/backstage.golden", got)

	// With those groups, they load.
	files := readDir(t, "testdata/backstage")
	files = append(files, readDir(t, "testdata/backstage-org")...)
	c, err := Parse(context.Background(), files)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.Skipped != 2 {
		t.Errorf("Skipped = %d; want 2 (the API and the Domain)", c.Skipped)
	}
	teamA, ok := c.Team("team-a")
	if !ok {
		t.Fatal("group team-a not loaded")
	}
	var members []string
	for _, m := range teamA.Spec.Members {
		members = append(members, m.User+"|"+m.Name+"|"+m.Email)
	}
	wantMembers := []string{
		"breanna.davison||breanna-davison@example.com",
		"janelle.dawe|Janelle Dawe|janelle-dawe@example.com",
		"nigel.manning|Nigel Manning|nigel-manning@example.com",
		"guest|Guest User|guest@example.com",
		"development.guest|Guest User|guest@example.com",
	}
	if diff := cmp.Diff(wantMembers, members); diff != "" {
		t.Errorf("team-a members (-want +got):\n%s", diff)
	}
	if teamA.Spec.Parent != "backstage" || teamA.Spec.Email != "team-a@example.com" {
		t.Errorf("team-a parent %q email %q", teamA.Spec.Parent, teamA.Spec.Email)
	}
	tests := []struct {
		service, owner, product, typ, lifecycle, repo string
	}{
		{"backstage-existing", "cncf", "", "library", "production", "https://github.com/backstage/backstage"},
		{"wayback-search", "team-a", "", "service", "production", ""},
		{"artist-lookup", "team-a", "artist-engagement-portal", "service", "experimental", ""},
		{"artists-db", "team-a", "artist-engagement-portal", "database", "", ""},
	}
	for _, tt := range tests {
		s, ok := c.Service(tt.service)
		if !ok {
			t.Errorf("service %q not loaded", tt.service)
			continue
		}
		got := [5]string{s.Spec.Owner, s.Spec.Product, s.Spec.Type, s.Spec.Lifecycle, s.Spec.Links.Repo}
		want := [5]string{tt.owner, tt.product, tt.typ, tt.lifecycle, tt.repo}
		if got != want {
			t.Errorf("%s: owner, product, type, lifecycle, repo = %q; want %q", tt.service, got, want)
		}
	}
	lookup, _ := c.Service("artist-lookup")
	if len(lookup.Spec.Links.Dashboards) != 1 || len(lookup.Spec.Links.Other) != 6 {
		t.Errorf("artist-lookup links: %d dashboards, %d others; want 1 and 6", len(lookup.Spec.Links.Dashboards), len(lookup.Spec.Links.Other))
	}
	if p, ok := c.Product("artist-engagement-portal"); !ok || p.Title != "Artist Engagement Portal" || p.Owner != "team-a" {
		t.Errorf("product artist-engagement-portal = %+v, %v", p, ok)
	}
	if got := c.ServicesOf("team-a"); len(got) != 3 {
		t.Errorf("team-a owns %d services; want 3", len(got))
	}
}

// TestImportBackstage converts the real entities and checks that the
// printed kiban documents load back to the same teams and services.
func TestImportBackstage(t *testing.T) {
	files := append(readDir(t, "testdata/backstage"), readDir(t, "testdata/backstage-org")...)
	conv, err := ConvertBackstage(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	if len(conv.Diagnostics) != 0 {
		t.Fatalf("diagnostics: %v", conv.Diagnostics)
	}
	out, err := MarshalDocuments(conv.Teams, conv.Services)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/import-backstage.golden.yaml", string(out))

	direct, err := Parse(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(context.Background(), []File{{Name: "imported.yaml", Data: out}})
	if err != nil {
		t.Fatalf("the imported documents do not load: %v", err)
	}
	ignoreSource := cmp.Transformer("noSource", func(s Source) string { return "" })
	if diff := cmp.Diff(direct.Teams, back.Teams, ignoreSource); diff != "" {
		t.Errorf("teams differ between Backstage and imported documents (-backstage +imported):\n%s", diff)
	}
	if diff := cmp.Diff(direct.Services, back.Services, ignoreSource); diff != "" {
		t.Errorf("services differ between Backstage and imported documents (-backstage +imported):\n%s", diff)
	}
}

func readDir(t testing.TB, dir string) []File {
	t.Helper()
	names, err := findFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Name: n, Data: b})
	}
	return files
}

func TestParseEntityRef(t *testing.T) {
	tests := []struct {
		ref, kind string
		want      EntityRef
		name      string
		wantErr   bool
	}{
		{ref: "team-a", kind: "group", want: EntityRef{"group", "default", "team-a"}, name: "team-a"},
		{ref: "group:default/team-a", kind: "group", want: EntityRef{"group", "default", "team-a"}, name: "team-a"},
		{ref: "Group:Default/Team-A", kind: "", want: EntityRef{"group", "default", "Team-A"}, name: "team-a"},
		{ref: "user:development/guest", kind: "group", want: EntityRef{"user", "development", "guest"}, name: "development.guest"},
		{ref: "ops/sre", kind: "group", want: EntityRef{"group", "ops", "sre"}, name: "ops.sre"},
		{ref: "component:checkout", kind: "component", want: EntityRef{"component", "default", "checkout"}, name: "checkout"},
		{ref: "", kind: "group", wantErr: true},
		{ref: "group:", kind: "group", wantErr: true},
		{ref: "a/b/c", kind: "group", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseEntityRef(tt.ref, tt.kind)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseEntityRef(%q) error = %v; want error %v", tt.ref, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if got != tt.want || got.CatalogName() != tt.name {
			t.Errorf("ParseEntityRef(%q) = %+v (%s); want %+v (%s)", tt.ref, got, got.CatalogName(), tt.want, tt.name)
		}
	}
}

// TestUnquotedAccountIDKeepsDigits guards against YAML turning an account
// id into a number and losing its leading zero.
func TestUnquotedAccountIDKeepsDigits(t *testing.T) {
	src := `apiVersion: kiban.dev/v1
kind: Team
metadata: {name: sre}
spec: {}
---
apiVersion: kiban.dev/v1
kind: Service
metadata: {name: legacy}
spec:
  owner: sre
  resources:
    accounts: [012345678901, 111122223333]
`
	c, err := Parse(context.Background(), []File{{Name: "a.yaml", Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.Service("legacy")
	if diff := cmp.Diff([]string{"012345678901", "111122223333"}, s.Spec.Resources.Accounts); diff != "" {
		t.Errorf("accounts (-want +got):\n%s", diff)
	}
}

// TestLoadIsDeterministic loads the example several times: parallel
// parsing must not change the result or the digest.
func TestLoadIsDeterministic(t *testing.T) {
	first, err := Load(context.Background(), "../../examples/acme")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := Load(context.Background(), "../../examples/acme")
		if err != nil {
			t.Fatal(err)
		}
		if again.Digest != first.Digest {
			t.Fatalf("digest changed: %s then %s", first.Digest, again.Digest)
		}
		if diff := cmp.Diff(first.Services, again.Services, cmp.AllowUnexported(Source{})); diff != "" {
			t.Fatalf("services differ between loads:\n%s", diff)
		}
	}
}
