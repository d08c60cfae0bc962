package odata

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// record is a map-backed Record: a string for each String property and the TimeKey of each
// DateTime property, a []string for each StringCollection. A missing property is "" (null,
// for a DateTime) or an empty collection.
type record map[string]any

func (r record) String(prop string) string {
	s, _ := r[prop].(string)
	return s
}

func (r record) Strings(prop string) []string {
	s, _ := r[prop].([]string)
	return s
}

// records are the fixed records of the truth tables, in the order results are listed.
var records = []record{
	{
		"id": "r1", "displayName": "Contoso Student Records", "readinessStatus": "ready",
		"sharingState": "active", "shareName": "contoso_records",
		"inviteeUserIds": []string{"AAA-1", "bbb-2"},
		"startDateTime":  "2026-01-01T00:00:00.000000000Z",
	},
	{
		"id": "r2", "displayName": "O'Neil data", "readinessStatus": "notReady",
		"sharingState": "pending", "shareName": "oneil",
		"inviteeUserIds": []string{},
		"startDateTime":  "2026-03-15T12:30:00.500000000Z",
	},
	{
		"id": "r3", "displayName": "Straße K", "readinessStatus": "ready",
		"sharingState": "ACTIVE", "shareName": "strasse",
		"inviteeUserIds": []string{"ccc-3"},
		"startDateTime":  "2025-12-31T23:00:00.000000000Z",
	},
	{
		"id": "r4", "displayName": "", "readinessStatus": "unknownFutureValue",
		"sharingState": "failed", "shareName": "",
	},
}

