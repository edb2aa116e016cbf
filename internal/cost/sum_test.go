package cost

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestTotal(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"empty", nil, "0"},
		{"one", []string{"12.5"}, "12.5"},
		{"trailing zeros dropped", []string{"531960.0000000000"}, "531960"},
		{"negative credit", []string{"10", "-12.25"}, "-2.25"},
		{"back to zero", []string{"0.1", "-0.1"}, "0"},
		{"tiny", []string{"0.000000000000000001"}, "0.000000000000000001"},
		{"finer than the count", []string{"0.0000000000000000001", "1"}, "1.0000000000000000001"},
		{"many digits", []string{"123456789012345678901234.5", "0.5"}, "123456789012345678901235"},
		{"exponent", []string{"1.5E3", "2e-2"}, "1500.02"},
		{"large amounts", []string{"99999999999999999", "99999999999999999", "99999999999999999"}, "299999999999999997"},
		{"past the 128-bit count", repeat("9.99999999999999999E18", 20), "199999999999999999800"},
		{"more digits than the count holds", repeat("170141183460469231731", 3), "510423550381407695193"},
		{"negative huge", repeat("-170141183460469231731", 2), "-340282366920938463462"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var byDecimal, byString total
			for _, v := range tt.values {
				d, err := decimal.NewFromString(v)
				if err != nil {
					t.Fatal(err)
				}
				byDecimal.Add(d)
				byString.AddString(v)
			}
			if got := byDecimal.String(); got != tt.want {
				t.Errorf("Add: %s, want %s", got, tt.want)
			}
			if got := byString.String(); got != tt.want {
				t.Errorf("AddString: %s, want %s", got, tt.want)
			}
			if got := byDecimal.Decimal().String(); got != tt.want {
				t.Errorf("Decimal: %s, want %s", got, tt.want)
			}
		})
	}
}

func repeat(s string, n int) []string {
	return strings.Split(strings.Repeat(s+",", n-1)+s, ",")
}

// TestTotalMatchesDecimal adds random amounts of every shape both ways:
// the total must equal decimal.Decimal's sum exactly.
func TestTotalMatchesDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var got, other total
		want := decimal.Zero
		for range 1 + rng.IntN(300) {
			var d decimal.Decimal
			switch rng.IntN(5) {
			case 0: // a usual cost with 10 fraction digits
				d = decimal.New(rng.Int64N(1e15)-1e14, -10)
			case 1: // cents
				d = decimal.New(rng.Int64N(1e9), -2)
			case 2: // many fraction digits
				d = decimal.New(rng.Int64N(1e18), -int32(rng.IntN(30)))
			case 3: // large exponents
				d = decimal.New(rng.Int64N(1e18)-5e17, int32(rng.IntN(25)))
			default:
				d = decimal.Zero
			}
			want = want.Add(d)
			got.Add(d)
			other.AddString(d.String())
		}
		if got.String() != want.String() {
			t.Fatalf("Add: %s, want %s", got.String(), want.String())
		}
		if !got.Decimal().Equal(want) {
			t.Fatalf("Decimal: %s, want %s", got.Decimal(), want)
		}
		if other.String() != want.String() {
			t.Fatalf("AddString: %s, want %s", other.String(), want.String())
		}
		var sum total
		sum.AddTotal(got)
		sum.AddTotal(other)
		if w := want.Add(want).String(); sum.String() != w {
			t.Fatalf("AddTotal: %s, want %s", sum.String(), w)
		}
	}
}

func BenchmarkTotalAdd(b *testing.B) {
	d := decimal.RequireFromString("12.3456789012")
	var t total
	b.ReportAllocs()
	for b.Loop() {
		t.Add(d)
	}
}
