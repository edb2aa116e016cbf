package billconv

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"kiban.dev/kiban/internal/focus"
)

// FuzzNewReader feeds NewReader and Next arbitrary input: they must
// never panic, and every row error must name a line.
func FuzzNewReader(f *testing.F) {
	for _, tc := range samples {
		data := readFile(f, filepath.Join("testdata", tc.path))
		lines := strings.SplitAfter(string(data), "\n")
		f.Add([]byte(strings.Join(lines[:min(4, len(lines))], "")))
	}
	focusSample := readFile(f, filepath.Join("testdata", "focus", "focus_sample_1000.csv.gz"))
	lines := strings.SplitAfter(string(focusSample), "\n")
	f.Add([]byte(strings.Join(lines[:3], "")))
	f.Add(mustGzip(f, []byte(strings.Join(lines[:3], ""))))
	f.Add([]byte("billing_account_id,usage_start_time,cost,credits,labels,project.labels,invoice.month,service.description\n" +
		"A,2024-03-01 00:00:00 UTC,1,\"[{'amount': -1e-3, 'type': 'COMMITTED_USAGE_DISCOUNT', 'id': 'x'}]\",\"{'k': [1, (2, 3)]}\",[],202413,X\n"))
	f.Add([]byte("lineItem/UsageStartDate,lineItem/UnblendedCost,resourceTags/user:a,resource_tags,product\n" +
		"2024-05-01,1e5,v,\"{\"\"user_b\"\":\"\"c\"\"}\",\"{\"\"region\"\":1}\"\n,,,,\n"))
	f.Add([]byte("\ufeffSubscriptionGuid,UsageDateTime,PreTaxCost,MeterCategory,Tags,UnitOfMeasure,Quantity\n" +
		"s,2/30/2024,1,VM,\"a\":\"b\",10K,3\n"))
	f.Add([]byte("lineItem/intervalUsageStart,cost/myCost,tags/ns.k,product/resourceId\n2023-11-13T10:00Z,1,v,ocid1.x\n"))
	f.Add([]byte{0x1f, 0x8b, 0x08})
	f.Add([]byte(""))

	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		_ = r.Extra()
		if r.Format() == "" {
			t.Fatal("empty Format()")
		}
		for range 10000 {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			var re *focus.RowError
			if errors.As(err, &re) {
				if re.Line < 1 {
					t.Fatalf("row error without a line: %v", re)
				}
				_ = re.Error()
				continue
			}
			if err != nil {
				break
			}
			_ = row.BilledCost.String()
			// focus.Reader passes a FOCUS file's Tags through as written;
			// converted Tags must be valid.
			if row.Tags != "" && !strings.HasPrefix(r.Format(), "focus-") {
				if _, err := focus.ParseTags(row.Tags); err != nil {
					t.Fatalf("Tags %q: %v", row.Tags, err)
				}
			}
		}
		_ = r.Tolerated()
	})
}
