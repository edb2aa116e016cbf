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
	var buf bytes.Buffer
	write := func(kind string, meta, spec any, src Source) error {
		out, err := yaml.MarshalWithOptions(Document{APIVersion: APIVersion, Kind: kind, Metadata: meta, Spec: spec}, yaml.Indent(2), yaml.IndentSequence(true))
		if err != nil {
			return fmt.Errorf("catalog: marshal %s: %w", kind, err)
		}
		if buf.Len() > 0 {
			buf.WriteString("---\n")
		}
		if src.File != "" {
			fmt.Fprintf(&buf, "# from %s:%d\n", src.File, src.Line)
		}
		buf.Write(out)
		return nil
	}
	for _, t := range teams {
		if err := write(KindTeam, t.Metadata, t.Spec, t.Source); err != nil {
			return nil, err
		}
	}
	for _, s := range services {
		if err := write(KindService, s.Metadata, s.Spec, s.Source); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
