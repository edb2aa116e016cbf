package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"kiban.dev/kiban/internal/cost"
)

// maxCostImport bounds the body of POST /api/v1/cost/import.
const maxCostImport = 4 << 30

// handleAPICostImport imports one billing export, the request body (CSV,
// gzip or plain, or Parquet, which is spooled to a temporary file): POST /api/v1/cost/import?source=NAME&skip_bad_rows=true.
func (s *Server) handleAPICostImport(w http.ResponseWriter, r *http.Request) {
	source := r.FormValue("source")
	if source == "" {
		source = "upload"
	}
	skip := false
	switch v := r.FormValue("skip_bad_rows"); v {
	case "", "false":
	case "true":
		skip = true
	default:
		writeError(w, http.StatusBadRequest, "skip_bad_rows must be true or false")
		return
	}
	res, err := cost.Import(r.Context(), s.store, http.MaxBytesReader(w, r.Body, maxCostImport),
		cost.Options{Source: source, Actor: actor(r.Context()), SkipBadRows: skip, Resolver: s.current().res,
			KeepRawDays: s.cfg.KeepRawCostDays, Now: s.now()})
	var importErr *cost.ImportError
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, res)
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "the export is larger than 4 GiB; split it by billing period")
	case errors.As(err, &importErr), errors.Is(err, cost.ErrBadFile):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		s.log.Error("cost import", "source", source, "err", err)
		writeError(w, http.StatusInternalServerError, "cannot import the cost now")
	}
}

// handleAPICostReport reports cost: GET /api/v1/cost/report?team=&service=
// &month=YYYY-MM | from=YYYY-MM-DD&to=YYYY-MM-DD&top=N.
func (s *Server) handleAPICostReport(w http.ResponseWriter, r *http.Request) {
	c := s.current().cat
	q := cost.ReportQuery{Team: r.FormValue("team"), Service: r.FormValue("service"), Catalog: c}
	if _, ok := c.Team(q.Team); q.Team != "" && !ok {
		writeError(w, http.StatusNotFound, "team "+strconv.Quote(q.Team)+" is not in the catalog")
		return
	}
	if _, ok := c.Service(q.Service); q.Service != "" && !ok {
		writeError(w, http.StatusNotFound, "service "+strconv.Quote(q.Service)+" is not in the catalog")
		return
	}
	if v := r.FormValue("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "top must be a number from 1 to 1000")
			return
		}
		q.TopResources = n
	}
	var err error
	if q.From, q.To, err = cost.Range(r.FormValue("month"), r.FormValue("from"), r.FormValue("to"), s.now()); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rep, err := cost.Build(r.Context(), s.store, q)
	if err != nil {
		s.log.Error("cost report", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot build the report now")
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// handleAPICostBudgets evaluates the catalog's cost budgets for the
// current month (or ?month=YYYY-MM, as of its last day):
// GET /api/v1/cost/budgets.
func (s *Server) handleAPICostBudgets(w http.ResponseWriter, r *http.Request) {
	asOf, err := cost.BudgetDay(r.FormValue("month"), s.now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	statuses, err := cost.Budgets(r.Context(), s.store, s.current().cat, asOf)
	if err != nil {
		s.log.Error("cost budgets", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot evaluate the budgets now")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"budgets": statuses})
}

// handleAPICostAnomalies lists cost anomalies of a range of days (default
// the last 30): GET /api/v1/cost/anomalies?from=YYYY-MM-DD&to=YYYY-MM-DD.
func (s *Server) handleAPICostAnomalies(w http.ResponseWriter, r *http.Request) {
	to := s.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -30)
	if r.FormValue("from") != "" || r.FormValue("to") != "" {
		var err error
		if from, to, err = cost.Range("", r.FormValue("from"), r.FormValue("to"), s.now()); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	found, err := cost.DetectAnomalies(r.Context(), s.store, from, to, cost.AnomalyOptions{})
	if err != nil {
		s.log.Error("cost anomalies", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot look for anomalies now")
		return
	}
	if found == nil {
		found = []cost.Anomaly{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "anomalies": found})
}

// handleAPICostCommitments reports Savings Plans and reservations:
// utilisation per commitment and coverage per provider and month, for
// the months from (YYYY-MM, default six months ago) to (exclusive,
// default next month): GET /api/v1/cost/commitments.
func (s *Server) handleAPICostCommitments(w http.ResponseWriter, r *http.Request) {
	from, to, err := cost.MonthRange(r.FormValue("from"), r.FormValue("to"), s.now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rep, err := cost.Commitments(r.Context(), s.store, from, to)
	if err != nil {
		s.log.Error("cost commitments", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot report commitments now")
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// handleAPICostUnit reports the cost per good request of every service
// with an SLO measured from stored events: GET /api/v1/cost/unit?month=YYYY-MM
// (default the current month).
func (s *Server) handleAPICostUnit(w http.ResponseWriter, r *http.Request) {
	month := s.now()
	if v := r.FormValue("month"); v != "" {
		m, err := time.Parse("2006-01", v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "month must be YYYY-MM")
			return
		}
		month = m
	}
	costs, err := cost.UnitCosts(r.Context(), s.store, s.current().cat, month)
	if err != nil {
		s.log.Error("unit cost", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot compute unit costs now")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"month": month.Format("2006-01"), "services": costs})
}

// handleAPICostGuards evaluates the MonitoringGuards on the last day with
// data: GET /api/v1/cost/guards.
func (s *Server) handleAPICostGuards(w http.ResponseWriter, r *http.Request) {
	guards, err := cost.Guards(r.Context(), s.store, s.current().cat, s.now().UTC())
	if err != nil {
		s.log.Error("monitoring guards", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot evaluate the guards now")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"guards": guards})
}
