package focusrules

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// modelJSON is the FOCUS 1.2 requirements model, unchanged from
// finopsfoundation/focus_validator (see testdata/SOURCES.md).
//
//go:embed model-1.2.json
var modelJSON []byte

// Model is a parsed FOCUS requirements model.
type Model struct {
	ModelVersion string // Details.ModelVersion, e.g. "1.2"
	FOCUSVersion string // Details.FOCUSVersion

	// Criteria are the applicability criteria a provider may claim, by name,
	// with their descriptions.
	Criteria map[string]string
	// Functions documents the check functions: name → description.
	Functions map[string]string
	// Rules in the order of the model file.
	Rules []*Rule

	byID map[string]*Rule
}

// Rule is one ModelRule.
type Rule struct {
	ID            string
	Function      string // Composite, Presence, Type, Format, Nullability, Validation
	Reference     string // the column (or dataset, or attribute) the rule is about
	EntityType    string // Dataset, Column, Attribute
	Status        string // Active
	Type          string // Static or Dynamic
	Applicability []string
	MustSatisfy   string
	Keyword       string // MUST, MUST NOT, SHOULD, SHOULD NOT, RECOMMENDED, MAY
	Requirement   *Check // nil when the model gives none (Dynamic rules)
	Condition     *Check // nil when the rule applies to every row
	Dependencies  []string

	// Erratum says how the model's encoding of this rule was corrected at
	// load time, when it was; see errata.
	Erratum string
	// Normalized says how a malformed encoding was read, when it was.
	Normalized string
}

// Check is one node of a Requirement or Condition.
type Check struct {
	Func          string   // CheckFunction
	Column        string   // ColumnName
	ColumnA       string   // ColumnAName
	ColumnB       string   // ColumnBName
	Result        string   // ResultColumnName
	Value         *Literal // Value; nil when the function takes none
	ExpectedCount int      // CheckDistinctCount
	RuleID        string   // CheckModelRule
	Items         []*Check // AND, OR
}

// Literal is a Value of the model: null, a string or a number.
type Literal struct {
	Null   bool
	Number bool   // Text is a JSON number
	Text   string // the string, or the number as written
}

func (l *Literal) String() string {
	switch {
	case l == nil || l.Null:
		return "null"
	case l.Number:
		return l.Text
	}
	return fmt.Sprintf("%q", l.Text)
}

// Level is the keyword's severity class.
type Level string

// Levels of keywords.
const (
	LevelMust   Level = "MUST"   // MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT
	LevelShould Level = "SHOULD" // SHOULD, SHOULD NOT, RECOMMENDED
	LevelMay    Level = "MAY"    // MAY, OPTIONAL
)

// Level classifies the rule's keyword.
func (r *Rule) Level() Level {
	switch strings.ToUpper(strings.TrimSpace(r.Keyword)) {
	case "SHOULD", "SHOULD NOT", "RECOMMENDED", "NOT RECOMMENDED":
		return LevelShould
	case "MAY", "OPTIONAL":
		return LevelMay
	}
	return LevelMust
}

// Rule returns the rule with the id, or nil.
func (m *Model) Rule(id string) *Rule { return m.byID[id] }

var (
	embedded          = sync.OnceValues(func() (*Model, error) { return parse(modelJSON, true) })
	embeddedPublished = sync.OnceValues(func() (*Model, error) { return parse(modelJSON, false) })
)

// Embedded returns the FOCUS 1.2 requirements model compiled into kiban,
// with the errata applied. It is parsed once; do not modify it.
func Embedded() (*Model, error) { return embedded() }

// EmbeddedAsPublished returns the embedded model without the errata: every
// rule exactly as the model file encodes it.
func EmbeddedAsPublished() (*Model, error) { return embeddedPublished() }

// EmbeddedJSON returns the embedded model file as published.
func EmbeddedJSON() []byte { return bytes.Clone(modelJSON) }

type ruleJSON struct {
	Function              string
	Reference             string
	EntityType            string
	Status                string
	Type                  string
	ApplicabilityCriteria []string
	ValidationCriteria    struct {
		MustSatisfy  string
		Keyword      string
		Requirement  json.RawMessage
		Condition    json.RawMessage
		Dependencies []string
	}
}

// Parse reads a requirements model (the JSON format of
// finopsfoundation/focus_validator's model-X.Y.json) and applies the errata
// for rules it knows.
func Parse(data []byte) (*Model, error) { return parse(data, true) }

