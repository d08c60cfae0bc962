package odata

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// schema is the schema of the real resource, dataShareOutgoingFlow, with a DateTime
// property added.
var schema = Schema{
	"id":              String,
	"eTag":            String,
	"displayName":     String,
	"readinessStatus": String,
	"sharingState":    String,
	"shareName":       String,
	"inviteeUserIds":  StringCollection,
	"startDateTime":   DateTime,
}

// str returns the literal string s.
func str(s string) Literal { return Literal{S: s} }

// null is the literal null.
var null = Literal{Null: true}

// at returns the DateTime literal whose TimeKey is key.
func at(key string) Literal { return Literal{S: key, DateTime: true} }

// nullTime is the literal null compared with a DateTime property.
var nullTime = Literal{Null: true, DateTime: true}

// since returns the Compare startDateTime op at(key).
func since(op Op, key string) Compare { return Compare{"startDateTime", op, at(key)} }

// eq returns the Compare prop eq 's'.
func eq(prop, s string) Compare { return Compare{Prop: prop, Op: Eq, Value: str(s)} }

// nested returns a $filter with n levels of parentheses around a comparison.
func nested(n int) string {
	return strings.Repeat("(", n) + "id eq 'a'" + strings.Repeat(")", n)
}

// parseTests are the $filter values that parse, with their trees.
var parseTests = []struct {
	name string
	in   string
	want Expr
}{
	// Comparisons.
	{"eq", "displayName eq 'Contoso'", eq("displayName", "Contoso")},
	{"ne", "id ne 'a'", Compare{"id", Ne, str("a")}},
	{"gt", "id gt 'a'", Compare{"id", Gt, str("a")}},
	{"ge", "id ge 'a'", Compare{"id", Ge, str("a")}},
	{"lt", "id lt 'a'", Compare{"id", Lt, str("a")}},
	{"le", "id le 'a'", Compare{"id", Le, str("a")}},
	{"literal on the left of eq keeps eq", "'a' eq id", Compare{"id", Eq, str("a")}},
	{"literal on the left of ne keeps ne", "'a' ne id", Compare{"id", Ne, str("a")}},
	{"literal on the left of lt mirrors to gt", "'a' lt id", Compare{"id", Gt, str("a")}},
	{"literal on the left of le mirrors to ge", "'a' le id", Compare{"id", Ge, str("a")}},
	{"literal on the left of gt mirrors to lt", "'a' gt id", Compare{"id", Lt, str("a")}},
	{"literal on the left of ge mirrors to le", "'a' ge id", Compare{"id", Le, str("a")}},
	{"null on the right", "shareName eq null", Compare{"shareName", Eq, null}},
	{"null on the left", "null ne shareName", Compare{"shareName", Ne, null}},
	{"string 'null' is not null", "shareName eq 'null'", eq("shareName", "null")},
	{"enum value is a string", "sharingState eq 'active'", eq("sharingState", "active")},
	{"guid is a string", "id eq '2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b'", eq("id", "2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b")},

	// String literals.
	{"doubled quote inside a literal", "displayName eq 'O''Neil'", eq("displayName", "O'Neil")},
	{"literal of one quote", "displayName eq ''''", eq("displayName", "'")},
	{"empty literal", "displayName eq ''", eq("displayName", "")},
	{"keywords and punctuation inside a literal are text", "displayName eq 'a and (b) or not c, d/e: *'", eq("displayName", "a and (b) or not c, d/e: *")},
	{"non-ASCII literal", "displayName eq 'Schüler 学生 📚'", eq("displayName", "Schüler 学生 📚")},
	{"double quote inside a literal", `displayName eq 'say "hi"'`, eq("displayName", `say "hi"`)},
	{"spaces inside a literal are kept", "displayName eq '  a\tb  '", eq("displayName", "  a\tb  ")},

	// Whitespace.
	{"tabs and runs of spaces between tokens", "\tid   eq\t\t'a'  ", eq("id", "a")},
	{"no space around parentheses", "(id eq 'a')and(id eq 'b')", And{eq("id", "a"), eq("id", "b")}},
	{"no space between operator and literal", "id eq'a'", eq("id", "a")},

	// Precedence and grouping.
	{"and binds tighter than or", "id eq 'a' or id eq 'b' and id eq 'c'",
		Or{eq("id", "a"), And{eq("id", "b"), eq("id", "c")}}},
	{"and binds tighter than or on the left", "id eq 'a' and id eq 'b' or id eq 'c'",
		Or{And{eq("id", "a"), eq("id", "b")}, eq("id", "c")}},
	{"and associates to the left", "id eq 'a' and id eq 'b' and id eq 'c'",
		And{And{eq("id", "a"), eq("id", "b")}, eq("id", "c")}},
	{"or associates to the left", "id eq 'a' or id eq 'b' or id eq 'c'",
		Or{Or{eq("id", "a"), eq("id", "b")}, eq("id", "c")}},
	{"parentheses override precedence", "(id eq 'a' or id eq 'b') and id eq 'c'",
		And{Or{eq("id", "a"), eq("id", "b")}, eq("id", "c")}},
	{"parentheses group to the right", "id eq 'a' and (id eq 'b' and id eq 'c')",
		And{eq("id", "a"), And{eq("id", "b"), eq("id", "c")}}},
	{"redundant parentheses leave no trace", "((id eq 'a'))", eq("id", "a")},
	{"not binds tighter than and", "not startswith(displayName,'a') and id eq 'x'",
		And{Not{Func{"startswith", "displayName", "a"}}, eq("id", "x")}},
	{"not of a parenthesized comparison", "not (id eq 'a')", Not{eq("id", "a")}},
	{"not without a space before the parenthesis", "not(id eq 'a' or id eq 'b')", Not{Or{eq("id", "a"), eq("id", "b")}}},
	{"not not", "not not startswith(id,'a')", Not{Not{Func{"startswith", "id", "a"}}}},
	{"not of a lambda", "not inviteeUserIds/any()", Not{Any{Prop: "inviteeUserIds"}}},
	{"100 levels of parentheses", nested(100), eq("id", "a")},

	// in.
	{"in with one value", "sharingState in ('active')", In{"sharingState", []Literal{str("active")}}},
	{"in with values and spaces", "sharingState in ( 'active' ,'pending',  'failed' )",
		In{"sharingState", []Literal{str("active"), str("pending"), str("failed")}}},
	{"in with null", "shareName in ('a', null)", In{"shareName", []Literal{str("a"), null}}},

	// Functions.
	{"startswith", "startswith(displayName, 'Con')", Func{"startswith", "displayName", "Con"}},
	{"endswith", "endswith(shareName,'_records')", Func{"endswith", "shareName", "_records"}},
	{"contains", "contains(displayName, 'student')", Func{"contains", "displayName", "student"}},
	{"spaces inside a call and before its parenthesis", "startswith ( displayName , 'a' )", Func{"startswith", "displayName", "a"}},
	{"doubled quote in a function argument", "contains(displayName,'''')", Func{"contains", "displayName", "'"}},

	// Lambdas.
	{"any with eq", "inviteeUserIds/any(i: i eq 'a')", Any{"inviteeUserIds", "i", eq("i", "a")}},
	{"all with startswith", "inviteeUserIds/all(i: startswith(i,'x'))", All{"inviteeUserIds", "i", Func{"startswith", "i", "x"}}},
	{"any with empty parentheses tests non-emptiness", "inviteeUserIds/any()", Any{Prop: "inviteeUserIds"}},
	{"any with spaces in empty parentheses", "inviteeUserIds / any ( )", Any{Prop: "inviteeUserIds"}},
	{"no whitespace after the colon", "inviteeUserIds/any(x:x eq 'a')", Any{"inviteeUserIds", "x", eq("x", "a")}},
	{"long lambda variable name", "inviteeUserIds/any(userId: userId ne 'a')", Any{"inviteeUserIds", "userId", Compare{"userId", Ne, str("a")}}},
	{"lambda variable on the right", "inviteeUserIds/any(i: 'a' lt i)", Any{"inviteeUserIds", "i", Compare{"i", Gt, str("a")}}},
	{"lambda body with and, or, not and parentheses", "inviteeUserIds/all(i: not (i eq 'a') and (startswith(i,'b') or i in ('c', 'd')))",
		All{"inviteeUserIds", "i", And{Not{eq("i", "a")}, Or{Func{"startswith", "i", "b"}, In{"i", []Literal{str("c"), str("d")}}}}}},
	{"lambda variable may share a property's name", "inviteeUserIds/any(id: id eq 'a')", Any{"inviteeUserIds", "id", eq("id", "a")}},
	{"lambda variable reused by a second lambda", "inviteeUserIds/any(i: i eq 'a') and inviteeUserIds/all(i: i ne 'b')",
		And{Any{"inviteeUserIds", "i", eq("i", "a")}, All{"inviteeUserIds", "i", Compare{"i", Ne, str("b")}}}},
	{"lambdas combined with comparisons", "sharingState eq 'active' and inviteeUserIds/any(i: i eq 'u1') or id eq 'x'",
		Or{And{eq("sharingState", "active"), Any{"inviteeUserIds", "i", eq("i", "u1")}}, eq("id", "x")}},

	// DateTime properties.
	{"unquoted date and time becomes its TimeKey", "startDateTime ge 2026-01-01T00:00:00Z", since(Ge, "2026-01-01T00:00:00.000000000Z")},
	{"date and time with eq", "startDateTime eq 2026-01-01T00:00:00Z", since(Eq, "2026-01-01T00:00:00.000000000Z")},
	{"date and time with ne", "startDateTime ne 2026-01-01T00:00:00Z", since(Ne, "2026-01-01T00:00:00.000000000Z")},
	{"date and time with gt", "startDateTime gt 2026-01-01T00:00:00Z", since(Gt, "2026-01-01T00:00:00.000000000Z")},
	{"date and time with lt", "startDateTime lt 2026-01-01T00:00:00Z", since(Lt, "2026-01-01T00:00:00.000000000Z")},
	{"date and time with le", "startDateTime le 2026-01-01T00:00:00Z", since(Le, "2026-01-01T00:00:00.000000000Z")},
	{"fractional seconds", "startDateTime ge 2026-01-01T00:00:00.5Z", since(Ge, "2026-01-01T00:00:00.500000000Z")},
	{"nine fractional digits", "startDateTime ge 2026-01-01T00:00:00.123456789Z", since(Ge, "2026-01-01T00:00:00.123456789Z")},
	{"fractional digits past the ninth are dropped", "startDateTime ge 2026-01-01T00:00:00.1234567899Z", since(Ge, "2026-01-01T00:00:00.123456789Z")},
	{"positive offset is turned to UTC", "startDateTime eq 2026-01-01T02:00:00+02:00", since(Eq, "2026-01-01T00:00:00.000000000Z")},
	{"negative offset with minutes is turned to UTC", "startDateTime eq 2026-01-01T00:00:00-05:30", since(Eq, "2026-01-01T05:30:00.000000000Z")},
	{"offset moves the date into the previous year", "startDateTime eq 2026-01-01T01:00:00.25+02:00", since(Eq, "2025-12-31T23:00:00.250000000Z")},
	{"largest offset", "startDateTime eq 2026-01-01T00:00:00+23:59", since(Eq, "2025-12-31T00:01:00.000000000Z")},
	{"offset -00:00 is UTC", "startDateTime eq 2026-01-01T00:00:00-00:00", since(Eq, "2026-01-01T00:00:00.000000000Z")},
	{"leap day", "startDateTime eq 2028-02-29T12:00:00Z", since(Eq, "2028-02-29T12:00:00.000000000Z")},
	{"first instant of year 0000", "startDateTime ge 0000-01-01T00:00:00Z", since(Ge, "0000-01-01T00:00:00.000000000Z")},
	{"last instant of year 9999", "startDateTime le 9999-12-31T23:59:59.999999999Z", since(Le, "9999-12-31T23:59:59.999999999Z")},
	{"quoted date and time, as Graph clients send it", "startDateTime ge '2026-01-01T00:00:00Z'", since(Ge, "2026-01-01T00:00:00.000000000Z")},
	{"quoted date and time with an offset", "startDateTime eq '2026-01-01T00:00:00.5-05:30'", since(Eq, "2026-01-01T05:30:00.500000000Z")},
	{"unquoted date and time on the left mirrors the operator", "2026-01-01T00:00:00Z lt startDateTime", since(Gt, "2026-01-01T00:00:00.000000000Z")},
	{"quoted date and time on the left mirrors the operator", "'2026-01-01T00:00:00Z' ge startDateTime", since(Le, "2026-01-01T00:00:00.000000000Z")},
	{"null compared with a DateTime property is marked", "startDateTime eq null", Compare{"startDateTime", Eq, nullTime}},
	{"null on the left of a DateTime property", "null ne startDateTime", Compare{"startDateTime", Ne, nullTime}},
	{"in with dates and times, quoted or not, and null", "startDateTime in (2026-01-01T00:00:00Z, '2026-01-02T00:00:00+01:00',null)",
		In{"startDateTime", []Literal{at("2026-01-01T00:00:00.000000000Z"), at("2026-01-01T23:00:00.000000000Z"), nullTime}}},
	{"date and time before a closing parenthesis", "(startDateTime lt 2026-01-01T00:00:00Z)", since(Lt, "2026-01-01T00:00:00.000000000Z")},
	{"date and time before and", "startDateTime lt 2026-01-01T00:00:00Z and id eq 'a'",
		And{since(Lt, "2026-01-01T00:00:00.000000000Z"), eq("id", "a")}},
	{"not of a DateTime comparison", "not (startDateTime eq null)", Not{Compare{"startDateTime", Eq, nullTime}}},
	{"lambda variable named as a DateTime property is a string", "inviteeUserIds/any(startDateTime: startDateTime eq '2026-01-01T00:00:00Z')",
		Any{"inviteeUserIds", "startDateTime", eq("startDateTime", "2026-01-01T00:00:00Z")}},
	{"date and time quoted for a string property is a string", "displayName eq '2026-01-01T00:00:00Z'", eq("displayName", "2026-01-01T00:00:00Z")},
}

