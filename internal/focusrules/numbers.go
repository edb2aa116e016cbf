package focusrules

import (
	"math/bits"

	"github.com/shopspring/decimal"
)

// Exact decimal comparison and multiplication without allocation for the
// common case: numbers without an exponent whose significant digits fit in
// a uint64 are fixed-point (mantissa, scale); products are 128-bit. Anything
// else goes through shopspring/decimal.

type fixed struct {
	m   uint64 // magnitude: the value is m × 10^-s
	s   int
	neg bool
}

// parseFixed parses [+-]digits[.digits] with at most 19 significant
// digits.
func parseFixed(str string) (fixed, bool) {
	var f fixed
	i, n := 0, len(str)
	if i < n && (str[i] == '-' || str[i] == '+') {
		f.neg = str[i] == '-'
		i++
	}
	digits, sig, dot := 0, 0, false
	for ; i < n; i++ {
		c := str[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if sig > 0 || c != '0' {
				sig++
				if sig > 19 {
					return fixed{}, false
				}
			}
			f.m = f.m*10 + uint64(c-'0')
			if dot {
				f.s++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return fixed{}, false
		}
	}
	if digits == 0 || (dot && f.s == 0) {
		return fixed{}, false
	}
	if f.m == 0 {
		f.neg = false
	}
	return f, true
}

// mul128 multiplies the 128-bit hi:lo by x; ok is false on overflow.
func mul128(hi, lo, x uint64) (uint64, uint64, bool) {
	h1, l1 := bits.Mul64(lo, x)
	h2, l2 := bits.Mul64(hi, x)
	if h2 != 0 {
		return 0, 0, false
	}
	sum, carry := bits.Add64(h1, l2, 0)
	if carry != 0 {
		return 0, 0, false
	}
	return sum, l1, true
}

// scale128 multiplies hi:lo by 10^k; ok is false on overflow.
func scale128(hi, lo uint64, k int) (uint64, uint64, bool) {
	for k > 0 {
		step := min(k, 19)
		p := uint64(1)
		for range step {
			p *= 10
		}
		var ok bool
		if hi, lo, ok = mul128(hi, lo, p); !ok {
			return 0, 0, false
		}
		k -= step
	}
	return hi, lo, true
}

// cmpMag compares the magnitudes (hi:lo × 10^-s) of two 128-bit values.
func cmpMag(ahi, alo uint64, as int, bhi, blo uint64, bs int) int {
	if as < bs {
		var ok bool
		if ahi, alo, ok = scale128(ahi, alo, bs-as); !ok {
			return 1 // beyond 128 bits: larger than b, which fits
		}
	} else if bs < as {
		var ok bool
		if bhi, blo, ok = scale128(bhi, blo, as-bs); !ok {
			return -1
		}
	}
	switch {
	case ahi != bhi:
		return cmpU(ahi, bhi)
	case alo != blo:
		return cmpU(alo, blo)
	}
	return 0
}

func cmpU(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// cmpFixed compares a and b.
func cmpFixed(a, b fixed) int {
	switch {
	case a.m == 0 && b.m == 0:
		return 0
	case a.neg != b.neg:
		if a.neg {
			return -1
		}
		return 1
	}
	c := cmpMag(0, a.m, a.s, 0, b.m, b.s)
	if a.neg {
		return -c
	}
	return c
}

// mulEqualsFixed reports whether a × b = r exactly.
func mulEqualsFixed(a, b, r fixed) bool {
	if a.m == 0 || b.m == 0 || r.m == 0 {
		return (a.m == 0 || b.m == 0) && r.m == 0
	}
	if (a.neg != b.neg) != r.neg {
		return false
	}
	hi, lo := bits.Mul64(a.m, b.m)
	return cmpMag(hi, lo, a.s+b.s, 0, r.m, r.s) == 0
}

// number is a parsed value for comparisons: fixed when it fits, decimal
// otherwise.
type number struct {
	f     fixed
	d     decimal.Decimal
	fixed bool
}

func parseNumber(s string) (number, bool) {
	if f, ok := parseFixed(s); ok {
		return number{f: f, fixed: true}, true
	}
	d, ok := parseDecimal(s)
	return number{d: d}, ok
}

func (n number) dec() decimal.Decimal {
	if !n.fixed {
		return n.d
	}
	v := decimal.NewFromUint64(n.f.m).Shift(int32(-n.f.s))
	if n.f.neg {
		v = v.Neg()
	}
	return v
}

func cmpNumber(a, b number) int {
	if a.fixed && b.fixed {
		return cmpFixed(a.f, b.f)
	}
	return a.dec().Cmp(b.dec())
}

func mulEquals(a, b, r number) bool {
	if a.fixed && b.fixed && r.fixed {
		return mulEqualsFixed(a.f, b.f, r.f)
	}
	return a.dec().Mul(b.dec()).Equal(r.dec())
}
