package catalog

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity tells whether a diagnostic blocks the catalog from loading.
type Severity int

const (
	// SeverityError makes the tree invalid: lint exits 1 and serve keeps
	// the last good snapshot.
	SeverityError Severity = iota
	// SeverityWarning is reported but does not block.
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Pos is a position in a source file. Line and Col start at 1; zero means
// unknown.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// Diagnostic is one finding about the tree: where it is (file, line,
// column and the field path inside the document) and what was expected.
type Diagnostic struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	Path     string   `json:"path,omitempty"`
	Severity Severity `json:"-"`
	Message  string   `json:"message"`
}

// String formats the diagnostic the way compilers do, so that editors and
// CI annotations can jump to it: file:line:col: severity: path: message.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", d.Line, d.Col)
	}
	b.WriteString(": ")
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is a list of findings.
type Diagnostics []Diagnostic

// Errors returns the findings of error severity.
func (ds Diagnostics) Errors() Diagnostics { return ds.of(SeverityError) }

// Warnings returns the findings of warning severity.
func (ds Diagnostics) Warnings() Diagnostics { return ds.of(SeverityWarning) }

func (ds Diagnostics) of(sev Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == sev {
			out = append(out, d)
		}
	}
	return out
}

// HasErrors reports whether any finding is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == SeverityError })
}

// Sort orders findings by file, line and column.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Error is returned when the tree has errors. It carries every finding,
// warnings included.
type Error struct {
	Diagnostics Diagnostics
	// Files and Documents count what was read.
	Files, Documents int
}

func (e *Error) Error() string {
	errs := e.Diagnostics.Errors()
	switch len(errs) {
	case 0:
		return "catalog: invalid"
	case 1:
		return "catalog: " + errs[0].String()
	default:
		return fmt.Sprintf("catalog: %s (and %d more errors)", errs[0].String(), len(errs)-1)
	}
}
