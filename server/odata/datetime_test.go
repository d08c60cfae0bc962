package odata

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTimeKey(t *testing.T) {
	t.Parallel()
	plus2 := time.FixedZone("", 2*60*60)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"UTC", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "2026-01-01T00:00:00.000000000Z"},
		{"nanoseconds", time.Date(2026, 3, 15, 12, 30, 0, 500, time.UTC), "2026-03-15T12:30:00.000000500Z"},
		{"offset turned to UTC", time.Date(2026, 1, 1, 1, 0, 0, 0, plus2), "2025-12-31T23:00:00.000000000Z"},
		{"first instant of year 0000", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "0000-01-01T00:00:00.000000000Z"},
		{"last instant of year 9999", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), "9999-12-31T23:59:59.999999999Z"},
	}
	for _, tt := range tests {
		if got := TimeKey(tt.t); got != tt.want {
			t.Errorf("%s: TimeKey(%v) = %q; want %q", tt.name, tt.t, got, tt.want)
		}
	}
}

// TestTimeKeyOrder checks that TimeKeys sort as their times do.
func TestTimeKeyOrder(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	times := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(999, 12, 31, 0, 0, 0, 0, time.UTC),
		base.Add(-time.Nanosecond), base, base.Add(time.Nanosecond), base.Add(time.Second), base.Add(-time.Second),
		base.In(time.FixedZone("", -5*60*60)).Add(time.Hour), base.AddDate(0, 0, 1), base.AddDate(1, 0, 0), base.Add(36*time.Hour + 123),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	keys := make([]string, len(times))
	for i, tm := range times {
		keys[i] = TimeKey(tm)
		if len(keys[i]) != len(timeKeyLayout) {
			t.Errorf("TimeKey(%v) = %q; want %d bytes", tm, keys[i], len(timeKeyLayout))
		}
	}
	if !slices.IsSorted(keys) {
		t.Errorf("TimeKeys of sorted times are not sorted:\n%s", strings.Join(keys, "\n"))
	}
}

func TestFormatTimeKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		key    string
		want   string
		wantOK bool
	}{
		{"no fraction", "2026-01-01T00:00:00.000000000Z", "2026-01-01T00:00:00Z", true},
		{"one fractional digit", "2026-01-01T00:00:00.500000000Z", "2026-01-01T00:00:00.5Z", true},
		{"two fractional digits", "2026-01-01T00:00:00.120000000Z", "2026-01-01T00:00:00.12Z", true},
		{"nine fractional digits", "2026-01-01T00:00:00.000000001Z", "2026-01-01T00:00:00.000000001Z", true},
		{"year 0000", "0000-01-01T00:00:00.000000000Z", "0000-01-01T00:00:00Z", true},
		{"not fixed width is no key", "2026-01-01T00:00:00Z", "", false},
		{"decimal comma is no key", "2026-01-01T00:00:00,000000000Z", "", false},
		{"offset is no key", "2026-01-01T00:00:00.000000000+01:00", "", false},
		{"word is no key", "soon", "", false},
		{"empty string is no key", "", "", false},
	}
	for _, tt := range tests {
		got, ok := formatTimeKey(tt.key)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: formatTimeKey(%q) = %q, %t; want %q, %t", tt.name, tt.key, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestLexerDateTime checks that a date and time is one token only where the parser asks for
// one.
func TestLexerDateTime(t *testing.T) {
	t.Parallel()
	const src = "2026-01-01T00:00:00.5+02:00)"
	var texts []string
	lx := newLexer(src)
	for tok := lx.next(); tok.kind != tEOF; tok = lx.next() {
		texts = append(texts, tok.text)
	}
	if want := []string{"2026-01-01T00", ":", "00", ":", "00.5+02", ":", "00", ")"}; !slices.Equal(texts, want) {
		t.Errorf("tokens of %q = %q; want %q", src, texts, want)
	}

	lx = newLexer("id eq " + src)
	lx.next()
	lx.next()
	tok := lx.dateTime(lx.next())
	want := token{kind: tDateTime, text: src[:len(src)-1], val: src[:len(src)-1], pos: 7, off: 6}
	if tok != want {
		t.Errorf("dateTime = %+v; want %+v", tok, want)
	}
	if next := lx.next(); next.kind != tRParen || next.pos != 34 {
		t.Errorf("token after the date and time = %+v; want ')' at position 34", next)
	}
}