// matching returns the ids of the records that satisfy e.
func matching(e Expr) []string {
	var ids []string
	for _, r := range records {
		if Eval(e, r) {
			ids = append(ids, r.String("id"))
		}
	}
	return ids
}

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		filter string
		want   []string // ids of the matching records
	}{
		// eq, ne and in fold case.
		{"eq matches exactly", "sharingState eq 'active'", []string{"r1", "r3"}},
		{"eq ignores case", "displayName eq 'contoso student records'", []string{"r1"}},
		{"eq ignores case of the literal", "sharingState eq 'AcTiVe'", []string{"r1", "r3"}},
		{"eq is whole-string", "displayName eq 'Contoso'", nil},
		{"eq with the empty string", "displayName eq ''", []string{"r4"}},
		{"eq with an undoubled quote", "displayName eq 'o''neil DATA'", []string{"r2"}},
		{"eq does not expand ß", "displayName eq 'STRASSE K'", nil},
		{"eq folds the Kelvin sign", "displayName eq 'straße \u212a'", []string{"r3"}},
		{"eq folds the long s", "shareName eq '\u017ftrasse'", []string{"r3"}},
		{"ne ignores case", "sharingState ne 'ACTIVE'", []string{"r2", "r4"}},
		{"eq null is never true", "shareName eq null", nil},
		{"ne null is always true", "shareName ne null", []string{"r1", "r2", "r3", "r4"}},
		{"gt null is never true", "shareName gt null", nil},
		{"in ignores case", "sharingState in ('PENDING', 'Failed')", []string{"r2", "r4"}},
		{"in ignores null", "shareName in (null, 'ONEIL')", []string{"r2"}},
		{"in with no match", "sharingState in ('x')", nil},

		// Ordering compares lower-cased strings.
		{"gt ignores case", "sharingState gt 'Active'", []string{"r2", "r4"}},
		{"ge includes the equal value in any case", "sharingState ge 'ACTIVE'", []string{"r1", "r2", "r3", "r4"}},
		{"lt ignores case", "displayName lt 'p'", []string{"r1", "r2", "r4"}},
		{"le includes the equal value", "shareName le 'ONEIL'", []string{"r1", "r2", "r4"}},
		{"the empty string sorts first", "shareName lt 'a'", []string{"r4"}},
		{"a prefix sorts before", "shareName gt 'contoso'", []string{"r1", "r2", "r3"}},
		{"mirrored literal keeps the meaning", "'ONEIL' gt shareName", []string{"r1", "r4"}},

		// Functions lower both sides.
		{"startswith ignores case", "startswith(displayName, 'CONTOSO')", []string{"r1"}},
		{"startswith with the empty string matches all", "startswith(displayName, '')", []string{"r1", "r2", "r3", "r4"}},
		{"endswith ignores case", "endswith(shareName, '_RECORDS')", []string{"r1"}},
		{"contains ignores case", "contains(displayName, 'STUDENT')", []string{"r1"}},
		{"contains a quote", "contains(displayName, '''')", []string{"r2"}},
		{"contains of non-ASCII text", "contains(displayName, 'STRASSE')", nil},
		{"contains lowers non-ASCII text", "contains(displayName, 'STRAßE')", []string{"r3"}},

		// Lambdas.
		{"any matches one element ignoring case", "inviteeUserIds/any(i: i eq 'aaa-1')", []string{"r1"}},
		{"any with no match", "inviteeUserIds/any(i: i eq 'zzz')", nil},
		{"any() is true for non-empty collections", "inviteeUserIds/any()", []string{"r1", "r3"}},
		{"not any() finds empty and missing collections", "not inviteeUserIds/any()", []string{"r2", "r4"}},
		{"all is true for empty collections", "inviteeUserIds/all(i: startswith(i, 'c'))", []string{"r2", "r3", "r4"}},
		{"all needs every element", "inviteeUserIds/all(i: contains(i, '-'))", []string{"r1", "r2", "r3", "r4"}},
		{"all fails on one element", "inviteeUserIds/all(i: startswith(i, 'a'))", []string{"r2", "r4"}},
		{"lambda body with or and not", "inviteeUserIds/any(i: not (i eq 'aaa-1') and (i in ('BBB-2') or endswith(i, '3')))", []string{"r1", "r3"}},
		{"lambda variable shares a property's name", "inviteeUserIds/any(id: id eq 'ccc-3')", []string{"r3"}},

		// Boolean operators.
		{"and needs both", "sharingState eq 'active' and readinessStatus eq 'ready'", []string{"r1", "r3"}},
		{"and fails when one side fails", "sharingState eq 'active' and startswith(displayName, 'S')", []string{"r3"}},
		{"or needs either", "id eq 'r1' or id eq 'r4'", []string{"r1", "r4"}},
		{"not negates", "not (sharingState eq 'active')", []string{"r2", "r4"}},
		{"not not is the identity", "not not startswith(id, 'r')", []string{"r1", "r2", "r3", "r4"}},
		{"and before or", "id eq 'r2' or id eq 'r1' and id eq 'r3'", []string{"r2"}},
		{"parentheses before and", "(id eq 'r2' or id eq 'r1') and sharingState eq 'active'", []string{"r1"}},
		{"lambda combined with comparisons", "sharingState eq 'active' and inviteeUserIds/any(i: i eq 'CCC-3')", []string{"r3"}},

		// DateTime properties compare instants; r4's is null.
		{"eq matches the same instant", "startDateTime eq 2026-01-01T00:00:00Z", []string{"r1"}},
		{"eq matches the same instant written with an offset", "startDateTime eq 2026-01-01T01:00:00+01:00", []string{"r1"}},
		{"eq matches the same instant quoted", "startDateTime eq '2025-12-31T18:00:00-05:00'", []string{"r3"}},
		{"eq matches fractional seconds", "startDateTime eq 2026-03-15T12:30:00.5Z", []string{"r2"}},
		{"eq needs the fractional seconds", "startDateTime eq 2026-03-15T12:30:00Z", nil},
		{"ne includes a null date and time", "startDateTime ne 2026-01-01T00:00:00Z", []string{"r2", "r3", "r4"}},
		{"gt is later, null excluded", "startDateTime gt 2025-12-31T23:00:00Z", []string{"r1", "r2"}},
		{"ge includes the same instant", "startDateTime ge 2026-01-01T00:00:00Z", []string{"r1", "r2"}},
		{"lt is earlier, null excluded", "startDateTime lt 2026-01-01T00:00:00Z", []string{"r3"}},
		{"le includes the same instant", "startDateTime le 2026-01-01T00:00:00Z", []string{"r1", "r3"}},
		{"lt compares instants across an offset", "startDateTime lt 2026-01-01T00:00:00+01:00", nil},
		{"le compares instants across an offset", "startDateTime le 2026-01-01T00:00:00+01:00", []string{"r3"}},
		{"gt orders fractional seconds", "startDateTime gt 2026-03-15T12:30:00.49Z", []string{"r2"}},
		{"gt orders across years", "startDateTime gt 2025-06-01T00:00:00Z", []string{"r1", "r2", "r3"}},
		{"mirrored date and time keeps the meaning", "2026-01-01T00:00:00Z lt startDateTime", []string{"r2"}},
		{"eq null matches a null date and time", "startDateTime eq null", []string{"r4"}},
		{"ne null matches the dates and times that are not null", "startDateTime ne null", []string{"r1", "r2", "r3"}},
		{"null ne on the left", "null ne startDateTime", []string{"r1", "r2", "r3"}},
		{"gt null is never true", "startDateTime gt null", nil},
		{"ge null is never true", "startDateTime ge null", nil},
		{"lt null is never true", "startDateTime lt null", nil},
		{"le null is never true", "startDateTime le null", nil},
		{"not eq null", "not (startDateTime eq null)", []string{"r1", "r2", "r3"}},
		{"in matches instants", "startDateTime in (2026-01-01T00:00:00Z, '2026-01-01T00:00:00+01:00')", []string{"r1", "r3"}},
		{"in with null matches a null date and time", "startDateTime in (null, 2026-03-15T12:30:00.500Z)", []string{"r2", "r4"}},
		{"in without null leaves a null date and time out", "startDateTime in (2099-01-01T00:00:00Z)", nil},
		{"date and time combined with strings", "startDateTime ge 2026-01-01T00:00:00Z and sharingState eq 'ACTIVE'", []string{"r1"}},
		{"string null semantics are unchanged beside a date and time", "shareName eq null or startDateTime eq null", []string{"r4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := ParseFilter(tt.filter, schema)
			if err != nil {
				t.Fatalf("ParseFilter(%q) = _, %v; want no error", tt.filter, err)
			}
			if diff := cmp.Diff(tt.want, matching(e)); diff != "" {
				t.Errorf("records matching %q mismatch (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

// TestEvalTrees checks trees that ParseFilter does not return but a caller may build.
func TestEvalTrees(t *testing.T) {
	t.Parallel()
	r := records[0]
	tests := []struct {
		name string
		e    Expr
		want bool
	}{
		{"nil is true", nil, true},
		{"any with a nil predicate tests non-emptiness", Any{Prop: "inviteeUserIds"}, true},
		{"any on a property that is no collection is false", Any{Prop: "shareName"}, false},
		{"all with a nil predicate", All{Prop: "inviteeUserIds"}, true},
		{"unknown operator is false", Compare{Prop: "id", Op: Op(99), Value: str("r1")}, false},
		{"zero operator is false", Compare{Prop: "id", Value: str("r1")}, false},
		{"unknown function is false", Func{Name: "tolower", Prop: "id", Arg: "r1"}, false},
		{"pointer node is false", &Compare{Prop: "id", Op: Eq, Value: str("r1")}, false},
		{"not of a pointer node is true", Not{X: &Compare{Prop: "id", Op: Eq, Value: str("r1")}}, true},
		{"in with no values is false", In{Prop: "id"}, false},
		{"DateTime comparison is case-sensitive", Compare{Prop: "id", Op: Eq, Value: at("R1")}, false},
		{"DateTime comparison is byte-wise", Compare{Prop: "id", Op: Eq, Value: at("r1")}, true},
		{"string comparison of the same literal ignores case", Compare{Prop: "id", Op: Eq, Value: str("R1")}, true},
		{"DateTime comparison with an unknown operator is false", Compare{Prop: "startDateTime", Op: Op(99), Value: at("2026-01-01T00:00:00.000000000Z")}, false},
		{"DateTime null of a missing property", Compare{Prop: "endDateTime", Op: Eq, Value: nullTime}, true},
		{"DateTime in compares byte-wise", In{Prop: "id", Values: []Literal{at("R1"), at("r1")}}, true},
		{"DateTime null in a list of a set property is false", In{Prop: "startDateTime", Values: []Literal{nullTime}}, false},
		{"string null in a list of a missing property is false", In{Prop: "endDateTime", Values: []Literal{null}}, false},
	}
	for _, tt := range tests {
		if got := Eval(tt.e, r); got != tt.want {
			t.Errorf("%s: Eval(%#v, %v) = %t; want %t", tt.name, tt.e, r, got, tt.want)
		}
	}
}

// TestCompareFold proves that compareFold orders as the folded strings do, and that equality
// under Fold is strings.EqualFold's.
func TestCompareFold(t *testing.T) {
	t.Parallel()
	words := []string{
		"", "a", "A", "b", "B", "ab", "aB", "Ab", "abc", "é", "É", "e", "z", "ß", "SS", "ſ", "S", "K", "\u212a",
		"İ", "i", "ı", "I", "Σ", "σ", "ς", "\xff", "\uFFFD", "\xffa", "a\xff", "日本", "日", "\U0001F4DA", "~", "_",
	}
	for _, a := range words {
		for _, b := range words {
			want := strings.Compare(Fold(a), Fold(b))
			if got := compareFold(a, b); got != want {
				t.Errorf("compareFold(%q, %q) = %d; want %d", a, b, got, want)
			}
			if equal := compareFold(a, b) == 0; equal != strings.EqualFold(a, b) {
				t.Errorf("compareFold(%q, %q) == 0 is %t; strings.EqualFold says %t", a, b, equal, strings.EqualFold(a, b))
			}
		}
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Contoso", "CONTOSO"},
		{"straße", "STRAßE"},
		{"\u212aelvin", "KELVIN"},
		{"ſ", "S"},
		{"σς", "ΣΣ"},
		{"日本", "日本"},
		{"a\xffb", "A\uFFFDB"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCompareFold(f *testing.F) {
	f.Add("a", "B")
	f.Add("\xff", "\uFFFD")
	f.Add("ß", "SS")
	f.Add("\u212a", "k")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := compareFold(a, b), strings.Compare(Fold(a), Fold(b)); got != want {
			t.Errorf("compareFold(%q, %q) = %d; want %d", a, b, got, want)
		}
		if equal := compareFold(a, b) == 0; equal != strings.EqualFold(a, b) {
			t.Errorf("compareFold(%q, %q) == 0 is %t; strings.EqualFold says %t", a, b, equal, strings.EqualFold(a, b))
		}
	})
}

// TestEvalDateTime is the truth table of the comparisons of a DateTime property.
func TestEvalDateTime(t *testing.T) {
	t.Parallel()
	const (
		before = "2025-12-31T23:59:59.999999999Z"
		on     = "2026-01-01T00:00:00.000000000Z"
		after  = "2026-01-01T00:00:00.000000001Z"
	)
	ops := []Op{Eq, Ne, Gt, Ge, Lt, Le}
	tests := []struct {
		name  string
		value string  // the property's TimeKey, "" for null
		lit   Literal // compared with
		want  [6]bool // for eq, ne, gt, ge, lt, le
	}{
		{"earlier value", before, at(on), [6]bool{false, true, false, false, true, true}},
		{"same instant", on, at(on), [6]bool{true, false, false, true, false, true}},
		{"later value by a nanosecond", after, at(on), [6]bool{false, true, true, true, false, false}},
		{"null value", "", at(on), [6]bool{false, true, false, false, false, false}},
		{"value compared with null", on, nullTime, [6]bool{false, true, false, false, false, false}},
		{"null value compared with null", "", nullTime, [6]bool{true, false, false, false, false, false}},
	}
	for _, tt := range tests {
		r := record{"startDateTime": tt.value}
		for i, op := range ops {
			e := Compare{Prop: "startDateTime", Op: op, Value: tt.lit}
			if got := Eval(e, r); got != tt.want[i] {
				t.Errorf("%s: Eval(%s, startDateTime = %q) = %t; want %t", tt.name, Format(e), tt.value, got, tt.want[i])
			}
		}
		in := In{Prop: "startDateTime", Values: []Literal{tt.lit}}
		if got := Eval(in, r); got != tt.want[0] {
			t.Errorf("%s: Eval(%s, startDateTime = %q) = %t; want %t, as eq", tt.name, Format(in), tt.value, got, tt.want[0])
		}
	}
}
