package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"kiban.dev/kiban/internal/catalog"
)

// readFiles reads files as the loader takes them.
func readFiles(t *testing.T, names []string) []catalog.File {
	t.Helper()
	var files []catalog.File
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, catalog.File{Name: n, Data: b})
	}
	return files
}

// withServices adds a team and a Service for every service the SLOs and
// journeys of c name, so that kiban SLO documents about them load.
func withServices(c *catalog.Catalog, files []catalog.File) []catalog.File {
	var services []string
	for _, s := range c.SLOs {
		services = append(services, s.Spec.Service)
	}
	for _, j := range c.Journeys {
		services = append(services, j.Spec.Service)
	}
	slices.Sort(services)
	var b strings.Builder
	b.WriteString("apiVersion: kiban.dev/v1\nkind: Team\nmetadata: {name: sre}\nspec: {}\n")
	for _, s := range slices.Compact(services) {
		fmt.Fprintf(&b, "---\napiVersion: kiban.dev/v1\nkind: Service\nmetadata: {name: %s}\nspec: {owner: sre}\n", s)
	}
	return append(slices.Clone(files), catalog.File{Name: "services.yaml", Data: []byte(b.String())})
}

// normalized is what must not change between a foreign SLO and the
// kiban document imported from it.
type normalized struct {
	ID       string
	Metadata catalog.Metadata
	Spec     catalog.SLOSpec
	Period   string
	Location string
}

func normalize(c *catalog.Catalog) ([]normalized, []catalog.Journey) {
	var slos []normalized
	for _, s := range c.SLOs {
		slos = append(slos, normalized{ID: s.ID(), Metadata: s.Metadata, Spec: s.Spec, Period: s.Period().String(), Location: s.Location().String()})
	}
	var journeys []catalog.Journey
	for _, j := range c.Journeys {
		journeys = append(journeys, *j)
	}
	return slos, journeys
}

// TestImportSLOs prints OpenSLO and Sloth files as kiban documents and
// checks that they load back to the same SLOs and journeys.
func TestImportSLOs(t *testing.T) {
	glob := func(pattern string) []string {
		m, _ := filepath.Glob(pattern)
		return m
	}
	tests := []struct {
		format   string
		files    []string
		slos     int
		journeys int
		warning  string // one warning the import must print
	}{
		{
			format: "openslo", files: glob("../catalog/testdata/openslo/mapped/*.yaml"), slos: 7, journeys: 1,
			warning: "warning: spec.objectives[1].target: the objectives of a composite SLO have different targets",
		},
		{
			format: "openslo", files: glob("../catalog/testdata/openslo/sloth/*openslo*"), slos: 2,
		},
		{
			format: "sloth", files: glob("../catalog/testdata/openslo/sloth/*"), slos: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.format+" "+filepath.Base(filepath.Dir(tt.files[0])), func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"import", tt.format}, tt.files...)...)
			if code != 0 {
				t.Fatalf("import = %d: %s", code, errOut)
			}
			if tt.warning != "" && !strings.Contains(errOut, tt.warning) {
				t.Errorf("stderr lacks %q:\n%s", tt.warning, errOut)
			}
			if strings.Contains(errOut, "not in the catalog") {
				t.Errorf("import warns about a catalog it does not have:\n%s", errOut)
			}

			files := readFiles(t, tt.files)
			direct, err := catalog.Parse(context.Background(), files)
			if err != nil {
				t.Fatalf("the foreign files do not load: %v", err)
			}
			direct, err = catalog.Parse(context.Background(), withServices(direct, files))
			if err != nil {
				t.Fatalf("the foreign files do not load with their services: %v", err)
			}
			back, err := catalog.Parse(context.Background(), withServices(direct, []catalog.File{{Name: "imported.yaml", Data: []byte(out)}}))
			if err != nil {
				t.Fatalf("the imported documents do not load: %v\n%s", err, out)
			}
			if len(back.Warnings) != 0 {
				t.Errorf("the imported documents load with warnings: %v", back.Warnings)
			}
			for _, s := range back.SLOs {
				if s.Source.Format != "kiban" {
					t.Errorf("%s: format %q", s.ID(), s.Source.Format)
				}
			}
			wantSLOs, wantJourneys := normalize(direct)
			gotSLOs, gotJourneys := normalize(back)
			if len(wantSLOs) != tt.slos || len(wantJourneys) != tt.journeys {
				t.Errorf("%d SLOs and %d journeys; want %d and %d", len(wantSLOs), len(wantJourneys), tt.slos, tt.journeys)
			}
			if diff := cmp.Diff(wantSLOs, gotSLOs); diff != "" {
				t.Errorf("SLOs differ between the foreign files and the imported documents (-foreign +imported):\n%s", diff)
			}
			ignore := cmp.Options{cmpopts.IgnoreUnexported(catalog.Journey{}), cmpopts.IgnoreFields(catalog.Journey{}, "Source")}
			if diff := cmp.Diff(wantJourneys, gotJourneys, ignore); diff != "" {
				t.Errorf("journeys differ (-foreign +imported):\n%s", diff)
			}
		})
	}
}

