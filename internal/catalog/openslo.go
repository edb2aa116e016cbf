package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/prometheus/prometheus/promql/parser"
)

// OpenSLO versions read as they are.
const (
	// OpenSLOAPIVersion is OpenSLO v1: SLO, SLI, Service, DataSource,
	// AlertPolicy, AlertCondition and AlertNotificationTarget.
	OpenSLOAPIVersion = "openslo/v1"
	// OpenSLOV1AlphaAPIVersion is OpenSLO v1alpha as Sloth reads it: an
	// SLO whose objectives each hold ratioMetrics.
	OpenSLOV1AlphaAPIVersion = "openslo/v1alpha"
)

// OpenSLOAPIVersions are the OpenSLO versions kiban reads.
var OpenSLOAPIVersions = []string{OpenSLOAPIVersion, OpenSLOV1AlphaAPIVersion}

// Kinds of OpenSLO objects.
const (
	osloSLO            = "SLO"
	osloSLI            = "SLI"
	osloService        = "Service"
	osloDataSource     = "DataSource"
	osloAlertPolicy    = "AlertPolicy"
	osloAlertCondition = "AlertCondition"
	osloAlertTarget    = "AlertNotificationTarget"
)

var (
	osloKinds      = []string{osloAlertCondition, osloAlertTarget, osloAlertPolicy, osloDataSource, osloSLI, osloSLO, osloService}
	osloAlphaKinds = []string{osloSLO, osloService}
)

// How OpenSLO maps to kiban. The choices, in one place:
//
//   - One objective is one SLO, named after metadata.name. Several
//     objectives without compositeWeight (or objective-level indicators)
//     are one SLO each, named <name>-<objective displayName or index>.
//     OpenSLO v1alpha objectives are always <name>-<index>, as Sloth names
//     them (sloth_id svc01-slo1-0), and have no alerts, as Sloth gives
//     them none, so that the rules are Sloth's.
//   - Several objectives with compositeWeight, or with their own
//     indicator, are a composite: a Journey whose steps are the
//     objectives, combined as a weightedAverage (OpenSLO composites weigh
//     the objectives' ratios, not their events), and one SLO targeting
//     the journey with the first objective's target.
//   - Targets are percentages: target (a ratio) is multiplied by 100 as
//     written, targetPercent is kept.
//   - timeWindow[0] with isRolling is window.rolling (a month, quarter or
//     year as 30, 90 or 365 days); a calendar 1w or 1M is a calendar week
//     or month with its time zone. No time window means kiban's default
//     period.
//   - Occurrences is occurrences; Timeslices and RatioTimeslices are
//     timeslices, timeSliceTarget the good slice threshold and
//     timeSliceWindow the slice length (a bare number is minutes).
//   - ratioMetric good or bad with total is a ratio SLI; raw with
//     rawType failure is a raw error ratio, with rawType success
//     1 - (query). thresholdMetric: see osloConverter.threshold.
//   - metadata.labels become the rules' labels; a list value is joined
//     with ",", and a key that is not a Prometheus label name has its
//     other characters replaced by "_".
//   - AlertPolicy, AlertCondition and AlertNotificationTarget are read
//     and checked, never used: kiban alerts with its multiwindow,
//     multi-burn-rate catalog. Service and DataSource resolve references.
//
// kiban blocks the tree only on what it evaluates. An SLO whose metric
// source is not PromQL, or whose query has no {{.window}} placeholder (the
// official examples use placeholders such as "Any" and fixed ranges), is
// skipped with a warning, and its other findings are warnings too; the
// alerting kinds, Services and DataSources never block; an SLI blocks
// only when an SLO that kiban evaluates uses it. Fields kiban does not
// know are warnings: OpenSLO grows, and kiban reads what it knows.

