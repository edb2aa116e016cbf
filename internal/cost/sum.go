package cost

import (
	"math/big"
	"math/bits"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"kiban.dev/kiban/internal/focus"
)

// sumScale is the fraction digits a total counts exactly without
// allocating: 10^-18 of the currency unit, far below any billed amount.
const sumScale = 18

// pow10 holds 10^0 … 10^19, the powers that fit a uint64.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// total is an exact running sum of decimals. Billing amounts (at most 18
// significant digits, 18 fraction digits) add into a 128-bit count of
// 10^-18 units, which allocates nothing; an amount outside that, or a sum
// past 1.7e20, goes to an arbitrary-precision remainder, so the total
// stays exact whatever the input. The zero value is zero.
type total struct {
	hi   int64  // with lo, a two's-complement 128-bit count of 10^-sumScale
	lo   uint64 //
	rest *decimal.Decimal
}

// add adds the count coef·10^k (k in 0…19) of 10^-sumScale units, or
// reports false when that does not fit the 128-bit count.
func (t *total) addUnits(coef uint64, neg bool, k int) bool {
	hi, lo := bits.Mul64(coef, pow10[k])
	if hi >= 1<<63 {
		return false
	}
	h := int64(hi)
	if neg {
		var borrow uint64
		lo, borrow = bits.Sub64(0, lo, 0)
		h = -h - int64(borrow)
	}
	sumLo, carry := bits.Add64(t.lo, lo, 0)
	sumHi := t.hi + h + int64(carry)
	// Signed overflow: both addends of one sign and the sum of the other.
	if (t.hi >= 0) == (h >= 0) && (sumHi >= 0) != (t.hi >= 0) {
		return false
	}
	t.hi, t.lo = sumHi, sumLo
	return true
}

// Add adds d.
func (t *total) Add(d decimal.Decimal) {
	if d.IsZero() {
		return
	}
	if k := sumScale + int(d.Exponent()); k >= 0 && k < len(pow10) && d.NumDigits() <= 18 {
		c := d.CoefficientInt64()
		neg := c < 0
		u := uint64(c)
		if neg {
			u = -u
		}
		if t.addUnits(u, neg, k) {
			return
		}
	}
	t.addRest(d)
}

func (t *total) addRest(d decimal.Decimal) {
	if t.rest == nil {
		t.rest = &d
		return
	}
	r := t.rest.Add(d)
	t.rest = &r
}

// AddString adds a decimal written by kiban (the text of a roll-up),
// parsing the common short ones straight into the count. Text that is not
// a number adds nothing.
func (t *total) AddString(s string) { t.addText(s, false) }

// SubString subtracts a decimal written as text, like AddString.
func (t *total) SubString(s string) { t.addText(s, true) }

func (t *total) addText(s string, negate bool) {
	neg := negate
	i := 0
	if i < len(s) && s[i] == '-' {
		neg = !neg
		i++
	}
	var u uint64
	digits, frac := 0, -1
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 0 && c == '0' {
				if frac >= 0 {
					frac++
				}
				continue
			}
			digits++
			if frac >= 0 {
				frac++
			}
			u = u*10 + uint64(c-'0')
		case c == '.' && frac < 0:
			frac = 0
		default:
			digits = 99 // not plain: the slow path decides
		}
		if digits > 18 {
			break
		}
	}
	frac = max(frac, 0)
	if digits <= 18 && frac <= sumScale {
		if u == 0 || t.addUnits(u, neg, sumScale-frac) {
			return
		}
	}
	if d, ok := focus.ParseDecimal(s); ok {
		if negate {
			d = d.Neg()
		}
		t.addRest(d)
	}
}

// AddTotal adds another total.
func (t *total) AddTotal(o total) {
	sumLo, carry := bits.Add64(t.lo, o.lo, 0)
	sumHi := t.hi + o.hi + int64(carry)
	if (t.hi >= 0) == (o.hi >= 0) && (sumHi >= 0) != (t.hi >= 0) {
		t.addRest(o.countDecimal())
	} else {
		t.hi, t.lo = sumHi, sumLo
	}
	if o.rest != nil {
		t.addRest(*o.rest)
	}
}

// countDecimal is the 128-bit count as a decimal.
func (t total) countDecimal() decimal.Decimal {
	neg, hi, lo := t.magnitude()
	b := new(big.Int).SetUint64(hi)
	b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(lo))
	if neg {
		b.Neg(b)
	}
	return decimal.NewFromBigInt(b, -sumScale)
}

func (t total) magnitude() (neg bool, hi, lo uint64) {
	hi, lo = uint64(t.hi), t.lo
	if t.hi < 0 {
		var borrow uint64
		lo, borrow = bits.Sub64(0, lo, 0)
		hi = -hi - borrow
		return true, hi, lo
	}
	return false, hi, lo
}

// Decimal returns the sum.
func (t total) Decimal() decimal.Decimal {
	d := t.countDecimal()
	if t.rest != nil {
		d = d.Add(*t.rest)
	}
	return d
}

// String returns the sum as decimal text without trailing zeros, as
// decimal.Decimal writes it ("12.5", "-0.001", "0").
func (t total) String() string {
	if t.rest != nil {
		return t.Decimal().String()
	}
	neg, hi, lo := t.magnitude()
	// hi < 2^63 < 10^19: the quotient by 10^19 fits a uint64.
	q, r := bits.Div64(hi, lo, pow10[19])
	var buf [48]byte
	digits := strconv.AppendUint(buf[:0], r, 10)
	if q > 0 {
		var low [20]byte
		l := strconv.AppendUint(low[:0], r, 10)
		digits = strconv.AppendUint(buf[:0], q, 10)
		digits = append(digits, strings.Repeat("0", 19-len(l))...)
		digits = append(digits, l...)
	}
	if len(digits) <= sumScale {
		digits = append([]byte(strings.Repeat("0", sumScale+1-len(digits))), digits...)
	}
	intPart, fracPart := digits[:len(digits)-sumScale], digits[len(digits)-sumScale:]
	for len(fracPart) > 0 && fracPart[len(fracPart)-1] == '0' {
		fracPart = fracPart[:len(fracPart)-1]
	}
	var out []byte
	if neg && (string(intPart) != "0" || len(fracPart) > 0) {
		out = append(out, '-')
	}
	out = append(out, intPart...)
	if len(fracPart) > 0 {
		out = append(out, '.')
		out = append(out, fracPart...)
	}
	return string(out)
}
