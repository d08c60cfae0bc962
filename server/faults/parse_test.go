package faults

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []int
		wantErr string // a part of the error; "" means none
	}{
		{in: "429,503", want: []int{429, 503}},
		{in: " 500 , 503 ", want: []int{500, 503}},
		{in: "100,599", want: []int{100, 599}},
		{in: "", want: nil},
		{in: "99", wantErr: `"99"`},
		{in: "600", wantErr: `"600"`},
		{in: "429,abc", wantErr: `"abc"`},
		{in: "429,,503", wantErr: `""`},
		{in: "4.29", wantErr: `"4.29"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCodes(tt.in)
			if !errorMatches(err, tt.wantErr) {
				t.Fatalf("ParseCodes(%q) error = %v, want one with %q", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCodes(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseLatency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		min, max time.Duration
		wantErr  string
	}{
		{in: "20ms..200ms", min: 20 * time.Millisecond, max: 200 * time.Millisecond},
		{in: "50ms", min: 50 * time.Millisecond, max: 50 * time.Millisecond},
		{in: " 0s .. 1s ", min: 0, max: time.Second},
		{in: "1s..1s", min: time.Second, max: time.Second},
		{in: ""},
		{in: "200ms..20ms", wantErr: "the minimum 200ms is more than the maximum 20ms"},
		{in: "fast", wantErr: `"fast"`},
		{in: "20ms..", wantErr: `"20ms.."`},
		{in: "..20ms", wantErr: `"..20ms"`},
		{in: "-5ms", wantErr: "negative"},
		{in: "50", wantErr: `"50"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			lo, hi, err := ParseLatency(tt.in)
			if !errorMatches(err, tt.wantErr) {
				t.Fatalf("ParseLatency(%q) error = %v, want one with %q", tt.in, err, tt.wantErr)
			}
			if lo != tt.min || hi != tt.max {
				t.Errorf("ParseLatency(%q) = %v, %v, want %v, %v", tt.in, lo, hi, tt.min, tt.max)
			}
		})
	}
}

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{in: "10/s", want: 10},
		{in: "600/m", want: 10},
		{in: "2.5/s", want: 2.5},
		{in: "3600/h", want: 1},
		{in: "30/m", want: 0.5},
		{in: " 5 / s ", want: 5},
		{in: "0/s", want: 0},
		{in: "", want: 0},
		{in: "10", wantErr: `"10"`},
		{in: "10/d", wantErr: `unit "d"`},
		{in: "ten/s", wantErr: `"ten"`},
		{in: "-1/s", wantErr: `"-1"`},
		{in: "NaN/s", wantErr: `"NaN"`},
		{in: "Inf/s", wantErr: `"Inf"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRateLimit(tt.in)
			if !errorMatches(err, tt.wantErr) {
				t.Fatalf("ParseRateLimit(%q) error = %v, want one with %q", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseRateLimit(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// errorMatches reports whether err is nil when want is empty, or else has want in its text.
func errorMatches(err error, want string) bool {
	if want == "" {
		return err == nil
	}
	return err != nil && strings.Contains(err.Error(), want)
}