// ParseAsPublished reads a requirements model without applying errata.
func ParseAsPublished(data []byte) (*Model, error) { return parse(data, false) }

func parse(data []byte, withErrata bool) (*Model, error) {
	var top struct {
		Details struct {
			ModelVersion string
			FOCUSVersion string
		}
		ApplicabilityCriteria map[string]struct{ Description string }
		CheckFunctions        map[string]struct{ Description string }
		ModelRules            json.RawMessage
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("focus model: %w", err)
	}
	m := &Model{
		ModelVersion: top.Details.ModelVersion,
		FOCUSVersion: top.Details.FOCUSVersion,
		Criteria:     map[string]string{},
		Functions:    map[string]string{},
		byID:         map[string]*Rule{},
	}
	for k, v := range top.ApplicabilityCriteria {
		m.Criteria[k] = v.Description
	}
	for k, v := range top.CheckFunctions {
		m.Functions[k] = v.Description
	}
	ids, raws, err := orderedObject(top.ModelRules)
	if err != nil {
		return nil, fmt.Errorf("focus model: ModelRules: %w", err)
	}
	for i, id := range ids {
		var rj ruleJSON
		if err := json.Unmarshal(raws[i], &rj); err != nil {
			return nil, fmt.Errorf("focus model: rule %s: %w", id, err)
		}
		r := &Rule{
			ID: id, Function: rj.Function, Reference: rj.Reference, EntityType: rj.EntityType,
			Status: rj.Status, Type: rj.Type, Applicability: rj.ApplicabilityCriteria,
			MustSatisfy: strings.TrimSpace(rj.ValidationCriteria.MustSatisfy), Keyword: rj.ValidationCriteria.Keyword,
			Dependencies: rj.ValidationCriteria.Dependencies,
		}
		var notes []string
		if r.Requirement, err = parseCheck(rj.ValidationCriteria.Requirement, &notes); err != nil {
			return nil, fmt.Errorf("focus model: rule %s: Requirement: %w", id, err)
		}
		if r.Condition, err = parseCheck(rj.ValidationCriteria.Condition, &notes); err != nil {
			return nil, fmt.Errorf("focus model: rule %s: Condition: %w", id, err)
		}
		r.Normalized = strings.Join(notes, "; ")
		if _, dup := m.byID[id]; dup {
			return nil, fmt.Errorf("focus model: rule %s defined twice", id)
		}
		m.Rules = append(m.Rules, r)
		m.byID[id] = r
	}
	for _, e := range errata {
		if r := m.byID[e.id]; withErrata && r != nil && e.applies(r) {
			e.fix(r)
			r.Erratum = e.why
		}
	}
	return m, nil
}

// orderedObject returns the keys and values of a JSON object in file order.
func orderedObject(raw json.RawMessage) ([]string, []json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, errors.New("not an object")
	}
	var keys []string
	var vals []json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		vals = append(vals, v)
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return nil, nil, err
	}
	return keys, vals, nil
}

