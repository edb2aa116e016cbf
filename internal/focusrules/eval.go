package focusrules

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"kiban.dev/kiban/internal/parquetrec"
)

// DefaultMaxExamples is how many failures a rule keeps by default.
const DefaultMaxExamples = 5

// ClaimAll, as an applicability criterion, claims every criterion.
const ClaimAll = "ALL"

// maxValueLen bounds a value kept in an example.
const maxValueLen = 256

// maxIssues bounds the issues a report lists (MalformedRows counts all).
const maxIssues = 20

// Options tune a validation.
type Options struct {
	// Source names the file in the report.
	Source string
	// Applicability are the criteria the provider claims (the model's
	// ApplicabilityCriteria, or ClaimAll). A rule that needs a criterion
	// not claimed, itself or through a composite rule it belongs to, is
	// not applicable.
	Applicability []string
	// MaxExamples is how many failures each rule keeps: 0 means
	// DefaultMaxExamples, a negative number none.
	MaxExamples int
	// NullValues are the values, besides the empty field, read as null.
	// nil means "NULL", as the FOCUS validator's CSV loader reads it.
	NullValues []string
}

// ValidateFile validates the CSV file at path (plain or gzip).
func (m *Model) ValidateFile(path string, opt Options) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if opt.Source == "" {
		opt.Source = path
	}
	return m.Validate(f, opt)
}

// records is a source of rows as text: encoding/csv's Reader or a Parquet
// file read by parquetrec.
type records interface {
	Read() ([]string, error)
	FieldPos(field int) (line, column int)
}

// Validate reads a FOCUS export from r (CSV, plain or gzip, streaming; or
// Parquet) and evaluates the model's rules on it: the dataset rules on the
// header, the row rules on every row.
func (m *Model) Validate(r io.Reader, opt Options) (*Report, error) {
	v, err := m.newValidation(opt)
	if err != nil {
		return nil, err
	}
	in, gz, bom, err := openInput(r)
	if err != nil {
		return nil, err
	}
	var cr records
	var header []string
	headerLine := 1
	if magic, _ := in.Peek(len(parquetrec.Magic)); string(magic) == parquetrec.Magic {
		// A Parquet export: its columns are the header, its rows are
		// read as the CSV of the same data would write them.
		pr, closeFn, err := parquetrec.OpenStream(r, in, gz)
		if err != nil {
			return nil, err
		}
		defer closeFn()
		cr, header = pr, pr.Header()
		v.rep.Parquet = true
	} else {
		c := csv.NewReader(in)
		c.ReuseRecord = true
		c.FieldsPerRecord = -1
		header, err = c.Read()
		if err == io.EOF {
			return nil, errors.New("empty file: no header")
		}
		if err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		headerLine, _ = c.FieldPos(0)
		cr = c
	}
	v.rep.Gzip, v.rep.ByteOrderMark = gz, bom
	v.setHeader(slices.Clone(header), headerLine)
	v.plan()
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			var row interface{ RowLine() int } // a Parquet value its schema does not allow
			switch {
			case errors.As(err, &pe):
				v.malformed(pe.StartLine, pe.Err.Error())
			case errors.As(err, &row):
				v.malformed(row.RowLine(), err.Error())
			default:
				return nil, err
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(v.rep.Columns) {
			v.malformed(line, fmt.Sprintf("%d fields, the header has %d", len(rec), len(v.rep.Columns)))
			continue
		}
		v.rep.Rows++
		v.rowSeq++
		for _, rr := range v.rowRules {
			rr.eval(v, rec, line)
		}
		for _, dr := range v.distinct {
			dr.add(v, rec, line)
		}
	}
	v.finish()
	return v.rep, nil
}

// tri is a three-valued truth: a check on a null value is often unknown,
// neither satisfied nor violated (SQL's semantics, which the FOCUS
// validator inherits from DuckDB). A requirement fails on a row only when
// it is no; a condition selects a row only when it is yes.
type tri uint8

