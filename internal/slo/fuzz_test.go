package slo

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseDuration checks that ParseDuration never panics, that what it
// accepts is a non-negative duration FormatDuration writes back to the
// same duration, and that its errors quote the input.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5m", "1h30m", "28d", "1w", "1y2w3d4h5m6s7ms", "0", "", "5x", "-1h", "1.5h", "30m1h", "99999999999999999999s", "292y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if prefix := "slo: invalid duration " + strconv.Quote(s) + ": "; !strings.HasPrefix(err.Error(), prefix) {
				t.Fatalf("ParseDuration(%q) error %q does not start with %q", s, err, prefix)
			}
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		if d%time.Millisecond != 0 {
			t.Fatalf("ParseDuration(%q) = %v, not whole milliseconds", s, d)
		}
		f := FormatDuration(d)
		back, err := ParseDuration(f)
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v, but ParseDuration(FormatDuration(%v) = %q) = %v, %v", s, d, d, f, back, err)
		}
		if again := FormatDuration(back); again != f {
			t.Fatalf("FormatDuration is not canonical: %q then %q", f, again)
		}
	})
}
