package slo

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"0d", 0},
		{"500ms", 500 * time.Millisecond},
		{"30s", 30 * time.Second},
		{"5m", 5 * time.Minute},
		{"1h", time.Hour},
		{"1h30m", 90 * time.Minute},
		{"90m", 90 * time.Minute},
		{"1d", 24 * time.Hour},
		{"3d", 72 * time.Hour},
		{"7d", 7 * 24 * time.Hour},
		{"1w", 7 * 24 * time.Hour},
		{"4w", 28 * 24 * time.Hour},
		{"28d", 28 * 24 * time.Hour},
		{"30d", 30 * 24 * time.Hour},
		{"1y", 365 * 24 * time.Hour},
		{"1y2w3d4h5m6s7ms", 365*Day + 14*Day + 3*Day + 4*time.Hour + 5*time.Minute + 6*time.Second + 7*time.Millisecond},
		{"1d0h1m", Day + time.Minute},
		{"007m", 7 * time.Minute},
		// The longest durations that fit.
		{"106751d23h47m16s854ms", time.Duration(math.MaxInt64).Truncate(time.Millisecond)},
		{"292y", 292 * 365 * Day},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil {
			t.Errorf("ParseDuration(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string // in the error, after the quoted input
	}{
		{"", "empty"},
		{"5x", `unknown unit "x"`},
		{"-1h", "no sign"},
		{"+1h", "no sign"},
		{"5", "missing unit after 5"},
		{"1h5", "missing unit after 5"},
		{"h", `expected a number at "h"`},
		{"1.5h", "fractions are not allowed"},
		{"1h 30m", `unknown unit "h "`},
		{" 1h", "expected a number"},
		{"5M", `unknown unit "M"`},
		{"1us", `unknown unit "us"`},
		{"1ns", `unknown unit "ns"`},
		{"30m1h", `unit "h" comes after "m"`},
		{"1h1h", `unit "h" comes after "h"`},
		{"1s1ms1s", `unit "s" comes after "ms"`},
		{"1d1w", `unit "w" comes after "d"`},
		{"293y", "too long"},
		{"106751d23h47m16s855ms", "too long"},
		{"99999999999999999999s", "too long"},
		{"00", "missing unit after 00"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", tt.in, got)
			continue
		}
		// The error names the input, quoted.
		prefix := "slo: invalid duration " + strconv.Quote(tt.in) + ": "
		if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tt.want) {
			t.Errorf("ParseDuration(%q) error = %q, want %q then %q", tt.in, msg, prefix, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{5 * time.Minute, "5m"},
		{30 * time.Minute, "30m"},
		{time.Hour, "1h"},
		{2 * time.Hour, "2h"},
		{6 * time.Hour, "6h"},
		{90 * time.Minute, "1h30m"},
		{Day, "1d"},
		{3 * Day, "3d"},
		{7 * Day, "7d"},   // not 1w
		{28 * Day, "28d"}, // not 4w
		{30 * Day, "30d"},
		{365 * Day, "365d"}, // not 1y
		{36 * time.Hour, "1d12h"},
		{Day + time.Minute, "1d1m"},
		{time.Second, "1s"},
		{1500 * time.Millisecond, "1s500ms"},
		{time.Millisecond, "1ms"},
		// Below Prometheus's resolution.
		{time.Millisecond + 999*time.Microsecond, "1ms"},
		{time.Nanosecond, "0s"},
		{-time.Nanosecond, "0s"},
		{-time.Hour, "-1h"},
		{time.Duration(math.MaxInt64), "106751d23h47m16s854ms"},
		{time.Duration(math.MinInt64), "-106751d23h47m16s854ms"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.in); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDurationRoundTrip(t *testing.T) {
	// Canonical strings survive ParseDuration then FormatDuration.
	for _, s := range []string{"0s", "1ms", "5m", "30m", "1h", "1h30m", "2h", "6h", "1d", "3d", "7d", "28d", "30d", "90d", "365d", "1d2h3m4s5ms"} {
		d, err := ParseDuration(s)
		if err != nil {
			t.Errorf("ParseDuration(%q) error: %v", s, err)
			continue
		}
		if got := FormatDuration(d); got != s {
			t.Errorf("FormatDuration(ParseDuration(%q)) = %q, want %q", s, got, s)
		}
	}
	// Durations of whole milliseconds survive FormatDuration then
	// ParseDuration, whatever units they were written in.
	for _, s := range []string{"1w", "4w", "1y", "1y1ms", "90m", "48h", "3600s", "86400000ms", "0ms"} {
		want, err := ParseDuration(s)
		if err != nil {
			t.Errorf("ParseDuration(%q) error: %v", s, err)
			continue
		}
		f := FormatDuration(want)
		if got, err := ParseDuration(f); err != nil || got != want {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v; want %v (via %q)", want, got, err, want, f)
		}
	}
}
