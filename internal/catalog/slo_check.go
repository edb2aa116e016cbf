package catalog

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

var (
	windowPlaceholder = regexp.MustCompile(`\{\{\s*\.window\s*\}\}`)
	labelNameRE       = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	alertNameRE       = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
)

// RenderQuery puts a range such as "5m" in the {{.window}} placeholders of
// an SLI query.
func RenderQuery(query, window string) string {
	return windowPlaceholder.ReplaceAllLiteralString(query, window)
}

// ParseDuration parses a Prometheus duration such as 5m, 1h, 7d or 4w.
func ParseDuration(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration %q must be positive", s)
	}
	return time.Duration(d), nil
}

// sloChecker validates SLOs and journeys against the rest of the tree.
type sloChecker struct {
	b      *builder
	c      *Catalog
	parser parser.Parser
	warned map[string]bool
}

// foreign reports whether a document came from another tool's format,
// whose service may legitimately be missing from the catalog.
func foreign(src Source) bool { return src.Format != "kiban" }

func (b *builder) checkSLOs(c *Catalog) {
	k := &sloChecker{b: b, c: c, parser: parser.NewParser(parser.Options{})}
	k.windows()
	journeys := map[string]*Journey{}
	for _, j := range b.journeys {
		if !b.checkName(j.Source, j.Name) {
			continue
		}
		if prev, dup := journeys[j.Name]; dup {
			b.errorf(j.Source, "metadata.name", "duplicate journey %q; first defined at %s", j.Name, where(prev.Source))
			continue
		}
		journeys[j.Name] = j
		k.journey(j)
		c.Journeys = append(c.Journeys, j)
	}
	slices.SortFunc(c.Journeys, func(a, b *Journey) int { return cmp.Compare(a.Name, b.Name) })

	ids := map[string]*SLO{}
	for _, s := range b.slos {
		at := func(field string) (Source, string) { return s.Source, s.SourcePath(field) }
		if s.Name == "" {
			src, p := at("name")
			b.errorf(src, p, "missing field \"name\"")
			continue
		}
		if !nameRE.MatchString(s.Name) {
			src, p := at("name")
			b.errorf(src, p, "invalid SLO name %q; expected lower-case letters, digits, '-', '_' or '.'", s.Name)
			continue
		}
		if prev, dup := ids[s.ID()]; dup {
			src, p := at("name")
			b.errorf(src, p, "duplicate SLO %q of service %q; first defined at %s", s.Name, s.Spec.Service, where(prev.Source))
			continue
		}
		ids[s.ID()] = s
		k.slo(s, journeys)
		c.SLOs = append(c.SLOs, s)
	}
	slices.SortFunc(c.SLOs, func(a, b *SLO) int { return cmp.Compare(a.ID(), b.ID()) })
}

func (k *sloChecker) errorf(src Source, path, format string, args ...any) {
	k.b.errorf(src, path, format, args...)
}

// service checks that a service exists: an error for kiban documents, a
// warning for foreign specs, so that a directory of Sloth or OpenSLO files
// works without a catalog.
func (k *sloChecker) service(src Source, path, name string) {
	if name == "" {
		k.errorf(src, path, "missing field \"service\"")
		return
	}
	if _, ok := k.c.Service(name); ok {
		return
	}
	sev := SeverityError
	if foreign(src) {
		sev = SeverityWarning
		// One warning per file and service: a Sloth file holds many SLOs.
		key := src.File + "\x00" + name
		if k.warned[key] {
			return
		}
		if k.warned == nil {
			k.warned = map[string]bool{}
		}
		k.warned[key] = true
	}
	msg := fmt.Sprintf("service %q is not in the catalog", name)
	if sev == SeverityWarning {
		msg += "; its alerts will carry no team"
	}
	k.b.report(sev, src, path, "%s%s", msg, suggest(name, k.c.services))
}