// parseCheck parses a Requirement or Condition; an empty object is nil.
// Two malformed shapes of the 1.2 model are read as intended, with a note:
// "CheckCondition" for "ColumnName", and {"AND": item-or-items} without a
// CheckFunction.
func parseCheck(raw json.RawMessage, notes *[]string) (*Check, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	if len(obj) == 0 {
		return nil, nil
	}
	var fn string
	if f, ok := obj["CheckFunction"]; ok {
		if err := json.Unmarshal(f, &fn); err != nil {
			return nil, fmt.Errorf("field CheckFunction: %w", err)
		}
	} else {
		// {"AND": {...}} or {"OR": [...]}: a composite without CheckFunction.
		for _, op := range []string{"AND", "OR"} {
			v, ok := obj[op]
			if !ok || len(obj) != 1 {
				continue
			}
			c := &Check{Func: op}
			v = bytes.TrimSpace(v)
			var raws []json.RawMessage
			if len(v) > 0 && v[0] == '[' {
				if err := json.Unmarshal(v, &raws); err != nil {
					return nil, err
				}
			} else {
				raws = []json.RawMessage{v}
			}
			for _, r := range raws {
				it, err := parseCheck(r, notes)
				if err != nil {
					return nil, err
				}
				if it != nil {
					c.Items = append(c.Items, it)
				}
			}
			*notes = append(*notes, fmt.Sprintf(`{"%s": …} without CheckFunction read as %s of its items`, op, op))
			return c, nil
		}
		return nil, errors.New("no CheckFunction")
	}
	c := &Check{Func: fn}
	str := func(key string, dst *string) error {
		if v, ok := obj[key]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return fmt.Errorf("field %s: %w", key, err)
			}
		}
		return nil
	}
	for key, dst := range map[string]*string{
		"ColumnName": &c.Column, "ColumnAName": &c.ColumnA, "ColumnBName": &c.ColumnB,
		"ResultColumnName": &c.Result, "ModelRuleId": &c.RuleID,
	} {
		if err := str(key, dst); err != nil {
			return nil, err
		}
	}
	if c.Column == "" {
		if v, ok := obj["CheckCondition"]; ok {
			if err := json.Unmarshal(v, &c.Column); err != nil {
				return nil, fmt.Errorf("field CheckCondition: %w", err)
			}
			*notes = append(*notes, `"CheckCondition" read as "ColumnName"`)
		}
	}
	if v, ok := obj["Value"]; ok {
		lit, err := parseLiteral(v)
		if err != nil {
			return nil, fmt.Errorf("field Value: %w", err)
		}
		c.Value = lit
	}
	if v, ok := obj["ExpectedCount"]; ok {
		if err := json.Unmarshal(v, &c.ExpectedCount); err != nil {
			return nil, fmt.Errorf("field ExpectedCount: %w", err)
		}
	}
	if v, ok := obj["Items"]; ok {
		var raws []json.RawMessage
		if err := json.Unmarshal(v, &raws); err != nil {
			return nil, fmt.Errorf("field Items: %w", err)
		}
		for _, r := range raws {
			it, err := parseCheck(r, notes)
			if err != nil {
				return nil, err
			}
			if it != nil {
				c.Items = append(c.Items, it)
			}
		}
	}
	return c, nil
}

func parseLiteral(raw json.RawMessage) (*Literal, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return &Literal{Null: true}, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return &Literal{Text: s}, nil
	case bytes.Equal(raw, []byte("true")) || bytes.Equal(raw, []byte("false")):
		return &Literal{Text: string(raw)}, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, err
	}
	return &Literal{Number: true, Text: n.String()}, nil
}

// refs returns the rules a composite requirement references, in order.
func (c *Check) refs() []string {
	if c == nil {
		return nil
	}
	if c.Func == "CheckModelRule" {
		return []string{c.RuleID}
	}
	var out []string
	for _, it := range c.Items {
		out = append(out, it.refs()...)
	}
	return out
}

// isComposite reports whether c is AND/OR of CheckModelRule references only.
func (c *Check) isComposite() bool {
	if c == nil || (c.Func != "AND" && c.Func != "OR") || len(c.Items) == 0 {
		return false
	}
	for _, it := range c.Items {
		if it.Func != "CheckModelRule" {
			return false
		}
	}
	return true
}

// columns returns the columns c reads, in order of appearance, once each.
func (c *Check) columns() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*Check)
	walk = func(c *Check) {
		if c == nil {
			return
		}
		for _, col := range []string{c.Column, c.ColumnA, c.ColumnB, c.Result} {
			if col != "" && !seen[col] {
				seen[col] = true
				out = append(out, col)
			}
		}
		for _, it := range c.Items {
			walk(it)
		}
	}
	walk(c)
	return out
}

// functions returns the check functions c uses, once each, sorted.
func (c *Check) functions() []string {
	seen := map[string]bool{}
	var walk func(*Check)
	walk = func(c *Check) {
		if c == nil {
			return
		}
		seen[c.Func] = true
		for _, it := range c.Items {
			walk(it)
		}
	}
	walk(c)
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// String renders c compactly, e.g. AND(CheckNotValue(ChargeClass, "Correction"), …).
func (c *Check) String() string {
	if c == nil {
		return "-"
	}
	switch c.Func {
	case "AND", "OR":
		parts := make([]string, len(c.Items))
		for i, it := range c.Items {
			parts[i] = it.String()
		}
		return c.Func + "(" + strings.Join(parts, ", ") + ")"
	case "CheckModelRule":
		return c.RuleID
	}
	var args []string
	for _, s := range []string{c.Column, c.ColumnA, c.ColumnB, c.Result} {
		if s != "" {
			args = append(args, s)
		}
	}
	if c.Value != nil {
		args = append(args, c.Value.String())
	}
	if c.Func == "CheckDistinctCount" {
		args = append(args, fmt.Sprint(c.ExpectedCount))
	}
	return c.Func + "(" + strings.Join(args, ", ") + ")"
}