// osloMetadata is the metadata of every OpenSLO object.
type osloMetadata struct {
	Name        string `yaml:"name"`
	DisplayName string `yaml:"displayName"`
	// Labels are strings or lists of strings: read by osloLabels.
	Labels      any               `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type osloSLOSpec struct {
	Description     string           `yaml:"description"`
	Service         string           `yaml:"service"`
	Indicator       *osloIndicator   `yaml:"indicator"`
	IndicatorRef    string           `yaml:"indicatorRef"`
	TimeWindow      []osloTimeWindow `yaml:"timeWindow"`
	BudgetingMethod string           `yaml:"budgetingMethod"`
	Objectives      []osloObjective  `yaml:"objectives"`
	// AlertPolicies are read apart (osloDoc.alertPolicies): alerting
	// never blocks the tree.
	AlertPolicies any `yaml:"alertPolicies"`
}

// osloIndicator is an SLI written inline.
type osloIndicator struct {
	Metadata osloMetadata `yaml:"metadata"`
	Spec     osloSLISpec  `yaml:"spec"`
}

type osloSLISpec struct {
	Description     string           `yaml:"description"`
	ThresholdMetric *osloMetric      `yaml:"thresholdMetric"`
	RatioMetric     *osloRatioMetric `yaml:"ratioMetric"`
}

type osloRatioMetric struct {
	Counter bool        `yaml:"counter"`
	Good    *osloMetric `yaml:"good"`
	Bad     *osloMetric `yaml:"bad"`
	Total   *osloMetric `yaml:"total"`
	RawType string      `yaml:"rawType"`
	Raw     *osloMetric `yaml:"raw"`
}

type osloMetric struct {
	MetricSource osloMetricSource `yaml:"metricSource"`
}

type osloMetricSource struct {
	MetricSourceRef string `yaml:"metricSourceRef"`
	Type            string `yaml:"type"`
	// Spec is the source's own: kiban reads query (or promql).
	Spec map[string]any `yaml:"spec"`
}

type osloTimeWindow struct {
	Duration  string        `yaml:"duration"`
	IsRolling *bool         `yaml:"isRolling"`
	Calendar  *osloCalendar `yaml:"calendar"`
}

type osloCalendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type osloObjective struct {
	DisplayName     string         `yaml:"displayName"`
	Op              string         `yaml:"op"`
	Value           *float64       `yaml:"value"`
	Target          *float64       `yaml:"target"`
	TargetPercent   *float64       `yaml:"targetPercent"`
	TimeSliceTarget *float64       `yaml:"timeSliceTarget"`
	TimeSliceWindow string         `yaml:"timeSliceWindow"`
	Indicator       *osloIndicator `yaml:"indicator"`
	IndicatorRef    string         `yaml:"indicatorRef"`
	CompositeWeight *float64       `yaml:"compositeWeight"`
}

type osloServiceSpec struct {
	Description string `yaml:"description"`
}

type osloDataSourceSpec struct {
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
	// ConnectionDetails are the source's own (a mapping or a list).
	ConnectionDetails any `yaml:"connectionDetails"`
}

type osloAlertPolicySpec struct {
	Description         string              `yaml:"description"`
	AlertWhenNoData     bool                `yaml:"alertWhenNoData"`
	AlertWhenResolved   bool                `yaml:"alertWhenResolved"`
	AlertWhenBreaching  bool                `yaml:"alertWhenBreaching"`
	Conditions          []osloConditionItem `yaml:"conditions"`
	NotificationTargets []osloTargetItem    `yaml:"notificationTargets"`
}

// osloConditionItem is a reference to an AlertCondition or one inline.
type osloConditionItem struct {
	ConditionRef string                  `yaml:"conditionRef"`
	Kind         string                  `yaml:"kind"`
	Metadata     osloMetadata            `yaml:"metadata"`
	Spec         *osloAlertConditionSpec `yaml:"spec"`
}

type osloAlertConditionSpec struct {
	Description string            `yaml:"description"`
	Severity    string            `yaml:"severity"`
	Condition   osloConditionBody `yaml:"condition"`
}

type osloConditionBody struct {
	Kind           string   `yaml:"kind"`
	Op             string   `yaml:"op"`
	Threshold      *float64 `yaml:"threshold"`
	LookbackWindow string   `yaml:"lookbackWindow"`
	AlertAfter     string   `yaml:"alertAfter"`
}

// osloTargetItem is a reference to an AlertNotificationTarget or one
// inline.
type osloTargetItem struct {
	TargetRef string          `yaml:"targetRef"`
	Kind      string          `yaml:"kind"`
	Metadata  osloMetadata    `yaml:"metadata"`
	Spec      *osloTargetSpec `yaml:"spec"`
}

type osloTargetSpec struct {
	Description string `yaml:"description"`
	Target      string `yaml:"target"`
}

// osloSLOAlertPolicy is an item of an SLO's alertPolicies: a reference
// or an AlertPolicy inline.
type osloSLOAlertPolicy struct {
	AlertPolicyRef string               `yaml:"alertPolicyRef"`
	Kind           string               `yaml:"kind"`
	Metadata       osloMetadata         `yaml:"metadata"`
	Spec           *osloAlertPolicySpec `yaml:"spec"`
}

// OpenSLO v1alpha, as github.com/OpenSLO/oslo defines it and Sloth reads
// it.
type osloAlphaSLOSpec struct {
	Description     string               `yaml:"description"`
	Service         string               `yaml:"service"`
	Indicator       *osloAlphaIndicator  `yaml:"indicator"`
	TimeWindows     []osloAlphaWindow    `yaml:"timeWindows"`
	BudgetingMethod string               `yaml:"budgetingMethod"`
	Objectives      []osloAlphaObjective `yaml:"objectives"`
}

type osloAlphaIndicator struct {
	ThresholdMetric *osloAlphaMetric `yaml:"thresholdMetric"`
}

type osloAlphaMetric struct {
	Source    string `yaml:"source"`
	QueryType string `yaml:"queryType"`
	Query     string `yaml:"query"`
}

type osloAlphaObjective struct {
	DisplayName     string          `yaml:"displayName"`
	Value           *float64        `yaml:"value"`
	Op              string          `yaml:"op"`
	RatioMetrics    *osloAlphaRatio `yaml:"ratioMetrics"`
	Target          *float64        `yaml:"target"`
	TimeSliceTarget *float64        `yaml:"timeSliceTarget"`
}

type osloAlphaRatio struct {
	Good        *osloAlphaMetric `yaml:"good"`
	Total       *osloAlphaMetric `yaml:"total"`
	Counter     bool             `yaml:"counter"`
	Incremental bool             `yaml:"incremental"`
}

type osloAlphaWindow struct {
	Unit      string        `yaml:"unit"`
	Count     int           `yaml:"count"`
	IsRolling *bool         `yaml:"isRolling"`
	Calendar  *osloCalendar `yaml:"calendar"`
}

// osloDoc is one OpenSLO object as read. Objects refer to each other
// across files, so they become kiban SLOs once the whole tree is read
// (builder.convertOpenSLO).
type osloDoc struct {
	apiVersion, kind string
	meta             osloMetadata
	labels           map[string]string // metadata.labels, lists joined
	labelKeys        []string          // label keys in document order
	src              Source
	// diags were found while reading the document; whether they block
	// the tree is settled once the tree is read.
	diags Diagnostics

	slo           *osloSLOSpec
	alertPolicies []osloSLOAlertPolicy
	alpha         *osloAlphaSLOSpec
	sli           *osloSLISpec
	service       *osloServiceSpec
	dataSource    *osloDataSourceSpec
	policy        *osloAlertPolicySpec
	condition     *osloAlertConditionSpec
	target        *osloTargetSpec
}

// isOpenSLOList reports whether a YAML list holds OpenSLO objects, as
// the OpenSLO Go SDK writes several objects to one file.
func isOpenSLOList(seq *ast.SequenceNode) bool {
	if len(seq.Values) == 0 {
		return false
	}
	mv := mappingValue(seq.Values[0], "apiVersion")
	if mv == nil {
		return false
	}
	v, _ := scalarText(unwrap(mv.Value))
	return strings.HasPrefix(v, "openslo/")
}

// parseOpenSLOList reads each item of a list of OpenSLO objects as a
// document.
func (r *fileResult) parseOpenSLOList(file string, seq *ast.SequenceNode) {
	r.docs += len(seq.Values) - 1 // the list was counted as one document
	for _, item := range seq.Values {
		item = unwrap(item)
		if _, nested := item.(*ast.SequenceNode); nested {
			p := nodePos(item)
			r.diags = append(r.diags, Diagnostic{File: file, Line: p.Line, Col: p.Col, Severity: SeverityError,
				Message: "expected an OpenSLO object (a mapping with apiVersion, kind, metadata and spec), found a list"})
			continue
		}
		r.parseDoc(file, item)
	}
}

// mappingValue returns the entry of a mapping with the given key, or nil.
func mappingValue(n ast.Node, key string) *ast.MappingValueNode {
	m, ok := unwrap(n).(*ast.MappingNode)
	if !ok {
		return nil
	}
	for _, mv := range m.Values {
		if k, ok := scalarText(unwrap(mv.Key)); ok && k == key {
			return mv
		}
	}
	return nil
}

// osloDecode decodes like decode, but an unknown field is a warning:
// OpenSLO grows, and kiban reads the fields it knows.
func osloDecode(d *decoder, node ast.Node, ptr any, path string) {
	var found Diagnostics
	saved, strict := d.diags, d.strict
	d.diags, d.strict = &found, true
	d.decode(node, reflectValue(ptr), path)
	d.diags, d.strict = saved, strict
	for _, x := range found {
		if strings.HasPrefix(x.Message, "unknown field ") {
			x.Severity = SeverityWarning
			x.Message = "ignored " + x.Message
		}
		*d.diags = append(*d.diags, x)
	}
}

// osloDecodeWarn decodes a part that must never block the tree (alert
// policies): every finding is a warning.
func osloDecodeWarn(d *decoder, node ast.Node, ptr any, path string) {
	var found Diagnostics
	saved := d.diags
	d.diags = &found
	osloDecode(d, node, ptr, path)
	d.diags = saved
	*d.diags = append(*d.diags, demote(found)...)
}

func demote(ds Diagnostics) Diagnostics {
	for i := range ds {
		ds[i].Severity = SeverityWarning
	}
	return ds
}

// parseOpenSLO reads an OpenSLO object.
func (r *fileResult) parseOpenSLO(d *decoder, env envelope, src Source) {
	kinds := osloKinds
	if env.apiVersion == OpenSLOV1AlphaAPIVersion {
		kinds = osloAlphaKinds
	}
	if !slices.Contains(kinds, env.kind) {
		d.errorf(env.fields["kind"].Value, "kind", "unknown kind %q for %s%s", env.kind, env.apiVersion, expectedFields(env.kind, kinds))
		return
	}
	doc := &osloDoc{apiVersion: env.apiVersion, kind: env.kind, src: src}
	r.openslo = append(r.openslo, doc)
	d.diags = &doc.diags
	missing := func(field string) {
		doc.diags = append(doc.diags, Diagnostic{File: src.File, Line: src.Line, Col: 1, Severity: SeverityError,
			Message: fmt.Sprintf("missing field %q", field)})
	}
	for _, key := range sortedKeys(env.fields) {
		switch key {
		case "apiVersion", "kind", "metadata", "spec":
		default:
			p := nodePos(env.fields[key].Key)
			doc.diags = append(doc.diags, Diagnostic{File: src.File, Line: p.Line, Col: p.Col, Path: key, Severity: SeverityWarning,
				Message: fmt.Sprintf("ignored unknown field %q%s", key, expectedFields(key, []string{"apiVersion", "kind", "metadata", "spec"}))})
		}
	}
	if mv, ok := env.fields["metadata"]; ok {
		osloDecode(d, mv.Value, &doc.meta, "metadata")
		d.keyPos(mv, "metadata")
		doc.labels, doc.labelKeys = osloLabels(d, mv.Value)
	} else {
		missing("metadata")
	}
	var spec ast.Node
	mv, ok := env.fields["spec"]
	if ok {
		spec = mv.Value
	} else if env.kind != osloService {
		missing("spec")
	}
	var target any
	switch {
	case env.kind == osloSLO && env.apiVersion == OpenSLOV1AlphaAPIVersion:
		doc.alpha = &osloAlphaSLOSpec{}
		target = doc.alpha
	case env.kind == osloSLO:
		doc.slo = &osloSLOSpec{}
		target = doc.slo
	case env.kind == osloSLI:
		doc.sli = &osloSLISpec{}
		target = doc.sli
	case env.kind == osloService:
		doc.service = &osloServiceSpec{}
		target = doc.service
	case env.kind == osloDataSource:
		doc.dataSource = &osloDataSourceSpec{}
		target = doc.dataSource
	case env.kind == osloAlertPolicy:
		doc.policy = &osloAlertPolicySpec{}
		target = doc.policy
	case env.kind == osloAlertCondition:
		doc.condition = &osloAlertConditionSpec{}
		target = doc.condition
	case env.kind == osloAlertTarget:
		doc.target = &osloTargetSpec{}
		target = doc.target
	}
	if spec == nil {
		return
	}
	osloDecode(d, spec, target, "spec")
	d.keyPos(mv, "spec")
	if doc.slo != nil {
		if ap := mappingValue(spec, "alertPolicies"); ap != nil {
			osloDecodeWarn(d, ap.Value, &doc.alertPolicies, "spec.alertPolicies")
			d.keyPos(ap, "spec.alertPolicies")
		}
	}
}

// osloLabels reads metadata.labels, whose values are strings or, in
// OpenSLO v1, lists of strings (joined with ",").
func osloLabels(d *decoder, meta ast.Node) (map[string]string, []string) {
	mv := mappingValue(meta, "labels")
	if mv == nil {
		return nil, nil
	}
	const path = "metadata.labels"
	var m *ast.MappingNode
	switch n := unwrap(mv.Value).(type) {
	case *ast.NullNode:
		return nil, nil
	case *ast.MappingNode:
		m = n
	default:
		d.errorf(n, path, "expected a mapping of names to values, found %s", nodeKind(n))
		return nil, nil
	}
	out := map[string]string{}
	var keys []string
	for key, kv := range d.entries(m, path, joinKey) {
		p := joinKey(path, key)
		d.pos[p] = nodePos(kv.Value)
		switch v := unwrap(kv.Value).(type) {
		case *ast.NullNode:
			out[key] = ""
		case *ast.SequenceNode:
			parts := make([]string, 0, len(v.Values))
			for i, item := range v.Values {
				s, ok := scalarText(unwrap(item))
				if !ok {
					d.errorf(item, fmt.Sprintf("%s[%d]", p, i), "expected a string, found %s", nodeKind(unwrap(item)))
					continue
				}
				parts = append(parts, s)
			}
			out[key] = strings.Join(parts, ",")
		default:
			s, ok := scalarText(v)
			if !ok {
				d.errorf(kv.Value, p, "expected a string or a list of strings, found %s", nodeKind(v))
				continue
			}
			out[key] = s
		}
		keys = append(keys, key)
	}
	return out, keys
}

// osloReport collects what converting one SLO finds. When kiban cannot
// evaluate the SLO, skip holds the first reason, and the other findings
// become warnings.
type osloReport struct {
	diags Diagnostics
	skip  *Diagnostic
}

func (r *osloReport) add(sev Severity, src Source, path, format string, args ...any) {
	p := src.PosOf(path)
	r.diags = append(r.diags, Diagnostic{
		File: src.File, Line: p.Line, Col: p.Col, Path: path,
		Severity: sev, Message: fmt.Sprintf(format, args...),
	})
}

func (r *osloReport) errorf(src Source, path, format string, args ...any) {
	r.add(SeverityError, src, path, format, args...)
}

func (r *osloReport) warnf(src Source, path, format string, args ...any) {
	r.add(SeverityWarning, src, path, format, args...)
}

// skipf records why kiban will not evaluate the SLO (the first reason
// only).
func (r *osloReport) skipf(src Source, path, format string, args ...any) {
	if r.skip != nil {
		return
	}
	p := src.PosOf(path)
	r.skip = &Diagnostic{File: src.File, Line: p.Line, Col: p.Col, Path: path, Severity: SeverityWarning, Message: fmt.Sprintf(format, args...)}
}

func (r *osloReport) hasErrors() bool { return r.diags.HasErrors() }

// osloConverter turns the OpenSLO objects of a tree into kiban SLOs and
// journeys.
type osloConverter struct {
	b      *builder
	byKind map[string]map[string]*osloDoc // v1 objects by kind and name
	used   map[*osloDoc]bool              // SLIs used by an SLO kiban evaluates
	// dupSLIs are the other definitions of SLI names defined twice: a
	// reference to them is ambiguous.
	dupSLIs map[string][]Source
	seen    map[Diagnostic]bool
	promql  parser.Parser
}

// convertOpenSLO converts the OpenSLO objects read, once every file is
// read: an SLO may refer to an SLI or a DataSource of another file.
func (b *builder) convertOpenSLO() {
	if len(b.openslo) == 0 {
		return
	}
	cv := &osloConverter{
		b:       b,
		byKind:  map[string]map[string]*osloDoc{},
		used:    map[*osloDoc]bool{},
		dupSLIs: map[string][]Source{},
		seen:    map[Diagnostic]bool{},
		promql:  parser.NewParser(parser.Options{}),
	}
	cv.index()
	for _, doc := range b.openslo {
		if doc.kind != osloSLO {
			continue
		}
		rep := &osloReport{diags: doc.diags}
		var slos []*SLO
		var journeys []*Journey
		var slis []*osloDoc
		if doc.alpha != nil {
			slos = cv.alphaSLO(doc, rep)
		} else if doc.slo != nil {
			slos, journeys, slis = cv.slo(doc, rep)
		}
		switch {
		case rep.skip != nil:
			demote(rep.diags)
			skip := *rep.skip
			skip.Message += fmt.Sprintf("; SLO %q is skipped", doc.meta.Name)
			rep.diags = append(rep.diags, skip)
		case !rep.hasErrors():
			b.slos = append(b.slos, slos...)
			b.journeys = append(b.journeys, journeys...)
			fallthrough
		default:
			for _, s := range slis {
				cv.used[s] = true
			}
		}
		cv.emit(rep.diags)
	}
	for _, doc := range b.openslo {
		switch {
		case doc.kind == osloSLO:
		case doc.kind == osloSLI && cv.used[doc]:
			cv.emit(doc.diags)
		default:
			// Objects kiban does not evaluate never block the tree.
			cv.emit(demote(doc.diags))
		}
	}
}

func (cv *osloConverter) emit(ds Diagnostics) {
	for _, d := range ds {
		if cv.seen[d] {
			continue
		}
		cv.seen[d] = true
		cv.b.diags = append(cv.b.diags, d)
	}
}

// index files the v1 objects by kind and name, and checks the objects
// kiban does not evaluate.
func (cv *osloConverter) index() {
	for _, doc := range cv.b.openslo {
		if doc.kind == osloSLO {
			continue
		}
		name := doc.meta.Name
		if name == "" {
			doc.diags = append(doc.diags, osloDiag(SeverityError, doc.src, "metadata", "missing field \"name\""))
			continue
		}
		names := cv.byKind[doc.kind]
		if names == nil {
			names = map[string]*osloDoc{}
			cv.byKind[doc.kind] = names
		}
		if prev, dup := names[name]; dup {
			doc.diags = append(doc.diags, osloDiag(SeverityWarning, doc.src, "metadata.name", "duplicate %s %q; first defined at %s; this one is ignored", doc.kind, name, where(prev.src)))
			if doc.kind == osloSLI {
				cv.dupSLIs[name] = append(cv.dupSLIs[name], doc.src)
			}
			continue
		}
		names[name] = doc
	}
	for _, doc := range cv.b.openslo {
		rep := &osloReport{}
		switch {
		case doc.dataSource != nil && doc.dataSource.Type == "":
			rep.warnf(doc.src, "spec", "missing field \"type\" (such as Prometheus)")
		case doc.condition != nil:
			cv.condition(doc.src, doc.condition, "spec", rep)
		case doc.policy != nil:
			cv.policy(doc.src, doc.policy, "spec", rep)
		case doc.target != nil && doc.target.Target == "":
			rep.warnf(doc.src, "spec", "missing field \"target\" (such as email or slack)")
		}
		doc.diags = append(doc.diags, demote(rep.diags)...)
	}
}

func osloDiag(sev Severity, src Source, path, format string, args ...any) Diagnostic {
	var r osloReport
	r.add(sev, src, path, format, args...)
	return r.diags[0]
}

// condition checks an alert condition. kiban does not use it: its alerts
// come from the multiwindow, multi-burn-rate catalog.
func (cv *osloConverter) condition(src Source, c *osloAlertConditionSpec, path string, rep *osloReport) {
	if c.Severity == "" {
		rep.warnf(src, path, "missing field \"severity\"")
	}
	switch c.Condition.Kind {
	case "burnrate", "":
		rep.warnf(src, path+".condition", "burn-rate condition not used: kiban alerts on every SLO with its multiwindow, multi-burn-rate catalog (a page and a ticket alert)")
	default:
		rep.warnf(src, path+".condition.kind", "unknown condition kind %q; expected burnrate (not used: kiban alerts with its multiwindow, multi-burn-rate catalog)", c.Condition.Kind)
	}
}

// policy checks an alert policy and its references.
func (cv *osloConverter) policy(src Source, p *osloAlertPolicySpec, path string, rep *osloReport) {
	for i, c := range p.Conditions {
		cp := fmt.Sprintf("%s.conditions[%d]", path, i)
		switch {
		case c.ConditionRef != "":
			cv.ref(src, cp+".conditionRef", osloAlertCondition, c.ConditionRef, rep)
		case c.Spec != nil:
			if c.Kind != osloAlertCondition {
				rep.warnf(src, cp, "an inline condition has kind: %s", osloAlertCondition)
			}
			cv.condition(src, c.Spec, cp+".spec", rep)
		default:
			rep.warnf(src, cp, "expected conditionRef or an inline AlertCondition")
		}
	}
	for i, t := range p.NotificationTargets {
		tp := fmt.Sprintf("%s.notificationTargets[%d]", path, i)
		switch {
		case t.TargetRef != "":
			cv.ref(src, tp+".targetRef", osloAlertTarget, t.TargetRef, rep)
		case t.Spec != nil:
			if t.Kind != osloAlertTarget {
				rep.warnf(src, tp, "an inline notification target has kind: %s", osloAlertTarget)
			}
			if t.Spec.Target == "" {
				rep.warnf(src, tp+".spec", "missing field \"target\" (such as email or slack)")
			}
		default:
			rep.warnf(src, tp, "expected targetRef or an inline AlertNotificationTarget")
		}
	}
}

// ref warns when a reference to an object kiban does not use is dangling.
func (cv *osloConverter) ref(src Source, path, kind, name string, rep *osloReport) {
	if _, ok := cv.byKind[kind][name]; !ok {
		rep.warnf(src, path, "%s %q is not defined in the tree%s", kind, name, suggest(name, cv.byKind[kind]))
	}
}

// osloSLIRef is the SLI of an objective: inline in the SLO, or an SLI
// object found by its name.
type osloSLIRef struct {
	name string
	spec *osloSLISpec
	src  Source // where the SLI is written
	base string // path of the SLI's spec in src
	// doc is the SLI object, and ref the path of the indicatorRef in
	// the SLO; nil and "" for an inline SLI.
	doc *osloDoc
	ref string
}

// indicator resolves an inline indicator or an indicatorRef found at
// path (spec or spec.objectives[i]).
func (cv *osloConverter) indicator(doc *osloDoc, inline *osloIndicator, ref, path string, rep *osloReport) (osloSLIRef, bool) {
	switch {
	case inline != nil && ref != "":
		rep.errorf(doc.src, path+".indicatorRef", "indicator and indicatorRef are mutually exclusive")
	case inline != nil:
		return osloSLIRef{name: inline.Metadata.Name, spec: &inline.Spec, src: doc.src, base: path + ".indicator.spec"}, true
	case ref != "":
		sli, ok := cv.byKind[osloSLI][ref]
		if !ok || sli.sli == nil {
			rep.errorf(doc.src, path+".indicatorRef", "indicatorRef %q is not an SLI defined in the tree%s", ref, suggest(ref, cv.byKind[osloSLI]))
			return osloSLIRef{}, false
		}
		if dups := cv.dupSLIs[ref]; len(dups) > 0 {
			rep.errorf(doc.src, path+".indicatorRef", "indicatorRef %q is ambiguous: SLI %q is defined at %s and at %s", ref, ref, where(sli.src), where(dups[0]))
			return osloSLIRef{}, false
		}
		return osloSLIRef{name: ref, spec: sli.sli, src: sli.src, base: "spec", doc: sli, ref: path + ".indicatorRef"}, true
	}
	return osloSLIRef{}, false
}

// osloPaths maps the fields of a kiban SLO or journey to their OpenSLO
// paths.
type osloPaths map[string]string

// sli records where the fields of an SLI (under prefix, such as "sli" or
// "steps[0].sli") are written. An SLI of another object is reported at
// the SLO's indicatorRef.
func (p osloPaths) sli(prefix string, ind osloSLIRef, fields map[string]string) {
	for f, at := range fields {
		if ind.ref != "" {
			at = ind.ref
		}
		p[prefix+f] = at
	}
}

// slo converts an OpenSLO v1 SLO.
func (cv *osloConverter) slo(doc *osloDoc, rep *osloReport) ([]*SLO, []*Journey, []*osloDoc) {
	spec, src, name := doc.slo, doc.src, doc.meta.Name
	if name == "" {
		rep.errorf(src, "metadata", "missing field \"name\"")
	}
	if spec.Service == "" {
		rep.errorf(src, "spec", "missing field \"service\"")
	}
	cv.sloAlerting(doc, rep)
	if len(spec.Objectives) == 0 {
		rep.errorf(src, "spec", "missing field \"objectives\": an SLO needs at least one objective with a target")
		return nil, nil, nil
	}
	window, windowPath := cv.window(doc, rep)
	method := cv.budgetingMethod(src, spec.BudgetingMethod, "spec.budgetingMethod", rep)

	// The SLI of each objective: the SLO's, or the objective's own in a
	// composite.
	objectiveLevel := slices.ContainsFunc(spec.Objectives, func(o osloObjective) bool { return o.Indicator != nil || o.IndicatorRef != "" })
	sloLevel := spec.Indicator != nil || spec.IndicatorRef != ""
	refs := make([]osloSLIRef, len(spec.Objectives))
	ok := true
	switch {
	case sloLevel && objectiveLevel:
		rep.errorf(src, "spec", "indicator or indicatorRef is set on spec (a standard SLO) or on every objective (a composite SLO), not both")
		return nil, nil, nil
	case sloLevel:
		ind, found := cv.indicator(doc, spec.Indicator, spec.IndicatorRef, "spec", rep)
		for i := range refs {
			refs[i] = ind
		}
		ok = found
	case objectiveLevel:
		for i, o := range spec.Objectives {
			p := fmt.Sprintf("spec.objectives[%d]", i)
			if o.Indicator == nil && o.IndicatorRef == "" {
				rep.errorf(src, p, "missing indicator: in a composite SLO every objective has its own indicator or indicatorRef")
				ok = false
				continue
			}
			ind, found := cv.indicator(doc, o.Indicator, o.IndicatorRef, p, rep)
			refs[i] = ind
			ok = ok && found
		}
	default:
		rep.errorf(src, "spec", "missing indicator: set spec.indicator (an SLI inline) or spec.indicatorRef (the name of an SLI)")
		return nil, nil, nil
	}
	if !ok {
		return nil, nil, nil
	}
	var slis []*osloDoc
	for _, r := range refs {
		if r.doc != nil && !slices.Contains(slis, r.doc) {
			slis = append(slis, r.doc)
		}
	}

	labels := cv.labels(doc, rep)
	composite := len(spec.Objectives) > 1 && (objectiveLevel ||
		slices.ContainsFunc(spec.Objectives, func(o osloObjective) bool { return o.CompositeWeight != nil }))
	names := objectiveNames(spec.Objectives, refs, composite)

	// One objective: its target, budgeting and SLI.
	type objective struct {
		percent    float64
		targetPath string
		budgeting  Budgeting
		sli        *SLI
		sliPaths   map[string]string
	}
	objs := make([]objective, len(spec.Objectives))
	ratioWarned := false
	for i, o := range spec.Objectives {
		p := fmt.Sprintf("spec.objectives[%d]", i)
		pct, tp := cv.target(src, o.Target, o.TargetPercent, p, rep)
		bm := cv.budgeting(src, spec.BudgetingMethod, method, o.TimeSliceTarget, o.TimeSliceWindow, "", p, rep)
		if spec.BudgetingMethod == "RatioTimeslices" && o.TimeSliceTarget != nil && !ratioWarned {
			ratioWarned = true
			rep.warnf(src, "spec.budgetingMethod", "RatioTimeslices is read as Timeslices: kiban counts the slices whose ratio reaches timeSliceTarget, where OpenSLO averages the slices' ratios")
		}
		sli, sp := cv.sli(refs[i], o, p, src, rep)
		objs[i] = objective{percent: pct, targetPath: tp, budgeting: bm, sli: sli, sliPaths: sp}
	}

	base := func(s *SLO) {
		s.Source = src
		s.Annotations = doc.meta.Annotations
		s.Spec.Service = spec.Service
		s.Spec.Description = spec.Description
		s.Spec.Window = window
		s.Spec.Labels = labels
		s.paths = osloPaths{
			"":            "spec",
			"name":        "metadata.name",
			"service":     "spec.service",
			"description": "spec.description",
			"labels":      "metadata.labels",
			"alerting":    "spec.alertPolicies",
			"journey":     "spec.objectives",
			"budgeting":   "spec.budgetingMethod",
		}
		s.paths["budgeting.method"] = "spec.budgetingMethod"
		s.paths["window"] = windowPath
		s.paths["window.rolling"] = windowPath + ".duration"
		s.paths["window.calendar"] = windowPath + ".duration"
		s.paths["window.timeZone"] = windowPath + ".calendar.timeZone"
	}
	objectivePaths := func(s *SLO, i int, o objective) {
		p := fmt.Sprintf("spec.objectives[%d]", i)
		s.paths["objective"] = o.targetPath
		s.paths["budgeting.sliceLength"] = p + ".timeSliceWindow"
		s.paths["budgeting.goodSliceThreshold"] = p + ".timeSliceTarget"
	}

	if composite {
		j := &Journey{Source: src}
		j.Name, j.Title = name, doc.meta.DisplayName
		j.Spec = JourneySpec{Service: spec.Service, Description: spec.Description, Combine: CombineWeightedAverage}
		jp := osloPaths{"": "spec.objectives", "service": "spec.service", "combine": "spec.objectives", "steps": "spec.objectives"}
		for i, o := range spec.Objectives {
			p := fmt.Sprintf("spec.objectives[%d]", i)
			st := fmt.Sprintf("steps[%d]", i)
			w := 1.0
			if o.CompositeWeight != nil {
				w = *o.CompositeWeight
			}
			j.Spec.Steps = append(j.Spec.Steps, JourneyStep{Name: names[i], Description: o.DisplayName, Weight: w, SLI: objs[i].sli})
			jp[st] = p
			jp[st+".name"] = p + ".displayName"
			jp[st+".weight"] = p + ".compositeWeight"
			jp.sli(st+".sli", refs[i], objs[i].sliPaths)
		}
		j.paths = jp
		first := objs[0]
		for i, o := range objs[1:] {
			if o.percent != first.percent && o.targetPath != "" && first.targetPath != "" {
				rep.warnf(src, o.targetPath, "the objectives of a composite SLO have different targets; kiban's SLO of the journey uses the first, %s", formatPercent(first.percent))
			}
			if o.budgeting != first.budgeting {
				rep.warnf(src, fmt.Sprintf("spec.objectives[%d]", i+1), "the objectives of a composite SLO have different time slices; kiban's SLO of the journey uses the first objective's")
			}
		}
		s := &SLO{}
		base(s)
		s.Name, s.Title = name, doc.meta.DisplayName
		s.Spec.Objective = first.percent
		s.Spec.Budgeting = first.budgeting
		s.Spec.Journey = name
		objectivePaths(s, 0, first)
		return []*SLO{s}, []*Journey{j}, slis
	}

	var slos []*SLO
	for i, o := range objs {
		s := &SLO{}
		base(s)
		s.Name, s.Title = name, doc.meta.DisplayName
		if len(objs) > 1 {
			p := fmt.Sprintf("spec.objectives[%d]", i)
			s.Name = name + "-" + names[i]
			s.Title = joinTitle(doc.meta.DisplayName, spec.Objectives[i].DisplayName)
			s.Source.Line = src.PosOf(p).Line
			s.paths[""] = p
		}
		s.Spec.Objective = o.percent
		s.Spec.Budgeting = o.budgeting
		s.Spec.SLI = o.sli
		objectivePaths(s, i, o)
		osloPaths(s.paths).sli("sli", refs[i], o.sliPaths)
		slos = append(slos, s)
	}
	return slos, nil, slis
}

func joinTitle(slo, objective string) string {
	switch {
	case slo == "":
		return objective
	case objective == "":
		return slo
	}
	return slo + ": " + objective
}

// objectiveNames names the objectives: their displayName as a name
// (lower case, '-' for other characters) when it is there and unique;
// a composite's step falls back on its SLI's name; else the index.
func objectiveNames(objs []osloObjective, refs []osloSLIRef, composite bool) []string {
	names := make([]string, len(objs))
	count := map[string]int{}
	for i, o := range objs {
		n := slug(o.DisplayName)
		if n == "" && composite {
			n = slug(refs[i].name)
		}
		names[i] = n
		count[n]++
	}
	for i, n := range names {
		if n == "" || count[n] > 1 {
			names[i] = strconv.Itoa(i)
		}
	}
	return names
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// labels turns metadata.labels into rule labels.
func (cv *osloConverter) labels(doc *osloDoc, rep *osloReport) map[string]string {
	if len(doc.labels) == 0 {
		return nil
	}
	out := make(map[string]string, len(doc.labels))
	for _, k := range doc.labelKeys {
		name := promLabelName(k)
		p := joinKey("metadata.labels", k)
		if name != k {
			rep.warnf(doc.src, p, "label %q becomes %s: Prometheus label names hold letters, digits and '_'", k, name)
		}
		if _, dup := out[name]; dup {
			rep.warnf(doc.src, p, "label %q is ignored: another label is already named %s", k, name)
			continue
		}
		out[name] = doc.labels[k]
	}
	return out
}

// promLabelName turns a label key into a Prometheus label name.
func promLabelName(k string) string {
	if labelNameRE.MatchString(k) {
		return k
	}
	var b strings.Builder
	for i, r := range k {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// sloAlerting checks an SLO's alert policies; kiban does not use them.
func (cv *osloConverter) sloAlerting(doc *osloDoc, rep *osloReport) {
	for i, ap := range doc.alertPolicies {
		p := fmt.Sprintf("spec.alertPolicies[%d]", i)
		switch {
		case ap.AlertPolicyRef != "":
			cv.ref(doc.src, p+".alertPolicyRef", osloAlertPolicy, ap.AlertPolicyRef, rep)
		case ap.Spec != nil:
			if ap.Kind != osloAlertPolicy {
				rep.warnf(doc.src, p, "an inline alert policy has kind: %s", osloAlertPolicy)
			}
			cv.policy(doc.src, ap.Spec, p+".spec", rep)
		default:
			rep.warnf(doc.src, p, "expected alertPolicyRef or an inline AlertPolicy")
		}
	}
}

// target returns an objective's target in percent and where it is
// written.
func (cv *osloConverter) target(src Source, target, percent *float64, p string, rep *osloReport) (float64, string) {
	switch {
	case target != nil && percent != nil:
		rep.errorf(src, p+".targetPercent", "target and targetPercent are mutually exclusive")
	case target != nil:
		t := *target
		if t >= 1 && t < 100 {
			rep.errorf(src, p+".target", "target %s is out of range; expected a ratio below 1 such as 0.999 (or targetPercent: %s)", fmtFloat(t), fmtFloat(t))
			return 0, p + ".target"
		}
		return percentOf(t), p + ".target"
	case percent != nil:
		return *percent, p + ".targetPercent"
	default:
		rep.errorf(src, p, "missing field \"target\" (a ratio such as 0.999) or \"targetPercent\" (such as 99.9)")
	}
	return 0, ""
}

// percentOf turns a ratio into a percentage as written: 0.999 is 99.9,
// where 0.999*100 would carry binary noise into the rules.
func percentOf(r float64) float64 {
	mant, exp, _ := strings.Cut(strconv.FormatFloat(r, 'e', -1, 64), "e")
	e, err := strconv.Atoi(exp)
	if err != nil {
		return r * 100
	}
	p, err := strconv.ParseFloat(mant+"e"+strconv.Itoa(e+2), 64)
	if err != nil {
		return r * 100
	}
	return p
}

// budgetingMethod maps an OpenSLO budgeting method to kiban's.
func (cv *osloConverter) budgetingMethod(src Source, m, path string, rep *osloReport) string {
	switch m {
	case "Occurrences":
		return BudgetingOccurrences
	case "Timeslices", "RatioTimeslices":
		return BudgetingTimeslices
	case "":
		rep.warnf(src, "spec", "missing field \"budgetingMethod\"; read as Occurrences")
		return BudgetingOccurrences
	}
	rep.errorf(src, path, "unknown budgetingMethod %q; expected Occurrences, Timeslices or RatioTimeslices", m)
	return ""
}

var durationShorthand = regexp.MustCompile(`^([0-9]+)([mhdwMQY])$`)

// budgeting returns an objective's budgeting: timeSliceTarget and
// timeSliceWindow are objective fields in OpenSLO.
// defaultSlice is the slice length when the document has no field for it
// (v1alpha); empty means that a missing timeSliceWindow is an error.
func (cv *osloConverter) budgeting(src Source, written, method string, sliceTarget *float64, sliceWindow, defaultSlice, p string, rep *osloReport) Budgeting {
	b := Budgeting{Method: method}
	if method != BudgetingTimeslices {
		if sliceTarget != nil || sliceWindow != "" {
			rep.warnf(src, p, "timeSliceTarget and timeSliceWindow apply to Timeslices budgeting; ignored")
		}
		return b
	}
	switch {
	case sliceTarget != nil:
		b.GoodSliceThreshold = *sliceTarget
	case written == "RatioTimeslices":
		rep.errorf(src, p, "missing field \"timeSliceTarget\": kiban cannot average the slices' ratios as RatioTimeslices does; it counts the slices whose ratio reaches timeSliceTarget")
	default:
		rep.errorf(src, p, "missing field \"timeSliceTarget\" (the ratio a slice needs to be good, such as 0.95)")
	}
	switch {
	case sliceWindow == "" && defaultSlice != "":
		b.SliceLength = defaultSlice
	case sliceWindow == "":
		rep.errorf(src, p, "missing field \"timeSliceWindow\" (the length of a slice, such as 1m)")
	case strings.Trim(sliceWindow, "0123456789") == "":
		b.SliceLength = sliceWindow + "m" // a bare number is minutes
	default:
		b.SliceLength = sliceWindow
	}
	return b
}

// osloWindowIn is an OpenSLO time window, v1 or v1alpha.
type osloWindowIn struct {
	path, durPath string
	text          string // the length as written, for messages: 28d, 1M
	n             int
	unit          string // m h d w M Q Y
	isRolling     *bool
	calendar      *osloCalendar
	// rollingByDefault reads a window with neither isRolling nor a
	// calendar as rolling without a warning (Sloth's v1alpha files).
	rollingByDefault bool
}

// window maps the first time window of a v1 SLO.
func (cv *osloConverter) window(doc *osloDoc, rep *osloReport) (SLOWindow, string) {
	tws := doc.slo.TimeWindow
	if len(tws) == 0 {
		rep.warnf(doc.src, "spec", "missing field \"timeWindow\"; kiban uses the default SLO period (30d, or kiban slo rules --default-period)")
		return SLOWindow{}, "spec"
	}
	if len(tws) > 1 {
		rep.warnf(doc.src, "spec.timeWindow[1]", "OpenSLO allows one time window; kiban uses the first")
	}
	tw := tws[0]
	in := osloWindowIn{path: "spec.timeWindow[0]", durPath: "spec.timeWindow[0].duration", text: tw.Duration, isRolling: tw.IsRolling, calendar: tw.Calendar}
	if tw.Duration == "" {
		rep.errorf(doc.src, in.path, "missing field \"duration\" (such as 28d, or 1M for a calendar month)")
		return SLOWindow{}, in.path
	}
	m := durationShorthand.FindStringSubmatch(tw.Duration)
	if m == nil {
		rep.errorf(doc.src, in.durPath, "invalid duration %q; expected a number and one of m, h, d, w, M, Q or Y, such as 28d or 1M", tw.Duration)
		return SLOWindow{}, in.path
	}
	in.n, _ = strconv.Atoi(m[1])
	in.unit = m[2]
	return cv.windowOf(doc.src, in, rep), in.path
}

// alphaWindow maps the first time window of a v1alpha SLO (count and
// unit).
func (cv *osloConverter) alphaWindow(doc *osloDoc, rep *osloReport) (SLOWindow, string) {
	tws := doc.alpha.TimeWindows
	if len(tws) == 0 {
		rep.warnf(doc.src, "spec", "missing field \"timeWindows\"; kiban uses the default SLO period (30d, or kiban slo rules --default-period)")
		return SLOWindow{}, "spec"
	}
	if len(tws) > 1 {
		rep.warnf(doc.src, "spec.timeWindows[1]", "OpenSLO allows one time window; kiban uses the first")
	}
	tw := tws[0]
	in := osloWindowIn{path: "spec.timeWindows[0]", durPath: "spec.timeWindows[0].unit", n: tw.Count, isRolling: tw.IsRolling, calendar: tw.Calendar, rollingByDefault: true}
	units := map[string]string{"minute": "m", "hour": "h", "day": "d", "week": "w", "month": "M", "quarter": "Q", "year": "Y"}
	in.unit = units[strings.ToLower(tw.Unit)]
	switch {
	case tw.Count <= 0:
		rep.errorf(doc.src, "spec.timeWindows[0].count", "count must be greater than 0")
		return SLOWindow{}, in.path
	case in.unit == "":
		rep.errorf(doc.src, in.durPath, "unknown unit %q; expected Day, Week, Month, Quarter or Year", tw.Unit)
		return SLOWindow{}, in.path
	}
	in.text = strconv.Itoa(tw.Count) + in.unit
	return cv.windowOf(doc.src, in, rep), in.path
}

func (cv *osloConverter) windowOf(src Source, in osloWindowIn, rep *osloReport) SLOWindow {
	var rolling bool
	switch {
	case in.isRolling != nil:
		rolling = *in.isRolling
	case in.calendar != nil:
		rolling = false // OpenSLO: assumed false when calendar is there
	default:
		rolling = true
		if !in.rollingByDefault {
			rep.warnf(src, in.path, "neither isRolling nor calendar is set; read as a rolling window")
		}
	}
	if rolling {
		if in.calendar != nil {
			rep.warnf(src, in.path+".calendar", "a rolling window has no calendar; ignored")
		}
		days := map[string]int{"M": 30, "Q": 90, "Y": 365}[in.unit]
		if days == 0 {
			return SLOWindow{Rolling: in.text}
		}
		w := strconv.Itoa(in.n*days) + "d"
		rep.warnf(src, in.durPath, "a rolling %s is read as %s", in.text, w)
		return SLOWindow{Rolling: w}
	}
	var w SLOWindow
	switch {
	case in.n == 1 && in.unit == "w":
		w.Calendar = "week"
	case in.n == 1 && in.unit == "M":
		w.Calendar = "month"
	default:
		hint := ""
		if in.unit == "m" {
			hint = fmt.Sprintf(" (m is minutes: a month is %dM)", in.n)
		}
		rep.errorf(src, in.durPath, "calendar window %s is not supported%s; kiban's calendar windows are 1w (a week from Monday) and 1M (a month)", in.text, hint)
		return SLOWindow{}
	}
	if in.calendar == nil {
		rep.warnf(src, in.path, "a calendar window without calendar (startTime, timeZone); kiban uses UTC")
		return w
	}
	w.TimeZone = in.calendar.TimeZone
	if st := in.calendar.StartTime; st != "" {
		t, err := time.Parse(time.DateTime, st)
		switch {
		case err != nil:
			rep.warnf(src, in.path+".calendar.startTime", "startTime %q is not a date and time such as 2022-01-03 00:00:00; ignored", st)
		case w.Calendar == "week" && (t.Weekday() != time.Monday || t.Hour()+t.Minute()+t.Second() != 0),
			w.Calendar == "month" && (t.Day() != 1 || t.Hour()+t.Minute()+t.Second() != 0):
			start := "Monday 00:00"
			if w.Calendar == "month" {
				start = "the 1st at 00:00"
			}
			rep.warnf(src, in.path+".calendar.startTime", "kiban's calendar %ss start on %s in the time zone; startTime %s is ignored", w.Calendar, start, st)
		}
	}
	return w
}

// promTypes are metric source types whose queries are PromQL.
var promTypes = []string{"prometheus", "amazonprometheus", "cortex", "googlemanagedprometheus", "mimir", "sloth", "thanos", "victoriametrics"}

func promLike(typ string) bool {
	t := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(typ))
	return slices.Contains(promTypes, t)
}

// query returns the PromQL of a v1 metric source and where it is
// written; ok is false when kiban cannot evaluate it (reported).
// windowed queries need the {{.window}} placeholder.
func (cv *osloConverter) query(ind osloSLIRef, m *osloMetric, path string, windowed bool, rep *osloReport) (string, string, bool) {
	ms := m.MetricSource
	mp := path + ".metricSource"
	typ, typPath := ms.Type, mp+".type"
	if typ == "" && ms.MetricSourceRef != "" {
		if ds := cv.byKind[osloDataSource][ms.MetricSourceRef]; ds != nil && ds.dataSource != nil {
			typ, typPath = ds.dataSource.Type, mp+".metricSourceRef"
		}
	}
	switch {
	case typ == "":
		rep.warnf(ind.src, mp, "metricSource has no type (nor a metricSourceRef to a DataSource with one); kiban reads the query as PromQL")
	case !promLike(typ):
		rep.skipf(ind.src, typPath, "metric source type %q is not Prometheus: kiban evaluates PromQL only", typ)
		return "", "", false
	}
	var q, qp string
	for _, key := range []string{"query", "promql"} {
		if s, ok := ms.Spec[key].(string); ok && s != "" {
			q, qp = s, mp+".spec."+key
			break
		}
	}
	if q == "" {
		rep.errorf(ind.src, mp+".spec", "missing field \"query\" (the PromQL)")
		return "", "", false
	}
	return q, qp, cv.promQL(ind.src, q, qp, windowed, rep)
}

// promQL checks a query: the {{.window}} placeholder when windowed (a
// query without one is skipped: OpenSLO files often hold fixed ranges
// for another tool), and that it parses.
func (cv *osloConverter) promQL(src Source, q, path string, windowed bool, rep *osloReport) bool {
	if windowed && !windowPlaceholder.MatchString(q) {
		rep.skipf(src, path, "the query has no {{.window}} placeholder, so kiban cannot evaluate it over its alert windows (write the range as [{{.window}}])")
		return false
	}
	if _, err := cv.promql.ParseExpr(RenderQuery(q, "5m")); err != nil {
		rep.errorf(src, path, "invalid PromQL: %s", oneLine(err.Error()))
		return false
	}
	return true
}

// sli maps the SLI of an objective (at p). It returns the kiban SLI and
// where its fields (".ratio.good") are written.
func (cv *osloConverter) sli(ind osloSLIRef, o osloObjective, p string, sloSrc Source, rep *osloReport) (*SLI, map[string]string) {
	s, base := ind.spec, ind.base
	switch {
	case s.RatioMetric != nil && s.ThresholdMetric != nil:
		rep.errorf(ind.src, base, "an SLI has ratioMetric or thresholdMetric, not both")
	case s.ThresholdMetric != nil:
		return cv.threshold(ind, s.ThresholdMetric, base+".thresholdMetric", o, p, sloSrc, rep)
	case s.RatioMetric != nil:
		if o.Op != "" || o.Value != nil {
			rep.warnf(sloSrc, cmpPath(o.Op != "", p+".op", p+".value"), "op and value compare a thresholdMetric; ignored for a ratioMetric")
		}
		return cv.ratio(ind, s.RatioMetric, base+".ratioMetric", rep)
	default:
		rep.errorf(ind.src, base, "missing ratioMetric or thresholdMetric")
	}
	return nil, nil
}

func cmpPath(first bool, a, b string) string {
	if first {
		return a
	}
	return b
}

func (cv *osloConverter) ratio(ind osloSLIRef, r *osloRatioMetric, rb string, rep *osloReport) (*SLI, map[string]string) {
	paths := map[string]string{"": ind.base, ".ratio": rb, ".raw": rb}
	if r.Raw != nil {
		if r.Good != nil || r.Bad != nil || r.Total != nil {
			rep.errorf(ind.src, rb+".raw", "raw is a precomputed ratio: it goes without good, bad and total")
			return nil, nil
		}
		q, qp, ok := cv.query(ind, r.Raw, rb+".raw", true, rep)
		var errorRatio string
		switch r.RawType {
		case "failure":
			errorRatio = q
		case "success":
			errorRatio = "1 - (" + strings.TrimSpace(q) + ")"
		case "":
			rep.errorf(ind.src, rb, "missing field \"rawType\": success (the query is a success ratio) or failure (an error ratio)")
			return nil, nil
		default:
			rep.errorf(ind.src, rb+".rawType", "unknown rawType %q; expected success or failure", r.RawType)
			return nil, nil
		}
		if !ok {
			return nil, nil
		}
		paths[".raw"] = rb + ".raw"
		paths[".raw.errorRatio"] = qp
		return &SLI{Raw: &RawSLI{ErrorRatio: errorRatio}}, paths
	}
	if r.RawType != "" {
		rep.warnf(ind.src, rb+".rawType", "rawType applies to raw; ignored")
	}
	switch {
	case r.Good != nil && r.Bad != nil:
		rep.errorf(ind.src, rb+".bad", "good and bad are mutually exclusive")
		return nil, nil
	case r.Good == nil && r.Bad == nil:
		rep.errorf(ind.src, rb, "missing field \"good\" or \"bad\" (or raw)")
		return nil, nil
	case r.Total == nil:
		rep.errorf(ind.src, rb, "missing field \"total\"")
		return nil, nil
	}
	out := &RatioSLI{}
	ok := true
	for _, x := range []struct {
		m    *osloMetric
		name string
		dst  *string
	}{{r.Good, "good", &out.Good}, {r.Bad, "bad", &out.Bad}, {r.Total, "total", &out.Total}} {
		if x.m == nil {
			continue
		}
		q, qp, qok := cv.query(ind, x.m, rb+"."+x.name, true, rep)
		*x.dst = q
		paths[".ratio."+x.name] = qp
		ok = ok && qok
	}
	if !ok {
		return nil, nil
	}
	return &SLI{Ratio: out}, paths
}

// osloOps are the objective operators of threshold metrics.
var osloOps = map[string]string{"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

// threshold maps a thresholdMetric. Its query returns a level (a latency
// quantile, a queue lag), not events, so it cannot become a latency SLI
// (the share of fast requests) in general. What OpenSLO measures is the
// share of the metric's data points where the level meets the objective
// (op and value), which PromQL expresses exactly as a subquery:
//
//	1 - avg_over_time(((query) < bool value)[{{.window}}:1m])
//
// kiban maps a threshold metric to that raw error ratio only then: a
// PromQL source, an instant query without {{.window}} (its own ranges are
// fixed) and an op and a value. Anything else is an error naming the
// field.
func (cv *osloConverter) threshold(ind osloSLIRef, m *osloMetric, tb string, o osloObjective, p string, sloSrc Source, rep *osloReport) (*SLI, map[string]string) {
	q, qp, ok := cv.query(ind, m, tb, false, rep)
	if !ok {
		return nil, nil
	}
	raw, ok := cv.thresholdRatio(ind.src, q, qp, o.Op, o.Value, p, sloSrc, rep)
	if !ok {
		return nil, nil
	}
	return &SLI{Raw: &RawSLI{ErrorRatio: raw}}, map[string]string{"": ind.base, ".raw": tb, ".raw.errorRatio": qp}
}

func (cv *osloConverter) thresholdRatio(src Source, q, qp, op string, value *float64, p string, sloSrc Source, rep *osloReport) (string, bool) {
	if windowPlaceholder.MatchString(q) {
		rep.errorf(src, qp, "a thresholdMetric with {{.window}} is not supported: kiban compares the query with the objective's value every minute, so its ranges are fixed, such as [5m] (or use a ratioMetric)")
		return "", false
	}
	cmpOp, known := osloOps[op]
	switch {
	case op == "":
		rep.errorf(sloSrc, p, "missing field \"op\": a thresholdMetric objective compares the metric with value (lt, lte, gt or gte)")
		return "", false
	case !known:
		rep.errorf(sloSrc, p+".op", "unknown op %q; expected lt, lte, gt or gte", op)
		return "", false
	case value == nil:
		rep.errorf(sloSrc, p, "missing field \"value\": the level the thresholdMetric is compared with")
		return "", false
	}
	raw := fmt.Sprintf("1 - avg_over_time(((%s) %s bool %s)[{{.window}}:1m])", strings.TrimSpace(q), cmpOp, fmtFloat(*value))
	if _, err := cv.promql.ParseExpr(RenderQuery(raw, "5m")); err != nil {
		rep.errorf(src, qp, "a thresholdMetric is supported as an instant PromQL query only (kiban measures the share of minutes where it is %s %s): %s", op, fmtFloat(*value), oneLine(err.Error()))
		return "", false
	}
	return raw, true
}

// alphaSLO converts an OpenSLO v1alpha SLO as Sloth does: one SLO per
// objective, named <name>-<index>, ratioMetrics good over total.
func (cv *osloConverter) alphaSLO(doc *osloDoc, rep *osloReport) []*SLO {
	spec, src, name := doc.alpha, doc.src, doc.meta.Name
	if name == "" {
		rep.errorf(src, "metadata", "missing field \"name\"")
	}
	if spec.Service == "" {
		rep.errorf(src, "spec", "missing field \"service\"")
	}
	if len(spec.Objectives) == 0 {
		rep.errorf(src, "spec", "missing field \"objectives\": an SLO needs at least one objective with a target")
		return nil
	}
	window, windowPath := cv.alphaWindow(doc, rep)
	method := cv.budgetingMethod(src, spec.BudgetingMethod, "spec.budgetingMethod", rep)
	if spec.BudgetingMethod == "RatioTimeslices" {
		rep.errorf(src, "spec.budgetingMethod", "unknown budgetingMethod %q for %s; expected Occurrences or Timeslices", spec.BudgetingMethod, OpenSLOV1AlphaAPIVersion)
	}
	if method == BudgetingTimeslices {
		rep.warnf(src, "spec.budgetingMethod", "OpenSLO v1alpha has no timeSliceWindow; kiban uses 1m slices")
	}
	labels := cv.labels(doc, rep)
	var slos []*SLO
	for i, o := range spec.Objectives {
		p := fmt.Sprintf("spec.objectives[%d]", i)
		s := &SLO{Source: src}
		s.Name = fmt.Sprintf("%s-%d", name, i)
		s.Title = joinTitle(doc.meta.DisplayName, o.DisplayName)
		s.Annotations = doc.meta.Annotations
		if len(spec.Objectives) > 1 {
			s.Source.Line = src.PosOf(p).Line
		}
		s.Spec.Service = spec.Service
		s.Spec.Description = spec.Description
		s.Spec.Window = window
		s.Spec.Labels = labels
		// v1alpha has no alerting: Sloth generates no alert for it, and
		// neither does kiban, so that the rules are Sloth's.
		s.Spec.Alerting.Page.Disabled = true
		s.Spec.Alerting.Ticket.Disabled = true
		if o.Target == nil {
			rep.errorf(src, p, "missing field \"target\" (a ratio such as 0.999)")
		} else {
			s.Spec.Objective, _ = cv.target(src, o.Target, nil, p, rep)
		}
		s.Spec.Budgeting = cv.budgeting(src, spec.BudgetingMethod, method, o.TimeSliceTarget, "", "1m", p, rep)
		paths := osloPaths{
			"": p, "name": "metadata.name", "service": "spec.service", "description": "spec.description",
			"objective": p + ".target", "labels": "metadata.labels", "window": windowPath,
			"window.rolling": windowPath, "window.calendar": windowPath, "window.timeZone": windowPath + ".calendar.timeZone",
			"budgeting": "spec.budgetingMethod", "budgeting.method": "spec.budgetingMethod",
			"budgeting.goodSliceThreshold": p + ".timeSliceTarget", "budgeting.sliceLength": "spec.budgetingMethod",
			"alerting": "spec",
		}
		switch {
		case o.RatioMetrics != nil:
			if o.Op != "" || o.Value != nil {
				rep.warnf(src, cmpPath(o.Op != "", p+".op", p+".value"), "op and value compare a thresholdMetric; ignored for ratioMetrics")
			}
			rm := p + ".ratioMetrics"
			good, gok := cv.alphaQuery(src, o.RatioMetrics.Good, rm, "good", true, rep)
			total, tok := cv.alphaQuery(src, o.RatioMetrics.Total, rm, "total", true, rep)
			if gok && tok {
				s.Spec.SLI = &SLI{Ratio: &RatioSLI{Good: good, Total: total}}
			}
			paths["sli"] = rm
			paths["sli.ratio"] = rm
			paths["sli.ratio.good"] = rm + ".good.query"
			paths["sli.ratio.total"] = rm + ".total.query"
		case spec.Indicator != nil && spec.Indicator.ThresholdMetric != nil:
			const tm = "spec.indicator.thresholdMetric"
			q, ok := cv.alphaQuery(src, spec.Indicator.ThresholdMetric, "spec.indicator", "thresholdMetric", false, rep)
			if ok {
				if raw, ok := cv.thresholdRatio(src, q, tm+".query", o.Op, o.Value, p, src, rep); ok {
					s.Spec.SLI = &SLI{Raw: &RawSLI{ErrorRatio: raw}}
				}
			}
			paths["sli"] = tm
			paths["sli.raw"] = tm
			paths["sli.raw.errorRatio"] = tm + ".query"
		default:
			rep.errorf(src, p, "missing field \"ratioMetrics\" (good and total queries)")
		}
		s.paths = paths
		slos = append(slos, s)
	}
	return slos
}

// alphaQuery returns the query of a v1alpha metric source: Sloth reads
// source prometheus (or sloth) and queryType promql.
func (cv *osloConverter) alphaQuery(src Source, m *osloAlphaMetric, parent, name string, windowed bool, rep *osloReport) (string, bool) {
	p := parent + "." + name
	if m == nil {
		rep.errorf(src, parent, "missing field %q", name)
		return "", false
	}
	switch {
	case m.Source == "":
		rep.warnf(src, p, "missing field \"source\"; kiban reads the query as PromQL")
	case !promLike(m.Source):
		rep.skipf(src, p+".source", "source %q is not Prometheus: kiban evaluates PromQL only", m.Source)
		return "", false
	}
	if m.QueryType != "" && !strings.EqualFold(m.QueryType, "promql") {
		rep.skipf(src, p+".queryType", "queryType %q is not PromQL: kiban evaluates PromQL only", m.QueryType)
		return "", false
	}
	if m.Query == "" {
		rep.errorf(src, p, "missing field \"query\" (the PromQL)")
		return "", false
	}
	return m.Query, cv.promQL(src, m.Query, p+".query", windowed, rep)
}
