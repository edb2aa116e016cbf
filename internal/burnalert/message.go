package burnalert

import (
	"cmp"
	"fmt"
	"kiban.dev/kiban/internal/slo/promrules"
	"maps"
	"strings"
	"time"

	"kiban.dev/kiban/internal/catalog"
	"kiban.dev/kiban/internal/notify"
	"kiban.dev/kiban/internal/slo"
	"kiban.dev/kiban/internal/slostatus"
)

// build returns the Alertmanager alert of an SLO's severity, without its
// times. Its labels are those of the Prometheus rules (the SLO's labels,
// alerting.labels, the severity's labels, the sloth_* labels and the team
// from the catalog) plus severity, so that routes written for one match
// the other.
func (e *Evaluator) build(c *catalog.Catalog, s *catalog.SLO, st slostatus.Status, sev slo.Severity) notify.Alert {
	spec := alertSpec(s, sev)
	labels := map[string]string{}
	for _, m := range []map[string]string{s.Spec.Labels, s.Spec.Alerting.Labels, spec.Labels} {
		maps.Copy(labels, m)
	}
	maps.Copy(labels, map[string]string{
		"alertname":      promrules.AlertName(s),
		"sloth_id":       s.ID(),
		"sloth_service":  s.Spec.Service,
		"sloth_slo":      s.Name,
		"sloth_severity": string(sev),
		"severity":       string(sev),
	})
	if st.Team != "" {
		labels["team"] = st.Team // the catalog wins: ownership lives in one place
	}

	annotations := map[string]string{
		"summary":     fmt.Sprintf("%s %s SLO error budget burn rate is over expected.", s.Spec.Service, s.Name),
		"title":       fmt.Sprintf("(%s) %s %s SLO error budget burn rate is too fast.", sev, s.Spec.Service, s.Name),
		"description": description(st, sev),
	}
	// The document's annotations, except Prometheus templates, which only
	// Prometheus expands.
	for _, m := range []map[string]string{s.Spec.Alerting.Annotations, spec.Annotations} {
		for k, v := range m {
			if !strings.Contains(v, "{{") {
				annotations[k] = v
			}
		}
	}
	if rb := runbook(c, s); rb != "" {
		if _, set := annotations["runbook_url"]; !set {
			annotations["runbook_url"] = rb
		}
	}
	return notify.Alert{Labels: labels, Annotations: annotations, GeneratorURL: e.SLOURL(s.ID())}
}

// firingPairs returns the firing pairs of a severity.
func firingPairs(st slostatus.Status, sev slo.Severity) []slostatus.AlertState {
	var out []slostatus.AlertState
	for _, a := range st.Alerts {
		if a.Severity == string(sev) && a.Firing {
			out = append(out, a)
		}
	}
	return out
}

// burnRate returns the burn rate over a window ("1h") of a status.
func burnRate(st slostatus.Status, window string) (float64, bool) {
	for _, b := range st.BurnRates {
		if b.Window == window {
			return b.BurnRate, b.OK
		}
	}
	return 0, false
}

func rate(st slostatus.Status, window string) string {
	if r, ok := burnRate(st, window); ok {
		return fmt.Sprintf("%.2fx", r)
	}
	return "no data"
}

// pairText describes a pair: "page-quick: 20.00x over 1h and 20.00x over
// 5m (threshold 14.40x)".
func pairText(st slostatus.Status, p slostatus.AlertState) string {
	return fmt.Sprintf("%s: %s over %s and %s over %s (threshold %.2fx)", p.Name, rate(st, p.Long), p.Long, rate(st, p.Short), p.Short, p.Threshold)
}

func objective(p float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", p), "0"), ".") + "%"
}

func budgetText(st slostatus.Status) string {
	if !st.OK {
		return "unknown (no data)"
	}
	t := fmt.Sprintf("%.1f%% (%s of full outage)", st.Remaining*100, slo.FormatDuration(time.Duration(max(st.RemainingMinutes, 0)*float64(time.Minute)).Round(time.Minute)))
	if st.Remaining <= 0 {
		t = fmt.Sprintf("exhausted (%.1f%%)", st.Remaining*100)
	}
	return t
}

func window(st slostatus.Status) string {
	return slo.FormatDuration(st.WindowEnd.Sub(st.WindowStart).Round(time.Minute))
}

