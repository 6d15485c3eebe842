package team

import (
	"math"
	"strings"
	"testing"
)

func TestParseUSD(t *testing.T) {
	tests := []struct {
		in   string
		want Money
	}{
		{"25", 25 * USD},
		{"0.10", 10 * Cent},
		{"$1.5", USD + 50*Cent},
		{" 3 ", 3 * USD},
		{".5", 50 * Cent},
		{"0", 0},
		{"0.000000001", NanoUSD},
		{"0.000123", 123_000},
		{"007.25", 7*USD + 25*Cent},
		{"1000000000", MaxMoney},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseUSD(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("ParseUSD(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseUSDRefuses(t *testing.T) {
	tests := []struct{ in, why string }{
		{"-3", "negative"},
		{"$-0.01", "negative"},
		{"NaN", "not a decimal"},
		{"Inf", "not a decimal"},
		{"1e3", "not a decimal"},
		{"abc", "not a decimal"},
		{"1,000", "not a decimal"},
		{"+5", "not a decimal"},
		{"1.2.3", "not a decimal"},
		{"0x10", "not a decimal"},
		{"", "empty"},
		{"$", "empty"},
		{".", "no digits"},
		{"5.", "ends with a dot"},
		{"0.0000000001", "nine decimals"},
		{"1000000000.000000001", "over"},
		{"99999999999", "over"},
		{"99999999999999999999999", "over"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseUSD(tt.in)
			if ErrorCode(err) != EInvalid {
				t.Fatalf("ParseUSD(%q): %v, want an invalid error", tt.in, err)
			}
			if msg := err.Error(); !strings.Contains(msg, `"`+tt.in+`"`) || !strings.Contains(msg, tt.why) {
				t.Fatalf("ParseUSD(%q): %q should name the value and say %q", tt.in, msg, tt.why)
			}
		})
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{0, "$0.00"},
		{25 * USD, "$25.00"},
		{10 * Cent, "$0.10"},
		{123_000, "$0.000123"},
		{NanoUSD, "$0.000000001"},
		{USD + 5*Cent + 5, "$1.050000005"},
		{-150 * Cent, "-$1.50"},
		{MaxMoney, "$1000000000.00"},
		{math.MinInt64, "-$9223372036.854775808"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tt.m), got, tt.want)
		}
		if tt.m >= 0 && tt.m <= MaxMoney {
			if back, err := ParseUSD(tt.m.String()); err != nil || back != tt.m {
				t.Errorf("ParseUSD(%q) = %d, %v: does not round-trip", tt.m, back, err)
			}
		}
	}
}

func TestFromFloatUSD(t *testing.T) {
	tests := []struct {
		f    float64
		want Money
		ok   bool
	}{
		{0.1, 10 * Cent, true},
		{0.000123, 123_000, true},
		{1.0000000004, USD, true},
		{0.0000000006, NanoUSD, true},
		{-0.5, 0, false},
		{math.NaN(), 0, false},
		{math.Inf(1), 0, false},
		{2e9, 0, false},
	}
	for _, tt := range tests {
		got, err := FromFloatUSD(tt.f)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("FromFloatUSD(%v) = %d, %v; want %d", tt.f, got, err, tt.want)
		}
		if !tt.ok && ErrorCode(err) != EInvalid {
			t.Errorf("FromFloatUSD(%v) = %d, %v; want an invalid error", tt.f, got, err)
		}
	}
}

func TestMoneyValidate(t *testing.T) {
	if err := Money(-3).Validate("the limit"); ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), "the limit is negative") {
		t.Fatalf("-3: %v", err)
	}
	if err := (MaxMoney + 1).Validate("the limit"); ErrorCode(err) != EInvalid {
		t.Fatalf("over the max: %v", err)
	}
	if err := (5 * USD).Validate("the limit"); err != nil {
		t.Fatal(err)
	}
}