func (k *sloChecker) slo(s *SLO, journeys map[string]*Journey) {
	src := s.Source
	p := s.SourcePath
	k.service(src, p("service"), s.Spec.Service)
	if o := s.Spec.Objective; !(o > 0 && o < 100) {
		k.errorf(src, p("objective"), "objective %s is out of range; expected a percentage between 0 and 100, such as 99.9", formatPercent(o))
	}
	k.window(s)
	k.budgeting(s)
	switch {
	case s.Spec.SLI != nil && s.Spec.Journey != "":
		k.errorf(src, p("journey"), "an SLO has an sli or a journey, not both")
	case s.Spec.SLI != nil:
		k.sli(src, s.Spec.SLI, func(f string) string { return p("sli" + f) })
	case s.Spec.Journey != "":
		if _, ok := journeys[s.Spec.Journey]; !ok {
			k.errorf(src, p("journey"), "journey %q is not defined in the tree%s", s.Spec.Journey, suggest(s.Spec.Journey, journeys))
		}
	default:
		k.errorf(src, p(""), "missing sli: set spec.sli (ratio, latency or raw) or spec.journey")
	}
	k.labels(src, p("labels"), s.Spec.Labels)
	a := s.Spec.Alerting
	if a.Name != "" && !alertNameRE.MatchString(a.Name) {
		k.errorf(src, p("alerting.name"), "invalid alert name %q; expected letters, digits, '_' or ':', not starting with a digit", a.Name)
	}
	k.labels(src, p("alerting.labels"), a.Labels)
	k.labels(src, p("alerting.page.labels"), a.Page.Labels)
	k.labels(src, p("alerting.ticket.labels"), a.Ticket.Labels)
	if a.Runbook != "" && !isURL(a.Runbook) {
		k.errorf(src, p("alerting.runbook"), "expected an http(s) URL, found %q", a.Runbook)
	}
	switch {
	case a.MinEvents < 0:
		k.errorf(src, p("alerting.minEvents"), "minEvents must not be negative")
	case a.MinEvents > 0 && !countsEvents(s, journeys):
		k.errorf(src, p("alerting.minEvents"), "minEvents needs event counts, and a raw error-ratio SLI has none; use a ratio or latency SLI")
	}
}

func (k *sloChecker) labels(src Source, path string, labels map[string]string) {
	for _, name := range sortedKeys(labels) {
		if !labelNameRE.MatchString(name) {
			k.errorf(src, joinKey(path, name), "invalid label name %q; expected letters, digits and '_', not starting with a digit", name)
		}
	}
}

func (k *sloChecker) window(s *SLO) {
	w, src, p := s.Spec.Window, s.Source, s.SourcePath
	switch {
	case w.Rolling != "" && w.Calendar != "":
		k.errorf(src, p("window"), "a window is rolling or calendar, not both")
	case w.Rolling != "":
		d, err := ParseDuration(w.Rolling)
		if err != nil {
			k.errorf(src, p("window.rolling"), "invalid window %q: expected a duration such as 7d, 28d or 30d", w.Rolling)
			return
		}
		if d < time.Hour*24 {
			k.errorf(src, p("window.rolling"), "window %s is shorter than a day; SLO windows are days or weeks, such as 7d, 28d or 30d", w.Rolling)
			return
		}
		if w.TimeZone != "" {
			k.errorf(src, p("window.timeZone"), "a time zone applies to calendar windows only")
		}
		s.period = d
	case w.Calendar != "":
		switch w.Calendar {
		case "week":
			s.period = 7 * 24 * time.Hour
		case "month":
			s.period = 30 * 24 * time.Hour
		default:
			k.errorf(src, p("window.calendar"), "unknown calendar window %q; expected week or month", w.Calendar)
			return
		}
		if w.TimeZone != "" {
			loc, err := time.LoadLocation(w.TimeZone)
			if err != nil {
				k.errorf(src, p("window.timeZone"), "unknown time zone %q; expected an IANA name such as Europe/Paris", w.TimeZone)
				return
			}
			s.location = loc
		}
	case w.TimeZone != "":
		k.errorf(src, p("window.timeZone"), "a time zone applies to calendar windows only")
	}
}

