package odata

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// formatTests are trees with their canonical text.
var formatTests = []struct {
	name string
	e    Expr
	want string
}{
	{"comparison", eq("id", "a"), "id eq 'a'"},
	{"every operator", And{And{And{And{Compare{"id", Ne, str("a")}, Compare{"id", Gt, str("a")}}, Compare{"id", Ge, str("a")}}, Compare{"id", Lt, str("a")}}, Compare{"id", Le, str("a")}},
		"id ne 'a' and id gt 'a' and id ge 'a' and id lt 'a' and id le 'a'"},
	{"quote in a literal is doubled", eq("displayName", "O'Neil"), "displayName eq 'O''Neil'"},
	{"literal of quotes", eq("displayName", "''"), "displayName eq ''''''"},
	{"null", Compare{"shareName", Eq, null}, "shareName eq null"},
	{"empty literal", eq("shareName", ""), "shareName eq ''"},
	{"in", In{"id", []Literal{str("a"), null, str("it's")}}, "id in ('a', null, 'it''s')"},
	{"function", Func{"startswith", "displayName", "O'"}, "startswith(displayName, 'O''')"},
	{"any", Any{"inviteeUserIds", "i", eq("i", "a")}, "inviteeUserIds/any(i: i eq 'a')"},
	{"any with empty parentheses", Any{Prop: "inviteeUserIds"}, "inviteeUserIds/any()"},
	{"all with a compound body", All{"inviteeUserIds", "i", Or{eq("i", "a"), And{eq("i", "b"), eq("i", "c")}}},
		"inviteeUserIds/all(i: i eq 'a' or i eq 'b' and i eq 'c')"},
	{"and inside or needs no parentheses", Or{And{eq("id", "a"), eq("id", "b")}, And{eq("id", "c"), eq("id", "d")}},
		"id eq 'a' and id eq 'b' or id eq 'c' and id eq 'd'"},
	{"or inside and needs parentheses", And{Or{eq("id", "a"), eq("id", "b")}, Or{eq("id", "c"), eq("id", "d")}},
		"(id eq 'a' or id eq 'b') and (id eq 'c' or id eq 'd')"},
	{"left-nested or needs no parentheses", Or{Or{eq("id", "a"), eq("id", "b")}, eq("id", "c")},
		"id eq 'a' or id eq 'b' or id eq 'c'"},
	{"right-nested or keeps its parentheses", Or{eq("id", "a"), Or{eq("id", "b"), eq("id", "c")}},
		"id eq 'a' or (id eq 'b' or id eq 'c')"},
	{"right-nested and keeps its parentheses", And{eq("id", "a"), And{eq("id", "b"), eq("id", "c")}},
		"id eq 'a' and (id eq 'b' and id eq 'c')"},
	{"not of a comparison needs parentheses", Not{eq("id", "a")}, "not (id eq 'a')"},
	{"not of in needs parentheses", Not{In{"id", []Literal{str("a")}}}, "not (id in ('a'))"},
	{"not of and needs parentheses", Not{And{eq("id", "a"), eq("id", "b")}}, "not (id eq 'a' and id eq 'b')"},
	{"not of a function needs none", Not{Func{"contains", "id", "a"}}, "not contains(id, 'a')"},
	{"not of a lambda needs none", Not{Any{Prop: "inviteeUserIds"}}, "not inviteeUserIds/any()"},
	{"not not", Not{Not{eq("id", "a")}}, "not not (id eq 'a')"},
	{"not inside and needs none", And{Not{eq("id", "a")}, Not{Func{"endswith", "id", "b"}}},
		"not (id eq 'a') and not endswith(id, 'b')"},
	{"lambda body needs no outer parentheses", Any{"inviteeUserIds", "i", Or{eq("i", "a"), eq("i", "b")}},
		"inviteeUserIds/any(i: i eq 'a' or i eq 'b')"},

	// DateTime literals.
	{"date and time is unquoted, without a fraction when there is none", since(Ge, "2026-01-01T00:00:00.000000000Z"),
		"startDateTime ge 2026-01-01T00:00:00Z"},
	{"date and time has the fewest fractional digits", since(Lt, "2026-01-01T00:00:00.500000000Z"),
		"startDateTime lt 2026-01-01T00:00:00.5Z"},
	{"date and time keeps nine fractional digits when it needs them", since(Eq, "2026-01-01T00:00:00.123456789Z"),
		"startDateTime eq 2026-01-01T00:00:00.123456789Z"},
	{"date and time keeps leading zeros of the fraction", since(Ne, "2026-01-01T00:00:00.010000000Z"),
		"startDateTime ne 2026-01-01T00:00:00.01Z"},
	{"first instant of year 0000", since(Ge, "0000-01-01T00:00:00.000000000Z"), "startDateTime ge 0000-01-01T00:00:00Z"},
	{"last instant of year 9999", since(Le, "9999-12-31T23:59:59.999999999Z"), "startDateTime le 9999-12-31T23:59:59.999999999Z"},
	{"null compared with a DateTime property", Compare{"startDateTime", Eq, nullTime}, "startDateTime eq null"},
	{"in with dates and times and null", In{"startDateTime", []Literal{at("2026-01-01T00:00:00.000000000Z"), nullTime, at("2026-06-30T12:00:00.250000000Z")}},
		"startDateTime in (2026-01-01T00:00:00Z, null, 2026-06-30T12:00:00.25Z)"},
	{"not of a DateTime comparison", Not{since(Gt, "2026-01-01T00:00:00.000000000Z")}, "not (startDateTime gt 2026-01-01T00:00:00Z)"},
	{"date and time beside strings", And{since(Ge, "2026-01-01T00:00:00.000000000Z"), eq("id", "2026-01-01T00:00:00Z")},
		"startDateTime ge 2026-01-01T00:00:00Z and id eq '2026-01-01T00:00:00Z'"},
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, tt := range formatTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Format(tt.e); got != tt.want {
				t.Errorf("Format(%#v) = %q; want %q", tt.e, got, tt.want)
			}
			back, err := ParseFilter(tt.want, schema)
			if err != nil {
				t.Fatalf("ParseFilter(%q) = _, %v; want no error", tt.want, err)
			}
			if diff := cmp.Diff(tt.e, back); diff != "" {
				t.Errorf("ParseFilter(%q) mismatch (-want +got):\n%s", tt.want, diff)
			}
		})
	}
}

func TestFormatNil(t *testing.T) {
	t.Parallel()
	if got := Format(nil); got != "" {
		t.Errorf("Format(nil) = %q; want %q", got, "")
	}
}

// TestFormatNotTimeKey checks that a DateTime literal that is not a TimeKey, which
// ParseFilter never returns, is written quoted, as a string.
func TestFormatNotTimeKey(t *testing.T) {
	t.Parallel()
	e := Compare{"startDateTime", Eq, at("it's soon")}
	if got, want := Format(e), "startDateTime eq 'it''s soon'"; got != want {
		t.Errorf("Format(%#v) = %q; want %q", e, got, want)
	}
}

// TestFormatRoundTrip checks that every tree ParseFilter returns survives Format.
func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			text := Format(tt.want)
			got, err := ParseFilter(text, schema)
			if err != nil {
				t.Fatalf("ParseFilter(Format(%#v)) = ParseFilter(%q) = _, %v; want no error", tt.want, text, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFilter(%q) mismatch (-want +got):\n%s", text, diff)
			}
			if again := Format(got); again != text {
				t.Errorf("Format(ParseFilter(%q)) = %q; want the same text", text, again)
			}
		})
	}
}
