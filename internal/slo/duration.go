package slo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours, the day of Prometheus durations. Calendar days, which
// daylight saving time can make 23 or 25 hours long, are Window's concern.
const Day = 24 * time.Hour

// durationUnits are the units ParseDuration accepts, largest first, the
// order they must appear in.
var durationUnits = [...]struct {
	name string
	d    time.Duration
}{
	{"y", 365 * Day},
	{"w", 7 * Day},
	{"d", Day},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
	{"ms", time.Millisecond},
}

// ParseDuration parses a duration written as Prometheus writes them: one or
// more integer-unit pairs such as "5m", "1h30m", "28d" or "1w", with the
// units y (365 days), w (7 days), d (24 hours), h, m, s and ms, each used
// at most once and from largest to smallest. "0" alone is zero. Fractions,
// signs, spaces and Go's other units (us, ns) are rejected, as are
// durations beyond the range of time.Duration. The error quotes s.
func ParseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	bad := func(format string, args ...any) (time.Duration, error) {
		return 0, fmt.Errorf("slo: invalid duration %q: %s", s, fmt.Sprintf(format, args...))
	}
	switch {
	case s == "":
		return bad("empty; write a number and a unit, such as 5m")
	case s[0] == '-' || s[0] == '+':
		return bad("durations have no sign")
	}
	var total time.Duration
	last := -1 // index in durationUnits of the previous unit
	for rest := s; rest != ""; {
		n := 0
		for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' {
			n++
		}
		if n == 0 {
			return bad("expected a number at %q", rest)
		}
		digits := rest[:n]
		rest = rest[n:]
		u := 0
		for u < len(rest) && !('0' <= rest[u] && rest[u] <= '9') {
			u++
		}
		unit := rest[:u]
		rest = rest[u:]
		if unit == "" {
			return bad("missing unit after %s; units are y, w, d, h, m, s and ms", digits)
		}
		if strings.HasPrefix(unit, ".") {
			return bad("fractions are not allowed; write 1h30m, not 1.5h")
		}
		k := unitIndex(unit)
		if k < 0 {
			return bad("unknown unit %q; units are y, w, d, h, m, s and ms", unit)
		}
		if k <= last {
			return bad("unit %q comes after %q; units go from largest to smallest, each at most once", unit, durationUnits[last].name)
		}
		last = k
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || v > (math.MaxInt64-int64(total))/int64(durationUnits[k].d) {
			return bad("too long; the longest duration is about 292y")
		}
		total += time.Duration(v) * durationUnits[k].d
	}
	return total, nil
}

func unitIndex(name string) int {
	for i, u := range durationUnits {
		if u.name == name {
			return i
		}
	}
	return -1
}

// FormatDuration writes d as Prometheus writes durations, from the largest
// unit down with only the non-zero units: "5m", "2h", "1h30m", "1d12h". It
// never uses weeks or years, so 7 days is "7d", 28 days "28d" and 365 days
// "365d"; ParseDuration reads every result back to the same duration. Zero
// is "0s". Prometheus durations have millisecond resolution, so any
// sub-millisecond remainder is dropped (and a positive duration below 1ms
// is "0s"). A negative duration is written with a leading "-", which
// Prometheus and ParseDuration reject.
func FormatDuration(d time.Duration) string {
	var b strings.Builder
	ms := uint64(d / time.Millisecond) // exact for d >= 0
	if d < 0 {
		b.WriteByte('-')
		ms = uint64(-(d / time.Millisecond)) // d/ms is far from MinInt64
	}
	if ms == 0 {
		return "0s"
	}
	for _, u := range durationUnits[2:] { // no years or weeks
		size := uint64(u.d / time.Millisecond)
		if v := ms / size; v > 0 {
			b.WriteString(strconv.FormatUint(v, 10))
			b.WriteString(u.name)
			ms -= v * size
		}
	}
	return b.String()
}