func (k *sloChecker) budgeting(s *SLO) {
	bm, src, p := s.Spec.Budgeting, s.Source, s.SourcePath
	switch bm.Method {
	case "", BudgetingOccurrences:
		if bm.SliceLength != "" || bm.GoodSliceThreshold != 0 {
			k.errorf(src, p("budgeting"), "sliceLength and goodSliceThreshold apply to the timeslices method only")
		}
	case BudgetingTimeslices:
		d, err := ParseDuration(bm.SliceLength)
		if err != nil {
			k.errorf(src, p("budgeting.sliceLength"), "invalid slice length %q; expected a duration such as 1m or 5m", bm.SliceLength)
		} else if d > time.Hour {
			k.errorf(src, p("budgeting.sliceLength"), "slice length %s is longer than an hour; expected a duration such as 1m or 5m", bm.SliceLength)
		}
		if t := bm.GoodSliceThreshold; !(t > 0 && t <= 1) {
			k.errorf(src, p("budgeting.goodSliceThreshold"), "good slice threshold %s is out of range; expected a ratio in (0, 1], such as 0.95", strconv.FormatFloat(t, 'f', -1, 64))
		}
	default:
		k.errorf(src, p("budgeting.method"), "unknown budgeting method %q; expected occurrences or timeslices", bm.Method)
	}
}

func (k *sloChecker) journey(j *Journey) {
	src, p := j.Source, j.SourcePath
	k.service(src, p("service"), j.Spec.Service)
	switch j.Spec.Combine {
	case CombineWeightedAverage, CombineEventWeighted:
	case "":
		k.errorf(src, p("combine"), "missing field \"combine\": choose weightedAverage (average of step success ratios) or eventWeighted (every event weighted by its step)")
	default:
		k.errorf(src, p("combine"), "unknown combine %q; expected weightedAverage or eventWeighted", j.Spec.Combine)
	}
	if len(j.Spec.Steps) == 0 {
		k.errorf(src, p("steps"), "a journey needs at least one step")
	}
	seen := map[string]bool{}
	for i, st := range j.Spec.Steps {
		sp := func(f string) string { return p(fmt.Sprintf("steps[%d]%s", i, f)) }
		switch {
		case st.Name == "":
			k.errorf(src, sp(""), "missing field \"name\"")
		case !nameRE.MatchString(st.Name):
			k.errorf(src, sp(".name"), "invalid step name %q; expected lower-case letters, digits, '-', '_' or '.'", st.Name)
		case seen[st.Name]:
			k.errorf(src, sp(".name"), "duplicate step %q", st.Name)
		}
		seen[st.Name] = true
		if !(st.Weight > 0) || math.IsInf(st.Weight, 0) {
			k.errorf(src, sp(".weight"), "weight %s must be greater than 0", strconv.FormatFloat(st.Weight, 'f', -1, 64))
		}
		if st.SLI == nil {
			k.errorf(src, sp(""), "step %q has no sli; expected sli.ratio, sli.latency or sli.raw", st.Name)
			continue
		}
		if j.Spec.Combine == CombineEventWeighted && st.SLI.Raw != nil {
			k.errorf(src, sp(".sli.raw"), "an eventWeighted journey needs event counts; a raw error ratio has none (use ratio or latency, or combine: weightedAverage)")
		}
		k.sli(src, st.SLI, func(f string) string { return sp(".sli" + f) })
	}
}

// sli validates an SLI; path maps a field below the SLI (".ratio.bad")
// to its path in the document.
func (k *sloChecker) sli(src Source, s *SLI, path func(string) string) {
	n := 0
	for _, set := range []bool{s.Ratio != nil, s.Latency != nil, s.Raw != nil} {
		if set {
			n++
		}
	}
	if s.Requests != nil {
		k.requests(src, s.Requests, path)
	}
	if n == 0 && s.Requests != nil {
		return // measured from logs and events only
	}
	if n != 1 {
		k.errorf(src, path(""), "an sli has exactly one of ratio, latency or raw (and may add requests, for logs and events)")
		return
	}
	switch {
	case s.Ratio != nil:
		r := s.Ratio
		if (r.Good == "") == (r.Bad == "") {
			k.errorf(src, path(".ratio"), "a ratio sli has good or bad (not both), and total")
		}
		if r.Good != "" {
			k.query(src, path(".ratio.good"), r.Good)
		}
		if r.Bad != "" {
			k.query(src, path(".ratio.bad"), r.Bad)
		}
		if r.Total == "" {
			k.errorf(src, path(".ratio"), "missing field \"total\"")
		} else {
			k.query(src, path(".ratio.total"), r.Total)
		}
	case s.Raw != nil:
		if s.Raw.ErrorRatio == "" {
			k.errorf(src, path(".raw"), "missing field \"errorRatio\"")
		} else {
			k.query(src, path(".raw.errorRatio"), s.Raw.ErrorRatio)
		}
	case s.Latency != nil:
		k.latency(src, s.Latency, path)
	}
}