func TestImportSLOErrors(t *testing.T) {
	// Errors: printed with their position, exit 1, nothing on stdout.
	code, out, errOut := run(t, "import", "openslo", "../catalog/testdata/openslo/broken/broken.yaml")
	if code != 1 || out != "" || !strings.Contains(errOut, `broken.yaml:25:17: error: spec.indicatorRef: indicatorRef "http-availabilty" is not an SLI defined in the tree; did you mean "http-availability"?`) {
		t.Errorf("import of broken OpenSLO = %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	// The official v1 examples hold no query kiban can evaluate: warnings
	// say why, and the import fails rather than print nothing.
	official, _ := filepath.Glob("../catalog/testdata/openslo/spec-repo/*.yaml")
	code, out, errOut = run(t, append([]string{"import", "openslo"}, official...)...)
	if code != 1 || out != "" || !strings.Contains(errOut, `metric source type "Any" is not Prometheus: kiban evaluates PromQL only; SLO "search-slo" is skipped`) ||
		!strings.Contains(errOut, "kiban: import: no OpenSLO SLO that kiban can evaluate found") {
		t.Errorf("import of the official examples = %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	// An SLO whose SLI is in a file not given says so.
	code, _, errOut = run(t, "import", "openslo", "../catalog/testdata/openslo/mapped/slos.yaml")
	if code != 1 || !strings.Contains(errOut, `indicatorRef "http-availability" is not an SLI defined in the tree`) {
		t.Errorf("import without the SLIs = %d:\n%s", code, errOut)
	}
	if code, _, errOut := run(t, "import", "sloth", "nope.yaml"); code != 1 || !strings.Contains(errOut, "nope.yaml") {
		t.Errorf("import of a missing file = %d %q", code, errOut)
	}
	// Standard input.
	in, err := os.ReadFile("../catalog/testdata/openslo/sloth/in-openslo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := Run(context.Background(), []string{"import", "sloth", "-"}, strings.NewReader(string(in)), &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "# from <stdin>:1\n") || !strings.Contains(stdout.String(), "name: slo1-0\n") {
		t.Errorf("import sloth - = %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
}

// TestSLORulesOnOpenSLOExamples: a directory holding only the official
// OpenSLO examples must not break kiban slo rules; Sloth's OpenSLO
// v1alpha files get Sloth's ids.
func TestSLORulesOnOpenSLOExamples(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"spec-repo", "go-sdk-v1"} {
		files, _ := filepath.Glob(filepath.Join("../catalog/testdata/openslo", sub, "*.yaml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, sub+"-"+filepath.Base(f)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	code, out, errOut := run(t, "slo", "rules", dir)
	if code != 0 || !strings.Contains(out, "groups: []") || !strings.Contains(errOut, `SLO "search-slo" is skipped`) {
		t.Errorf("slo rules on the official examples = %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "lint", dir)
	if code != 0 || !strings.Contains(out, "ok: 0 teams, 0 services, 0 concerns in 12 files (21 warnings)") {
		t.Errorf("lint of the official examples = %d\n%s\n%s", code, out, errOut)
	}

	b, err := os.ReadFile("../catalog/testdata/openslo/sloth/in-openslo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in-openslo.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "slo", "rules", dir)
	if code != 0 || !strings.Contains(out, "- name: sloth-slo-sli-recordings-svc01-slo1-0\n") || !strings.Contains(out, "sloth_id: svc01-slo1-0\n") ||
		!strings.Contains(out, "sloth_slo: slo1-0\n") {
		t.Errorf("slo rules with Sloth's OpenSLO v1alpha = %d\n%s\n%s", code, out, errOut)
	}
}
