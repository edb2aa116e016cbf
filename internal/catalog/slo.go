package catalog

import "time"

// Kinds of kiban documents about reliability.
const (
	KindSLO     = "SLO"
	KindJourney = "Journey"
)

// SLO is a service level objective: a target for an SLI over a time
// window. It comes from a kiban SLO document or from a foreign spec (a
// Sloth prometheus/v1 file, an OpenSLO SLO) read as it is.
type SLO struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     SLOSpec `yaml:"spec" json:"spec"`
	Source   Source  `yaml:"-" json:"source"`

	// paths maps a field of Spec ("objective", "sli.ratio.bad") to its
	// path in the source document, which differs for foreign specs.
	paths map[string]string
	// period is the window's length; zero when the document does not say
	// (Sloth specs), and the rule generator's default applies.
	period   time.Duration
	location *time.Location
}

// Period returns the length of the SLO's window (the nominal length for a
// calendar window: 7d for a week, 30d for a month), or zero when the
// document does not give one.
func (s *SLO) Period() time.Duration { return s.period }

// Location returns the time zone of a calendar window (UTC otherwise).
func (s *SLO) Location() *time.Location {
	if s.location == nil {
		return time.UTC
	}
	return s.location
}

// ID identifies an SLO across the tree: its service and its name, as
// Sloth's sloth_id label does.
func (s *SLO) ID() string { return s.Spec.Service + "-" + s.Name }

// SourcePath returns where a field of the spec was written, for
// diagnostics ("spec.objective", or "slos[1].objective" in a Sloth file).
func (s *SLO) SourcePath(field string) string {
	if p, ok := s.paths[field]; ok {
		return p
	}
	if field == "" {
		return "spec"
	}
	return "spec." + field
}