// query checks that an SLI query has the window placeholder and parses.
func (k *sloChecker) query(src Source, path, q string) {
	if !windowPlaceholder.MatchString(q) {
		k.errorf(src, path, "the query has no {{.window}} placeholder; write the range as [{{.window}}] so that kiban can evaluate it over each alert window")
		return
	}
	if _, err := k.parser.ParseExpr(RenderQuery(q, "5m")); err != nil {
		k.errorf(src, path, "invalid PromQL: %s", oneLine(err.Error()))
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (k *sloChecker) latency(src Source, l *LatencySLI, path func(string) string) {
	if !strings.HasSuffix(l.Metric, "_bucket") {
		k.errorf(src, path(".latency.metric"), "metric %q is not a histogram's _bucket series; expected a name such as http_request_duration_seconds_bucket", l.Metric)
	} else if _, err := k.parser.ParseExpr(l.Metric + LatencySelector(l.Selector, "")); err != nil {
		k.errorf(src, path(".latency.selector"), "invalid selector: %s", oneLine(err.Error()))
	}
	if !(l.Threshold > 0) {
		k.errorf(src, path(".latency.threshold"), "threshold must be greater than 0")
		return
	}
	buckets := l.Buckets
	if len(buckets) == 0 {
		buckets = DefaultBuckets
	}
	for i := 1; i < len(buckets); i++ {
		if !(buckets[i] > buckets[i-1]) {
			k.errorf(src, path(".latency.buckets"), "buckets must increase: %s follows %s", fmtFloat(buckets[i]), fmtFloat(buckets[i-1]))
			return
		}
	}
	if !slices.Contains(buckets, l.Threshold) {
		var list []string
		for _, b := range buckets {
			list = append(list, fmtFloat(b))
		}
		which := "the histogram's buckets"
		if len(l.Buckets) == 0 {
			which = "client_golang's default buckets (list yours under buckets)"
		}
		k.errorf(src, path(".latency.threshold"), "threshold %s is not a bucket bound; expected one of %s: %s", fmtFloat(l.Threshold), which, strings.Join(list, ", "))
	}
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// LatencySelector returns the label matchers of a latency SLI with an
// extra matcher (such as le="0.3") added, in braces.
func LatencySelector(selector, extra string) string {
	inner := strings.TrimSpace(selector)
	inner = strings.TrimSuffix(strings.TrimPrefix(inner, "{"), "}")
	inner = strings.TrimSpace(inner)
	switch {
	case inner == "":
		inner = extra
	case extra != "":
		inner += "," + extra
	}
	return "{" + inner + "}"
}

// windows validates custom alert window catalogs, one per SLO period.
func (k *sloChecker) windows() {
	k.c.AlertWindows = map[time.Duration]*AlertWindowSet{}
	for _, w := range k.b.windows {
		d, err := ParseDuration(w.Period)
		if err != nil {
			k.errorf(w.Source, "spec.sloPeriod", "invalid SLO period %q; expected a duration such as 30d", w.Period)
			continue
		}
		if prev, dup := k.c.AlertWindows[d]; dup {
			k.errorf(w.Source, "spec.sloPeriod", "alert windows for %s are already defined at %s", w.Period, where(prev.Source))
			continue
		}
		ok := true
		for _, x := range []struct {
			path string
			spec AlertWindowSpec
		}{
			{"spec.page.quick", w.Page.Quick}, {"spec.page.slow", w.Page.Slow},
			{"spec.ticket.quick", w.Ticket.Quick}, {"spec.ticket.slow", w.Ticket.Slow},
		} {
			short, err1 := ParseDuration(x.spec.ShortWindow)
			long, err2 := ParseDuration(x.spec.LongWindow)
			switch {
			case err1 != nil:
				k.errorf(w.Source, x.path+".shortWindow", "invalid window %q", x.spec.ShortWindow)
			case err2 != nil:
				k.errorf(w.Source, x.path+".longWindow", "invalid window %q", x.spec.LongWindow)
			case short >= long:
				k.errorf(w.Source, x.path, "the short window (%s) must be shorter than the long window (%s)", x.spec.ShortWindow, x.spec.LongWindow)
			case long > d:
				k.errorf(w.Source, x.path+".longWindow", "the long window %s is longer than the SLO period %s", x.spec.LongWindow, w.Period)
			case !(x.spec.ErrorBudgetPercent > 0 && x.spec.ErrorBudgetPercent <= 100):
				k.errorf(w.Source, x.path+".errorBudgetPercent", "expected a percentage of the error budget in (0, 100]")
			default:
				continue
			}
			ok = false
		}
		if ok {
			w.PeriodDuration = d
			k.c.AlertWindows[d] = w
		}
	}
}

// countsEvents reports whether an SLO's SLI counts events (ratio or
// latency, or a journey of such steps), which the low-traffic protection
// needs.
func countsEvents(s *SLO, journeys map[string]*Journey) bool {
	if s.Spec.SLI != nil {
		return s.Spec.SLI.Raw == nil
	}
	j, ok := journeys[s.Spec.Journey]
	if !ok {
		return true // reported elsewhere
	}
	for _, st := range j.Spec.Steps {
		if st.SLI != nil && st.SLI.Raw != nil {
			return false
		}
	}
	return true
}

var (
	statusClassRE = regexp.MustCompile(`^[1-5]xx$|^[1-5][0-9][0-9]$`)
	methodRE      = regexp.MustCompile(`^[A-Z]+$`)
)

// requests validates a log and events SLI.
func (k *sloChecker) requests(src Source, r *RequestsSLI, path func(string) string) {
	if r.Route != "" {
		if _, err := CompileRoute(r.Route); err != nil {
			k.errorf(src, path(".requests.route"), "%v", err)
		}
	}
	if r.Method != "" && !methodRE.MatchString(r.Method) {
		k.errorf(src, path(".requests.method"), "invalid method %q; expected an upper-case HTTP method such as GET or POST", r.Method)
	}
	for i, st := range r.GoodStatus {
		if !statusClassRE.MatchString(st) {
			k.errorf(src, path(fmt.Sprintf(".requests.goodStatus[%d]", i)), "invalid status %q; expected a class such as 2xx or a code such as 304", st)
		}
	}
	if r.Latency != "" {
		if _, err := time.ParseDuration(r.Latency); err != nil {
			k.errorf(src, path(".requests.latency"), "invalid latency %q; expected a duration such as 300ms or 1s", r.Latency)
		}
	}
}

// Route is a compiled path pattern of a requests SLI.
type Route struct {
	segments []string // literal segments, "" for a {param}
	prefix   bool     // ends in /*: matches the rest of the path
}

// CompileRoute compiles a path pattern such as /api/items/{id} or
// /static/*.
func CompileRoute(pattern string) (Route, error) {
	if !strings.HasPrefix(pattern, "/") {
		return Route{}, fmt.Errorf("route %q must start with /", pattern)
	}
	var r Route
	if pattern == "/" {
		return r, nil
	}
	parts := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	for i, p := range parts {
		switch {
		case p == "*" && i == len(parts)-1:
			r.prefix = true
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") && len(p) > 2:
			r.segments = append(r.segments, "")
		case p == "" || strings.ContainsAny(p, "{}*"):
			return Route{}, fmt.Errorf("route %q: segment %q: expected a literal, a {name} parameter, or a final *", pattern, p)
		default:
			r.segments = append(r.segments, p)
		}
	}
	return r, nil
}

// Match reports whether a request path matches the route. A trailing
// slash is tolerated.
func (r Route) Match(path string) bool {
	rest := strings.TrimPrefix(path, "/")
	for _, seg := range r.segments {
		head, tail, _ := strings.Cut(rest, "/")
		if head == "" || seg != "" && head != seg {
			return false
		}
		rest = tail
	}
	return r.prefix || rest == ""
}