// description is the alert's description annotation: the burn rates that
// fire, the remaining budget and the time to exhaustion.
func description(st slostatus.Status, sev slo.Severity) string {
	var pairs []string
	for _, p := range firingPairs(st, sev) {
		pairs = append(pairs, pairText(st, p))
	}
	d := fmt.Sprintf("Burn rate %s. Remaining error budget: %s. SLI %.3f%% over the last %s against an objective of %s.",
		strings.Join(pairs, "; "), budgetText(st), st.SLI*100, window(st), objective(st.Objective))
	if st.Exhaustion != nil {
		d += " At the last hour's burn rate the budget is exhausted in " + st.Exhaustion.Text + "."
	}
	return d
}

// firingMessage is the chat message when an alert starts firing.
func (e *Evaluator) firingMessage(a *alert) notify.Message {
	st, sev := a.status, a.severity
	link := e.SLOURL(a.id)
	emoji := ":rotating_light:"
	if sev == slo.SeverityTicket {
		emoji = ":warning:"
	}
	headline := fmt.Sprintf("%s %s is burning its error budget (%s)", emoji, a.title, sev)
	pairs := firingPairs(st, sev)
	var rates []string
	for _, p := range pairs {
		rates = append(rates, fmt.Sprintf("%s over %s, %s over %s (> %.2fx, %s)", rate(st, p.Long), p.Long, rate(st, p.Short), p.Short, p.Threshold, p.Name))
	}
	fields := []string{
		"*SLO*\n" + notify.Link(link, a.id),
		"*Severity*\n" + string(sev),
		"*Burn rate*\n" + notify.Escape(strings.Join(rates, "\n")),
		"*Remaining budget*\n" + notify.Escape(budgetText(st)),
		fmt.Sprintf("*SLI (%s)*\n%.3f%% (objective %s)", window(st), st.SLI*100, objective(st.Objective)),
	}
	if st.Exhaustion != nil {
		fields = append(fields, "*Exhausted in*\n"+notify.Escape(st.Exhaustion.Text)+" at the last hour's rate")
	}
	ctx := []string{"Team " + notify.Escape(cmp.Or(st.Team, "unknown")) + " · alert " + notify.Escape(a.body.Labels["alertname"]) +
		" · since " + a.since.UTC().Format("2006-01-02 15:04 MST")}
	buttons := []notify.Button{notify.LinkButton("Open SLO", link, "primary")}
	if a.runbook != "" {
		buttons = append(buttons, notify.LinkButton("Runbook", a.runbook, ""))
	}
	text := fmt.Sprintf("[FIRING:%s] %s (%s) is burning its error budget: %s; remaining budget %s. %s",
		sev, a.title, a.id, strings.Join(rates, "; "), budgetText(st), link)
	return notify.Message{Text: text, Blocks: []notify.Block{
		notify.Section("*" + notify.Escape(headline) + "*"),
		notify.Section("", fields...),
		notify.Context(ctx...),
		notify.Actions(buttons...),
	}}
}

// resolvedMessage is the chat message when an alert stops firing.
func (e *Evaluator) resolvedMessage(a *alert) notify.Message {
	st, sev := a.status, a.severity
	link := e.SLOURL(a.id)
	lasted := slo.FormatDuration(a.resolvedAt.Sub(a.since).Round(time.Minute))
	headline := fmt.Sprintf(":white_check_mark: %s is no longer burning its error budget fast (%s resolved)", a.title, sev)
	fields := []string{
		"*SLO*\n" + notify.Link(link, a.id),
		"*Severity*\n" + string(sev),
		"*Burn rate now*\n" + fmt.Sprintf("%s over 1h, %s over 5m", rate(st, "1h"), rate(st, "5m")),
		"*Remaining budget*\n" + notify.Escape(budgetText(st)),
		"*Fired for*\n" + lasted,
	}
	text := fmt.Sprintf("[RESOLVED:%s] %s (%s) is no longer burning its error budget fast, after %s; remaining budget %s. %s",
		sev, a.title, a.id, lasted, budgetText(st), link)
	return notify.Message{Text: text, Blocks: []notify.Block{
		notify.Section("*" + notify.Escape(headline) + "*"),
		notify.Section("", fields...),
		notify.Actions(notify.LinkButton("Open SLO", link, "")),
	}}
}
