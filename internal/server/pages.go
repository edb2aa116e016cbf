package server

import (
	"bytes"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/server/web"
)

// pages holds one parsed template per page, each with the shared layout.
type pages struct {
	byName map[string]*template.Template
}

var pageNames = []string{"services", "service", "teams", "team", "who", "audit", "notfound", "slos", "slo", "login",
	"incidents", "incident", "postmortem", "postmortem_edit", "postmortems", "incident_metrics", "cost"}

func loadPages() (*pages, error) {
	funcs := template.FuncMap{
		"join":    strings.Join,
		"tierTag": tierTag,
		"ago":     ago,
		"utc":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"iso":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"inc":     func(i int) int { return i + 1 },
		// sameName reports whether a title only repeats the name.
		"sameName": func(title, name string) bool { return title == "" || strings.EqualFold(title, name) },
		"initial": func(s string) string {
			for _, r := range s {
				return strings.ToUpper(string(r))
			}
			return "?"
		},
	}
	maps.Copy(funcs, sloFuncs)
	maps.Copy(funcs, incidentFuncs)
	maps.Copy(funcs, costFuncs)
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(web.Templates, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("server: parse template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

func tierTag(tier int) string {
	if tier == 0 {
		return "—"
	}
	return fmt.Sprintf("T%d", tier)
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}

// pageData is what every page gets; Data is the page's own.
type pageData struct {
	Title   string
	Nav     string
	Status  catalogStatus
	Failing bool
	Errors  []catalog.Diagnostic
	Data    any
	// SignedIn names the token this browser is signed in with (see
	// session.go), empty when nobody is; Here is the page's path and
	// query, where signing in from the header returns to.
	SignedIn string
	Here     string
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, page, title string, data any) {
	st := s.status()
	pd := pageData{Title: title, Nav: page, Status: st, Failing: !st.LastLoadOK, Errors: st.LastErrors, Data: data,
		SignedIn: s.signedIn(r), Here: r.URL.RequestURI()}
	if len(pd.Errors) > 20 {
		pd.Errors = pd.Errors[:20]
	}
	var buf bytes.Buffer
	if err := s.pages.byName[page].Execute(&buf, pd); err != nil {
		s.log.Error("render page", "page", page, "err", err)
		http.Error(w, "cannot render this page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}
