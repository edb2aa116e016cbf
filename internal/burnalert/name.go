package burnalert

import (
	"strings"

	"kiban.dev/kiban/internal/catalog"
)

// AlertName is the alertname of an SLO's burn alerts: spec.alerting.name,
// or one derived from the service and SLO names (checkout, availability →
// CheckoutAvailabilityBudgetBurn). It is the name the Prometheus rules of
// internal/slo/promrules give (TestAlertNameMatchesPromrules keeps the two
// in step), so that Alertmanager routes, silences and inhibitions written
// for one apply to the other.
func AlertName(s *catalog.SLO) string {
	if s.Spec.Alerting.Name != "" {
		return s.Spec.Alerting.Name
	}
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s.Spec.Service+"-"+s.Name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	name := b.String()
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "SLO" + name
	}
	return name + "BudgetBurn"
}