const (
	no tri = iota
	unknown
	yes
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

func not(t tri) tri { return yes - t } // yes↔no, unknown stays

type pred func(rec []string) tri

// cellRef reads one column of a row; an absent column (i < 0) is null.
type cellRef struct {
	i    int
	name string
}

type validation struct {
	m       *Model
	opt     Options
	maxEx   int
	claimed map[string]bool
	nulls   []string
	col     map[string]int
	rep     *Report
	idx     map[string]int // rule id → index in m.Rules and rep.Rules
	ctx     []ruleCtx

	headerLine int
	rowSeq     int64 // the current row's sequence number, for memo
	condCache  map[string]*memo

	rowRules []*rowRule
	distinct []*distinctRule
}

// ruleCtx is where a rule sits in the tree of composite rules: the
// applicability criteria and conditions it inherits, and the OR composite
// it is an alternative of.
type ruleCtx struct {
	visited  bool
	criteria []string
	conds    []*Check // inherited, then the rule's own
	orParent string
}

func (m *Model) newValidation(opt Options) (*validation, error) {
	v := &validation{m: m, opt: opt, claimed: map[string]bool{}, idx: map[string]int{}, condCache: map[string]*memo{}}
	v.maxEx = opt.MaxExamples
	if v.maxEx == 0 {
		v.maxEx = DefaultMaxExamples
	} else if v.maxEx < 0 {
		v.maxEx = 0
	}
	v.nulls = opt.NullValues
	if v.nulls == nil {
		v.nulls = []string{"NULL"}
	}
	var claimed []string
	for _, c := range opt.Applicability {
		c = strings.TrimSpace(c)
		switch {
		case strings.EqualFold(c, ClaimAll):
			for k := range m.Criteria {
				v.claimed[k] = true
			}
		case hasKey(m.Criteria, c):
			v.claimed[c] = true
		default:
			return nil, fmt.Errorf("unknown applicability criterion %q; the model has %s (or %s)", c, strings.Join(sortedKeys(m.Criteria), ", "), ClaimAll)
		}
	}
	for k := range v.claimed {
		claimed = append(claimed, k)
	}
	sort.Strings(claimed)
	v.rep = &Report{
		File:          opt.Source,
		Model:         fmt.Sprintf("FOCUS %s requirements model %s", m.FOCUSVersion, m.ModelVersion),
		Applicability: claimed,
		Rules:         make([]Result, len(m.Rules)),
	}
	if v.rep.Applicability == nil {
		v.rep.Applicability = []string{}
	}
	for i, r := range m.Rules {
		v.idx[r.ID] = i
	}
	return v, nil
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (v *validation) setHeader(header []string, line int) {
	v.rep.Columns = header
	v.col = make(map[string]int, len(header))
	for i, h := range header {
		if _, dup := v.col[h]; dup {
			v.issue(line, fmt.Sprintf("column %q repeated (field %d); the first is checked", h, i+1))
			continue
		}
		v.col[h] = i
	}
	v.headerLine = line
}

func (v *validation) issue(line int, msg string) {
	if len(v.rep.Issues) < maxIssues {
		v.rep.Issues = append(v.rep.Issues, Issue{Line: line, Message: msg})
	}
}

func (v *validation) malformed(line int, msg string) {
	v.rep.MalformedRows++
	v.issue(line, "malformed row not checked: "+msg)
}

func (v *validation) isNull(s string) bool {
	if s == "" {
		return true
	}
	for _, n := range v.nulls {
		if s == n {
			return true
		}
	}
	return false
}

func (v *validation) get(rec []string, c cellRef) (string, bool) {
	if c.i < 0 {
		return "", true
	}
	s := rec[c.i]
	return s, v.isNull(s)
}

// walk computes every rule's place in the tree of composites, from the
// rules no composite references (the dataset rule and the attributes).
func (v *validation) walk() {
	referenced := map[string]bool{}
	for _, r := range v.m.Rules {
		for _, id := range r.Requirement.refs() {
			referenced[id] = true
		}
	}
	v.ctx = make([]ruleCtx, len(v.m.Rules))
	var visit func(id string, crit []string, conds []*Check, orParent string)
	visit = func(id string, crit []string, conds []*Check, orParent string) {
		i, ok := v.idx[id]
		if !ok || v.ctx[i].visited {
			return
		}
		r := v.m.Rules[i]
		c := ruleCtx{visited: true, orParent: orParent}
		c.criteria = append(slices.Clone(crit), r.Applicability...)
		c.conds = slices.Clone(conds)
		if r.Condition != nil {
			c.conds = append(c.conds, r.Condition)
		}
		v.ctx[i] = c
		if r.Requirement.isComposite() {
			childOr := ""
			if r.Requirement.Func == "OR" {
				childOr = r.ID
			}
			for _, ref := range r.Requirement.refs() {
				visit(ref, c.criteria, c.conds, childOr)
			}
		}
	}
	for _, r := range v.m.Rules {
		if !referenced[r.ID] {
			visit(r.ID, nil, nil, "")
		}
	}
	for _, r := range v.m.Rules { // rules only reachable through a cycle
		visit(r.ID, nil, nil, "")
	}
}

// plan decides each rule's fate before the rows: not applicable, not
// checked, skipped, a dataset rule decided by the header, or a row rule.
func (v *validation) plan() {
	v.walk()
	for i, r := range v.m.Rules {
		c := v.ctx[i]
		res := &v.rep.Rules[i]
		*res = Result{
			ID: r.ID, Keyword: r.Keyword, Level: r.Level(), Column: r.Reference, EntityType: r.EntityType,
			Function: r.Function, Type: r.Type, MustSatisfy: r.MustSatisfy, Erratum: r.Erratum, Normalized: r.Normalized,
			AlternativeOf: c.orParent,
		}
		if r.Erratum != "" {
			v.rep.Errata++
		}
		composite := r.Requirement.isComposite()
		// An OR composite is a requirement of its own (see planOr); an AND
		// composite is counted through its parts.
		res.Counted = (!composite || r.Requirement.Func == "OR") && c.orParent == ""
		if r.Requirement != nil {
			res.Requirement = r.Requirement.String()
		}
		res.Condition = andString(c.conds)
		if composite {
			res.Children = r.Requirement.refs()
		}
		var missing []string
		for _, k := range c.criteria {
			if !v.claimed[k] && !slices.Contains(missing, k) {
				missing = append(missing, k)
			}
		}
		switch {
		case !strings.EqualFold(r.Status, "Active"):
			v.notChecked(res, NotCheckedStatus, fmt.Sprintf("rule status is %q", r.Status))
		case len(missing) > 0:
			res.Status = StatusNotApplicable
			res.Reason = "needs applicability criteria not claimed: " + strings.Join(missing, ", ")
		case composite && r.Requirement.Func == "OR":
			v.planOr(i)
		case composite:
			// decided from its parts in finish
		case r.Level() == LevelMay:
			v.notChecked(res, NotCheckedPermission, "MAY states a permission, not a requirement: nothing to verify")
		case strings.EqualFold(r.Type, "Dynamic") || r.Requirement == nil:
			v.notChecked(res, NotCheckedDynamic, "dynamic rule: the model gives no machine-checkable requirement (it needs context beyond the rows, such as invoices, price lists or history)")
		default:
			v.planLeaf(i)
		}
	}
}

func (v *validation) notChecked(res *Result, kind, reason string) {
	res.Status, res.NotChecked, res.Reason = StatusNotChecked, kind, reason
}

func andString(conds []*Check) string {
	switch len(conds) {
	case 0:
		return ""
	case 1:
		return conds[0].String()
	}
	return (&Check{Func: "AND", Items: conds}).String()
}

// compiler compiles checks for one rule. In a condition an absent column is
// read as null (a provider that does not support a feature leaves its
// column out); in a requirement it makes the rule skipped.
type compiler struct {
	v           *validation
	asCondition bool
	missing     []string
	unsupported []string
}

func (cp *compiler) ref(col string) cellRef {
	i, ok := cp.v.col[col]
	if !ok {
		if !cp.asCondition && !slices.Contains(cp.missing, col) {
			cp.missing = append(cp.missing, col)
		}
		return cellRef{i: -1, name: col}
	}
	return cellRef{i: i, name: col}
}

func (cp *compiler) unsupportedf(format string, args ...any) pred {
	cp.unsupported = append(cp.unsupported, fmt.Sprintf(format, args...))
	return func([]string) tri { return unknown }
}

// compile turns a check into a row predicate.
func (cp *compiler) compile(c *Check) pred {
	v := cp.v
	// valueCheck builds a check of one column's non-null values; null is
	// satisfied (nullability is a rule of its own).
	valueCheck := func(ok func(string) bool) pred {
		col := cp.ref(c.Column)
		return func(rec []string) tri {
			s, null := v.get(rec, col)
			if null {
				return yes
			}
			return triOf(ok(s))
		}
	}
	switch c.Func {
	case "AND", "OR":
		if p := cp.compileValueSet(c); p != nil {
			return p
		}
		items := make([]pred, len(c.Items))
		for i, it := range c.Items {
			items[i] = cp.compile(it)
		}
		if c.Func == "AND" {
			return func(rec []string) tri {
				out := yes
				for _, p := range items {
					switch p(rec) {
					case no:
						return no
					case unknown:
						out = unknown
					}
				}
				return out
			}
		}
		return func(rec []string) tri {
			out := no
			for _, p := range items {
				switch p(rec) {
				case yes:
					return yes
				case unknown:
					out = unknown
				}
			}
			return out
		}
	case "CheckValue", "CheckNotValue":
		col := cp.ref(c.Column)
		lit := c.Value
		if lit == nil {
			lit = &Literal{Null: true}
		}
		negate := c.Func == "CheckNotValue"
		var num number
		if lit.Number {
			var ok bool
			if num, ok = parseNumber(lit.Text); !ok {
				return cp.unsupportedf("%s with the number %s", c.Func, lit.Text)
			}
		}
		return func(rec []string) tri {
			s, null := v.get(rec, col)
			var eq tri
			switch {
			case lit.Null:
				eq = triOf(null)
			case null:
				// null is not the value: CheckNotValue holds, CheckValue is
				// unknown (the column's nullability is its own rule).
				if negate {
					return yes
				}
				return unknown
			case lit.Number:
				d, ok := parseNumber(s)
				eq = triOf(ok && cmpNumber(d, num) == 0)
			default:
				eq = triOf(s == lit.Text)
			}
			if negate {
				return not(eq)
			}
			return eq
		}
	case "CheckSameValue", "CheckNotSameValue":
		a, b := cp.ref(c.ColumnA), cp.ref(c.ColumnB)
		same := c.Func == "CheckSameValue"
		return func(rec []string) tri {
			x, xn := v.get(rec, a)
			y, yn := v.get(rec, b)
			if xn || yn {
				return unknown
			}
			return triOf((x == y) == same)
		}
	case "TypeString":
		cp.ref(c.Column)
		return func([]string) tri { return yes } // every CSV value is a string
	case "TypeDecimal", "CheckDecimalValue":
		return valueCheck(isNumber)
	case "TypeDateTime":
		return valueCheck(isDateTime)
	case "FormatString":
		return valueCheck(isValidString)
	case "FormatNumeric":
		return valueCheck(isNumericFormat)
	case "FormatDateTime":
		return valueCheck(isFOCUSDateTime)
	case "FormatKeyValue":
		return valueCheck(isKeyValue)
	case "FormatCurrency":
		if v.claimed["VIRTUAL_CURRENCY_SUPPORTED"] {
			// CurrencyFormat-A-002-C: a virtual currency is a string.
			return valueCheck(func(s string) bool { return isCurrencyCode(s) || isValidString(s) })
		}
		return valueCheck(isCurrencyCode)
	case "CheckNationalCurrency":
		return valueCheck(isNationalCurrency)
	case "CheckGreaterOrEqualThanValue":
		col := cp.ref(c.Column)
		if c.Value == nil || !c.Value.Number {
			return cp.unsupportedf("CheckGreaterOrEqualThanValue with the value %s", c.Value)
		}
		least, ok := parseNumber(c.Value.Text)
		if !ok {
			return cp.unsupportedf("CheckGreaterOrEqualThanValue with the value %s", c.Value)
		}
		return func(rec []string) tri {
			s, null := v.get(rec, col)
			if null {
				return unknown
			}
			d, ok := parseNumber(s)
			return triOf(ok && cmpNumber(d, least) >= 0) // not a number is not ≥ the value
		}
	case "ColumnByColumnEqualsColumnValue":
		a, b, r := cp.ref(c.ColumnA), cp.ref(c.ColumnB), cp.ref(c.Result)
		return func(rec []string) tri {
			x, xn := v.get(rec, a)
			y, yn := v.get(rec, b)
			z, zn := v.get(rec, r)
			if xn || yn || zn {
				return unknown
			}
			dx, ok1 := parseNumber(x)
			dy, ok2 := parseNumber(y)
			dz, ok3 := parseNumber(z)
			if !ok1 || !ok2 || !ok3 {
				return unknown // not numbers: the Type and Format rules say so
			}
			return triOf(mulEquals(dx, dy, dz)) // exact decimal arithmetic
		}
	case "FormatUnit":
		cp.ref(c.Column)
		return cp.unsupportedf("FormatUnit is not evaluated: the UnitFormat attribute's units and their capitalisation are SHOULD-level recommendations that no pattern captures (the FOCUS validator skips it too)")
	case "CheckDistinctCount":
		return cp.unsupportedf("CheckDistinctCount is evaluated only as a whole requirement")
	case "ColumnPresent":
		return cp.unsupportedf("ColumnPresent is evaluated only as a whole requirement")
	case "CheckModelRule":
		return cp.unsupportedf("CheckModelRule is evaluated only as a part of a composite rule")
	}
	return cp.unsupportedf("unknown check function %q", c.Func)
}

// stringValue returns the column and string value of CheckValue(col,
// "string"), or false.
func stringValue(c *Check) (string, string, bool) {
	if c.Func != "CheckValue" || c.Value == nil || c.Value.Null || c.Value.Number || c.Column == "" {
		return "", "", false
	}
	return c.Column, c.Value.Text, true
}

// compileValueSet compiles the two shapes of allowed-values lists the model
// uses as a set lookup instead of a chain of comparisons, with the same
// three-valued result: OR of CheckValue(col, "v") (ServiceCategory-C-003-M:
// 19 values; ServiceSubcategory-C-003-M: 84) and OR of
// AND(CheckValue(a, "x"), CheckValue(b, "y")) (ServiceSubcategory-C-004-M:
// 84 pairs). It returns nil for any other check.
func (cp *compiler) compileValueSet(c *Check) pred {
	if c.Func != "OR" || len(c.Items) < 2 {
		return nil
	}
	v := cp.v
	if col, _, ok := stringValue(c.Items[0]); ok {
		set := map[string]struct{}{}
		for _, it := range c.Items {
			icol, val, ok := stringValue(it)
			if !ok || icol != col {
				return nil
			}
			set[val] = struct{}{}
		}
		ref := cp.ref(col)
		return func(rec []string) tri {
			s, null := v.get(rec, ref)
			if null {
				return unknown
			}
			_, in := set[s]
			return triOf(in)
		}
	}
	var colA, colB string
	pairs := map[[2]string]struct{}{}
	as, bs := map[string]struct{}{}, map[string]struct{}{}
	for i, it := range c.Items {
		if it.Func != "AND" || len(it.Items) != 2 {
			return nil
		}
		ca, x, ok1 := stringValue(it.Items[0])
		cb, y, ok2 := stringValue(it.Items[1])
		if !ok1 || !ok2 || (i > 0 && (ca != colA || cb != colB)) || ca == cb {
			return nil
		}
		colA, colB = ca, cb
		pairs[[2]string{x, y}] = struct{}{}
		as[x], bs[y] = struct{}{}, struct{}{}
	}
	ra, rb := cp.ref(colA), cp.ref(colB)
	return func(rec []string) tri {
		x, xn := v.get(rec, ra)
		y, yn := v.get(rec, rb)
		switch {
		case xn && yn:
			return unknown
		case xn: // some item is unknown when y is a second value of a pair
			if _, ok := bs[y]; ok {
				return unknown
			}
			return no
		case yn:
			if _, ok := as[x]; ok {
				return unknown
			}
			return no
		}
		_, in := pairs[[2]string{x, y}]
		return triOf(in)
	}
}

// compileConds compiles a rule's conditions; absent columns are null.
// Rules share conditions (those of the composites above them, and the
// usual "ChargeCategory is Usage or Purchase and ChargeClass is not
// Correction"), so each distinct condition is evaluated once a row.
func (v *validation) compileConds(conds []*Check) ([]pred, []string) {
	out := make([]pred, len(conds))
	var unsupported []string
	for i, c := range conds {
		key := c.String()
		if m, ok := v.condCache[key]; ok {
			out[i] = m.eval
			continue
		}
		cp := &compiler{v: v, asCondition: true}
		m := &memo{v: v, p: cp.compile(c)}
		if len(cp.unsupported) > 0 {
			unsupported = append(unsupported, cp.unsupported...)
			out[i] = m.p
			continue
		}
		v.condCache[key] = m
		out[i] = m.eval
	}
	return out, unsupported
}

// memo remembers a condition's value for the current row.
type memo struct {
	v   *validation
	p   pred
	row int64
	val tri
}

func (m *memo) eval(rec []string) tri {
	if m.row != m.v.rowSeq {
		m.row, m.val = m.v.rowSeq, m.p(rec)
	}
	return m.val
}

// exampleCols are the columns shown for a failure: what the requirement
// reads, then what the rule's own condition reads, when in the file.
func (v *validation) exampleCols(checks ...*Check) []cellRef {
	var out []cellRef
	for _, c := range checks {
		for _, col := range c.columns() {
			if i, ok := v.col[col]; ok && !slices.ContainsFunc(out, func(r cellRef) bool { return r.name == col }) {
				out = append(out, cellRef{i: i, name: col})
			}
		}
	}
	return out
}

func (v *validation) skipOrNotCheck(res *Result, missing, unsupported []string) bool {
	switch {
	case len(unsupported) > 0:
		v.notChecked(res, NotCheckedUnsupported, strings.Join(unsupported, "; "))
	case len(missing) > 0:
		res.Status = StatusSkipped
		res.Reason = "not in the file: " + strings.Join(missing, ", ")
	default:
		return false
	}
	return true
}

func (v *validation) planLeaf(i int) {
	r, c, res := v.m.Rules[i], v.ctx[i], &v.rep.Rules[i]
	req := r.Requirement
	switch req.Func {
	case "ColumnPresent":
		res.RowsChecked = 0
		if _, ok := v.col[req.Column]; ok {
			res.Status = StatusPass
			return
		}
		res.Status, res.Failed, res.FirstLine = StatusFail, 1, v.headerLine
		res.Reason = "not in the header"
		for _, h := range v.rep.Columns {
			if strings.EqualFold(strings.TrimSpace(h), req.Column) {
				res.Reason = fmt.Sprintf("not in the header (it has %q)", h)
				break
			}
		}
		if v.maxEx > 0 {
			res.Examples = []Example{{Line: v.headerLine}}
		}
		return
	case "CheckDistinctCount":
		cp := &compiler{v: v}
		a, b := cp.ref(req.ColumnA), cp.ref(req.ColumnB)
		conds, unsup := v.compileConds(c.conds)
		if req.ExpectedCount < 0 {
			unsup = append(unsup, fmt.Sprintf("CheckDistinctCount with ExpectedCount %d", req.ExpectedCount))
		}
		if v.skipOrNotCheck(res, cp.missing, unsup) {
			return
		}
		res.FailedUnit = req.ColumnA + " values"
		v.distinct = append(v.distinct, &distinctRule{res: res, conds: conds, a: a, b: b, n: req.ExpectedCount, groups: map[string]*distinctGroup{}})
		return
	}
	cp := &compiler{v: v}
	p := cp.compile(req)
	conds, unsup := v.compileConds(c.conds)
	if v.skipOrNotCheck(res, cp.missing, append(cp.unsupported, unsup...)) {
		return
	}
	res.FailedUnit = "rows"
	v.rowRules = append(v.rowRules, &rowRule{res: res, conds: conds, req: p, cols: v.exampleCols(req, r.Condition)})
}

// planOr plans an OR composite (InvoiceId-C-003-C, SubAccountType-C-003-C:
// "nullability is defined as follows"): its parts are alternatives, each
// with its own condition, and a row satisfies the OR when one alternative
// that applies to it holds. A row to which no alternative applies is not
// checked. The alternatives are also evaluated on their own, but not
// counted: only the OR is a requirement.
func (v *validation) planOr(i int) {
	r, c, res := v.m.Rules[i], v.ctx[i], &v.rep.Rules[i]
	type alt struct {
		cond pred
		req  pred
	}
	var alts []alt
	var missing, unsup []string
	var show []*Check
	for _, id := range r.Requirement.refs() {
		ar := v.m.Rule(id)
		switch {
		case ar == nil:
			unsup = append(unsup, "references unknown rule "+id)
			continue
		case ar.Requirement == nil || strings.EqualFold(ar.Type, "Dynamic") || ar.Requirement.isComposite() ||
			ar.Requirement.Func == "ColumnPresent" || ar.Requirement.Func == "CheckDistinctCount":
			unsup = append(unsup, "alternative "+id+" is not a row check")
			continue
		}
		cp := &compiler{v: v}
		a := alt{req: cp.compile(ar.Requirement)}
		if ar.Condition != nil {
			conds, u := v.compileConds([]*Check{ar.Condition})
			a.cond = conds[0]
			unsup = append(unsup, u...)
		}
		missing = append(missing, cp.missing...)
		unsup = append(unsup, cp.unsupported...)
		alts = append(alts, a)
		show = append(show, ar.Requirement, ar.Condition)
	}
	conds, u := v.compileConds(c.conds)
	if v.skipOrNotCheck(res, missing, append(unsup, u...)) {
		return
	}
	res.FailedUnit = "rows"
	res.Requirement = "OR of the alternatives that apply: " + strings.Join(r.Requirement.refs(), ", ")
	req := func(rec []string) tri {
		applied := false
		for _, a := range alts {
			if a.cond != nil && a.cond(rec) != yes {
				continue
			}
			applied = true
			if a.req(rec) != no {
				return yes
			}
		}
		if applied {
			return no
		}
		return unknown
	}
	v.rowRules = append(v.rowRules, &rowRule{res: res, conds: conds, req: req, cols: v.exampleCols(show...)})
}

type rowRule struct {
	res   *Result
	conds []pred
	req   pred
	cols  []cellRef
}

func (rr *rowRule) eval(v *validation, rec []string, line int) {
	for _, c := range rr.conds {
		if c(rec) != yes {
			return
		}
	}
	rr.res.RowsChecked++
	if rr.req(rec) != no {
		return
	}
	rr.res.Failed++
	if rr.res.FirstLine == 0 {
		rr.res.FirstLine = line
	}
	if len(rr.res.Examples) < v.maxEx {
		ex := Example{Line: line, Cells: make([]Cell, len(rr.cols))}
		for i, c := range rr.cols {
			ex.Cells[i] = v.cell(rec, c)
		}
		rr.res.Examples = append(rr.res.Examples, ex)
	}
}

func (v *validation) cell(rec []string, c cellRef) Cell {
	s, null := v.get(rec, c)
	if null {
		return Cell{Column: c.name}
	}
	s = clip(s)
	return Cell{Column: c.name, Value: &s}
}

// clip copies s (so that the row's memory is not kept), at most
// maxValueLen bytes of it, cut at a rune boundary.
func clip(s string) string {
	if len(s) <= maxValueLen {
		return strings.Clone(s)
	}
	cut := maxValueLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// distinctRule evaluates CheckDistinctCount: each value of column A must
// have exactly n distinct non-null values of column B. It keeps at most
// n+1 values of B per value of A.
type distinctRule struct {
	res    *Result
	conds  []pred
	a, b   cellRef
	n      int
	groups map[string]*distinctGroup
}

type distinctGroup struct {
	vals  []string
	first int // line where the value of A first appears
	over  int // line where a value of B beyond n appeared
}

func (dr *distinctRule) add(v *validation, rec []string, line int) {
	for _, c := range dr.conds {
		if c(rec) != yes {
			return
		}
	}
	av, null := v.get(rec, dr.a)
	if null {
		return
	}
	dr.res.RowsChecked++
	g := dr.groups[av]
	if g == nil {
		g = &distinctGroup{first: line}
		dr.groups[strings.Clone(av)] = g
	}
	bv, null := v.get(rec, dr.b)
	if null || len(g.vals) > dr.n || slices.Contains(g.vals, bv) {
		return
	}
	g.vals = append(g.vals, clip(bv))
	if len(g.vals) > dr.n {
		g.over = line
	}
}

func (dr *distinctRule) finish(v *validation) {
	type bad struct {
		key  string
		line int
		g    *distinctGroup
	}
	var bads []bad
	for k, g := range dr.groups {
		if len(g.vals) == dr.n {
			continue
		}
		line := g.first
		if g.over > 0 {
			line = g.over
		}
		bads = append(bads, bad{k, line, g})
	}
	dr.res.Failed = int64(len(bads))
	sort.Slice(bads, func(i, j int) bool {
		if bads[i].line != bads[j].line {
			return bads[i].line < bads[j].line
		}
		return bads[i].key < bads[j].key
	})
	if len(bads) > 0 {
		dr.res.FirstLine = bads[0].line
	}
	for _, b := range bads[:min(len(bads), v.maxEx)] {
		key := clip(b.key)
		ex := Example{Line: b.line, Cells: []Cell{{Column: dr.a.name, Value: &key}}}
		if len(b.g.vals) == 0 {
			ex.Cells = append(ex.Cells, Cell{Column: dr.b.name})
		}
		for _, val := range b.g.vals {
			ex.Cells = append(ex.Cells, Cell{Column: dr.b.name, Value: &val})
		}
		dr.res.Examples = append(dr.res.Examples, ex)
	}
	dr.groups = nil
}

func passOrFail(failed int64) Status {
	if failed > 0 {
		return StatusFail
	}
	return StatusPass
}

// finish settles the row rules, the composites and the summary.
func (v *validation) finish() {
	for _, dr := range v.distinct {
		dr.finish(v)
		dr.res.Status = passOrFail(dr.res.Failed)
	}
	for _, rr := range v.rowRules {
		rr.res.Status = passOrFail(rr.res.Failed)
	}
	done := make([]bool, len(v.m.Rules))
	var settle func(i int)
	settle = func(i int) {
		if done[i] {
			return
		}
		done[i] = true
		res := &v.rep.Rules[i]
		if res.Status != "" || !v.m.Rules[i].Requirement.isComposite() {
			return
		}
		var failed, skipped, unchecked []string
		parts, na := 0, 0
		for _, id := range res.Children {
			j, ok := v.idx[id]
			if !ok {
				unchecked = append(unchecked, id)
				continue
			}
			settle(j)
			child := &v.rep.Rules[j]
			parts++
			switch child.Status {
			case StatusFail:
				failed = append(failed, id)
			case StatusSkipped:
				skipped = append(skipped, id)
			case StatusNotChecked:
				if child.NotChecked != NotCheckedPermission {
					unchecked = append(unchecked, id)
				}
			case StatusNotApplicable:
				na++
			case "": // a cycle: undecided
				unchecked = append(unchecked, id)
			}
		}
		switch {
		case parts > 0 && na == parts:
			res.Status, res.Reason = StatusNotApplicable, "no part is applicable"
		case len(failed) > 0:
			res.Status, res.Reason = StatusFail, "failed: "+strings.Join(failed, ", ")
		case len(skipped) > 0:
			res.Status, res.Reason = StatusSkipped, "skipped: "+strings.Join(skipped, ", ")
		case len(unchecked) > 0:
			v.notChecked(res, NotCheckedComposite, "not checked: "+strings.Join(unchecked, ", "))
		default:
			res.Status = StatusPass
		}
	}
	for i := range v.m.Rules {
		settle(i)
	}
	s := &v.rep.Summary
	s.Rules = len(v.m.Rules)
	s.NotCheckedBy = map[string]int{}
	for i := range v.rep.Rules {
		res := &v.rep.Rules[i]
		if !res.Counted {
			if v.m.Rules[i].Requirement.isComposite() {
				s.Composites++
			}
			continue
		}
		s.Counted++
		switch res.Status {
		case StatusPass:
			s.Pass++
		case StatusFail:
			s.Fail++
			switch res.Level {
			case LevelMust:
				s.FailedMust++
			case LevelShould:
				s.FailedShould++
			}
		case StatusSkipped:
			s.Skipped++
		case StatusNotChecked:
			s.NotChecked++
			s.NotCheckedBy[res.NotChecked]++
		case StatusNotApplicable:
			s.NotApplicable++
		}
	}
}
