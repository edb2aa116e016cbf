package focusrules

// Status is the outcome of one rule on one file.
type Status string

// Statuses of a rule.
const (
	// StatusPass: evaluated, and no row (or the header) violates the rule.
	StatusPass Status = "pass"
	// StatusFail: evaluated, and rows (or the header) violate it.
	StatusFail Status = "fail"
	// StatusSkipped: the rule could be evaluated, but a column it checks
	// is not in the file (the presence rule, if any, says so).
	StatusSkipped Status = "skipped"
	// StatusNotChecked: the rule cannot be evaluated from the file; Reason
	// says why. Never a silent pass.
	StatusNotChecked Status = "not-checked"
	// StatusNotApplicable: the rule (or a composite rule it belongs to)
	// needs applicability criteria that were not claimed.
	StatusNotApplicable Status = "not-applicable"
)

// Kinds of StatusNotChecked, the keys of Summary.NotCheckedBy.
const (
	NotCheckedDynamic     = "dynamic"     // Type Dynamic: the model gives no machine-checkable requirement
	NotCheckedPermission  = "permission"  // MAY: permits, requires nothing
	NotCheckedUnsupported = "unsupported" // a check function this validator does not evaluate
	NotCheckedStatus      = "status"      // rule Status other than Active
	NotCheckedComposite   = "composite"   // a composite whose parts are not all checked
)

// Result is the outcome of one rule.
type Result struct {
	ID         string `json:"id"`
	Keyword    string `json:"keyword"` // MUST, MUST NOT, SHOULD, SHOULD NOT, RECOMMENDED, MAY
	Level      Level  `json:"level"`   // MUST, SHOULD or MAY
	Column     string `json:"column"`  // the rule's Reference: a column, the dataset or an attribute
	EntityType string `json:"entity_type"`
	Function   string `json:"function"`
	Type       string `json:"type"` // Static or Dynamic
	Status     Status `json:"status"`
	// Reason explains a status other than pass and fail, and, for a
	// composite, which parts failed.
	Reason string `json:"reason,omitempty"`
	// NotChecked is the kind of StatusNotChecked.
	NotChecked string `json:"not_checked,omitempty"`
	// Counted is false for composite rules (their parts are counted) and
	// for the alternatives of an OR composite (only the OR is a
	// requirement); the Summary counts only counted rules.
	Counted bool `json:"counted"`
	// AlternativeOf is the OR composite whose alternative this rule is.
	AlternativeOf string `json:"alternative_of,omitempty"`
	// Requirement and Condition are what was evaluated, compactly;
	// Condition includes the conditions of the composites above the rule.
	Requirement string `json:"requirement,omitempty"`
	Condition   string `json:"condition,omitempty"`
	// RowsChecked is the number of rows the rule applied to (its
	// condition held).
	RowsChecked int64 `json:"rows_checked"`
	// Failed is the number of failing rows, or of failing values of the
	// grouping column for CheckDistinctCount (FailedUnit says which), or 1
	// for a missing column.
	Failed     int64  `json:"failed"`
	FailedUnit string `json:"failed_unit,omitempty"`
	// FirstLine is the line of the first failure (the header's line for a
	// missing column).
	FirstLine int       `json:"first_line,omitempty"`
	Examples  []Example `json:"examples,omitempty"` // the first failures
	Children  []string  `json:"children,omitempty"` // a composite's parts
	// MustSatisfy is the requirement as the model states it.
	MustSatisfy string `json:"must_satisfy"`
	// Erratum says how the model's encoding was corrected; Normalized how
	// a malformed encoding was read.
	Erratum    string `json:"erratum,omitempty"`
	Normalized string `json:"normalized,omitempty"`
}

// Example is one failure: the line it starts on (the header's line for a
// missing column) and the values involved.
type Example struct {
	Line  int    `json:"line"`
	Cells []Cell `json:"cells,omitempty"`
}

// Cell is one value of a failing row; Value nil is null.
type Cell struct {
	Column string  `json:"column"`
	Value  *string `json:"value"`
}

// Issue is a problem with the file itself rather than a rule: a row the
// CSV reader could not read, a row with the wrong number of fields, a
// repeated column name.
type Issue struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Summary counts the counted rules by status.
type Summary struct {
	Rules         int `json:"rules"`      // rules in the model
	Composites    int `json:"composites"` // AND composites, not counted: their parts are
	Counted       int `json:"counted"`    // every other rule but the alternatives of an OR
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	Skipped       int `json:"skipped"`
	NotChecked    int `json:"not_checked"`
	NotApplicable int `json:"not_applicable"`
	// Failures by keyword level; MAY rules never fail.
	FailedMust   int `json:"failed_must"`
	FailedShould int `json:"failed_should"`
	// NotCheckedBy counts not-checked rules by kind (NotChecked*).
	NotCheckedBy map[string]int `json:"not_checked_by"`
}

// Report is the outcome of validating one file.
type Report struct {
	File          string   `json:"file"`
	Model         string   `json:"model"`         // e.g. "FOCUS 1.2 requirements model 1.2"
	Errata        int      `json:"errata"`        // rules evaluated with a corrected encoding
	Applicability []string `json:"applicability"` // the criteria claimed
	Gzip          bool     `json:"gzip,omitempty"`
	Parquet       bool     `json:"parquet,omitempty"`
	ByteOrderMark bool     `json:"byte_order_mark,omitempty"`
	Columns       []string `json:"columns"`
	Rows          int64    `json:"rows"`
	// MalformedRows were not evaluated; Issues lists the first of them
	// and other problems with the file.
	MalformedRows int64    `json:"malformed_rows"`
	Issues        []Issue  `json:"issues,omitempty"`
	Summary       Summary  `json:"summary"`
	Rules         []Result `json:"rules"` // in the order of the model
}

// OK reports whether no MUST rule failed and every row could be read.
func (r *Report) OK() bool { return r.Summary.FailedMust == 0 && r.MalformedRows == 0 }

// Result returns the result of the rule with the id, or nil.
func (r *Report) Result(id string) *Result {
	for i := range r.Rules {
		if r.Rules[i].ID == id {
			return &r.Rules[i]
		}
	}
	return nil
}
