package odata

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOrderBy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []OrderItem
	}{
		{"one property ascends by default", "displayName", []OrderItem{{"displayName", false}}},
		{"asc", "displayName asc", []OrderItem{{"displayName", false}}},
		{"desc", "displayName desc", []OrderItem{{"displayName", true}}},
		{"several properties in order", "displayName desc, id", []OrderItem{{"displayName", true}, {"id", false}}},
		{"spaces and tabs around items", " \tsharingState  asc ,id\tdesc ,  shareName ",
			[]OrderItem{{"sharingState", false}, {"id", true}, {"shareName", false}}},
		{"no space after the comma", "id,displayName", []OrderItem{{"id", false}, {"displayName", false}}},
		{"DateTime property orders", "startDateTime desc", []OrderItem{{"startDateTime", true}}},
		{"DateTime property beside strings", "sharingState,startDateTime asc", []OrderItem{{"sharingState", false}, {"startDateTime", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseOrderBy(tt.in, schema)
			if err != nil {
				t.Fatalf("ParseOrderBy(%q) = _, %v; want no error", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseOrderBy(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseOrderByErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		pos   int
		token string
		msg   string
	}{
		{"empty", "", 1, "", "$orderby: empty"},
		{"only whitespace", "  ", 1, "", "$orderby: empty"},
		{"unknown property is named with its position", "id, colour", 5, "colour",
			"$orderby: unknown property 'colour' at position 5"},
		{"property names are case-sensitive", "DisplayName", 1, "DisplayName",
			"$orderby: unknown property 'DisplayName' at position 1 (property names are case-sensitive: did you mean 'displayName'?)"},
		{"collection cannot order", "inviteeUserIds", 1, "inviteeUserIds",
			"$orderby: collection property 'inviteeUserIds' at position 1 cannot order the results"},
		{"property appears twice", "id desc, displayName, id", 23, "id",
			"$orderby: property 'id' at position 23 appears more than once (first at position 1)"},
		{"direction is lower-case", "id DESC", 4, "DESC",
			"$orderby: syntax error at position 4 near 'DESC': expected asc, desc, ',' or the end of the input (keywords are lower-case: write 'desc')"},
		{"two directions", "id desc asc", 9, "asc",
			"$orderby: syntax error at position 9 near 'asc': expected ',' or the end of the input"},
		{"missing comma", "id displayName", 4, "displayName",
			"$orderby: syntax error at position 4 near 'displayName': expected asc, desc, ',' or the end of the input"},
		{"trailing comma", "id,", 4, "",
			"$orderby: syntax error at position 4 (end of input): expected a property name"},
		{"leading comma", ",id", 1, ",",
			"$orderby: syntax error at position 1 near ',': expected a property name"},
		{"direction alone", "desc", 1, "desc",
			"$orderby: unknown property 'desc' at position 1"},
		{"path", "id/x", 3, "/",
			"$orderby: syntax error at position 3 near '/': expected asc, desc, ',' or the end of the input"},
		{"illegal character", "id;", 3, ";",
			"$orderby: syntax error at position 3 near ';': unexpected character"},
		{"DateTime property appears twice", "startDateTime, startDateTime desc", 16, "startDateTime",
			"$orderby: property 'startDateTime' at position 16 appears more than once (first at position 1)"},
		{"date and time is no property", "2026-01-01T00:00:00Z", 1, "2026-01-01T00",
			"$orderby: syntax error at position 1 near '2026-01-01T00': expected a property name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseOrderBy(tt.in, schema)
			checkError(t, "ParseOrderBy", tt.in, got, err, "$orderby", tt.pos, tt.token, tt.msg)
		})
	}
}

func TestParseSelect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"one property", "id", []string{"id"}},
		{"several properties in order", "id,displayName", []string{"id", "displayName"}},
		{"whitespace around items", " id ,\tdisplayName\t, shareName ", []string{"id", "displayName", "shareName"}},
		{"collections may be selected", "inviteeUserIds,id", []string{"inviteeUserIds", "id"}},
		{"duplicates removed keeping the first", "shareName,id,shareName,displayName,id", []string{"shareName", "id", "displayName"}},
		{"star selects all", "*", []string{"*"}},
		{"star with whitespace", " * ", []string{"*"}},
		{"repeated star is one star", "*,*", []string{"*"}},
		{"DateTime property may be selected", "id,startDateTime", []string{"id", "startDateTime"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSelect(tt.in, schema)
			if err != nil {
				t.Fatalf("ParseSelect(%q) = _, %v; want no error", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseSelect(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseSelectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		pos   int
		token string
		msg   string
	}{
		{"empty", "", 1, "", "$select: empty"},
		{"only whitespace", "\t", 1, "", "$select: empty"},
		{"unknown property is named with its position", "id,colour", 4, "colour",
			"$select: unknown property 'colour' at position 4"},
		{"property names are case-sensitive", "id,ETag", 4, "ETag",
			"$select: unknown property 'ETag' at position 4 (property names are case-sensitive: did you mean 'eTag'?)"},
		{"star after a property", "id, *", 5, "*",
			"$select: '*' at position 5 selects every property and cannot be combined with properties"},
		{"property after star", "*,id", 3, "id",
			"$select: property 'id' at position 3 cannot be combined with '*', which selects every property"},
		{"empty item", "id,,displayName", 4, ",",
			"$select: syntax error at position 4 near ',': expected a property name or '*'"},
		{"trailing comma", "id,", 4, "",
			"$select: syntax error at position 4 (end of input): expected a property name or '*'"},
		{"missing comma", "id displayName", 4, "displayName",
			"$select: syntax error at position 4 near 'displayName': expected ',' or the end of the input"},
		{"path", "inviteeUserIds/x", 15, "/",
			"$select: syntax error at position 15 near '/': expected ',' or the end of the input"},
		{"literal", "'id'", 1, "'id'",
			"$select: syntax error at position 1 near 'id': expected a property name or '*'"},
		{"date and time is no property", "id,2026-01-01T00:00:00Z", 4, "2026-01-01T00",
			"$select: syntax error at position 4 near '2026-01-01T00': expected a property name or '*'"},
		{"unterminated literal", "id,'x", 4, "'x",
			"$select: syntax error at position 4 near 'x: unterminated string literal: the closing quote is missing (write a quote inside a literal as '')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSelect(tt.in, schema)
			checkError(t, "ParseSelect", tt.in, got, err, "$select", tt.pos, tt.token, tt.msg)
		})
	}
}

// checkError checks that fn(in) returned got, err with err an *Error for option at pos
// near token, whose Error() is msg.
func checkError(t *testing.T, fn, in string, got any, err error, option string, pos int, token, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s(%q) = %v, nil; want an error", fn, in, got)
	}
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("%s(%q) error = %T (%v); want *Error", fn, in, err, err)
	}
	want := &Error{Option: option, Pos: pos, Token: token, Msg: strings.TrimPrefix(msg, option+": ")}
	if diff := cmp.Diff(want, perr); diff != "" {
		t.Errorf("%s(%q) error mismatch (-want +got):\n%s", fn, in, diff)
	}
	if got := err.Error(); got != msg {
		t.Errorf("%s(%q) error = %q; want %q", fn, in, got, msg)
	}
}
