package auth

import (
	"strings"
	"testing"
)

func TestModeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, m := range []Mode{None, Bearer, Scopes} {
		text, err := m.MarshalText()
		if err != nil {
			t.Fatalf("%v.MarshalText() = %v", m, err)
		}
		var got Mode
		if err := got.UnmarshalText(text); err != nil {
			t.Fatalf("UnmarshalText(%q) = %v", text, err)
		}
		if got != m {
			t.Errorf("UnmarshalText(%q) = %v, want %v", text, got, m)
		}
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{in: "none", want: None},
		{in: "bearer", want: Bearer},
		{in: "scopes", want: Scopes},
		{in: "Scopes", wantErr: true},
		{in: "jwt", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseMode(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseMode(%q) = %v, want an error", tt.in, got)
				continue
			}
			for _, name := range []string{"none", "bearer", "scopes"} {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("ParseMode(%q) = %q, want an error listing %q", tt.in, err, name)
				}
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseMode(%q) = %v, %v, want %v, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestModeUnknown(t *testing.T) {
	t.Parallel()
	m := Mode(42)
	if got, want := m.String(), "Mode(42)"; got != want {
		t.Errorf("Mode(42).String() = %q, want %q", got, want)
	}
	if _, err := m.MarshalText(); err == nil {
		t.Errorf("Mode(42).MarshalText() = nil error, want an error")
	}
	m = Scopes
	if err := m.UnmarshalText([]byte("basic")); err == nil {
		t.Errorf("UnmarshalText(basic) = nil error, want an error")
	}
	if m != Scopes {
		t.Errorf("after a failed UnmarshalText, Mode = %v, want %v unchanged", m, Scopes)
	}
}

func TestModeZeroValueIsBearer(t *testing.T) {
	t.Parallel()
	var m Mode
	if m != Bearer {
		t.Errorf("zero Mode = %v, want %v", m, Bearer)
	}
}
