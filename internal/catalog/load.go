package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// BackstageAPIVersions are the Backstage entity versions read as they are.
var BackstageAPIVersions = []string{"backstage.io/v1alpha1", "backstage.io/v1beta1"}

// kibanKinds lists the kinds of kiban.dev/v1 documents this version reads.
var kibanKinds = []string{KindCostBudget, KindErrorBudgetPolicy, KindIncidentRule, KindJourney, KindMonitoringGuard, KindResponsibilities, KindSLO, KindService, KindTeam}

// IsCatalogFile reports whether a file name is read as part of the tree.
func IsCatalogFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// Load reads every YAML file under dir (skipping hidden files and
// directories) and returns the catalog. When the tree has errors, it
// returns a nil catalog and an *Error with every finding; warnings alone
// are kept on the catalog.
func Load(ctx context.Context, dir string) (*Catalog, error) {
	files, err := findFiles(dir)
	if err != nil {
		return nil, err
	}
	srcs := make([]File, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("catalog: read %s: %w", f, err)
		}
		srcs[i] = File{Name: f, Data: b}
	}
	return Parse(ctx, srcs)
}

func findFiles(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if !info.IsDir() {
		return []string{dir}, nil
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if path != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && IsCatalogFile(name) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: walk %s: %w", dir, err)
	}
	slices.Sort(files)
	return files, nil
}

// File is one source file of the tree.
type File struct {
	Name string
	Data []byte
}

// fileResult is what parsing one file produced.
type fileResult struct {
	teams     []*Team
	services  []*Service
	resps     []*Responsibilities
	slos      []*SLO
	journeys  []*Journey
	windows   []*AlertWindowSet
	policies  []*ErrorBudgetPolicy
	rules     []*IncidentRule
	budgets   []*CostBudget
	guards    []*MonitoringGuard
	backstage []*bsEntity
	openslo   []*osloDoc // OpenSLO objects, converted once the tree is read (openslo.go)
	skipped   int
	docs      int
	diags     Diagnostics
}

// Parse builds a catalog from files already in memory. Files are parsed in
// parallel; the result does not depend on the order of completion.
func Parse(ctx context.Context, files []File) (*Catalog, error) {
	results := make([]fileResult, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Go(func() {
			for i := range work {
				results[i] = parseFile(files[i])
			}
		})
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}

	var b builder
	for _, r := range results {
		b.teams = append(b.teams, r.teams...)
		b.services = append(b.services, r.services...)
		b.resps = append(b.resps, r.resps...)
		b.slos = append(b.slos, r.slos...)
		b.journeys = append(b.journeys, r.journeys...)
		b.windows = append(b.windows, r.windows...)
		b.policies = append(b.policies, r.policies...)
		b.incidentRules = append(b.incidentRules, r.rules...)
		b.costBudgets = append(b.costBudgets, r.budgets...)
		b.guards = append(b.guards, r.guards...)
		b.backstage = append(b.backstage, r.backstage...)
		b.openslo = append(b.openslo, r.openslo...) // OpenSLO (openslo.go)
		b.diags = append(b.diags, r.diags...)
		b.skipped += r.skipped
		b.docs += r.docs
	}
	b.files = len(files)
	c, err := b.build()
	if c != nil {
		h := sha256.New()
		for _, f := range files {
			fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Data))
			h.Write(f.Data)
		}
		c.Digest = hex.EncodeToString(h.Sum(nil))[:12]
	}
	return c, err
}

func parseFile(f File) fileResult {
	var r fileResult
	file, err := parser.ParseBytes(f.Data, 0)
	if err != nil {
		r.diags = append(r.diags, syntaxDiagnostic(f.Name, err))
		return r
	}
	for _, doc := range file.Docs {
		body := unwrap(doc.Body)
		if body == nil {
			continue
		}
		if _, ok := body.(*ast.NullNode); ok {
			continue
		}
		if _, ok := body.(*ast.CommentNode); ok {
			continue
		}
		r.docs++
		r.parseDoc(f.Name, body)
	}
	return r
}

func syntaxDiagnostic(file string, err error) Diagnostic {
	d := Diagnostic{File: file, Severity: SeverityError}
	var se *yaml.SyntaxError
	if errors.As(err, &se) {
		if se.Token != nil && se.Token.Position != nil {
			d.Line, d.Col = se.Token.Position.Line, se.Token.Position.Column
		}
		d.Message = "invalid YAML: " + se.Message
		return d
	}
	d.Message = "invalid YAML: " + err.Error()
	return d
}

// envelope is the part shared by every document.
type envelope struct {
	apiVersion, kind string
	fields           map[string]*ast.MappingValueNode
}

