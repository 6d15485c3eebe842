package team

import (
	"math"
	"strconv"
	"strings"
)

// Money is an amount of US dollars counted in nano-dollars (10⁻⁹ USD): an integer, so sums and
// comparisons are exact. It is never a float.
type Money int64

// Units of Money.
const (
	// NanoUSD is the smallest amount, 10⁻⁹ US dollars.
	NanoUSD Money = 1
	// Cent is one US cent.
	Cent Money = 10_000_000
	// USD is one US dollar.
	USD Money = 1_000_000_000
	// MaxMoney is the largest amount accepted (a billion dollars): far from int64's end, so a sum of
	// amounts in a budget's counter never overflows.
	MaxMoney Money = 1_000_000_000 * USD
)

// nanoDigits is the number of decimals Money keeps.
const nanoDigits = 9

// ParseUSD parses an amount of US dollars written in decimal: "25", "0.10", "$1.5", "0.000000001".
// It refuses negative amounts, more than nine decimals, amounts over MaxMoney, NaN, exponents and
// anything else that is not a plain decimal number, with an EInvalid error naming the value.
func ParseUSD(s string) (Money, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "$")
	bad := func(why string) (Money, error) {
		return 0, Errorf(EInvalid, "%q is not an amount of US dollars: %s (write e.g. \"25\" or \"0.10\")", s, why)
	}
	if t == "" {
		return bad("it is empty")
	}
	if t[0] == '-' {
		return bad("it is negative")
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" && frac == "" {
		return bad("it has no digits")
	}
	if hasDot && frac == "" {
		return bad("it ends with a dot")
	}
	if !digits(whole) || !digits(frac) {
		return bad("it is not a decimal number")
	}
	if len(frac) > nanoDigits {
		return bad("it has more than nine decimals (the smallest amount is $0.000000001)")
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 10 { // more than MaxMoney's ten digits before the dot
		return bad("it is over " + MaxMoney.String())
	}
	var n int64
	if whole != "" {
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return bad("it is not a decimal number")
		}
		n = w * int64(USD)
	}
	if frac != "" {
		f, err := strconv.ParseInt(frac+strings.Repeat("0", nanoDigits-len(frac)), 10, 64)
		if err != nil {
			return bad("it is not a decimal number")
		}
		n += f
	}
	if Money(n) > MaxMoney {
		return bad("it is over " + MaxMoney.String())
	}
	return Money(n), nil
}

// digits reports whether s is made of ASCII digits only (true when empty).
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FromFloatUSD converts an amount of US dollars a provider reported as a float (meter.Record's USD)
// to Money, rounded to the nearest nano-dollar. It is only for that border: amounts are never
// kept or added as floats. NaN, infinities, negatives and amounts over MaxMoney are refused with
// an EInvalid error.
func FromFloatUSD(f float64) (Money, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, Errorf(EInvalid, "%v is not an amount of US dollars", f)
	}
	if f < 0 {
		return 0, Errorf(EInvalid, "%v US dollars is negative", f)
	}
	return ParseUSD(strconv.FormatFloat(f, 'f', nanoDigits, 64))
}

// String writes the amount as dollars with at least two decimals and as many more as it needs to
// be exact: "$25.00", "$0.10", "$0.000123", "-$1.50".
func (m Money) String() string {
	sign := ""
	u := uint64(m)
	if m < 0 {
		sign, u = "-", uint64(-m) // -MinInt64 wraps to itself, which as a uint64 is right
	}
	frac := strconv.FormatUint(u%uint64(USD), 10)
	frac = strings.Repeat("0", nanoDigits-len(frac)) + frac
	frac = strings.TrimRight(frac, "0")
	if len(frac) < 2 {
		frac += strings.Repeat("0", 2-len(frac))
	}
	return sign + "$" + strconv.FormatUint(u/uint64(USD), 10) + "." + frac
}

// Nano is the amount in nano-dollars.
func (m Money) Nano() int64 { return int64(m) }

// USD is the amount in US dollars as a float, for what only displays or sums it (metrics); money
// that is kept stays a Money.
func (m Money) USD() float64 { return float64(m) / float64(USD) }

// Validate refuses a negative amount or one over MaxMoney with an EInvalid error; what names the
// amount in the message ("the budget's limit").
func (m Money) Validate(what string) error {
	switch {
	case m < 0:
		return Errorf(EInvalid, "%s is negative (%s)", what, m)
	case m > MaxMoney:
		return Errorf(EInvalid, "%s (%s) is over %s", what, m, MaxMoney)
	}
	return nil
}
