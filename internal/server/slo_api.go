package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"kiban.dev/kiban/internal/accesslog"
	"kiban.dev/kiban/internal/sli"
	"kiban.dev/kiban/internal/slostatus"
	"kiban.dev/kiban/internal/store"
)

// atParam reads ?at= (RFC 3339), now when absent.
func (s *Server) atParam(r *http.Request) (time.Time, error) {
	v := r.FormValue("at")
	if v == "" {
		return s.now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("at must be an RFC 3339 time such as 2026-11-20T14:00:00Z")
	}
	return t.UTC(), nil
}

func (s *Server) handleAPISLOs(w http.ResponseWriter, r *http.Request) {
	at, err := s.atParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	snap := s.current()
	service := r.FormValue("service")
	if service != "" {
		if _, ok := snap.cat.Service(service); !ok {
			writeError(w, http.StatusNotFound, "unknown service "+service)
			return
		}
	}
	all, err := slostatus.EvaluateAllWith(r.Context(), s.store, s.cfg.Prometheus, snap.cat, service, at)
	if err != nil {
		s.log.Error("slo status", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot evaluate the SLOs now")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"at": at, "slos": nonNil(all)})
}

func (s *Server) handleAPISLO(w http.ResponseWriter, r *http.Request) {
	at, err := s.atParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	snap := s.current()
	for _, x := range snap.cat.SLOs {
		if x.ID() == r.PathValue("id") {
			st, err := slostatus.EvaluateWith(r.Context(), s.store, s.cfg.Prometheus, snap.cat, x, at)
			if err != nil {
				s.log.Error("slo status", "err", err)
				writeError(w, http.StatusInternalServerError, "cannot evaluate the SLO now")
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"slo": x, "status": st})
			return
		}
	}
	writeError(w, http.StatusNotFound, "unknown SLO "+r.PathValue("id")+"; SLO ids are <service>-<name>, see GET /api/v1/slos")
}

// eventsRequest is the body of POST /api/v1/events.
type eventsRequest struct {
	// ID makes a delivery idempotent: the same id is counted once.
	ID     string  `json:"id,omitempty"`
	Events []event `json:"events"`
}

type event struct {
	SLI   string    `json:"sli"`
	Time  time.Time `json:"time"`
	Good  int64     `json:"good"`
	Total int64     `json:"total"`
}

// sliKeys lists the keys events may be sent for: every SLO's id and every
// journey step's journey/step.
func sliKeys(s *Server) map[string]bool {
	snap := s.current()
	keys := map[string]bool{}
	for _, x := range snap.cat.SLOs {
		if x.Spec.Journey == "" {
			keys[x.ID()] = true
		}
	}
	for _, j := range snap.cat.Journeys {
		for _, st := range j.Spec.Steps {
			keys[j.Name+"/"+st.Name] = true
		}
	}
	return keys
}

func (s *Server) handleAPIEvents(w http.ResponseWriter, r *http.Request) {
	var req eventsRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON {\"id\": …, \"events\": [{\"sli\", \"time\", \"good\", \"total\"}]}: "+err.Error())
		return
	}
	if len(req.Events) == 0 {
		writeError(w, http.StatusBadRequest, "no events")
		return
	}
	keys := sliKeys(s)
	now := s.now()
	counter := sli.NewCounter()
	for i, e := range req.Events {
		switch {
		case !keys[e.SLI]:
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("events[%d]: unknown SLI %q; expected an SLO id (<service>-<name>) or a journey step (<journey>/<step>)", i, e.SLI))
			return
		case e.Time.IsZero():
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("events[%d]: missing time", i))
			return
		case e.Time.After(now.Add(5 * time.Minute)):
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("events[%d]: time %s is in the future", i, e.Time.Format(time.RFC3339)))
			return
		case e.Good < 0 || e.Total <= 0 || e.Good > e.Total:
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("events[%d]: expected 0 <= good <= total and total > 0, found good %d and total %d", i, e.Good, e.Total))
			return
		}
		counter.AddCounts(e.SLI, e.Time, e.Good, e.Total)
	}
	in := store.Ingest{Source: "api", Kind: "events", Actor: actor(r.Context()), Records: int64(len(req.Events)), Matched: int64(len(req.Events))}
	if req.ID != "" {
		in.Digest = "events:" + req.ID
	}
	err := s.store.AddBuckets(r.Context(), in, counter.Buckets())
	switch {
	case errors.Is(err, store.ErrDuplicate):
		writeJSON(w, http.StatusOK, map[string]any{"accepted": 0, "duplicate": true})
		return
	case err != nil:
		s.log.Error("events", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot store the events")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"accepted": len(req.Events)})
}

// handleAPIIngestLogs takes an access log in the body (plain or gzip) for
// log shippers: POST /api/v1/ingest/logs?format=alb&source=NAME.
func (s *Server) handleAPIIngestLogs(w http.ResponseWriter, r *http.Request) {
	f, err := accesslog.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, err := sli.NewMatcher(s.current().cat)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	source := r.URL.Query().Get("source")
	if source == "" {
		source = "api"
	}
	body, err := accesslog.Open("-", http.MaxBytesReader(w, r.Body, 1<<30))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read the body: "+err.Error())
		return
	}
	defer body.Close()
	res, err := sli.IngestLogs(r.Context(), s.store, m, body, source, f, actor(r.Context()))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "the body is larger than 1 GiB; send smaller batches")
			return
		}
		s.log.Error("ingest logs", "source", source, "err", err)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	code := http.StatusAccepted
	if res.Duplicate {
		code = http.StatusOK
	}
	writeJSON(w, code, res)
}
