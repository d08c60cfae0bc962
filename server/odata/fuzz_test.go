package odata

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseFilter checks that ParseFilter never panics, that its errors are *Error with a
// position inside the input or just past it, that the literals compared with a DateTime
// property are TimeKeys, and that what it parses survives Format. Its schema has a String,
// a StringCollection and a DateTime property.
func FuzzParseFilter(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	for _, tt := range errorTests {
		f.Add(tt.in)
	}
	f.Add("startDateTime in (2026-01-01T00:00:00.000000001-23:59, null) or startDateTime gt '0001-02-03T04:05:06Z'")
	f.Fuzz(func(t *testing.T, in string) {
		e, err := ParseFilter(in, schema)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("ParseFilter(%q) error = %T (%v); want *Error", in, err, err)
			}
			if n := utf8.RuneCountInString(in); perr.Pos < 1 || perr.Pos > n+1 {
				t.Fatalf("ParseFilter(%q) error position = %d; want 1 <= position <= %d", in, perr.Pos, n+1)
			}
			if perr.Option != "$filter" {
				t.Fatalf("ParseFilter(%q) error option = %q; want %q", in, perr.Option, "$filter")
			}
			return
		}
		if e == nil {
			t.Fatalf("ParseFilter(%q) = nil, nil; want a tree or an error", in)
		}
		for _, l := range literals(e) {
			if _, ok := formatTimeKey(l.S); l.DateTime && !l.Null && !ok {
				t.Fatalf("ParseFilter(%q) has the DateTime literal %q; want a TimeKey", in, l.S)
			}
		}
		text := Format(e)
		back, err := ParseFilter(text, schema)
		if err != nil {
			t.Fatalf("ParseFilter(Format(ParseFilter(%q))) = ParseFilter(%q) = _, %v; want no error", in, text, err)
		}
		if diff := cmp.Diff(e, back); diff != "" {
			t.Fatalf("ParseFilter(%q) (formatted from %q) mismatch (-want +got):\n%s", text, in, diff)
		}
		for _, r := range records {
			Eval(e, r) // must not panic
		}
	})
}

// literals returns the literals of the comparisons in e.
func literals(e Expr) []Literal {
	switch e := e.(type) {
	case Compare:
		return []Literal{e.Value}
	case In:
		return e.Values
	case Any:
		return literals(e.Pred)
	case All:
		return literals(e.Pred)
	case And:
		return append(literals(e.L), literals(e.R)...)
	case Or:
		return append(literals(e.L), literals(e.R)...)
	case Not:
		return literals(e.X)
	}
	return nil
}

// FuzzParseOrderBySelect checks that ParseOrderBy and ParseSelect never panic and that their
// errors are *Error with a position inside the input or just past it.
func FuzzParseOrderBySelect(f *testing.F) {
	for _, s := range []string{"displayName desc, id", "id,,x", "*", "*,id", "inviteeUserIds", "id DESC", "'a", "startDateTime desc", "2026-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n := utf8.RuneCountInString(in)
		_, err1 := ParseOrderBy(in, schema)
		_, err2 := ParseSelect(in, schema)
		for _, err := range []error{err1, err2} {
			if err == nil {
				continue
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("parsing %q: error = %T (%v); want *Error", in, err, err)
			}
			if perr.Pos < 1 || perr.Pos > n+1 {
				t.Fatalf("parsing %q: error position = %d; want 1 <= position <= %d", in, perr.Pos, n+1)
			}
		}
	})
}