func TestParseFilter(t *testing.T) {
	t.Parallel()
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFilter(tt.in, schema)
			if err != nil {
				t.Fatalf("ParseFilter(%q) = _, %v; want no error", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFilter(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// errorTests are the $filter values that do not parse, with their errors.
var errorTests = []struct {
	name  string
	in    string
	pos   int
	token string
	msg   string // the whole of Error()
}{
	// Empty.
	{"empty", "", 1, "", "$filter: empty"},
	{"only whitespace", " \t ", 1, "", "$filter: empty"},

	// Properties.
	{"unknown property is named with its position", "colour eq 'red'", 1, "colour",
		"$filter: unknown property 'colour' at position 1"},
	{"unknown property later in the input", "id eq 'a' and colour eq 'red'", 15, "colour",
		"$filter: unknown property 'colour' at position 15"},
	{"property names are case-sensitive", "DisplayName eq 'x'", 1, "DisplayName",
		"$filter: unknown property 'DisplayName' at position 1 (property names are case-sensitive: did you mean 'displayName'?)"},
	{"upper-case keyword taken for a property", "NOT startswith(id,'a')", 1, "NOT",
		"$filter: unknown property 'NOT' at position 1 (keywords are lower-case: did you mean 'not'?)"},
	{"unquoted value on the right", "sharingState eq active", 17, "active",
		"$filter: unknown property 'active' at position 17 (string values are in single quotes, as in 'active')"},

	// Operators.
	{"misspelt operator", "displayName  qe 'x'", 14, "qe",
		"$filter: syntax error at position 14 near 'qe': expected an operator such as eq, ne, gt"},
	{"operators are lower-case", "id EQ 'a'", 4, "EQ",
		"$filter: syntax error at position 4 near 'EQ': expected an operator such as eq, ne, gt (keywords are lower-case: write 'eq')"},
	{"property alone", "displayName", 12, "",
		"$filter: syntax error at position 12 (end of input): expected an operator such as eq, ne, gt"},
	{"property followed by and", "id and id eq 'a'", 4, "and",
		"$filter: syntax error at position 4 near 'and': expected an operator such as eq, ne, gt"},
	{"symbolic operator", "id = 'a'", 4, "=",
		"$filter: syntax error at position 4 near '=': unexpected character"},
	{"missing value at the end", "id eq", 6, "",
		"$filter: syntax error at position 6 (end of input): expected a string literal in single quotes, or null"},
	{"missing value before and", "id eq and id eq 'a'", 7, "and",
		"$filter: syntax error at position 7 near 'and': expected a string literal in single quotes, or null"},
	{"number value", "id eq 42", 7, "42",
		"$filter: syntax error at position 7 near '42': numbers are not supported: the properties are strings, so quote the value, as in '42'"},
	{"unquoted guid starting with a digit", "id eq 2f5c8a1e-3b4d", 7, "2f5c8a1e-3b4d",
		"$filter: syntax error at position 7 near '2f5c8a1e-3b4d': numbers are not supported: the properties are strings, so quote the value, as in '2f5c8a1e-3b4d'"},
	{"boolean value", "id eq true", 7, "true",
		"$filter: syntax error at position 7 near 'true': booleans are not supported: the properties are strings, so quote the value, as in 'true'"},
	{"boolean as a condition", "true", 1, "true",
		"$filter: syntax error at position 1 near 'true': booleans are not supported: the properties are strings, so quote the value, as in 'true'"},
	{"number as a condition", "1 eq id", 1, "1",
		"$filter: syntax error at position 1 near '1': numbers are not supported: the properties are strings, so quote the value, as in '1'"},
	{"comparison of two properties is refused", "id eq displayName", 7, "displayName",
		"$filter: comparison of two properties ('id' and 'displayName' at position 7): one side must be a literal"},
	{"comparison of two literals is refused", "'a' eq 'b'", 8, "'b'",
		"$filter: comparison of two literals ('a' and 'b' at position 8): one side must be a property"},
	{"comparison of two nulls is refused", "null eq null", 9, "null",
		"$filter: comparison of two literals (null and null at position 9): one side must be a property"},
	{"literal then keyword", "'a' eq not", 8, "not",
		"$filter: syntax error at position 8 near 'not': expected a property to compare the literal with"},
	{"second comparison operator", "id eq 'a' eq 'b'", 11, "eq",
		"$filter: syntax error at position 11 near 'eq': expected 'and', 'or' or the end of the input"},
	{"function compared with a value", "startswith(id,'a') eq true", 20, "eq",
		"$filter: syntax error at position 20 near 'eq': expected 'and', 'or' or the end of the input"},

	// Literals and characters.
	{"unterminated literal is reported at its opening quote", "id eq 'abc", 7, "'abc",
		"$filter: syntax error at position 7 near 'abc: unterminated string literal: the closing quote is missing (write a quote inside a literal as '')"},
	{"doubled quote does not close a literal", "id eq 'a''", 7, "'a''",
		"$filter: syntax error at position 7 near 'a'': unterminated string literal: the closing quote is missing (write a quote inside a literal as '')"},
	{"position counts characters, not bytes", "displayName eq 'é' and id eq 'ü", 30, "'ü",
		"$filter: syntax error at position 30 near 'ü: unterminated string literal: the closing quote is missing (write a quote inside a literal as '')"},
	{"long token is cut short in the message", "id eq 'abcdefghijklmnopqrstuvwxyz0123456789", 7, "'abcdefghijklmnopqrstuvwxyz0123456789",
		"$filter: syntax error at position 7 near 'abcdefghijklmnopqrstuvwxyz012...: unterminated string literal: the closing quote is missing (write a quote inside a literal as '')"},
	{"double-quoted literal", `id eq "a"`, 7, `"`,
		`$filter: syntax error at position 7 near '"': unexpected character: string literals are in single quotes, as in 'abc'`},
	{"control character is quoted in the message", "id eq 'a'\x00", 10, "\x00",
		`$filter: syntax error at position 10 near "\x00": unexpected character`},
	{"newline is not whitespace", "id eq 'a'\nand id eq 'b'", 10, "\n",
		`$filter: syntax error at position 10 near "\n": unexpected character`},
	{"parameter alias", "id eq @p", 7, "@",
		"$filter: syntax error at position 7 near '@': unexpected character"},

	// Collections.
	{"collection compared directly", "inviteeUserIds eq 'a'", 1, "inviteeUserIds",
		"$filter: collection property 'inviteeUserIds' at position 1 can only be tested with any or all, as in inviteeUserIds/any(x: x eq 'value')"},
	{"collection on the right", "'a' eq inviteeUserIds", 8, "inviteeUserIds",
		"$filter: collection property 'inviteeUserIds' at position 8 can only be tested with any or all, as in inviteeUserIds/any(x: x eq 'value')"},
	{"collection in a function", "contains(inviteeUserIds,'a')", 10, "inviteeUserIds",
		"$filter: collection property 'inviteeUserIds' at position 10 can only be tested with any or all, as in inviteeUserIds/any(x: x eq 'value')"},
	{"collection in in", "inviteeUserIds in ('a')", 1, "inviteeUserIds",
		"$filter: collection property 'inviteeUserIds' at position 1 can only be tested with any or all, as in inviteeUserIds/any(x: x eq 'value')"},

	// not.
	{"not binds tighter than a comparison", "not displayName eq 'x'", 1, "not",
		"$filter: syntax error at position 1 near 'not': not applies to the condition that follows it and binds tighter than eq: write not (displayName eq ...)"},
	{"not before a literal comparison", "id eq 'a' and not 'x' in id", 15, "not",
		"$filter: syntax error at position 15 near 'not': not applies to the condition that follows it and binds tighter than in: write not ('x' in ...)"},
	{"not at the end", "not", 4, "",
		"$filter: syntax error at position 4 (end of input): expected a condition: a comparison, a function call, a lambda, 'not' or '('"},

	// Structure.
	{"parenthesis left open", "(id eq 'a'", 11, "",
		"$filter: syntax error at position 11 (end of input): expected ')' to close the '(' at position 1"},
	{"inner parenthesis left open", "id eq 'a' and ((id eq 'b') or id eq 'c'", 40, "",
		"$filter: syntax error at position 40 (end of input): expected ')' to close the '(' at position 15"},
	{"upper-case and inside parentheses", "(id eq 'a' AND id eq 'b')", 12, "AND",
		"$filter: syntax error at position 12 near 'AND': expected ')' to close the '(' at position 1 (keywords are lower-case: write 'and')"},
	{"parenthesis closed without one open", "id eq 'a')", 10, ")",
		"$filter: syntax error at position 10 near ')': unexpected ')': no '(' is open"},
	{"empty parentheses", "()", 2, ")",
		"$filter: syntax error at position 2 near ')': expected a condition: a comparison, a function call, a lambda, 'not' or '('"},
	{"or at the end", "id eq 'a' or", 13, "",
		"$filter: syntax error at position 13 (end of input): expected a condition: a comparison, a function call, a lambda, 'not' or '('"},
	{"and and", "id eq 'a' and and id eq 'b'", 15, "and",
		"$filter: syntax error at position 15 near 'and': expected a condition: a comparison, a function call, a lambda, 'not' or '('"},
	{"missing and between conditions", "id eq 'a' id eq 'b'", 11, "id",
		"$filter: syntax error at position 11 near 'id': expected 'and', 'or' or the end of the input"},
	{"upper-case and between conditions", "id eq 'a' AND id eq 'b'", 11, "AND",
		"$filter: syntax error at position 11 near 'AND': expected 'and', 'or' or the end of the input (keywords are lower-case: write 'and')"},
	{"101 levels of parentheses", nested(101), 101, "(",
		"$filter: expression nested too deeply at position 101: more than 100 levels of parentheses, not and lambdas"},
	{"101 levels of not", strings.Repeat("not ", 101) + "startswith(id,'a')", 401, "not",
		"$filter: expression nested too deeply at position 401: more than 100 levels of parentheses, not and lambdas"},
	{"deep nesting is refused before the end of the input", strings.Repeat("(", 100000), 101, "(",
		"$filter: expression nested too deeply at position 101: more than 100 levels of parentheses, not and lambdas"},
	{"lambda at the depth limit", strings.Repeat("(", 100) + "inviteeUserIds/any(i: i eq 'a')", 119, "(",
		"$filter: expression nested too deeply at position 119: more than 100 levels of parentheses, not and lambdas"},

	// in.
	{"in without parentheses", "id in 'a'", 7, "'a'",
		"$filter: syntax error at position 7 near 'a': expected '(' to start the list of values after in"},
	{"in with an empty list", "id in ()", 8, ")",
		"$filter: syntax error at position 8 near ')': expected at least one value in the list"},
	{"in with a property in the list", "id in ('a', shareName)", 13, "shareName",
		"$filter: syntax error at position 13 near 'shareName': expected a string literal in single quotes, or null"},
	{"in with a trailing comma", "id in ('a',)", 12, ")",
		"$filter: syntax error at position 12 near ')': expected a string literal in single quotes, or null"},
	{"in list left open", "id in ('a' 'b')", 12, "'b'",
		"$filter: syntax error at position 12 near 'b': expected ',' or ')' to close the '(' at position 7"},
	{"in with a literal on the left", "'a' in ('a')", 1, "'a'",
		"$filter: the left side of 'in' at position 1 must be a property"},

	// Functions.
	{"function without parentheses", "startswith id", 12, "id",
		"$filter: syntax error at position 12 near 'id': expected '(' after startswith"},
	{"literal as the first argument of a function", "startswith('a', id)", 12, "'a'",
		"$filter: syntax error at position 12 near 'a': the first argument of startswith must be a property, not a literal"},
	{"unknown property in a function", "startswith(colour,'r')", 12, "colour",
		"$filter: unknown property 'colour' at position 12"},
	{"no argument", "endswith()", 10, ")",
		"$filter: syntax error at position 10 near ')': expected a property as the first argument of endswith"},
	{"one argument", "contains(id)", 12, ")",
		"$filter: syntax error at position 12 near ')': expected ',' after the first argument of contains"},
	{"property as the second argument of a function", "startswith(id, shareName)", 16, "shareName",
		"$filter: syntax error at position 16 near 'shareName': the second argument of startswith must be a string literal in single quotes, as in 'shareName'"},
	{"null as the second argument of a function", "startswith(id, null)", 16, "null",
		"$filter: syntax error at position 16 near 'null': expected a string literal in single quotes as the second argument of startswith"},
	{"number as the second argument of a function", "startswith(id, 7)", 16, "7",
		"$filter: syntax error at position 16 near '7': numbers are not supported: the properties are strings, so quote the value, as in '7'"},
	{"function left open", "startswith(id, 'a' and id eq 'b'", 20, "and",
		"$filter: syntax error at position 20 near 'and': expected ')' to close the '(' at position 11"},
	{"unsupported function", "tolower(id) eq 'a'", 1, "tolower",
		"$filter: unsupported function 'tolower' at position 1: the functions are startswith, endswith and contains"},
	{"function names are lower-case", "startsWith(id,'a')", 1, "startsWith",
		"$filter: unsupported function 'startsWith' at position 1 (function names are lower-case: write 'startswith')"},

	// Lambdas.
	{"lambda on a property that is not a collection", "displayName/any(x: x eq 'a')", 1, "displayName",
		"$filter: property 'displayName' at position 1 is not a collection: any and all apply only to collection properties"},
	{"lambda on the lambda variable", "inviteeUserIds/any(i: i/any(j: j eq 'a'))", 23, "i",
		"$filter: lambda variable 'i' at position 23 is not a collection: any and all apply only to collection properties"},
	{"lambda variable used outside its lambda", "inviteeUserIds/any(i: i eq 'a') and i eq 'b'", 37, "i",
		"$filter: lambda variable 'i' used outside its lambda at position 37"},
	{"property used inside a lambda", "inviteeUserIds/any(i: id eq 'a')", 23, "id",
		"$filter: property 'id' at position 23 cannot be used inside a lambda: only the lambda variable 'i' can"},
	{"unknown name inside a lambda", "inviteeUserIds/any(i: j eq 'a')", 23, "j",
		"$filter: unknown name 'j' at position 23: inside the lambda, only the lambda variable 'i' can be used"},
	{"lambda variable compared with itself", "inviteeUserIds/any(i: i eq i)", 28, "i",
		"$filter: comparison of two properties ('i' and 'i' at position 28): one side must be a literal"},
	{"lambda operator missing after the slash", "inviteeUserIds/(i: i eq 'a')", 16, "(",
		"$filter: syntax error at position 16 near '(': expected any or all after '/'"},
	{"lambda operators are lower-case", "inviteeUserIds/Any(i: i eq 'a')", 16, "Any",
		"$filter: syntax error at position 16 near 'Any': expected any or all after '/' (keywords are lower-case: write 'any')"},
	{"lambda operator without parentheses", "inviteeUserIds/any", 19, "",
		"$filter: syntax error at position 19 (end of input): expected '(' after any"},
	{"all needs a lambda expression", "inviteeUserIds/all()", 20, ")",
		"$filter: syntax error at position 20 near ')': expected the name of the lambda variable, as in inviteeUserIds/all(x: x eq 'value')"},
	{"keyword as the lambda variable", "inviteeUserIds/any(in: in eq 'a')", 20, "in",
		"$filter: syntax error at position 20 near 'in': expected the name of the lambda variable, as in inviteeUserIds/any(x: x eq 'value')"},
	{"lambda without a colon", "inviteeUserIds/any(i i eq 'a')", 22, "i",
		"$filter: syntax error at position 22 near 'i': expected ':' after the lambda variable 'i'"},
	{"lambda with an empty body", "inviteeUserIds/any(i:)", 22, ")",
		"$filter: syntax error at position 22 near ')': expected a condition: a comparison, a function call, a lambda, 'not' or '('"},
	{"lambda left open", "inviteeUserIds/any(i: i eq 'a'", 31, "",
		"$filter: syntax error at position 31 (end of input): expected ')' to close the '(' at position 19"},
	{"lambda without a collection", "any(i: i eq 'a')", 1, "any",
		"$filter: syntax error at position 1 near 'any': expected a condition: a comparison, a function call, a lambda, 'not' or '('"},

	// DateTime literals that are not RFC 3339 dates and times with a time zone.
	{"month out of range", "startDateTime eq 2026-13-01T00:00:00Z", 18, "2026-13-01T00:00:00Z",
		"$filter: syntax error at position 18 near '2026-13-01T00:00:00Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"day out of its month", "startDateTime eq 2026-02-29T00:00:00Z", 18, "2026-02-29T00:00:00Z",
		"$filter: syntax error at position 18 near '2026-02-29T00:00:00Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"hour 24", "startDateTime eq 2026-01-01T24:00:00Z", 18, "2026-01-01T24:00:00Z",
		"$filter: syntax error at position 18 near '2026-01-01T24:00:00Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"leap second", "startDateTime eq 2026-12-31T23:59:60Z", 18, "2026-12-31T23:59:60Z",
		"$filter: syntax error at position 18 near '2026-12-31T23:59:60Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"one-digit hour", "startDateTime eq 2026-01-01T0:00:00Z", 18, "2026-01-01T0:00:00Z",
		"$filter: syntax error at position 18 near '2026-01-01T0:00:00Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"five-digit year", "startDateTime eq 10000-01-01T00:00:00Z", 18, "10000-01-01T00:00:00Z",
		"$filter: syntax error at position 18 near '10000-01-01T00:00:00Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"decimal point without digits", "startDateTime eq 2026-01-01T00:00:00.Z", 18, "2026-01-01T00:00:00.Z",
		"$filter: syntax error at position 18 near '2026-01-01T00:00:00.Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"time zone missing", "startDateTime eq 2026-01-01T00:00:00", 18, "2026-01-01T00:00:00",
		"$filter: syntax error at position 18 near '2026-01-01T00:00:00': expected a date and time such as 2026-01-01T00:00:00Z (add the time zone, as in 2026-01-01T00:00:00Z)"},
	{"time zone missing after fractional seconds", "startDateTime lt 2026-01-01T00:00:00.5 or id eq 'a'", 18, "2026-01-01T00:00:00.5",
		"$filter: syntax error at position 18 near '2026-01-01T00:00:00.5': expected a date and time such as 2026-01-01T00:00:00Z (add the time zone, as in 2026-01-01T00:00:00.5Z)"},
	{"date without a time", "startDateTime eq 2026-01-01", 18, "2026-01-01",
		"$filter: syntax error at position 18 near '2026-01-01': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"lower-case t and z", "startDateTime eq 2026-01-01t00:00:00z", 18, "2026-01-01t00:00:00z",
		"$filter: syntax error at position 18 near '2026-01-01t00:00:00z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"offset without a colon", "startDateTime eq 2026-01-01T00:00:00+0200", 18, "2026-01-01T00:00:00+0200",
		"$filter: syntax error at position 18 near '2026-01-01T00:00:00+0200': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"offset of 24 hours", "startDateTime eq 2026-01-01T00:00:00+24:00", 18, "2026-01-01T00:00:00+24:00",
		"$filter: syntax error at position 18 near '2026-01-01T00:00:00+24:00': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"offset of 60 minutes", "startDateTime eq 2026-01-01T00:00:00-05:60", 18, "2026-01-01T00:00:00-05:60",
		"$filter: syntax error at position 18 near '2026-01-01T00:00:00-05:60': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"Z and an offset", "startDateTime eq 2026-01-01T00:00:00Z+01:00", 18, "2026-01-01T00:00:00Z+01:00",
		"$filter: syntax error at position 18 near '2026-01-01T00:00:00Z+01:00': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"letters after the time zone belong to the literal", "startDateTime eq 2026-01-01T00:00:00Zabc", 18, "2026-01-01T00:00:00Zabc",
		"$filter: syntax error at position 18 near '2026-01-01T00:00:00Zabc': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"number compared with a DateTime property", "startDateTime eq 42", 18, "42",
		"$filter: syntax error at position 18 near '42': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"time alone compared with a DateTime property", "startDateTime gt 10:30", 18, "10:30",
		"$filter: syntax error at position 18 near '10:30': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"invalid date and time on the left", "2026-13-01T00:00:00Z lt startDateTime", 1, "2026-13-01T00:00:00Z",
		"$filter: syntax error at position 1 near '2026-13-01T00:00:00Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"invalid date and time in a list", "startDateTime in (2026-01-01T00:00:00Z, 2026-01-32T00:00:00Z)", 41, "2026-01-32T00:00:00Z",
		"$filter: syntax error at position 41 near '2026-01-32T00:00:00Z': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"date and time after the last instant of 9999 in UTC", "startDateTime eq 9999-12-31T23:59:59-01:00", 18, "9999-12-31T23:59:59-01:00",
		"$filter: date and time '9999-12-31T23:59:59-01:00' at position 18 is out of range: in UTC, it must fall in the years 0000 to 9999"},
	{"date and time before the first instant of 0000 in UTC", "startDateTime eq 0000-01-01T00:00:00+00:01", 18, "0000-01-01T00:00:00+00:01",
		"$filter: date and time '0000-01-01T00:00:00+00:01' at position 18 is out of range: in UTC, it must fall in the years 0000 to 9999"},
	{"quoted date and time out of range", "startDateTime eq '0000-01-01T00:00:00+01:00'", 18, "'0000-01-01T00:00:00+01:00'",
		"$filter: date and time '0000-01-01T00:00:00+01:00' at position 18 is out of range: in UTC, it must fall in the years 0000 to 9999"},

	// DateTime properties compared with strings and other values.
	{"DateTime property compared with a string that is no date", "startDateTime eq 'soon'", 18, "'soon'",
		"$filter: DateTime property 'startDateTime' compared with 'soon' at position 18, which is not a date and time: expected a date and time such as 2026-01-01T00:00:00Z"},
	{"DateTime property compared with the empty string", "startDateTime ne ''", 18, "''",
		"$filter: DateTime property 'startDateTime' compared with '' at position 18, which is not a date and time: expected a date and time such as 2026-01-01T00:00:00Z"},
	{"quoted date and time without a time zone", "startDateTime eq '2026-01-01T00:00:00'", 18, "'2026-01-01T00:00:00'",
		"$filter: DateTime property 'startDateTime' compared with '2026-01-01T00:00:00' at position 18, which is not a date and time: expected a date and time such as 2026-01-01T00:00:00Z (add the time zone, as in 2026-01-01T00:00:00Z)"},
	{"quoted date and time with a decimal comma", "startDateTime eq '2026-01-01T00:00:00,5Z'", 18, "'2026-01-01T00:00:00,5Z'",
		"$filter: DateTime property 'startDateTime' compared with '2026-01-01T00:00:00,5Z' at position 18, which is not a date and time: expected a date and time such as 2026-01-01T00:00:00Z"},
	{"quoted date and time with spaces", "startDateTime eq ' 2026-01-01T00:00:00Z'", 18, "' 2026-01-01T00:00:00Z'",
		"$filter: DateTime property 'startDateTime' compared with ' 2026-01-01T00:00:00Z' at position 18, which is not a date and time: expected a date and time such as 2026-01-01T00:00:00Z"},
	{"string that is no date on the left of a DateTime property", "'soon' lt startDateTime", 1, "'soon'",
		"$filter: DateTime property 'startDateTime' compared with 'soon' at position 1, which is not a date and time: expected a date and time such as 2026-01-01T00:00:00Z"},
	{"string that is no date in a list", "startDateTime in (null, 'soon')", 25, "'soon'",
		"$filter: DateTime property 'startDateTime' compared with 'soon' at position 25, which is not a date and time: expected a date and time such as 2026-01-01T00:00:00Z"},
	{"boolean compared with a DateTime property", "startDateTime eq true", 18, "true",
		"$filter: syntax error at position 18 near 'true': expected a date and time such as 2026-01-01T00:00:00Z, or null"},
	{"missing value after a DateTime property", "startDateTime ge", 17, "",
		"$filter: syntax error at position 17 (end of input): expected a date and time such as 2026-01-01T00:00:00Z, or null"},
	{"unquoted word compared with a DateTime property", "startDateTime ge now", 18, "now",
		"$filter: unknown property 'now' at position 18 (dates and times are written as in 2026-01-01T00:00:00Z)"},
	{"DateTime property in its own list", "startDateTime in (startDateTime)", 19, "startDateTime",
		"$filter: syntax error at position 19 near 'startDateTime': expected a date and time such as 2026-01-01T00:00:00Z, or null"},
	{"trailing comma in a list of dates and times", "startDateTime in (2026-01-01T00:00:00Z,)", 40, ")",
		"$filter: syntax error at position 40 near ')': expected a date and time such as 2026-01-01T00:00:00Z, or null"},
	{"DateTime property compared with a property", "startDateTime eq id", 18, "id",
		"$filter: comparison of two properties ('startDateTime' and 'id' at position 18): one side must be a literal"},
	{"lambda on a DateTime property", "startDateTime/any(x: x eq 'a')", 1, "startDateTime",
		"$filter: property 'startDateTime' at position 1 is not a collection: any and all apply only to collection properties"},
	{"startswith on a DateTime property", "startswith(startDateTime, '2026')", 12, "startDateTime",
		"$filter: startswith applies only to strings, and property 'startDateTime' at position 12 is a DateTime"},
	{"endswith on a DateTime property", "endswith(startDateTime,'Z')", 10, "startDateTime",
		"$filter: endswith applies only to strings, and property 'startDateTime' at position 10 is a DateTime"},
	{"contains on a DateTime property", "contains(startDateTime, 'T00')", 10, "startDateTime",
		"$filter: contains applies only to strings, and property 'startDateTime' at position 10 is a DateTime"},

	// Unquoted dates and times elsewhere.
	{"unquoted date and time compared with a string property", "id eq 2026-01-01T00:00:00Z", 7, "2026-01-01T00:00:00Z",
		"$filter: unquoted date and time 2026-01-01T00:00:00Z at position 7 compared with 'id', which is a string: quote the value, as in '2026-01-01T00:00:00Z'"},
	{"unquoted date and time with an offset compared with a string property", "shareName ge 2026-01-01T00:00:00.5+02:00", 14, "2026-01-01T00:00:00.5+02:00",
		"$filter: unquoted date and time 2026-01-01T00:00:00.5+02:00 at position 14 compared with 'shareName', which is a string: quote the value, as in '2026-01-01T00:00:00.5+02:00'"},
	{"unquoted date compared with a string property", "id eq 2026-01-01", 7, "2026-01-01",
		"$filter: unquoted date and time 2026-01-01 at position 7 compared with 'id', which is a string: quote the value, as in '2026-01-01'"},
	{"unquoted date and time on the left of a string property", "2026-01-01T00:00:00Z le id", 1, "2026-01-01T00:00:00Z",
		"$filter: unquoted date and time 2026-01-01T00:00:00Z at position 1 compared with 'id', which is a string: quote the value, as in '2026-01-01T00:00:00Z'"},
	{"unquoted date and time in the list of a string property", "id in ('a', 2026-01-01T00:00:00Z)", 13, "2026-01-01T00:00:00Z",
		"$filter: unquoted date and time 2026-01-01T00:00:00Z at position 13 compared with 'id', which is a string: quote the value, as in '2026-01-01T00:00:00Z'"},
	{"unquoted date and time compared with a lambda variable", "inviteeUserIds/any(i: i eq 2026-01-01T00:00:00Z)", 28, "2026-01-01T00:00:00Z",
		"$filter: unquoted date and time 2026-01-01T00:00:00Z at position 28 compared with 'i', which is a string: quote the value, as in '2026-01-01T00:00:00Z'"},
	{"unquoted date and time as the second argument of a function", "startswith(id, 2026-01-01T00:00:00Z)", 16, "2026-01-01T00:00:00Z",
		"$filter: syntax error at position 16 near '2026-01-01T00:00:00Z': the second argument of startswith must be a string literal in single quotes, as in '2026-01-01T00:00:00Z'"},
	{"number with a colon compared with a string property is still a number", "id eq 10:30", 7, "10",
		"$filter: syntax error at position 7 near '10': numbers are not supported: the properties are strings, so quote the value, as in '10'"},
	{"unquoted guid starting with four digits and a letter is still a number", "id eq 2026f5c8-3b4d", 7, "2026f5c8-3b4d",
		"$filter: syntax error at position 7 near '2026f5c8-3b4d': numbers are not supported: the properties are strings, so quote the value, as in '2026f5c8-3b4d'"},
	{"number on the left of a DateTime property", "42 lt startDateTime", 1, "42",
		"$filter: syntax error at position 1 near '42': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"time alone on the left of a DateTime property", "10:30 ge startDateTime", 1, "10:30",
		"$filter: syntax error at position 1 near '10:30': expected a date and time such as 2026-01-01T00:00:00Z"},
	{"number on the left of a string property is still a number", "10:30 ge id", 1, "10",
		"$filter: syntax error at position 1 near '10': numbers are not supported: the properties are strings, so quote the value, as in '10'"},
	{"number on the left of in is still a number", "42 in (startDateTime)", 1, "42",
		"$filter: syntax error at position 1 near '42': numbers are not supported: the properties are strings, so quote the value, as in '42'"},
	{"number on the left of a lambda variable named as a DateTime property is still a number", "inviteeUserIds/any(startDateTime: 42 eq startDateTime)", 35, "42",
		"$filter: syntax error at position 35 near '42': numbers are not supported: the properties are strings, so quote the value, as in '42'"},
	{"unquoted date and time compared with a collection", "2026-01-01T00:00:00Z eq inviteeUserIds", 25, "inviteeUserIds",
		"$filter: collection property 'inviteeUserIds' at position 25 can only be tested with any or all, as in inviteeUserIds/any(x: x eq 'value')"},
	{"unquoted date and time compared with a literal", "2026-01-01T00:00:00Z eq '2026'", 25, "'2026'",
		"$filter: comparison of two literals (2026-01-01T00:00:00Z and '2026' at position 25): one side must be a property"},
	{"literal compared with an unquoted date and time", "'a' eq 2026-01-01T00:00:00Z", 8, "2026-01-01T00",
		"$filter: syntax error at position 8 near '2026-01-01T00': numbers are not supported: the properties are strings, so quote the value, as in '2026-01-01T00'"},
	{"unquoted date and time on the left of in", "2026-01-01T00:00:00Z in (startDateTime)", 1, "2026-01-01T00:00:00Z",
		"$filter: the left side of 'in' at position 1 must be a property"},
	{"unquoted date and time alone", "2026-01-01T00:00:00Z", 21, "",
		"$filter: syntax error at position 21 (end of input): expected an operator such as eq, ne, gt"},
	{"date and time is no lambda variable", "inviteeUserIds/any(2026-01-01T00:00:00Z: true)", 20, "2026-01-01T00",
		"$filter: syntax error at position 20 near '2026-01-01T00': expected the name of the lambda variable, as in inviteeUserIds/any(x: x eq 'value')"},
	{"date and time is no first argument of a function", "contains(2026-01-01T00:00:00Z, 'a')", 10, "2026-01-01T00",
		"$filter: syntax error at position 10 near '2026-01-01T00': expected a property as the first argument of contains"},
}

func TestParseFilterErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFilter(tt.in, schema)
			if err == nil {
				t.Fatalf("ParseFilter(%q) = %#v, nil; want an error", tt.in, got)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("ParseFilter(%q) error = %T (%v); want *Error", tt.in, err, err)
			}
			want := &Error{Option: "$filter", Pos: tt.pos, Token: tt.token, Msg: strings.TrimPrefix(tt.msg, "$filter: ")}
			if diff := cmp.Diff(want, perr); diff != "" {
				t.Errorf("ParseFilter(%q) error mismatch (-want +got):\n%s", tt.in, diff)
			}
			if got := err.Error(); got != tt.msg {
				t.Errorf("ParseFilter(%q) error = %q; want %q", tt.in, got, tt.msg)
			}
		})
	}
}

