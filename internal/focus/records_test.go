package focus

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// rowsOf is a Records source of in-memory rows; a nil row is an error in
// that row only.
type rowsOf struct {
	rows [][]string
	i    int
}

type badValue struct{ line int }

func (e badValue) Error() string {
	return fmt.Sprintf("line %d: a value the schema does not allow", e.line)
}
func (e badValue) RowLine() int { return e.line }

func (r *rowsOf) Read() ([]string, error) {
	if r.i == len(r.rows) {
		return nil, io.EOF
	}
	r.i++
	if r.rows[r.i-1] == nil {
		return nil, badValue{r.i + 1}
	}
	return r.rows[r.i-1], nil
}

func (r *rowsOf) FieldPos(int) (int, int) { return r.i + 1, 1 }

// TestRecordReader reads rows from a source other than CSV: an error in
// one row is a *RowError at its line, and the next row reads.
func TestRecordReader(t *testing.T) {
	header := []string{"BilledCost", "ChargePeriodStart", "BillingPeriodStart", "ResourceId"}
	src := &rowsOf{rows: [][]string{
		{"1.5", "2024-09-01T00:00:00Z", "2024-09-01T00:00:00Z", "a"},
		nil,
		{"2", "2024-09-02T00:00:00Z", "2024-09-01T00:00:00Z", "b"},
	}}
	r, err := NewRecordReader(header, src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			got = append(got, fmt.Sprintf("error at line %d", re.Line))
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s", row.Line, row.ResourceID, row.BilledCost))
	}
	want := []string{"2 a 1.5", "error at line 3", "4 b 2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows %q; want %q", got, want)
	}
	if _, err := NewRecordReader([]string{"Nothing"}, &rowsOf{}); err == nil {
		t.Error("a header without FOCUS's required columns was accepted")
	}
}