func (r *fileResult) parseDoc(file string, body ast.Node) {
	// OpenSLO: the OpenSLO Go SDK writes several objects as one YAML list
	// (openslo.go).
	if seq, ok := body.(*ast.SequenceNode); ok && isOpenSLOList(seq) {
		r.parseOpenSLOList(file, seq)
		return
	}
	d := &decoder{file: file, diags: &r.diags, strict: true, pos: map[string]Pos{}}
	m, ok := body.(*ast.MappingNode)
	if !ok {
		d.errorf(body, "", "expected a document (a mapping with apiVersion, kind, metadata and spec), found %s", describe(body))
		return
	}
	env := envelope{fields: map[string]*ast.MappingValueNode{}}
	for key, mv := range d.entries(m, "", joinField) {
		env.fields[key] = mv
	}
	start := nodePos(m)
	src := Source{File: file, Line: start.Line, pos: d.pos}

	scalar := func(name string) (string, bool) {
		mv, ok := env.fields[name]
		if !ok {
			d.errorf(m, "", "missing field %q", name)
			return "", false
		}
		s, ok := scalarText(unwrap(mv.Value))
		if !ok || s == "" {
			d.errorf(mv.Value, name, "expected a string, found %s", describe(unwrap(mv.Value)))
			return "", false
		}
		d.pos[name] = nodePos(mv.Value)
		return s, true
	}
	if _, hasAPI := env.fields["apiVersion"]; !hasAPI {
		if _, sloth := env.fields["version"]; sloth {
			src.Format = "sloth"
			r.parseSlothFile(d, m, src)
			return
		}
	}
	apiVersion, ok1 := scalar("apiVersion")
	kind, ok2 := scalar("kind")
	if !ok1 || !ok2 {
		return
	}
	env.apiVersion, env.kind = apiVersion, kind

	switch {
	case apiVersion == APIVersion:
		src.Format = "kiban"
		r.parseKiban(d, m, env, src)
	case slices.Contains(BackstageAPIVersions, apiVersion):
		src.Format = "backstage"
		r.parseBackstage(d, env, src)
	case apiVersion == SlothAPIVersion:
		src.Format = "sloth"
		r.parseSlothCRD(d, env, src)
	case slices.Contains(OpenSLOAPIVersions, apiVersion):
		// OpenSLO v1 and v1alpha, read as they are (openslo.go).
		src.Format = "openslo"
		r.parseOpenSLO(d, env, src)
	default:
		d.errorf(env.fields["apiVersion"].Value, "apiVersion", "unknown apiVersion %q; expected %s, a Backstage version (%s), OpenSLO (%s), %s or a Sloth spec (version: %s)",
			apiVersion, APIVersion, strings.Join(BackstageAPIVersions, ", "), strings.Join(OpenSLOAPIVersions, ", "), SlothAPIVersion, SlothVersion)
	}
}

func (r *fileResult) parseKiban(d *decoder, m *ast.MappingNode, env envelope, src Source) {
	for key, mv := range env.fields {
		switch key {
		case "apiVersion", "kind", "metadata", "spec":
		default:
			d.errorf(mv.Key, key, "unknown field %q%s", key, expectedFields(key, []string{"apiVersion", "kind", "metadata", "spec"}))
		}
	}
	var meta *Metadata
	var spec any
	switch env.kind {
	case KindTeam:
		t := &Team{Source: src}
		meta, spec = &t.Metadata, &t.Spec
		r.teams = append(r.teams, t)
	case KindService:
		s := &Service{Source: src}
		meta, spec = &s.Metadata, &s.Spec
		r.services = append(r.services, s)
	case KindResponsibilities:
		rs := &Responsibilities{Source: src}
		meta, spec = &rs.Metadata, &rs.Spec
		r.resps = append(r.resps, rs)
	case KindSLO:
		x := &SLO{Source: src}
		meta, spec = &x.Metadata, &x.Spec
		r.slos = append(r.slos, x)
	case KindJourney:
		x := &Journey{Source: src}
		meta, spec = &x.Metadata, &x.Spec
		r.journeys = append(r.journeys, x)
	case KindErrorBudgetPolicy:
		x := &ErrorBudgetPolicy{Source: src}
		meta, spec = &x.Metadata, &x.Spec
		r.policies = append(r.policies, x)
	case KindCostBudget:
		x := &CostBudget{Source: src}
		meta, spec = &x.Metadata, &x.Spec
		r.budgets = append(r.budgets, x)
	case KindMonitoringGuard:
		x := &MonitoringGuard{Source: src}
		meta, spec = &x.Metadata, &x.Spec
		r.guards = append(r.guards, x)
	case KindIncidentRule:
		x := &IncidentRule{Source: src}
		meta, spec = &x.Metadata, &x.Spec
		r.rules = append(r.rules, x)
	default:
		d.errorf(env.fields["kind"].Value, "kind", "unknown kind %q for %s%s", env.kind, APIVersion, expectedFields(env.kind, kibanKinds))
		return
	}
	if mv, ok := env.fields["metadata"]; ok {
		d.decode(mv.Value, reflectValue(meta), "metadata")
		d.keyPos(mv, "metadata")
	} else {
		d.errorf(m, "", "missing field \"metadata\"")
	}
	if mv, ok := env.fields["spec"]; ok {
		d.decode(mv.Value, reflectValue(spec), "spec")
		d.keyPos(mv, "spec")
	} else {
		d.errorf(m, "", "missing field \"spec\"")
	}
}
