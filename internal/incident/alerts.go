package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/store"
)

// AlertsResult says what alerts did to incidents.
type AlertsResult struct {
	Opened  []int64 `json:"opened"`  // incidents opened by a rule
	Updated []int64 `json:"updated"` // incidents whose timeline got an alert
}

// HandleAlerts applies alerts that were first seen or changed state (the
// fingerprints of [store.DeliveryResult.Moved]) to incidents:
//   - a firing alert already linked to an open incident is written on its
//     timeline again only if it had resolved in between;
//   - a firing alert of a service with an open incident joins it;
//   - else, a firing alert that matches an IncidentRule opens an incident
//     for its service and team, with the alert's start as the start of
//     impact;
//   - a resolved alert is written on the timelines of the open incidents
//     it is linked to.
//
// Incidents are never resolved by alerts: people decide that.
func (m *Manager) HandleAlerts(ctx context.Context, fingerprints []string) (AlertsResult, error) {
	var res AlertsResult
	err := m.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = m.HandleAlertsTx(ctx, tx, fingerprints)
		return err
	})
	return res, err
}

// HandleAlertsTx is [Manager.HandleAlerts] in the transaction that
// recorded the alerts, so that a delivery and the incidents it opens
// commit together or not at all.
func (m *Manager) HandleAlertsTx(ctx context.Context, tx *store.Tx, fingerprints []string) (AlertsResult, error) {
	res := AlertsResult{Opened: []int64{}, Updated: []int64{}}
	if len(fingerprints) == 0 {
		return res, nil
	}
	c := m.catalog()
	err := func() error {
		alerts, err := tx.AlertsByFingerprint(ctx, fingerprints)
		if err != nil {
			return err
		}
		for _, a := range alerts {
			linked, err := tx.IncidentsOfAlert(ctx, a.ID)
			if err != nil {
				return err
			}
			var open []store.Incident
			for _, id := range linked {
				in, err := tx.Incident(ctx, id)
				if err != nil {
					return err
				}
				if in.Open() {
					open = append(open, in)
				}
			}
			if a.State == store.AlertResolved {
				for _, in := range open {
					if err := alertEvent(ctx, tx, in.ID, a); err != nil {
						return err
					}
					res.Updated = appendOnce(res.Updated, in.ID)
				}
				continue
			}
			if len(open) > 0 {
				for _, in := range open {
					if err := alertEvent(ctx, tx, in.ID, a); err != nil {
						return err
					}
					res.Updated = appendOnce(res.Updated, in.ID)
				}
				continue
			}
			if a.Service != "" {
				in, err := tx.OpenIncidentForService(ctx, a.Service)
				switch {
				case err == nil:
					if err := linkAlert(ctx, tx, in.ID, a); err != nil {
						return err
					}
					res.Updated = appendOnce(res.Updated, in.ID)
					continue
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
			svc, _ := c.Service(a.Service)
			rule := c.IncidentRuleFor(a.Labels, svc)
			if rule == nil {
				continue
			}
			id, err := m.openFromAlert(ctx, tx, rule, a)
			if err != nil {
				return err
			}
			res.Opened = append(res.Opened, id)
		}
		return nil
	}()
	if err != nil {
		return AlertsResult{}, fmt.Errorf("incidents from alerts: %w", err)
	}
	return res, nil
}

func appendOnce(ids []int64, id int64) []int64 {
	if slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}

// openFromAlert opens an incident for alert a under rule, in tx.
func (m *Manager) openFromAlert(ctx context.Context, tx *store.Tx, rule *catalog.IncidentRule, a store.ReceivedAlert) (int64, error) {
	now := m.now().UTC()
	title := a.Annotations["summary"]
	if title == "" {
		title = a.AlertName
		if a.Service != "" {
			title += " on " + a.Service
		}
	}
	in := store.Incident{Title: title, Severity: rule.SeverityLevel(), Status: store.IncidentInvestigating,
		Team: a.Team, Summary: a.Annotations["description"], Rule: rule.Name, OpenedBy: "rule:" + rule.Name,
		StartedAt: a.StartsAt.UTC(), OpenedAt: now}
	if in.StartedAt.After(now) {
		in.StartedAt = now
	}
	if a.Service != "" {
		in.Services = []string{a.Service}
	}
	if slo := a.Labels["sloth_id"]; slo != "" {
		if _, ok := m.catalog().SLO(slo); ok {
			in.SLOs = []string{slo}
		}
	}
	actor := "rule:" + rule.Name
	id, err := tx.InsertIncident(ctx, in)
	if err != nil {
		return 0, err
	}
	in.ID = id
	if err := addEvent(ctx, tx, id, now, store.EventOpened, actor, "Incident opened by rule "+rule.Name+" from alert "+a.AlertName,
		map[string]any{"severity": Severity(in.Severity), "rule": rule.Name, "alert_id": a.ID}); err != nil {
		return 0, err
	}
	if err := linkAlert(ctx, tx, id, a); err != nil {
		return 0, err
	}
	if err := audit(ctx, tx, actor, "incident.open", id, nil, in); err != nil {
		return 0, err
	}
	return id, m.enqueue(ctx, tx, in, "incident.opened", m.openedMessage(in, []store.ReceivedAlert{a}))
}

// linkAlert ties an alert to an incident and writes it on the timeline.
func linkAlert(ctx context.Context, tx *store.Tx, id int64, a store.ReceivedAlert) error {
	if _, err := tx.LinkIncidentAlert(ctx, id, a.ID); err != nil {
		return err
	}
	return alertEvent(ctx, tx, id, a)
}

// alertEvent writes an alert's current state on a timeline: firing at its
// start, resolved at its end.
func alertEvent(ctx context.Context, tx *store.Tx, id int64, a store.ReceivedAlert) error {
	kind, at, verb := store.EventAlertFiring, a.StartsAt, "firing"
	if a.State == store.AlertResolved {
		kind, verb = store.EventAlertResolved, "resolved"
		if a.EndsAt != nil {
			at = *a.EndsAt
		} else {
			at = a.LastReceived
		}
	}
	text := "Alert " + a.AlertName + " " + verb
	if a.Service != "" {
		text += " on " + a.Service
	}
	if s := a.Annotations["summary"]; s != "" {
		text += ": " + strings.TrimSpace(s)
	}
	return addEvent(ctx, tx, id, at, kind, "alertmanager", text,
		map[string]any{"alert_id": a.ID, "fingerprint": a.Fingerprint, "alertname": a.AlertName})
}