// SLOSpec is the body of an SLO document.
type SLOSpec struct {
	// Service is the catalog service the SLO belongs to; its owner gets
	// the alerts.
	Service     string `yaml:"service" json:"service"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Objective is the target in percent, e.g. 99.9.
	Objective float64 `yaml:"objective" json:"objective"`
	// Window is the time window the objective applies to; a rolling 30
	// days when empty.
	Window SLOWindow `yaml:"window,omitempty" json:"window"`
	// Budgeting says how the error budget is counted.
	Budgeting Budgeting `yaml:"budgeting,omitempty" json:"budgeting"`
	// SLI measures the service. Exactly one of SLI and Journey is set.
	SLI *SLI `yaml:"sli,omitempty" json:"sli,omitempty"`
	// Journey names a Journey document whose combined SLI this SLO
	// targets.
	Journey string `yaml:"journey,omitempty" json:"journey,omitempty"`
	// Labels are added to every rule generated for the SLO.
	Labels   map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Alerting Alerting          `yaml:"alerting,omitempty" json:"alerting"`
}

// SLOWindow is a rolling window ("30d") or a calendar period.
type SLOWindow struct {
	// Rolling is a duration such as 7d, 28d or 30d.
	Rolling string `yaml:"rolling,omitempty" json:"rolling,omitempty"`
	// Calendar is "week" (from Monday) or "month".
	Calendar string `yaml:"calendar,omitempty" json:"calendar,omitempty"`
	// TimeZone is an IANA zone for calendar windows; UTC when empty.
	TimeZone string `yaml:"timeZone,omitempty" json:"timeZone,omitempty"`
}

// Budgeting methods.
const (
	BudgetingOccurrences = "occurrences"
	BudgetingTimeslices  = "timeslices"
)

// Budgeting is the error budget method: occurrences (every event counts)
// or timeslices (the window is cut into slices; a slice is good when its
// SLI meets a threshold, and the objective applies to good slices).
type Budgeting struct {
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// SliceLength is the length of a timeslice, e.g. 1m.
	SliceLength string `yaml:"sliceLength,omitempty" json:"sliceLength,omitempty"`
	// GoodSliceThreshold is the success ratio a slice needs to count as
	// good, in (0, 1].
	GoodSliceThreshold float64 `yaml:"goodSliceThreshold,omitempty" json:"goodSliceThreshold,omitempty"`
}

// SLI is how a service is measured: exactly one of its fields is set.
type SLI struct {
	Ratio   *RatioSLI   `yaml:"ratio,omitempty" json:"ratio,omitempty"`
	Latency *LatencySLI `yaml:"latency,omitempty" json:"latency,omitempty"`
	Raw     *RawSLI     `yaml:"raw,omitempty" json:"raw,omitempty"`
	// Requests measures the SLI from access logs and the events API,
	// evaluated by kiban itself. It may stand alone or beside a PromQL
	// SLI (which then feeds the Prometheus rules).
	Requests *RequestsSLI `yaml:"requests,omitempty" json:"requests,omitempty"`
}

// HasPromQL reports whether the SLI has a PromQL form (ratio, latency or
// raw) for Prometheus rules.
func (s *SLI) HasPromQL() bool { return s.Ratio != nil || s.Latency != nil || s.Raw != nil }

// RequestsSLI selects requests in access logs and says which are good.
type RequestsSLI struct {
	// Host matches the request's host name; any host when empty.
	Host string `yaml:"host,omitempty" json:"host,omitempty"`
	// Method matches the HTTP method; any method when empty.
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// Route is a path pattern: /api/items/{id} matches one segment for
	// {id}; a final /* matches the rest of the path. Any path when empty.
	Route string `yaml:"route,omitempty" json:"route,omitempty"`
	// GoodStatus lists the status classes or codes of good requests
	// ("2xx", "304"); every status below 500 when empty.
	GoodStatus []string `yaml:"goodStatus,omitempty" json:"goodStatus,omitempty"`
	// Latency, when set, also requires a good request to be served within
	// this duration (e.g. 500ms).
	Latency string `yaml:"latency,omitempty" json:"latency,omitempty"`
}

// SLIKey names the series of good and total counts kiban stores for an
// SLI fed by logs or events: the SLO's id for an SLO's own SLI, and
// "journey/step" for a journey step.
func SLIKey(sloID string) string { return sloID }

// StepKey is the SLI key of a journey step.
func StepKey(journey, step string) string { return journey + "/" + step }

// RatioSLI divides good or bad events by all events. The queries are
// PromQL with a {{.window}} placeholder for the range, such as
// sum(rate(http_requests_total{code=~"5.."}[{{.window}}])).
type RatioSLI struct {
	Good  string `yaml:"good,omitempty" json:"good,omitempty"`
	Bad   string `yaml:"bad,omitempty" json:"bad,omitempty"`
	Total string `yaml:"total" json:"total"`
}

// LatencySLI counts requests faster than a threshold as good, from a
// Prometheus histogram.
type LatencySLI struct {
	// Metric is the histogram's _bucket series, e.g.
	// http_request_duration_seconds_bucket.
	Metric string `yaml:"metric" json:"metric"`
	// Selector holds label matchers, e.g. {job="checkout",route="/api/cart"}.
	Selector string `yaml:"selector,omitempty" json:"selector,omitempty"`
	// Threshold is the upper bound of a good request, in the histogram's
	// unit; it must be one of the histogram's buckets.
	Threshold float64 `yaml:"threshold" json:"threshold"`
	// Buckets are the histogram's bucket bounds; client_golang's
	// defaults when empty.
	Buckets []float64 `yaml:"buckets,omitempty" json:"buckets,omitempty"`
}

// DefaultBuckets are client_golang's default histogram buckets, assumed
// when a latency SLI does not list its buckets.
var DefaultBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// RawSLI is a query that already returns the error ratio (0 to 1).
type RawSLI struct {
	ErrorRatio string `yaml:"errorRatio" json:"errorRatio"`
}

// Alerting configures the burn-rate alerts of an SLO.
type Alerting struct {
	// Name is the alert name; derived from the service and SLO when
	// empty.
	Name        string            `yaml:"name,omitempty" json:"name,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
	// Runbook is linked from the alerts; the service's runbook when
	// empty.
	Runbook string    `yaml:"runbook,omitempty" json:"runbook,omitempty"`
	Page    AlertSpec `yaml:"page,omitempty" json:"page"`
	Ticket  AlertSpec `yaml:"ticket,omitempty" json:"ticket"`
	// MinEvents is the low-traffic protection: an alert fires only when
	// the long window of its pair saw at least this many events.
	MinEvents float64 `yaml:"minEvents,omitempty" json:"minEvents,omitempty"`
}

// AlertSpec configures the page or the ticket alert.
type AlertSpec struct {
	Disabled    bool              `yaml:"disabled,omitempty" json:"disabled,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty" json:"annotations,omitempty"`
}

