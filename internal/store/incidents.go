package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Incident statuses, in lifecycle order.
const (
	IncidentInvestigating = "investigating"
	IncidentIdentified    = "identified"
	IncidentMonitoring    = "monitoring"
	IncidentResolved      = "resolved"
	IncidentClosed        = "closed"
)

// IncidentStatuses lists the statuses in lifecycle order.
var IncidentStatuses = []string{IncidentInvestigating, IncidentIdentified, IncidentMonitoring, IncidentResolved, IncidentClosed}

// Incident is an incident as stored.
type Incident struct {
	ID             int64      `json:"id"`
	Title          string     `json:"title"`
	Severity       int        `json:"severity"` // 1 (SEV1, worst) to 4
	Status         string     `json:"status"`
	Team           string     `json:"team"` // the owning team
	Services       []string   `json:"services"`
	SLOs           []string   `json:"slos"`
	Summary        string     `json:"summary"`
	CustomerImpact string     `json:"customer_impact"`
	Commander      string     `json:"commander"`
	Scribe         string     `json:"scribe"`
	Communications string     `json:"communications"`
	Rule           string     `json:"rule,omitempty"` // the rule that opened it; empty when opened by hand
	OpenedBy       string     `json:"opened_by"`
	StartedAt      time.Time  `json:"started_at"` // when impact began
	OpenedAt       time.Time  `json:"opened_at"`  // when the incident was declared
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	IdentifiedAt   *time.Time `json:"identified_at"`
	MonitoringAt   *time.Time `json:"monitoring_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	ClosedAt       *time.Time `json:"closed_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Open reports whether the incident is not yet resolved or closed.
func (i Incident) Open() bool {
	return i.Status != IncidentResolved && i.Status != IncidentClosed
}

// IncidentEvent is one entry of an incident's timeline.
type IncidentEvent struct {
	ID         int64           `json:"id"`
	IncidentID int64           `json:"incident_id"`
	At         time.Time       `json:"at"`
	Kind       string          `json:"kind"`
	Actor      string          `json:"actor"`
	Text       string          `json:"text"`
	Data       json.RawMessage `json:"data,omitempty"`
}

// Timeline event kinds.
const (
	EventOpened        = "opened"
	EventStatus        = "status"
	EventSeverity      = "severity"
	EventRole          = "role"
	EventNote          = "note"
	EventAlertFiring   = "alert_firing"
	EventAlertResolved = "alert_resolved"
	EventUpdate        = "update"
	EventSLO           = "slo"
	EventPostmortem    = "postmortem"
	EventActionItem    = "action_item"
)

// IncidentQuery filters [Store.Incidents]; zero fields match all.
type IncidentQuery struct {
	Team     string
	Service  string
	Status   string // a status, or "open" for any not resolved or closed
	Severity int
	// From and To bound StartedAt: From <= started < To.
	From, To time.Time
	Limit    int // DefaultIncidentLimit when 0, at most MaxIncidentLimit
}

// Limits of [Store.Incidents].
const (
	DefaultIncidentLimit = 100
	MaxIncidentLimit     = 10000
)

const incidentColumns = `id, title, severity, status, team, summary, customer_impact, commander, scribe, communications,
	rule, opened_by, started_at, opened_at, acknowledged_at, identified_at, monitoring_at, resolved_at, closed_at, updated_at`

type rowScanner interface {
	Scan(dest ...any) error
}

func scanIncident(r rowScanner) (Incident, error) {
	var i Incident
	var started, opened, ack, ident, mon, res, closed, updated nullTime
	err := r.Scan(&i.ID, &i.Title, &i.Severity, &i.Status, &i.Team, &i.Summary, &i.CustomerImpact,
		&i.Commander, &i.Scribe, &i.Communications, &i.Rule, &i.OpenedBy,
		&started, &opened, &ack, &ident, &mon, &res, &closed, &updated)
	if err != nil {
		return Incident{}, err
	}
	i.StartedAt, i.OpenedAt, i.UpdatedAt = started.Time, opened.Time, updated.Time
	i.AcknowledgedAt, i.IdentifiedAt, i.MonitoringAt = ack.ptr(), ident.ptr(), mon.ptr()
	i.ResolvedAt, i.ClosedAt = res.ptr(), closed.ptr()
	return i, nil
}

// querier is satisfied by *sql.DB and *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func validIncident(i Incident) error {
	var problems []string
	if strings.TrimSpace(i.Title) == "" {
		problems = append(problems, "title is empty")
	}
	if i.Severity < 1 || i.Severity > 4 {
		problems = append(problems, fmt.Sprintf("severity %d is not 1 to 4 (SEV1–SEV4)", i.Severity))
	}
	if !validStatus(i.Status) {
		problems = append(problems, fmt.Sprintf("status %q is not one of %s", i.Status, strings.Join(IncidentStatuses, ", ")))
	}
	if i.StartedAt.IsZero() || i.OpenedAt.IsZero() {
		problems = append(problems, "start and open times are required")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

func validStatus(s string) bool {
	for _, v := range IncidentStatuses {
		if s == v {
			return true
		}
	}
	return false
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}

// InsertIncident stores a new incident with its services and SLOs and
// returns its ID.
func (tx *Tx) InsertIncident(ctx context.Context, i Incident) (int64, error) {
	if err := validIncident(i); err != nil {
		return 0, fmt.Errorf("store: insert incident: %w", err)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO incidents (title, severity, status, team, summary, customer_impact,
		  commander, scribe, communications, rule, opened_by, started_at, opened_at, acknowledged_at, identified_at,
		  monitoring_at, resolved_at, closed_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
		i.Title, i.Severity, i.Status, i.Team, i.Summary, i.CustomerImpact, i.Commander, i.Scribe, i.Communications,
		i.Rule, i.OpenedBy, dbTime(i.StartedAt), dbTime(i.OpenedAt), timeArg(i.AcknowledgedAt), timeArg(i.IdentifiedAt),
		timeArg(i.MonitoringAt), timeArg(i.ResolvedAt), timeArg(i.ClosedAt), tx.Now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert incident: %w", err)
	}
	if err := tx.setIncidentSets(ctx, id, i.Services, i.SLOs); err != nil {
		return 0, fmt.Errorf("store: insert incident: %w", err)
	}
	return id, nil
}

func (tx *Tx) setIncidentSets(ctx context.Context, id int64, services, slos []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM incident_services WHERE incident_id = $1`, id); err != nil {
		return err
	}
	for _, svc := range dedupe(services) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_services (incident_id, service) VALUES ($1, $2)`, id, svc); err != nil {
			return fmt.Errorf("service %s: %w", svc, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM incident_slos WHERE incident_id = $1`, id); err != nil {
		return err
	}
	for _, slo := range dedupe(slos) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_slos (incident_id, slo_id) VALUES ($1, $2)`, id, slo); err != nil {
			return fmt.Errorf("SLO %s: %w", slo, err)
		}
	}
	return nil
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	var out []string
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// UpdateIncident writes every field of i over the stored incident i.ID,
// services and SLOs included.
func (tx *Tx) UpdateIncident(ctx context.Context, i Incident) error {
	if err := validIncident(i); err != nil {
		return fmt.Errorf("store: update incident %d: %w", i.ID, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE incidents SET title = $1, severity = $2, status = $3, team = $4, summary = $5,
		  customer_impact = $6, commander = $7, scribe = $8, communications = $9, started_at = $10,
		  acknowledged_at = $11, identified_at = $12, monitoring_at = $13, resolved_at = $14, closed_at = $15, updated_at = $16
		WHERE id = $17`,
		i.Title, i.Severity, i.Status, i.Team, i.Summary, i.CustomerImpact, i.Commander, i.Scribe, i.Communications,
		dbTime(i.StartedAt), timeArg(i.AcknowledgedAt), timeArg(i.IdentifiedAt), timeArg(i.MonitoringAt),
		timeArg(i.ResolvedAt), timeArg(i.ClosedAt), tx.Now(), i.ID)
	if err != nil {
		return fmt.Errorf("store: update incident %d: %w", i.ID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: update incident %d: %w", i.ID, ErrNotFound)
	}
	if err := tx.setIncidentSets(ctx, i.ID, i.Services, i.SLOs); err != nil {
		return fmt.Errorf("store: update incident %d: %w", i.ID, err)
	}
	return nil
}

// Incident reads incident id inside the transaction; on PostgreSQL the row
// stays locked until the transaction ends.
func (tx *Tx) Incident(ctx context.Context, id int64) (Incident, error) {
	lock := ""
	if tx.Dialect() == DialectPostgres {
		lock = " FOR UPDATE"
	}
	return incidentByID(ctx, tx.tx, id, lock)
}

// Incident returns incident id with its services and SLOs.
func (s *Store) Incident(ctx context.Context, id int64) (Incident, error) {
	return incidentByID(ctx, s.db, id, "")
}

func incidentByID(ctx context.Context, q querier, id int64, lock string) (Incident, error) {
	i, err := scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, fmt.Errorf("store: incident %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Incident{}, fmt.Errorf("store: incident %d: %w", id, err)
	}
	if err := loadIncidentSets(ctx, q, []*Incident{&i}); err != nil {
		return Incident{}, fmt.Errorf("store: incident %d: %w", id, err)
	}
	return i, nil
}

// loadIncidentSets fills the services and SLOs of incidents.
func loadIncidentSets(ctx context.Context, q querier, incidents []*Incident) error {
	if len(incidents) == 0 {
		return nil
	}
	byID := make(map[int64]*Incident, len(incidents))
	ids := make([]string, 0, len(incidents))
	for _, i := range incidents {
		byID[i.ID] = i
		i.Services, i.SLOs = []string{}, []string{}
		ids = append(ids, fmt.Sprint(i.ID))
	}
	// IDs are integers from the database, so inlining them is safe and
	// keeps one query per set for any number of incidents.
	in := "(" + strings.Join(ids, ",") + ")"
	for _, set := range []struct {
		query string
		add   func(i *Incident, v string)
	}{
		{`SELECT incident_id, service FROM incident_services WHERE incident_id IN ` + in + ` ORDER BY service`,
			func(i *Incident, v string) { i.Services = append(i.Services, v) }},
		{`SELECT incident_id, slo_id FROM incident_slos WHERE incident_id IN ` + in + ` ORDER BY slo_id`,
			func(i *Incident, v string) { i.SLOs = append(i.SLOs, v) }},
	} {
		rows, err := q.QueryContext(ctx, set.query)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			set.add(byID[id], v)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Incidents returns the incidents matching q, latest start first.
func (s *Store) Incidents(ctx context.Context, q IncidentQuery) ([]Incident, error) {
	if q.Limit < 0 {
		return nil, errors.New("store: incidents: limit must not be negative")
	}
	var c conditions
	if q.Team != "" {
		c.add("team = $%d", q.Team)
	}
	if q.Service != "" {
		c.add("id IN (SELECT incident_id FROM incident_services WHERE service = $%d)", q.Service)
	}
	switch q.Status {
	case "":
	case "open":
		c.add("status NOT IN ($%d, 'closed')", IncidentResolved)
	default:
		c.add("status = $%d", q.Status)
	}
	if q.Severity != 0 {
		c.add("severity = $%d", q.Severity)
	}
	if !q.From.IsZero() {
		c.add("started_at >= $%d", dbTime(q.From))
	}
	if !q.To.IsZero() {
		c.add("started_at < $%d", dbTime(q.To))
	}
	limit := pageLimit(q.Limit, DefaultIncidentLimit, MaxIncidentLimit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents`+c.where()+
		fmt.Sprintf(` ORDER BY started_at DESC, id DESC LIMIT %d`, limit), c.args...)
	if err != nil {
		return nil, fmt.Errorf("store: incidents: %w", err)
	}
	defer rows.Close()
	out := []Incident{}
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("store: incidents: %w", err)
		}
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: incidents: %w", err)
	}
	ptrs := make([]*Incident, len(out))
	for k := range out {
		ptrs[k] = &out[k]
	}
	if err := loadIncidentSets(ctx, s.db, ptrs); err != nil {
		return nil, fmt.Errorf("store: incidents: %w", err)
	}
	return out, nil
}

// OpenIncidentForService returns the latest incident still open (not
// resolved or closed) that affects service, or ErrNotFound.
func (tx *Tx) OpenIncidentForService(ctx context.Context, service string) (Incident, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT i.id FROM incidents i JOIN incident_services s ON s.incident_id = i.id
		WHERE s.service = $1 AND i.status NOT IN ('resolved', 'closed') ORDER BY i.opened_at DESC, i.id DESC LIMIT 1`,
		service).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, fmt.Errorf("store: open incident of %s: %w", service, ErrNotFound)
	}
	if err != nil {
		return Incident{}, fmt.Errorf("store: open incident of %s: %w", service, err)
	}
	return tx.Incident(ctx, id)
}

// AddIncidentEvent appends e to its incident's timeline; a zero At is
// now.
func (tx *Tx) AddIncidentEvent(ctx context.Context, e IncidentEvent) (int64, error) {
	if e.At.IsZero() {
		e.At = tx.Now()
	}
	data := string(e.Data)
	if data == "" || data == "null" {
		data = "{}"
	}
	if !json.Valid([]byte(data)) {
		return 0, fmt.Errorf("store: incident event: %w: data is not JSON", ErrInvalid)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO incident_events (incident_id, at, kind, actor, text, data)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		e.IncidentID, dbTime(e.At), e.Kind, e.Actor, e.Text, data).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: incident %d event: %w", e.IncidentID, err)
	}
	return id, nil
}

// IncidentEvents returns an incident's timeline, oldest first.
func (s *Store) IncidentEvents(ctx context.Context, incidentID int64) ([]IncidentEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, incident_id, at, kind, actor, text, data FROM incident_events
		WHERE incident_id = $1 ORDER BY at, id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("store: incident %d timeline: %w", incidentID, err)
	}
	defer rows.Close()
	out := []IncidentEvent{}
	for rows.Next() {
		var e IncidentEvent
		var at nullTime
		var data string
		if err := rows.Scan(&e.ID, &e.IncidentID, &at, &e.Kind, &e.Actor, &e.Text, &data); err != nil {
			return nil, fmt.Errorf("store: incident %d timeline: %w", incidentID, err)
		}
		e.At = at.Time
		if data != "{}" {
			e.Data = json.RawMessage(data)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: incident %d timeline: %w", incidentID, err)
	}
	return out, nil
}

// LinkIncidentAlert ties alert alertID to an incident. It reports false
// when they were already linked.
func (tx *Tx) LinkIncidentAlert(ctx context.Context, incidentID, alertID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO incident_alerts (incident_id, alert_id, linked_at) VALUES ($1, $2, $3)
		ON CONFLICT (incident_id, alert_id) DO NOTHING`, incidentID, alertID, tx.Now())
	if err != nil {
		return false, fmt.Errorf("store: link alert %d to incident %d: %w", alertID, incidentID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// IncidentsOfAlert returns the IDs of the incidents alert alertID is
// linked to.
func (tx *Tx) IncidentsOfAlert(ctx context.Context, alertID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT incident_id FROM incident_alerts WHERE alert_id = $1 ORDER BY incident_id`, alertID)
	if err != nil {
		return nil, fmt.Errorf("store: incidents of alert %d: %w", alertID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// IncidentAlerts returns the alerts linked to an incident, oldest start
// first.
func (s *Store) IncidentAlerts(ctx context.Context, incidentID int64) ([]ReceivedAlert, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+receivedAlertColumns+` FROM alerts
		WHERE id IN (SELECT alert_id FROM incident_alerts WHERE incident_id = $1) ORDER BY starts_at, id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("store: alerts of incident %d: %w", incidentID, err)
	}
	defer rows.Close()
	out := []ReceivedAlert{}
	for rows.Next() {
		a, err := scanReceivedAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("store: alerts of incident %d: %w", incidentID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AlertsByFingerprint returns the stored alerts with these fingerprints.
func (tx *Tx) AlertsByFingerprint(ctx context.Context, fingerprints []string) ([]ReceivedAlert, error) {
	out := []ReceivedAlert{}
	for _, fp := range fingerprints {
		a, err := scanReceivedAlert(tx.QueryRowContext(ctx, `SELECT `+receivedAlertColumns+` FROM alerts WHERE fingerprint = $1`, fp))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: alert %s: %w", fp, err)
		}
		out = append(out, a)
	}
	return out, nil
}
