package accesslog

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// lineErr is a LineError with its error as a string, for cmp.Diff.
type lineErr struct {
	Line int
	Err  string
	Text string
}

// result is what reading a whole stream gives.
type result struct {
	Records []Record
	Errors  []lineErr
	Lines   int
	Bad     int
	Bytes   int64
}

// readAll reads every record of r and the stats; a non-EOF error fails the
// test.
func readAll(t testing.TB, r io.Reader, f Format) result {
	t.Helper()
	lr := NewReader(r, f)
	var res result
	for {
		rec, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		res.Records = append(res.Records, rec)
	}
	st := lr.Stats()
	if st.Records != len(res.Records) {
		t.Errorf("Stats().Records = %d, want %d", st.Records, len(res.Records))
	}
	for _, e := range st.Errors {
		res.Errors = append(res.Errors, lineErr{e.Line, e.Err.Error(), e.Text})
	}
	res.Lines, res.Bad, res.Bytes = st.Lines, st.Malformed, st.Bytes
	return res
}

// readString reads the records of s.
func readString(t testing.TB, s string, f Format) result {
	t.Helper()
	return readAll(t, strings.NewReader(s), f)
}

// ts parses an RFC 3339 time for a want record.
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// ms is n milliseconds.
func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