// TestParseFilterSchema checks what the schema, rather than the grammar, decides.
func TestParseFilterSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema Schema
		in     string
		want   Expr
		errPos int // 0 when the parse succeeds
	}{
		{"any schema property may be named", Schema{"colour": String}, "colour eq 'red'", eq("colour", "red"), 0},
		{"names are looked up exactly", Schema{"Colour": String}, "colour eq 'red'", nil, 1},
		{"non-ASCII property names", Schema{"größe": String}, "größe eq 'L'", eq("größe", "L"), 0},
		{"underscore and digits in property names", Schema{"_a1": String}, "_a1 eq 'x'", eq("_a1", "x"), 0},
		{"nil schema knows no property", nil, "id eq 'a'", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFilter(tt.in, tt.schema)
			if tt.errPos != 0 {
				var perr *Error
				if !errors.As(err, &perr) || perr.Pos != tt.errPos {
					t.Fatalf("ParseFilter(%q) = %#v, %v; want an *Error at position %d", tt.in, got, err, tt.errPos)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFilter(%q) = _, %v; want no error", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFilter(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := &Error{Option: "$orderby", Pos: 3, Token: "x", Msg: "unknown property 'x' at position 3"}
	if got, want := e.Error(), "$orderby: unknown property 'x' at position 3"; got != want {
		t.Errorf("(%#v).Error() = %q; want %q", e, got, want)
	}
}

func TestOpString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op   Op
		want string
	}{
		{Eq, "eq"}, {Ne, "ne"}, {Gt, "gt"}, {Ge, "ge"}, {Lt, "lt"}, {Le, "le"}, {0, "Op(0)"}, {Op(99), "Op(99)"},
	}
	for _, tt := range tests {
		if got := tt.op.String(); got != tt.want {
			t.Errorf("Op(%d).String() = %q; want %q", int(tt.op), got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind Kind
		want string
	}{
		{String, "String"}, {StringCollection, "StringCollection"}, {DateTime, "DateTime"}, {0, "Kind(0)"}, {Kind(99), "Kind(99)"},
	}
	for _, tt := range tests {
		if got := tt.kind.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q; want %q", int(tt.kind), got, tt.want)
		}
	}
}
