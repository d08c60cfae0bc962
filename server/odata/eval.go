package odata

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Record gives the values of an entity's properties to Eval.
type Record interface {
	// String returns the value of a String property, or the TimeKey of the value of a
	// DateTime property, "" when it is null.
	String(prop string) string
	// Strings returns the value of a StringCollection property.
	Strings(prop string) []string
}

// Eval reports whether r satisfies e. Every string comparison ignores case: both sides are
// compared in their Fold form — eq, ne and in as strings.EqualFold does, startswith, endswith
// and contains on the folded strings, gt, ge, lt and le by the byte order of the folded
// strings. A store that keeps the Fold of each value can evaluate the same comparisons in its
// query language and get the same results. A String property is never null: p eq null is false
// and p ne null is true; any other comparison with null is false.
//
// A literal marked DateTime, compared with a DateTime property, is compared with the
// property's TimeKey byte by byte, and so chronologically. Such a property is null when its
// TimeKey is "": p eq null is then true and p ne null false, p ne with a date and time is
// true, and every other comparison with a null side is false.
//
// A nil e is true, so that Prop/any() (whose Pred is nil) tests that the collection is not
// empty. A node of a type that ParseFilter does not return, such as a pointer, is false.
func Eval(e Expr, r Record) bool {
	return eval(e, r, "", "")
}

// eval evaluates e for r; inside a lambda, v is its variable and elem the current element.
func eval(e Expr, r Record, v, elem string) bool {
	switch e := e.(type) {
	case nil:
		return true
	case Compare:
		if e.Value.DateTime {
			return compareTime(value(r, e.Prop, v, elem), e.Op, e.Value)
		}
		if e.Value.Null {
			return e.Op == Ne
		}
		a, b := value(r, e.Prop, v, elem), e.Value.S
		switch e.Op {
		case Eq:
			return compareFold(a, b) == 0
		case Ne:
			return compareFold(a, b) != 0
		case Gt:
			return compareFold(a, b) > 0
		case Ge:
			return compareFold(a, b) >= 0
		case Lt:
			return compareFold(a, b) < 0
		case Le:
			return compareFold(a, b) <= 0
		}
		return false
	case In:
		a := value(r, e.Prop, v, elem)
		for _, lit := range e.Values {
			if lit.DateTime && compareTime(a, Eq, lit) ||
				!lit.DateTime && !lit.Null && compareFold(a, lit.S) == 0 {
				return true
			}
		}
		return false
	case Func:
		a, b := Fold(value(r, e.Prop, v, elem)), Fold(e.Arg)
		switch e.Name {
		case "startswith":
			return strings.HasPrefix(a, b)
		case "endswith":
			return strings.HasSuffix(a, b)
		case "contains":
			return strings.Contains(a, b)
		}
		return false
	case Any:
		for _, x := range r.Strings(e.Prop) {
			if eval(e.Pred, r, e.Var, x) {
				return true
			}
		}
		return false
	case All:
		for _, x := range r.Strings(e.Prop) {
			if !eval(e.Pred, r, e.Var, x) {
				return false
			}
		}
		return true
	case And:
		return eval(e.L, r, v, elem) && eval(e.R, r, v, elem)
	case Or:
		return eval(e.L, r, v, elem) || eval(e.R, r, v, elem)
	case Not:
		return !eval(e.X, r, v, elem)
	}
	return false
}

// compareTime reports whether a, the TimeKey of a DateTime property, or "" for null, compares
// with lit as op says.
func compareTime(a string, op Op, lit Literal) bool {
	b := lit.S
	if lit.Null {
		b = ""
	}
	switch {
	case op == Eq:
		return a == b
	case op == Ne:
		return a != b
	case a == "" || b == "":
		return false // null is not ordered
	case op == Gt:
		return a > b
	case op == Ge:
		return a >= b
	case op == Lt:
		return a < b
	case op == Le:
		return a <= b
	}
	return false
}

// value returns the value of prop: the current element inside the lambda whose variable it
// is, the record's value otherwise.
func value(r Record, prop, v, elem string) string {
	if v != "" && prop == v {
		return elem
	}
	return r.String(prop)
}

// Fold returns s with each character replaced by the representative of its case: the
// smallest character that Unicode simple case folding makes it equal to (so "Straße", "STRASSE"
// keep their lengths, and "Kelvin" written with U+212A folds as with K). Two strings are equal
// in this form exactly when strings.EqualFold says they are. Invalid UTF-8 becomes U+FFFD.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the smallest rune of the case-folding orbit of r.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// compareFold returns strings.Compare(Fold(a), Fold(b)) without building the folded strings.
// UTF-8 orders as code points do, and Fold turns each invalid byte into U+FFFD, which is what
// utf8.DecodeRuneInString returns for it.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, wa := utf8.DecodeRuneInString(a)
		rb, wb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ra, rb = foldRune(ra), foldRune(rb)
			if ra != rb {
				if ra < rb {
					return -1
				}
				return 1
			}
		}
		a, b = a[wa:], b[wb:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}
