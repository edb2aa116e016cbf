package catalog

import (
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml/ast"
)

// Sloth formats read as they are.
const (
	SlothVersion    = "prometheus/v1"     // a plain Sloth spec file: version: prometheus/v1
	SlothAPIVersion = "sloth.slok.dev/v1" // Sloth's Kubernetes CRDs and AlertWindows
)

// slothSpec is a Sloth prometheus/v1 spec (and the spec of a
// PrometheusServiceLevel).
type slothSpec struct {
	Version string            `yaml:"version"`
	Service string            `yaml:"service"`
	Labels  map[string]string `yaml:"labels"`
	SLOs    []slothSLO        `yaml:"slos"`
}

type slothSLO struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Objective   float64           `yaml:"objective"`
	Labels      map[string]string `yaml:"labels"`
	SLI         slothSLI          `yaml:"sli"`
	Alerting    slothAlerting     `yaml:"alerting"`
}

type slothSLI struct {
	Events *struct {
		ErrorQuery string `yaml:"error_query"`
		TotalQuery string `yaml:"total_query"`
	} `yaml:"events"`
	Raw *struct {
		ErrorRatioQuery string `yaml:"error_ratio_query"`
	} `yaml:"raw"`
	Plugin *struct {
		ID      string            `yaml:"id"`
		Options map[string]string `yaml:"options"`
	} `yaml:"plugin"`
}

type slothAlerting struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	PageAlert   slothAlert        `yaml:"page_alert"`
	TicketAlert slothAlert        `yaml:"ticket_alert"`
}

type slothAlert struct {
	Disable     bool              `yaml:"disable"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// slothWindows is Sloth's AlertWindows document.
type slothWindows struct {
	SLOPeriod string          `yaml:"sloPeriod"`
	Page      AlertWindowPair `yaml:"page"`
	Ticket    AlertWindowPair `yaml:"ticket"`
}

// parseSlothFile reads a plain Sloth spec (version: prometheus/v1), whose
// fields sit at the top of the document.
func (r *fileResult) parseSlothFile(d *decoder, m *ast.MappingNode, src Source) {
	var spec slothSpec
	d.decode(m, reflectValue(&spec), "")
	if spec.Version != SlothVersion {
		d.errorAt("version", "unknown Sloth version %q; expected %s", spec.Version, SlothVersion)
		return
	}
	r.addSloth(d, spec, "", src)
}

// parseSlothCRD reads Sloth's Kubernetes documents: PrometheusServiceLevel
// (a spec under spec:) and AlertWindows.
func (r *fileResult) parseSlothCRD(d *decoder, env envelope, src Source) {
	spec, ok := env.fields["spec"]
	if !ok {
		d.errorAt("", "missing field \"spec\"")
		return
	}
	switch env.kind {
	case "PrometheusServiceLevel":
		var s slothSpec
		d.decode(spec.Value, reflectValue(&s), "spec")
		s.Version = SlothVersion
		r.addSloth(d, s, "spec.", src)
	case "AlertWindows":
		var w slothWindows
		d.decode(spec.Value, reflectValue(&w), "spec")
		r.windows = append(r.windows, &AlertWindowSet{Period: w.SLOPeriod, Page: w.Page, Ticket: w.Ticket, Source: src})
	default:
		d.errorf(env.fields["kind"].Value, "kind", "unknown Sloth kind %q; expected PrometheusServiceLevel or AlertWindows", env.kind)
	}
}

func (r *fileResult) addSloth(d *decoder, spec slothSpec, prefix string, src Source) {
	if spec.Service == "" {
		d.errorAt(prefix+"service", "missing field \"service\"")
	}
	for i, in := range spec.SLOs {
		p := fmt.Sprintf("%sslos[%d]", prefix, i)
		s := &SLO{Source: src}
		s.Source.Format = "sloth"
		s.Source.Line = d.pos[p].Line
		s.Name = in.Name
		s.Spec.Service = spec.Service
		s.Spec.Description = in.Description
		s.Spec.Objective = in.Objective
		s.Spec.Labels = mergeLabels(spec.Labels, in.Labels)
		s.paths = map[string]string{
			"":          p,
			"service":   prefix + "service",
			"objective": p + ".objective",
			"sli":       p + ".sli",
			"labels":    p + ".labels",
			"alerting":  p + ".alerting",
			"name":      p + ".name",
		}
		switch {
		case in.SLI.Plugin != nil:
			d.errorAt(p+".sli.plugin", "Sloth SLI plugins are not supported; write the SLI as events (error_query and total_query) or raw")
		case in.SLI.Events != nil:
			s.Spec.SLI = &SLI{Ratio: &RatioSLI{Bad: in.SLI.Events.ErrorQuery, Total: in.SLI.Events.TotalQuery}}
			s.paths["sli.ratio.bad"] = p + ".sli.events.error_query"
			s.paths["sli.ratio.total"] = p + ".sli.events.total_query"
		case in.SLI.Raw != nil:
			s.Spec.SLI = &SLI{Raw: &RawSLI{ErrorRatio: in.SLI.Raw.ErrorRatioQuery}}
			s.paths["sli.raw.errorRatio"] = p + ".sli.raw.error_ratio_query"
		}
		a := in.Alerting
		s.Spec.Alerting = Alerting{
			Name: a.Name, Labels: a.Labels, Annotations: a.Annotations,
			Page:   AlertSpec{Disabled: a.PageAlert.Disable, Labels: a.PageAlert.Labels, Annotations: a.PageAlert.Annotations},
			Ticket: AlertSpec{Disabled: a.TicketAlert.Disable, Labels: a.TicketAlert.Labels, Annotations: a.TicketAlert.Annotations},
		}
		r.slos = append(r.slos, s)
	}
}

func mergeLabels(maps ...map[string]string) map[string]string {
	var out map[string]string
	for _, m := range maps {
		for k, v := range m {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// formatPercent writes an objective the way Sloth's sloth_objective label
// does: 99.9, 95.
func formatPercent(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }
