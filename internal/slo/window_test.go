package slo

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests need zones whatever the host has installed

	"github.com/google/go-cmp/cmp"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestWindowValidate(t *testing.T) {
	tests := []struct {
		name    string
		w       Window
		wantErr string // "" for a valid window
	}{
		{"rolling 30d", Window{Rolling: 30 * Day}, ""},
		{"rolling 5m", Window{Rolling: 5 * time.Minute}, ""},
		{"week", Window{Calendar: CalendarWeek}, ""},
		{"month in a fixed zone", Window{Calendar: CalendarMonth, Location: time.FixedZone("X", 3600)}, ""},
		{"zero", Window{}, "positive rolling duration"},
		{"negative rolling", Window{Rolling: -time.Hour}, "positive rolling duration"},
		{"both", Window{Rolling: 30 * Day, Calendar: CalendarMonth}, "either rolling (30d) or calendar (month), not both"},
		{"unknown calendar", Window{Calendar: "quarter"}, `unknown calendar window "quarter"`},
		{"calendar is case-sensitive", Window{Calendar: "Month"}, `unknown calendar window "Month"`},
	}
	for _, tt := range tests {
		err := tt.w.Validate()
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: Validate() error: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: Validate() error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestWindowPeriod(t *testing.T) {
	paris := mustLoad(t, "Europe/Paris")
	ny := mustLoad(t, "America/New_York")
	tokyo := mustLoad(t, "Asia/Tokyo")
	type period struct {
		Start, End time.Time
		Length     time.Duration
	}
	tests := []struct {
		name string
		w    Window
		at   time.Time
		want period
	}{
		{
			name: "rolling 30d",
			w:    Window{Rolling: 30 * Day},
			at:   time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 2, 13, 12, 0, 0, 0, time.UTC),
				End:    time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC),
				Length: 30 * Day,
			},
		},
		{
			// A rolling window is a duration: across the change to summer
			// time it is still 28 × 24h, and its Location plays no part.
			name: "rolling 28d across DST",
			w:    Window{Rolling: 28 * Day, Location: paris},
			at:   time.Date(2026, 4, 10, 12, 0, 0, 0, paris),
			want: period{
				Start:  time.Date(2026, 3, 13, 11, 0, 0, 0, paris),
				End:    time.Date(2026, 4, 10, 12, 0, 0, 0, paris),
				Length: 28 * Day,
			},
		},
		{
			// 2026-03-18 is a Wednesday; its week starts Monday 16th.
			name: "week, midweek",
			w:    Window{Calendar: CalendarWeek},
			at:   time.Date(2026, 3, 18, 15, 4, 5, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC),
				Length: 7 * Day,
			},
		},
		{
			name: "week, on Monday midnight",
			w:    Window{Calendar: CalendarWeek},
			at:   time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC),
				Length: 7 * Day,
			},
		},
		{
			name: "week, Sunday's last nanosecond",
			w:    Window{Calendar: CalendarWeek},
			at:   time.Date(2026, 3, 22, 23, 59, 59, 999999999, time.UTC),
			want: period{
				Start:  time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC),
				Length: 7 * Day,
			},
		},
		{
			name: "week across a month and a year",
			w:    Window{Calendar: CalendarWeek},
			at:   time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC), // a Friday
			want: period{
				Start:  time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC),
				Length: 7 * Day,
			},
		},
		{
			// Sunday 2026-03-22 23:30 in New York is already Monday 23rd in
			// UTC: the week is that of the window's Location.
			name: "week in New York, late Sunday",
			w:    Window{Calendar: CalendarWeek, Location: ny},
			at:   time.Date(2026, 3, 23, 3, 30, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 3, 16, 0, 0, 0, 0, ny),
				End:    time.Date(2026, 3, 23, 0, 0, 0, 0, ny),
				Length: 7 * Day,
			},
		},
		{
			// Monday 2026-03-23 08:00 in Tokyo is still Sunday in UTC.
			name: "week in Tokyo, early Monday",
			w:    Window{Calendar: CalendarWeek, Location: tokyo},
			at:   time.Date(2026, 3, 22, 23, 0, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 3, 23, 0, 0, 0, 0, tokyo),
				End:    time.Date(2026, 3, 30, 0, 0, 0, 0, tokyo),
				Length: 7 * Day,
			},
		},
		{
			// Paris springs forward on Sunday 2026-03-29.
			name: "week with the change to summer time in Paris",
			w:    Window{Calendar: CalendarWeek, Location: paris},
			at:   time.Date(2026, 3, 27, 12, 0, 0, 0, paris),
			want: period{
				Start:  time.Date(2026, 3, 23, 0, 0, 0, 0, paris),
				End:    time.Date(2026, 3, 30, 0, 0, 0, 0, paris),
				Length: 7*Day - time.Hour,
			},
		},
		{
			name: "month of 31 days",
			w:    Window{Calendar: CalendarMonth},
			at:   time.Date(2026, 1, 20, 8, 0, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
				Length: 31 * Day,
			},
		},
		{
			name: "month of 30 days",
			w:    Window{Calendar: CalendarMonth},
			at:   time.Date(2026, 4, 30, 23, 59, 59, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
				Length: 30 * Day,
			},
		},
		{
			name: "February of a leap year",
			w:    Window{Calendar: CalendarMonth},
			at:   time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2028, 2, 1, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC),
				Length: 29 * Day,
			},
		},
		{
			name: "February of a common year",
			w:    Window{Calendar: CalendarMonth},
			at:   time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
				Length: 28 * Day,
			},
		},
		{
			name: "December",
			w:    Window{Calendar: CalendarMonth},
			at:   time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
				End:    time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
				Length: 31 * Day,
			},
		},
		{
			// Paris springs forward on 2026-03-29: 02:00 becomes 03:00.
			name: "March 2026 in Paris",
			w:    Window{Calendar: CalendarMonth, Location: paris},
			at:   time.Date(2026, 3, 10, 9, 0, 0, 0, paris),
			want: period{
				Start:  time.Date(2026, 3, 1, 0, 0, 0, 0, paris),
				End:    time.Date(2026, 4, 1, 0, 0, 0, 0, paris),
				Length: 30*Day + 23*time.Hour,
			},
		},
		{
			// And falls back on 2026-10-25: 03:00 becomes 02:00.
			name: "October 2026 in Paris",
			w:    Window{Calendar: CalendarMonth, Location: paris},
			at:   time.Date(2026, 10, 31, 23, 0, 0, 0, paris),
			want: period{
				Start:  time.Date(2026, 10, 1, 0, 0, 0, 0, paris),
				End:    time.Date(2026, 11, 1, 0, 0, 0, 0, paris),
				Length: 31*Day + time.Hour,
			},
		},
		{
			// 2026-02-28 23:30 UTC is already March 1st in Paris.
			name: "month boundary in Paris, given in UTC",
			w:    Window{Calendar: CalendarMonth, Location: paris},
			at:   time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC),
			want: period{
				Start:  time.Date(2026, 3, 1, 0, 0, 0, 0, paris),
				End:    time.Date(2026, 4, 1, 0, 0, 0, 0, paris),
				Length: 30*Day + 23*time.Hour,
			},
		},
	}
	for _, tt := range tests {
		var got period
		got.Start, got.End = tt.w.Period(tt.at)
		got.Length = tt.w.Length(tt.at)
		// Compare instants and, for calendar windows, that the times are
		// in the window's location.
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("%s: Period(%v) mismatch (-got +want):\n%s", tt.name, tt.at, diff)
		}
		if tt.w.Calendar != "" && (got.Start.Location() != tt.w.location() || got.End.Location() != tt.w.location()) {
			t.Errorf("%s: Period(%v) = %v, %v; want times in %v", tt.name, tt.at, got.Start, got.End, tt.w.location())
		}
		if tt.w.Calendar != "" && !(!tt.at.Before(got.Start) && tt.at.Before(got.End)) {
			t.Errorf("%s: Period(%v) = [%v, %v), which does not contain it", tt.name, tt.at, got.Start, got.End)
		}
	}
}

func TestWindowPeriodsTile(t *testing.T) {
	// Consecutive calendar periods meet exactly, and each starts on a
	// Monday or a 1st at 00:00, through two years of a zone with DST.
	paris := mustLoad(t, "Europe/Paris")
	for _, w := range []Window{{Calendar: CalendarWeek, Location: paris}, {Calendar: CalendarMonth, Location: paris}} {
		_, end := w.Period(time.Date(2026, 1, 1, 12, 0, 0, 0, paris))
		for end.Year() < 2028 {
			start, next := w.Period(end)
			if !start.Equal(end) {
				t.Fatalf("%s: the period after one ending %v starts %v", w.Calendar, end, start)
			}
			if h, m, s := start.Clock(); h != 0 || m != 0 || s != 0 || start.Nanosecond() != 0 {
				t.Fatalf("%s: period starts %v, not at midnight", w.Calendar, start)
			}
			if w.Calendar == CalendarWeek && start.Weekday() != time.Monday {
				t.Fatalf("week starts on %v (%v)", start.Weekday(), start)
			}
			if w.Calendar == CalendarMonth && start.Day() != 1 {
				t.Fatalf("month starts on day %d (%v)", start.Day(), start)
			}
			end = next
		}
	}
}

func TestWindowNominalLength(t *testing.T) {
	tests := []struct {
		w    Window
		want time.Duration
	}{
		{Window{Rolling: 30 * Day}, 30 * Day},
		{Window{Rolling: 28 * Day}, 28 * Day},
		{Window{Rolling: 90 * time.Minute}, 90 * time.Minute},
		{Window{Calendar: CalendarWeek}, 7 * Day},
		{Window{Calendar: CalendarMonth}, 30 * Day},
		{Window{Calendar: CalendarMonth, Location: time.FixedZone("X", -5*3600)}, 30 * Day},
	}
	for _, tt := range tests {
		if got := tt.w.NominalLength(); got != tt.want {
			t.Errorf("%+v.NominalLength() = %v, want %v", tt.w, got, tt.want)
		}
	}
}

func TestWindowPanicsWhenInvalid(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for name, call := range map[string]func(Window){
		"Period":        func(w Window) { w.Period(at) },
		"Length":        func(w Window) { w.Length(at) },
		"NominalLength": func(w Window) { w.NominalLength() },
	} {
		for _, w := range []Window{{}, {Calendar: "quarter"}, {Rolling: Day, Calendar: CalendarWeek}} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s on %+v did not panic", name, w)
					}
				}()
				call(w)
			}()
		}
	}
}

// tzData is a TZif version 1 file with one transition, at instant at, from
// zone before to zone after (offsets in seconds east of UTC).
func tzData(at time.Time, before, after int32) []byte {
	b := []byte("TZif")
	b = append(b, make([]byte, 16)...) // version 1, then 15 reserved bytes
	// isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
	for _, n := range []uint32{0, 0, 0, 1, 2, 4} {
		b = binary.BigEndian.AppendUint32(b, n)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(int32(at.Unix())))
	b = append(b, 1) // after the transition, type 1
	b = binary.BigEndian.AppendUint32(b, uint32(before))
	b = append(b, 0, 0) // not DST, abbreviation "A"
	b = binary.BigEndian.AppendUint32(b, uint32(after))
	b = append(b, 1, 2) // DST, abbreviation "B"
	return append(b, "A\x00B\x00"...)
}

func TestStartOfDay(t *testing.T) {
	santiago := mustLoad(t, "America/Santiago")
	amman := mustLoad(t, "Asia/Amman")
	// A zone whose clocks jump from 23:30 to 00:30 on 2030-01-01 (UTC+1
	// to UTC+2 at 22:30 UTC).
	odd, err := time.LoadLocationFromTZData("Odd", tzData(time.Date(2030, 1, 1, 22, 30, 0, 0, time.UTC), 3600, 7200))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		y    int
		m    time.Month
		d    int
		loc  *time.Location
		want time.Time
	}{
		{"UTC", 2026, 3, 1, time.UTC, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"normalized: March 0th", 2026, 3, 0, time.UTC, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)},
		{"normalized: month 13", 2026, 13, 1, time.UTC, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		// Santiago went from 24:00 -04 to 01:00 -03 on 2024-09-08, and
		// time.Date gives 2024-09-07 23:00 -04 for its midnight.
		{"midnight skipped, west of UTC", 2024, 9, 8, santiago, time.Date(2024, 9, 8, 4, 0, 0, 0, time.UTC)},
		// Amman went from 24:00 +02 to 01:00 +03 on 2021-03-26.
		{"midnight skipped, east of UTC", 2021, 3, 26, amman, time.Date(2021, 3, 25, 22, 0, 0, 0, time.UTC)},
		// Amman went back from 01:00 +03 to 00:00 +02 on 2021-10-29, and
		// time.Date gives the second midnight.
		{"midnight repeated", 2021, 10, 29, amman, time.Date(2021, 10, 28, 21, 0, 0, 0, time.UTC)},
		{"the day after midnight repeated", 2021, 10, 30, amman, time.Date(2021, 10, 29, 22, 0, 0, 0, time.UTC)},
		{"midnight inside a gap from 23:30 to 00:30", 2030, 1, 2, odd, time.Date(2030, 1, 1, 22, 30, 0, 0, time.UTC)},
		{"the day before that gap", 2030, 1, 1, odd, time.Date(2029, 12, 31, 23, 0, 0, 0, time.UTC)},
		{"the day after that gap", 2030, 1, 3, odd, time.Date(2030, 1, 2, 22, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := startOfDay(tt.y, tt.m, tt.d, tt.loc)
		if !got.Equal(tt.want) {
			t.Errorf("%s: startOfDay(%d, %d, %d, %v) = %v, want %v", tt.name, tt.y, tt.m, tt.d, tt.loc, got, tt.want.In(tt.loc))
		}
		if got.Location() != tt.loc {
			t.Errorf("%s: startOfDay(%d, %d, %d, %v) = %v, not in %v", tt.name, tt.y, tt.m, tt.d, tt.loc, got, tt.loc)
		}
		// The instant before is on the day before.
		if py, pm, pd := got.Add(-time.Nanosecond).Date(); py == got.Year() && pm == got.Month() && pd == got.Day() {
			t.Errorf("%s: startOfDay = %v, but %v is the same day", tt.name, got, got.Add(-time.Nanosecond))
		}
	}
}

func TestWindowLengthWhereMidnightIsSkipped(t *testing.T) {
	// Santiago's week of 2024-09-02 loses the first hour of Sunday the
	// 8th, when clocks jumped from 24:00 to 01:00.
	santiago := mustLoad(t, "America/Santiago")
	w := Window{Calendar: CalendarWeek, Location: santiago}
	at := time.Date(2024, 9, 8, 12, 0, 0, 0, santiago) // a Sunday
	start, end := w.Period(at)
	type period struct{ Start, End time.Time }
	want := period{time.Date(2024, 9, 2, 0, 0, 0, 0, santiago), time.Date(2024, 9, 9, 0, 0, 0, 0, santiago)}
	if diff := cmp.Diff(period{start, end}, want); diff != "" {
		t.Errorf("Period(%v) mismatch (-got +want):\n%s", at, diff)
	}
	if got, want := w.Length(at), 7*Day-time.Hour; got != want {
		t.Errorf("Length(%v) = %v, want %v", at, got, want)
	}
}
