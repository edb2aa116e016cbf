package catalog

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/goccy/go-yaml"
)

// Document is a kiban document as written in YAML.
type Document struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   any    `yaml:"metadata"`
	Spec       any    `yaml:"spec"`
}

// Converted is the result of reading foreign documents: the equivalent
// kiban documents and what could not be converted.
type Converted struct {
	Teams    []*Team
	Services []*Service
	Products []Product
	// Diagnostics holds syntax and conversion errors; references are not
	// checked against a tree (lint the tree for that).
	Diagnostics Diagnostics
}

// ConvertBackstage reads Backstage entities and returns the equivalent
// kiban teams and services. Entity references are rewritten to kiban
// names (group:default/team-a becomes team-a). Files may also hold kiban
// documents; only the Backstage ones are converted.
func ConvertBackstage(ctx context.Context, files []File) (*Converted, error) {
	b := builder{importing: true}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		r := parseFile(f)
		b.backstage = append(b.backstage, r.backstage...)
		// kiban Teams given alongside resolve Users' memberOf.
		b.teams = append(b.teams, r.teams...)
		b.diags = append(b.diags, r.diags...)
	}
	b.convertBackstage()
	b.teams = slices.DeleteFunc(b.teams, func(t *Team) bool { return t.Source.Format != "backstage" })
	norm := func(src Source, path, ref, kind string) string {
		r, err := ParseEntityRef(ref, kind)
		if err != nil {
			b.errorf(src, path, "%v", err)
			return ref
		}
		return r.CatalogName()
	}
	for _, t := range b.teams {
		if t.Spec.Parent != "" {
			t.Spec.Parent = norm(t.Source, "spec.parent", t.Spec.Parent, "group")
		}
	}
	for _, s := range b.services {
		if s.Spec.Owner != "" {
			s.Spec.Owner = norm(s.Source, "spec.owner", s.Spec.Owner, "group")
		}
		for k, v := range s.Spec.Responsibilities {
			if v != OwnerKeyword {
				s.Spec.Responsibilities[k] = norm(s.Source, joinKey("spec.responsibilities", k), v, "group")
			}
		}
	}
	for i := range b.systems {
		if o := b.systems[i].Owner; o != "" {
			b.systems[i].Owner = norm(b.systems[i].Source, "spec.owner", o, "group")
		}
	}
	b.diags.Sort()
	return &Converted{Teams: b.teams, Services: b.services, Products: b.systems, Diagnostics: b.diags}, nil
}

// MarshalDocuments writes teams and services as a multi-document kiban
// YAML stream, each preceded by a comment naming its source.
func MarshalDocuments(teams []*Team, services []*Service) ([]byte, error) {
	var w docWriter
	for _, t := range teams {
		w.write(KindTeam, t.Metadata, t.Spec, t.Source)
	}
	for _, s := range services {
		w.write(KindService, s.Metadata, s.Spec, s.Source)
	}
	return w.bytes()
}

// MarshalSLODocuments writes journeys and SLOs as a multi-document kiban
// YAML stream, each preceded by a comment naming its source.
func MarshalSLODocuments(journeys []*Journey, slos []*SLO) ([]byte, error) {
	var w docWriter
	for _, j := range journeys {
		w.write(KindJourney, j.Metadata, j.Spec, j.Source)
	}
	for _, s := range slos {
		w.write(KindSLO, s.Metadata, s.Spec, s.Source)
	}
	return w.bytes()
}

// docWriter writes kiban documents one after the other.
type docWriter struct {
	buf bytes.Buffer
	err error
}

func (w *docWriter) bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.buf.Bytes(), nil
}

func (w *docWriter) write(kind string, meta, spec any, src Source) {
	if w.err != nil {
		return
	}
	out, err := yaml.MarshalWithOptions(Document{APIVersion: APIVersion, Kind: kind, Metadata: meta, Spec: spec},
		yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		w.err = fmt.Errorf("catalog: marshal %s: %w", kind, err)
		return
	}
	if w.buf.Len() > 0 {
		w.buf.WriteString("---\n")
	}
	if src.File != "" {
		fmt.Fprintf(&w.buf, "# from %s:%d\n", src.File, src.Line)
	}
	w.buf.Write(out)
}

// Foreign SLO formats that ConvertSLOs reads.
const (
	// FormatOpenSLO is OpenSLO v1 (every kind) and v1alpha.
	FormatOpenSLO = "openslo"
	// FormatSloth is Sloth's specs: prometheus/v1 files,
	// PrometheusServiceLevel objects and OpenSLO v1alpha as Sloth reads
	// it.
	FormatSloth = "sloth"
)

// ConvertedSLOs is the result of reading foreign SLO specs: the
// equivalent kiban SLOs and journeys, and what could not be converted.
type ConvertedSLOs struct {
	SLOs     []*SLO     // sorted by ID
	Journeys []*Journey // sorted by name
	// Diagnostics holds syntax and conversion errors and warnings. The
	// SLOs are validated as kiban validates its own, except that their
	// services are not looked up (lint the tree for that).
	Diagnostics Diagnostics
}

// ConvertSLOs reads SLO specs of another tool (format is FormatOpenSLO
// or FormatSloth) and returns the equivalent kiban SLOs and journeys:
// what the tree would hold if the files were in it. Documents of other
// formats in the files are ignored.
func ConvertSLOs(ctx context.Context, files []File, format string) (*ConvertedSLOs, error) {
	if format != FormatOpenSLO && format != FormatSloth {
		return nil, fmt.Errorf("catalog: unknown SLO format %q; expected %s or %s", format, FormatOpenSLO, FormatSloth)
	}
	b := builder{importing: true}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		r := parseFile(f)
		b.diags = append(b.diags, r.diags...)
		for _, doc := range r.openslo {
			// Sloth reads OpenSLO v1alpha.
			if format == FormatOpenSLO || doc.apiVersion == OpenSLOV1AlphaAPIVersion {
				b.openslo = append(b.openslo, doc)
			}
		}
		if format != FormatSloth {
			continue
		}
		for _, s := range r.slos {
			if s.Source.Format == "sloth" {
				b.slos = append(b.slos, s)
			}
		}
		for _, w := range r.windows {
			b.report(SeverityWarning, w.Source, "kind", "kiban reads Sloth AlertWindows as they are and has no document of its own for them: keep this file in the tree")
		}
	}
	b.convertOpenSLO()
	// Validate the SLOs without a tree: their services are taken as
	// given.
	c := &Catalog{services: map[string]*Service{}}
	for _, s := range b.slos {
		c.services[s.Spec.Service] = &Service{}
	}
	for _, j := range b.journeys {
		c.services[j.Spec.Service] = &Service{}
	}
	b.checkSLOs(c)
	b.diags.Sort()
	return &ConvertedSLOs{SLOs: c.SLOs, Journeys: c.Journeys, Diagnostics: b.diags}, nil
}