// Journey is a critical user journey: the requests one user action
// makes, each with a weight and its own SLI, combined into one SLI.
type Journey struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     JourneySpec `yaml:"spec" json:"spec"`
	Source   Source      `yaml:"-" json:"source"`

	paths map[string]string
}

// SourcePath returns where a field of the spec was written.
func (j *Journey) SourcePath(field string) string {
	if p, ok := j.paths[field]; ok {
		return p
	}
	if field == "" {
		return "spec"
	}
	return "spec." + field
}

// Ways to combine the steps of a journey.
const (
	// CombineWeightedAverage averages the steps' success ratios with
	// their weights: Σwᵢ·goodᵢ/totalᵢ / Σwᵢ.
	CombineWeightedAverage = "weightedAverage"
	// CombineEventWeighted weights every event by its step's weight:
	// 1 − Σwᵢ·badᵢ / Σwᵢ·totalᵢ.
	CombineEventWeighted = "eventWeighted"
)

// JourneySpec is the body of a Journey document.
type JourneySpec struct {
	// Service is the service that answers for the journey.
	Service     string `yaml:"service" json:"service"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Combine is weightedAverage or eventWeighted; it must be chosen.
	Combine string        `yaml:"combine" json:"combine"`
	Steps   []JourneyStep `yaml:"steps" json:"steps"`
}

// JourneyStep is one request class of a journey.
type JourneyStep struct {
	Name        string  `yaml:"name" json:"name"`
	Description string  `yaml:"description,omitempty" json:"description,omitempty"`
	Weight      float64 `yaml:"weight" json:"weight"`
	SLI         *SLI    `yaml:"sli" json:"sli"`
}

// AlertWindowSet is a custom multiwindow alert catalog for one SLO period,
// from a Sloth AlertWindows document (sloth.slok.dev/v1).
type AlertWindowSet struct {
	Period string `json:"period"`
	// PeriodDuration is Period parsed.
	PeriodDuration time.Duration   `json:"-"`
	Page           AlertWindowPair `json:"page"`
	Ticket         AlertWindowPair `json:"ticket"`
	Source         Source          `json:"-"`
}

// AlertWindowPair holds the quick and slow windows of one severity.
type AlertWindowPair struct {
	Quick AlertWindowSpec `yaml:"quick" json:"quick"`
	Slow  AlertWindowSpec `yaml:"slow" json:"slow"`
}

// AlertWindowSpec is one multiwindow pair: the share of the period's
// budget it detects and its two windows.
type AlertWindowSpec struct {
	ErrorBudgetPercent float64 `yaml:"errorBudgetPercent" json:"errorBudgetPercent"`
	ShortWindow        string  `yaml:"shortWindow" json:"shortWindow"`
	LongWindow         string  `yaml:"longWindow" json:"longWindow"`
}

// KindErrorBudgetPolicy is the kind of error budget policies.
const KindErrorBudgetPolicy = "ErrorBudgetPolicy"

// ErrorBudgetPolicy says what happens as a service's error budget runs
// out: below each threshold of remaining budget, its actions apply.
type ErrorBudgetPolicy struct {
	Metadata `yaml:"metadata" json:"metadata"`
	Spec     ErrorBudgetPolicySpec `yaml:"spec" json:"spec"`
	Source   Source                `yaml:"-" json:"source"`
}

// ErrorBudgetPolicySpec is the body of an ErrorBudgetPolicy document.
type ErrorBudgetPolicySpec struct {
	// Services the policy applies to; every service when empty (the
	// organisation's default). A policy naming a service wins over the
	// default.
	Services   []string          `yaml:"services,omitempty" json:"services,omitempty"`
	Thresholds []BudgetThreshold `yaml:"thresholds" json:"thresholds"`
}

// Error budget policy actions.
const (
	// ActionNotify tells the owning team.
	ActionNotify = "notify"
	// ActionFreeze blocks releases (kiban gate exits 1) except fixes.
	ActionFreeze = "freeze"
)

// BudgetThreshold applies actions once the remaining budget falls below
// a percentage (0 means exhausted).
type BudgetThreshold struct {
	// Below is the remaining budget, in percent, under which the actions
	// apply; 0 means "exhausted" (at or below zero).
	Below   float64  `yaml:"below" json:"below"`
	Actions []string `yaml:"actions" json:"actions"`
	// Message is shown with the actions, e.g. "only fixes may ship".
	Message string `yaml:"message,omitempty" json:"message,omitempty"`
}
