package server

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"kiban.dev/kiban/internal/server/web"
	"kiban.dev/kiban/internal/store"
)

func (s *Server) routes(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()

	// Operations.
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("POST /-/reload", s.require(store.RoleEditor, s.handleReload))

	// JSON API.
	mux.HandleFunc("GET /api/v1/catalog", s.open(s.handleAPICatalog))
	mux.HandleFunc("GET /api/v1/teams", s.open(s.handleAPITeams))
	mux.HandleFunc("GET /api/v1/teams/{name}", s.open(s.handleAPITeam))
	mux.HandleFunc("GET /api/v1/services", s.open(s.handleAPIServices))
	mux.HandleFunc("GET /api/v1/services/{name}", s.open(s.handleAPIService))
	mux.HandleFunc("GET /api/v1/concerns", s.open(s.handleAPIConcerns))
	mux.HandleFunc("GET /api/v1/products", s.open(s.handleAPIProducts))
	mux.HandleFunc("GET /api/v1/who", s.open(s.handleAPIWho))
	mux.HandleFunc("GET /api/v1/audit", s.open(s.handleAPIAudit))
	mux.HandleFunc("GET /api/v1/slos", s.open(s.handleAPISLOs))
	mux.HandleFunc("GET /api/v1/slos/{id}", s.open(s.handleAPISLO))
	mux.HandleFunc("POST /api/v1/events", s.require(store.RoleEditor, s.handleAPIEvents))
	mux.HandleFunc("POST /api/v1/ingest/logs", s.require(store.RoleEditor, s.handleAPIIngestLogs))
	mux.HandleFunc("POST /api/v1/alertmanager", s.requireBasic(store.RoleEditor, s.handleAPIAlertmanager))
	mux.HandleFunc("GET /api/v1/alerts", s.open(s.handleAPIAlerts))
	mux.HandleFunc("GET /api/v1/incidents", s.open(s.handleAPIIncidents))
	mux.HandleFunc("POST /api/v1/incidents", s.require(store.RoleEditor, s.handleAPIOpenIncident))
	mux.HandleFunc("GET /api/v1/incidents/metrics", s.open(s.handleAPIIncidentMetrics))
	mux.HandleFunc("GET /api/v1/incidents/{id}", s.open(s.handleAPIIncident))
	mux.HandleFunc("PATCH /api/v1/incidents/{id}", s.require(store.RoleEditor, s.handleAPIUpdateIncident))
	mux.HandleFunc("POST /api/v1/incidents/{id}/notes", s.require(store.RoleEditor, s.handleAPIIncidentNote))
	mux.HandleFunc("GET /api/v1/incidents/{id}/postmortem", s.open(s.handleAPIPostmortem))
	mux.HandleFunc("POST /api/v1/incidents/{id}/postmortem", s.require(store.RoleEditor, s.handleAPIStartPostmortem))
	mux.HandleFunc("PUT /api/v1/incidents/{id}/postmortem", s.require(store.RoleEditor, s.handleAPISavePostmortem))
	mux.HandleFunc("POST /api/v1/incidents/{id}/postmortem/status", s.require(store.RoleEditor, s.handleAPIPostmortemStatus))
	mux.HandleFunc("POST /api/v1/incidents/{id}/action-items", s.require(store.RoleEditor, s.handleAPIAddActionItem))
	mux.HandleFunc("GET /api/v1/action-items", s.open(s.handleAPIActionItems))
	mux.HandleFunc("PATCH /api/v1/action-items/{id}", s.require(store.RoleEditor, s.handleAPIUpdateActionItem))
	mux.HandleFunc("GET /api/v1/postmortems", s.open(s.handleAPIPostmortems))
	mux.HandleFunc("POST /api/v1/cost/import", s.require(store.RoleEditor, s.handleAPICostImport))
	mux.HandleFunc("GET /api/v1/cost/report", s.open(s.handleAPICostReport))
	mux.HandleFunc("GET /api/v1/cost/budgets", s.open(s.handleAPICostBudgets))
	mux.HandleFunc("GET /api/v1/cost/anomalies", s.open(s.handleAPICostAnomalies))
	mux.HandleFunc("GET /api/v1/cost/commitments", s.open(s.handleAPICostCommitments))
	mux.HandleFunc("GET /api/v1/cost/unit", s.open(s.handleAPICostUnit))
	mux.HandleFunc("GET /api/v1/cost/guards", s.open(s.handleAPICostGuards))
	mux.HandleFunc("GET /api/v1/tokens", s.require(store.RoleAdmin, s.handleAPITokens))
	mux.HandleFunc("POST /api/v1/tokens", s.require(store.RoleAdmin, s.handleAPICreateToken))
	mux.HandleFunc("DELETE /api/v1/tokens/{id}", s.require(store.RoleAdmin, s.handleAPIRevokeToken))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; use "+allow)
			return
		}
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path+" (see docs/api.md)")
	})

	// Web UI.
	static, _ := fs.Sub(web.Static, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /{$}", s.handleServicesPage)
	mux.HandleFunc("GET /services", s.handleServicesPage)
	mux.HandleFunc("GET /services/{name}", s.handleServicePage)
	mux.HandleFunc("GET /teams", s.handleTeamsPage)
	mux.HandleFunc("GET /teams/{name}", s.handleTeamPage)
	mux.HandleFunc("GET /slos", s.handleSLOsPage)
	mux.HandleFunc("GET /slos/{id}", s.handleSLOPage)
	mux.HandleFunc("GET /who", s.handleWhoPage)
	mux.HandleFunc("GET /audit", s.handleAuditPage)
	// Incidents and postmortems (incidents_ui.go).
	mux.HandleFunc("GET /incidents", s.handleIncidentsPage)
	mux.HandleFunc("POST /incidents", s.requireUI(store.RoleEditor, s.handleDeclareIncident))
	mux.HandleFunc("GET /incidents/metrics", s.handleIncidentMetricsPage)
	mux.HandleFunc("GET /incidents/{id}", s.handleIncidentPage)
	mux.HandleFunc("POST /incidents/{id}/status", s.requireUI(store.RoleEditor, s.handleIncidentStatusForm))
	mux.HandleFunc("POST /incidents/{id}/roles", s.requireUI(store.RoleEditor, s.handleIncidentRolesForm))
	mux.HandleFunc("POST /incidents/{id}/details", s.requireUI(store.RoleEditor, s.handleIncidentDetailsForm))
	mux.HandleFunc("POST /incidents/{id}/notes", s.requireUI(store.RoleEditor, s.handleIncidentNoteForm))
	mux.HandleFunc("POST /incidents/{id}/action-items", s.requireUI(store.RoleEditor, s.handleAddActionItemForm))
	mux.HandleFunc("POST /action-items/{id}", s.requireUI(store.RoleEditor, s.handleActionItemForm))
	mux.HandleFunc("POST /incidents/{id}/postmortem", s.requireUI(store.RoleEditor, s.handleStartPostmortemForm))
	mux.HandleFunc("GET /incidents/{id}/postmortem", s.handlePostmortemPage)
	mux.HandleFunc("POST /incidents/{id}/postmortem/status", s.requireUI(store.RoleEditor, s.handlePostmortemStatusForm))
	mux.HandleFunc("GET /incidents/{id}/postmortem/edit", s.requireUI(store.RoleEditor, s.handlePostmortemEditPage))
	mux.HandleFunc("POST /incidents/{id}/postmortem/edit", s.requireUI(store.RoleEditor, s.handlePostmortemEditForm))
	mux.HandleFunc("POST /incidents/{id}/postmortem/preview", s.requireUI(store.RoleEditor, s.handlePostmortemPreview))
	mux.HandleFunc("GET /postmortems", s.handlePostmortemsPage)
	// Cost (cost_ui.go).
	mux.HandleFunc("GET /cost", s.handleCostPage)
	// Browser sign-in with API tokens (session.go).
	mux.HandleFunc("GET /login", s.handleLoginPage)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /logout", s.handleLogout)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(mux, r); allow != "" {
			w.Header().Set("Allow", allow)
			http.Error(w, r.Method+" is not allowed on "+r.URL.Path+"; use "+allow, http.StatusMethodNotAllowed)
			return
		}
		s.handleNotFoundPage(w, r)
	})

	// Cross-origin browser requests that change state are refused (CSRF);
	// see protectCrossOrigin in session.go.
	return s.metrics.instrument(securityHeaders(protectCrossOrigin(mux)))
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.Error("health: store", "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// allowed lists the methods that another route serves at the request's
// path, so that a wrong method answers 405 rather than falling through to
// the catch-all 404.
func allowed(mux *http.ServeMux, r *http.Request) string {
	var methods []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" && pattern != "/api/" {
			methods = append(methods, m)
		}
	}
	return strings.Join(methods, ", ")
}
