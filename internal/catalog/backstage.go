package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Backstage kinds kiban reads. Other Backstage kinds (API, Domain,
// Location, Template) are skipped without complaint: a Backstage tree
// holds them, and kiban has no use for them yet.
const (
	bsGroup     = "Group"
	bsUser      = "User"
	bsComponent = "Component"
	bsSystem    = "System"
	bsResource  = "Resource"
)

var bsSkipped = []string{"API", "Domain", "Location", "Template"}

// bsEntity is a Backstage entity, with the fields kiban uses. Backstage
// allows more fields than these; they are ignored.
type bsEntity struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   bsMetadata `yaml:"metadata"`
	Spec       bsSpec     `yaml:"spec"`
	Source     Source     `yaml:"-"`
}

type bsMetadata struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Title       string            `yaml:"title"`
	Description string            `yaml:"description"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	Tags        []string          `yaml:"tags"`
	Links       []bsLink          `yaml:"links"`
}

type bsLink struct {
	URL   string `yaml:"url"`
	Title string `yaml:"title"`
	Icon  string `yaml:"icon"`
	Type  string `yaml:"type"`
}

type bsSpec struct {
	Type      string    `yaml:"type"`
	Lifecycle string    `yaml:"lifecycle"`
	Owner     string    `yaml:"owner"`
	System    string    `yaml:"system"`
	Domain    string    `yaml:"domain"`
	DependsOn []string  `yaml:"dependsOn"`
	Parent    string    `yaml:"parent"`
	Children  []string  `yaml:"children"`
	Members   []string  `yaml:"members"`
	MemberOf  []string  `yaml:"memberOf"`
	Profile   bsProfile `yaml:"profile"`
}

type bsProfile struct {
	DisplayName string `yaml:"displayName"`
	Email       string `yaml:"email"`
	Picture     string `yaml:"picture"`
}

func (r *fileResult) parseBackstage(d *decoder, env envelope, src Source) {
	switch env.kind {
	case bsGroup, bsUser, bsComponent, bsSystem, bsResource:
	default:
		if slices.Contains(bsSkipped, env.kind) {
			r.skipped++
			return
		}
		d.errorf(env.fields["kind"].Value, "kind", "unknown Backstage kind %q%s", env.kind,
			expectedFields(env.kind, append([]string{bsComponent, bsGroup, bsResource, bsSystem, bsUser}, bsSkipped...)))
		return
	}
	e := &bsEntity{APIVersion: env.apiVersion, Kind: env.kind, Source: src}
	// Backstage entities carry many fields kiban does not use: decode
	// leniently.
	d.strict = false
	if mv, ok := env.fields["metadata"]; ok {
		d.decode(mv.Value, reflectValue(&e.Metadata), "metadata")
	}
	if mv, ok := env.fields["spec"]; ok {
		d.decode(mv.Value, reflectValue(&e.Spec), "spec")
	}
	r.backstage = append(r.backstage, e)
}

// EntityRef is a parsed Backstage entity reference such as
// "group:default/team-a". Kind and Namespace are lower case.
type EntityRef struct {
	Kind, Namespace, Name string
}

// ParseEntityRef parses "[kind:][namespace/]name", using defaultKind when
// the reference has no kind. Namespace defaults to "default".
func ParseEntityRef(ref, defaultKind string) (EntityRef, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return EntityRef{}, fmt.Errorf("empty entity reference")
	}
	r := EntityRef{Kind: strings.ToLower(defaultKind), Namespace: "default"}
	rest := ref
	if k, after, ok := strings.Cut(rest, ":"); ok {
		r.Kind, rest = strings.ToLower(k), after
	}
	if ns, name, ok := strings.Cut(rest, "/"); ok {
		r.Namespace, rest = strings.ToLower(ns), name
	}
	r.Name = rest
	if r.Name == "" || r.Namespace == "" || strings.ContainsAny(r.Name, ":/") {
		return EntityRef{}, fmt.Errorf("malformed entity reference %q; expected [kind:][namespace/]name", ref)
	}
	return r, nil
}

// CatalogName is the name the entity gets in kiban: its name in lower
// case, prefixed by its namespace and a dot outside the default namespace.
func (r EntityRef) CatalogName() string {
	name := strings.ToLower(r.Name)
	if r.Namespace != "default" {
		return r.Namespace + "." + name
	}
	return name
}

func (r EntityRef) String() string {
	return r.Kind + ":" + r.Namespace + "/" + r.Name
}

func (e *bsEntity) ref() EntityRef {
	ns := strings.ToLower(e.Metadata.Namespace)
	if ns == "" {
		ns = "default"
	}
	return EntityRef{Kind: strings.ToLower(e.Kind), Namespace: ns, Name: e.Metadata.Name}
}

// Annotations kiban reads on Backstage entities.
const (
	// AnnotationTier sets a Component's or Resource's tier (1–4).
	AnnotationTier = "kiban.dev/tier"
	// AnnotationRunbook sets the runbook link.
	AnnotationRunbook = "kiban.dev/runbook"
	// AnnotationResponsibilityPrefix followed by a concern sets who answers
	// for that concern, e.g. kiban.dev/responsibility.database-backup: sre.
	AnnotationResponsibilityPrefix = "kiban.dev/responsibility."
)

// convertBackstage turns Backstage entities into kiban teams and services.
// References are kept as written (resolved later, with the rest of the
// tree); what cannot be converted is reported.
func (b *builder) convertBackstage() {
	// A User may be a member of a Backstage Group or of a kiban Team.
	groups := map[string]*Team{}
	for _, t := range b.teams {
		groups[t.Name] = t
	}
	var users []*bsEntity
	for _, e := range b.backstage {
		d := &decoder{file: e.Source.File, diags: &b.diags, pos: e.Source.pos}
		name := e.ref().CatalogName()
		meta := Metadata{
			Name: name, Title: e.Metadata.Title, Description: e.Metadata.Description,
			Labels: e.Metadata.Labels, Annotations: e.Metadata.Annotations,
		}
		switch e.Kind {
		case bsGroup:
			t := &Team{Metadata: meta, Source: e.Source}
			if t.Title == "" {
				t.Title = e.Spec.Profile.DisplayName
			}
			t.Spec.Email = e.Spec.Profile.Email
			t.Spec.Parent = e.Spec.Parent
			for i, m := range e.Spec.Members {
				ref, err := ParseEntityRef(m, "user")
				if err != nil {
					d.errorAt(fmt.Sprintf("spec.members[%d]", i), "%v", err)
					continue
				}
				t.Spec.Members = append(t.Spec.Members, Member{User: ref.CatalogName()})
			}
			groups[e.ref().CatalogName()] = t
			b.teams = append(b.teams, t)
		case bsUser:
			users = append(users, e)
		case bsSystem:
			b.systems = append(b.systems, Product{Name: name, Title: e.Metadata.Title, Description: e.Metadata.Description, Owner: e.Spec.Owner, Source: e.Source})
		case bsComponent, bsResource:
			s := &Service{Metadata: meta, Source: e.Source}
			s.Spec.Owner = e.Spec.Owner
			s.Spec.Type = e.Spec.Type
			s.Spec.Lifecycle = e.Spec.Lifecycle
			if e.Spec.System != "" {
				if ref, err := ParseEntityRef(e.Spec.System, "system"); err != nil {
					d.errorAt("spec.system", "%v", err)
				} else {
					s.Spec.Product = ref.CatalogName()
				}
			}
			for i, dep := range e.Spec.DependsOn {
				ref, err := ParseEntityRef(dep, "component")
				if err != nil {
					d.errorAt(fmt.Sprintf("spec.dependsOn[%d]", i), "%v", err)
					continue
				}
				if ref.Kind != "component" && ref.Kind != "resource" {
					d.errorAt(fmt.Sprintf("spec.dependsOn[%d]", i), "dependency %q is a %s; expected a component or resource", dep, ref.Kind)
					continue
				}
				s.Spec.DependsOn = append(s.Spec.DependsOn, ref.CatalogName())
			}
			if tier, ok := e.Metadata.Annotations[AnnotationTier]; ok {
				n, err := strconv.Atoi(tier)
				if err != nil {
					d.errorAt("metadata.annotations["+strconv.Quote(AnnotationTier)+"]", "expected a tier from 1 to 4, found %q", tier)
				}
				s.Spec.Tier = n
			}
			s.Spec.Links = bsLinks(e)
			for k, v := range e.Metadata.Annotations {
				if concern, ok := strings.CutPrefix(k, AnnotationResponsibilityPrefix); ok {
					if s.Spec.Responsibilities == nil {
						s.Spec.Responsibilities = map[string]string{}
					}
					s.Spec.Responsibilities[concern] = v
				}
			}
			b.services = append(b.services, s)
		}
	}
	// Users become members of the groups they belong to.
	for _, u := range users {
		d := &decoder{file: u.Source.File, diags: &b.diags, pos: u.Source.pos}
		uname := u.ref().CatalogName()
		name := u.Spec.Profile.DisplayName
		if name == "" {
			name = u.Metadata.Title
		}
		for i, g := range u.Spec.MemberOf {
			ref, err := ParseEntityRef(g, "group")
			if err != nil {
				d.errorAt(fmt.Sprintf("spec.memberOf[%d]", i), "%v", err)
				continue
			}
			t, ok := groups[ref.CatalogName()]
			if !ok || ref.Kind != "group" {
				d.errorAt(fmt.Sprintf("spec.memberOf[%d]", i), "group %q is not defined in the tree", g)
				continue
			}
			m := Member{User: uname, Name: strings.TrimSpace(name), Email: u.Spec.Profile.Email}
			if b.importing && t.Source.Format != "backstage" {
				// kiban import prints only the Backstage side; say what
				// the kiban Team needs.
				b.report(SeverityWarning, u.Source, fmt.Sprintf("spec.memberOf[%d]", i),
					"%s is a member of team %q, which is a kiban document: add {user: %s} to its spec.members", uname, t.Name, uname)
			}
			if j := slices.IndexFunc(t.Spec.Members, func(x Member) bool { return x.User == uname }); j >= 0 {
				t.Spec.Members[j] = m // listed in the group's spec.members too
			} else {
				t.Spec.Members = append(t.Spec.Members, m)
			}
		}
	}
}

func bsLinks(e *bsEntity) Links {
	var l Links
	if slug := e.Metadata.Annotations["github.com/project-slug"]; slug != "" {
		l.Repo = "https://github.com/" + slug
	}
	if loc := e.Metadata.Annotations["backstage.io/source-location"]; l.Repo == "" && loc != "" {
		l.Repo = strings.TrimPrefix(loc, "url:")
	}
	l.Runbook = e.Metadata.Annotations[AnnotationRunbook]
	for _, x := range e.Metadata.Links {
		link := Link{Title: x.Title, URL: x.URL}
		lower := strings.ToLower(x.Title + " " + x.Type)
		switch {
		case x.Icon == "dashboard" || x.Type == "dashboard" || strings.Contains(lower, "dashboard"):
			l.Dashboards = append(l.Dashboards, link)
		case l.Runbook == "" && strings.Contains(lower, "runbook"):
			l.Runbook = x.URL
		default:
			l.Other = append(l.Other, link)
		}
	}
	return l
}

func (d *decoder) errorAt(path, format string, args ...any) {
	p := d.pos[path]
	*d.diags = append(*d.diags, Diagnostic{
		File: d.file, Line: p.Line, Col: p.Col, Path: path,
		Severity: SeverityError, Message: fmt.Sprintf(format, args...),
	})
}
