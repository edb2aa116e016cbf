package focus

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func FuzzReader(f *testing.F) {
	sample, err := os.ReadFile(filepath.Join("testdata", "focus_sample_1000.csv"))
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitAfter(string(sample), "\n")
	f.Add([]byte(strings.Join(lines[:4], "")))
	spec, err := os.ReadFile(filepath.Join("testdata", "spec_examples", "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(spec)
	small := miniHeader +
		"2024-09-01T00:00:00Z,2024-09-01 00:00:00,2024-09-01,1.2E-5,-1,NULL,AWS,\"\"\"k\"\": \"\"v\"\"\"\n" +
		"2024-09-01T00:00:00Z,2023-02-01T30:00:00Z,,abc,1,1,AWS,{}\n" +
		"short,row\n" +
		",,,,,,,\n" +
		"2024-09-01T00:00:00+02:00,2024-09-01T00:00:00.5Z,2024-09-01T00:00:00Z,12345678901234567890.5,1,1,\"a\"b\",\n"
	f.Add([]byte(small))
	f.Add([]byte("\ufeff" + small))
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	_, _ = w.Write([]byte(small))
	_ = w.Close()
	f.Add(z.Bytes())
	f.Add([]byte("BilledCost,ChargePeriodStart,BillingPeriodStart\n\"1\n"))
	f.Add([]byte(""))
	f.Add([]byte{0x1f, 0x8b, 0x08})

	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		_ = r.Columns()
		_ = r.Extra()
		if v := r.Version(); v == "" {
			t.Fatal("empty Version()")
		}
		for i := 0; i < 100000; i++ {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			var re *RowError
			if errors.As(err, &re) {
				if re.Line <= 1 {
					t.Fatalf("RowError on line %d: %v", re.Line, re)
				}
				_ = re.Error()
				continue
			}
			if err != nil {
				break // a failing input (bad gzip) ends reading
			}
			if row.Line <= 1 {
				t.Fatalf("row on line %d", row.Line)
			}
			if row.ChargePeriodStart.Location() != time.UTC || row.ChargePeriodEnd.Location() != time.UTC {
				t.Fatalf("line %d: timestamps not in UTC", row.Line)
			}
			_ = row.BilledCost.String()
			_ = row.EffectiveCost.Add(row.ListCost).String()
			_, _ = ParseTags(row.Tags)
		}
		for _, tol := range r.Tolerated() {
			if tol.Count <= 0 || tol.FirstLine < 1 || tol.Kind == "" {
				t.Fatalf("bad tolerance %+v", tol)
			}
		}
	})
}

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `"a": "b", "c": "d"`, `{"n":1,"o":{"x":[1]}}`, `NULL`, `{"a":"\u00e9"}`, `[1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseTags(s)
		if err != nil && m != nil {
			t.Fatalf("ParseTags(%q) returned a map and an error", s)
		}
		// The fast path must agree with encoding/json on what it accepts.
		if t2 := trimSpace(s); t2 != "" && !isNULL(t2) && t2[0] == '{' {
			if fast, ok := parseTagsFast(t2); ok {
				slow, err := parseTagsJSON(t2, s)
				if err != nil || len(slow) != len(fast) {
					t.Fatalf("ParseTags(%q): fast %v, encoding/json %v %v", s, fast, slow, err)
				}
				for k, v := range fast {
					if slow[k] != v {
						t.Fatalf("ParseTags(%q): fast %v, encoding/json %v", s, fast, slow)
					}
				}
			}
		}
	})
}
