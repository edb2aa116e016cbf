package server

import (
	"errors"
	"net/http"
	"strconv"

	"kiban.dev/kiban/internal/alertintake"
	"kiban.dev/kiban/internal/incident"
	"kiban.dev/kiban/internal/store"
)

// handleAPIAlertmanager takes Alertmanager's webhook (payload version 4):
// POST /api/v1/alertmanager. It stores the delivery and upserts its alerts
// by fingerprint, each resolved to its owner, in one transaction.
func (s *Server) handleAPIAlertmanager(w http.ResponseWriter, r *http.Request) {
	m, err := alertintake.Parse(http.MaxBytesReader(w, r.Body, alertintake.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, "the body is larger than 4 MiB; lower max_alerts of the webhook receiver")
		case errors.Is(err, alertintake.ErrInvalid):
			writeError(w, http.StatusBadRequest, err.Error())
		default:
			writeError(w, http.StatusBadRequest, "cannot read the body: "+err.Error())
		}
		return
	}
	d := alertintake.Delivery(m, s.current().res, actor(r.Context()))
	var res store.DeliveryResult
	var inc incident.AlertsResult
	err = s.store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if res, err = tx.RecordAlertDelivery(r.Context(), d); err != nil {
			return err
		}
		inc, err = s.incidents.HandleAlertsTx(r.Context(), tx, res.Moved)
		return err
	})
	if err != nil {
		s.log.Error("alertmanager webhook", "group", m.GroupKey, "err", err)
		writeError(w, http.StatusInternalServerError, "cannot store the alerts")
		return
	}
	if len(inc.Opened)+len(inc.Updated) > 0 {
		s.outbox.Kick()
	}
	writeJSON(w, http.StatusOK, struct {
		store.DeliveryResult
		Incidents incident.AlertsResult `json:"incidents"`
	}{res, inc})
}

// handleAPIAlerts lists the alerts received from Alertmanager, newest
// first: GET /api/v1/alerts?state=&team=&service=&unowned=true&limit=.
func (s *Server) handleAPIAlerts(w http.ResponseWriter, r *http.Request) {
	q := store.ReceivedAlertQuery{State: r.FormValue("state"), Team: r.FormValue("team"), Service: r.FormValue("service")}
	if q.State != "" && q.State != store.AlertFiring && q.State != store.AlertResolved {
		writeError(w, http.StatusBadRequest, "state must be firing or resolved")
		return
	}
	switch v := r.FormValue("unowned"); v {
	case "", "false":
	case "true":
		q.UnownedOnly = true
	default:
		writeError(w, http.StatusBadRequest, "unowned must be true or false")
		return
	}
	if v := r.FormValue("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit must be a positive number")
			return
		}
		q.Limit = n
	}
	alerts, err := s.store.ReceivedAlerts(r.Context(), q)
	if err != nil {
		s.log.Error("list alerts", "err", err)
		writeError(w, http.StatusInternalServerError, "cannot list the alerts")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": nonNil(alerts)})
}
