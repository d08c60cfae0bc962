package pgstore

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/datashare/datashare/server/odata"
)

// filterProp is how SQL sees a property that a $filter names: the column that holds the
// odata.Fold of a String, the folds of the elements of a StringCollection, or the
// odata.TimeKey of a DateTime ("" for null).
type filterProp struct {
	kind odata.Kind
	col  string
}

// translateFilter translates e to an SQL condition that keeps exactly the rows odata.Eval
// keeps, adding its arguments to b, with props telling the columns of the properties. ok is
// false, and b unchanged, when some node of e cannot be translated: a node of a type or a
// form that the parser does not produce, an unknown property, or a string PostgreSQL cannot
// hold. The rows are then to be filtered in Go.
func translateFilter(e odata.Expr, props func(string) (filterProp, bool), b *sqlBuilder) (cond string, ok bool) {
	n := len(b.args)
	t := translator{props: props, b: b}
	cond, ok = t.expr(e, scope{})
	if !ok {
		b.args = b.args[:n]
		return "", false
	}
	return cond, true
}

// translator translates a $filter to SQL.
type translator struct {
	props func(string) (filterProp, bool)
	b     *sqlBuilder
	// lambdas counts the lambdas translated, to name their element tables.
	lambdas int
}

// scope is the lambda that a node is inside: its variable, and the SQL of the current
// element (a fold). Outside lambdas, v is "".
type scope struct {
	v, elem string
}

// expr translates e, inside the lambda sc.
func (t *translator) expr(e odata.Expr, sc scope) (string, bool) {
	switch e := e.(type) {
	case nil:
		return "TRUE", true // as Eval: the missing predicate of Prop/any()
	case odata.Compare:
		return t.compare(e, sc)
	case odata.In:
		return t.in(e, sc)
	case odata.Func:
		return t.function(e, sc)
	case odata.Any:
		coll, ok := t.collection(e.Prop)
		if !ok {
			return "", false
		}
		if e.Pred == nil {
			return "cardinality(" + coll + ") > 0", true
		}
		alias := t.alias()
		pred, ok := t.expr(e.Pred, scope{v: e.Var, elem: alias + ".x"})
		return "EXISTS (SELECT FROM unnest(" + coll + ") AS " + alias + " (x) WHERE " + pred + ")", ok
	case odata.All:
		coll, ok := t.collection(e.Prop)
		if !ok {
			return "", false
		}
		if e.Pred == nil {
			return "TRUE", true
		}
		alias := t.alias()
		pred, ok := t.expr(e.Pred, scope{v: e.Var, elem: alias + ".x"})
		return "NOT EXISTS (SELECT FROM unnest(" + coll + ") AS " + alias + " (x) WHERE NOT (" + pred + "))", ok
	case odata.And:
		return t.binary(e.L, "AND", e.R, sc)
	case odata.Or:
		return t.binary(e.L, "OR", e.R, sc)
	case odata.Not:
		x, ok := t.expr(e.X, sc)
		return "(NOT (" + x + "))", ok
	}
	return "", false
}

// binary translates l op r.
func (t *translator) binary(l odata.Expr, op string, r odata.Expr, sc scope) (string, bool) {
	ls, ok := t.expr(l, sc)
	if !ok {
		return "", false
	}
	rs, ok := t.expr(r, sc)
	return "(" + ls + " " + op + " " + rs + ")", ok
}

// sqlOp returns the SQL operator of a comparison, not ok for an unknown one.
func sqlOp(op odata.Op) (string, bool) {
	switch op {
	case odata.Eq:
		return " = ", true
	case odata.Ne:
		return " <> ", true
	case odata.Gt:
		return " > ", true
	case odata.Ge:
		return " >= ", true
	case odata.Lt:
		return " < ", true
	case odata.Le:
		return " <= ", true
	}
	return "", false
}

// compare translates a comparison. Every column it compares is NOT NULL, and so is every
// argument: the condition is never NULL, and NOT negates it as Eval does.
func (t *translator) compare(c odata.Compare, sc scope) (string, bool) {
	op, known := sqlOp(c.Op)
	if c.Value.DateTime {
		// The TimeKeys compare byte-wise; "" is null, which equals only null and is not
		// ordered.
		col, ok := t.timeKey(c.Prop, sc)
		if !ok {
			return "", false
		}
		b := c.Value.S
		if c.Value.Null {
			b = ""
		}
		switch {
		case !known:
			return "FALSE", true
		case c.Op == odata.Eq || c.Op == odata.Ne:
			p, ok := t.arg(b)
			return col + op + p, ok
		case b == "":
			return "FALSE", true
		}
		p, ok := t.arg(b)
		return "(" + col + " <> '' AND " + col + op + p + ` COLLATE "C")`, ok
	}
	if c.Value.Null { // a string is never null
		if c.Op == odata.Ne {
			return "TRUE", true
		}
		return "FALSE", true
	}
	col, ok := t.str(c.Prop, sc)
	if !ok {
		return "", false
	}
	if !known {
		return "FALSE", true
	}
	p, ok := t.arg(odata.Fold(c.Value.S))
	return col + op + p + ` COLLATE "C"`, ok
}

// in translates prop in (…): a string equals the fold of a string literal, a time equals a
// DateTime literal; a null literal that is not a DateTime one equals nothing.
func (t *translator) in(e odata.In, sc scope) (string, bool) {
	var folds, keys []string
	for _, lit := range e.Values {
		switch {
		case lit.DateTime && lit.Null:
			keys = append(keys, "")
		case lit.DateTime:
			keys = append(keys, lit.S)
		case !lit.Null:
			folds = append(folds, odata.Fold(lit.S))
		}
	}
	var parts []string
	if keys != nil {
		col, ok := t.timeKey(e.Prop, sc)
		if !ok {
			return "", false
		}
		p, ok := t.arrayArg(keys)
		if !ok {
			return "", false
		}
		parts = append(parts, col+" = ANY ("+p+")")
	}
	if folds != nil {
		col, ok := t.str(e.Prop, sc)
		if !ok {
			return "", false
		}
		p, ok := t.arrayArg(folds)
		if !ok {
			return "", false
		}
		parts = append(parts, col+" = ANY ("+p+")")
	}
	if parts == nil {
		return "FALSE", true
	}
	return "(" + strings.Join(parts, " OR ") + ")", true
}

// function translates startswith, endswith and contains to LIKE on the folds.
func (t *translator) function(e odata.Func, sc scope) (string, bool) {
	col, ok := t.str(e.Prop, sc)
	if !ok {
		return "", false
	}
	arg := likeEscape(odata.Fold(e.Arg))
	switch e.Name {
	case "startswith":
		arg += "%"
	case "endswith":
		arg = "%" + arg
	case "contains":
		arg = "%" + arg + "%"
	default:
		return "", false
	}
	p, ok := t.arg(arg)
	return col + " LIKE " + p + ` ESCAPE '\'`, ok
}

// likeEscape escapes the wildcards of LIKE, and its escape character, in s.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// str returns the SQL of the fold of the String prop: the element of the lambda whose
// variable it is, or a column.
func (t *translator) str(prop string, sc scope) (string, bool) {
	if sc.v != "" && prop == sc.v {
		return sc.elem, true
	}
	p, ok := t.props(prop)
	if !ok || p.kind != odata.String {
		return "", false
	}
	return p.col, true
}

// timeKey returns the column of the TimeKey of the DateTime prop.
func (t *translator) timeKey(prop string, sc scope) (string, bool) {
	if sc.v != "" && prop == sc.v {
		return "", false // the element of a lambda is a string
	}
	p, ok := t.props(prop)
	if !ok || p.kind != odata.DateTime {
		return "", false
	}
	return p.col, true
}

// collection returns the column of the folds of the elements of the StringCollection prop.
func (t *translator) collection(prop string) (string, bool) {
	p, ok := t.props(prop)
	if !ok || p.kind != odata.StringCollection {
		return "", false
	}
	return p.col, true
}

// alias returns a new name for the table of the elements of a lambda.
func (t *translator) alias() string {
	t.lambdas++
	return "e" + strconv.Itoa(t.lambdas)
}

// arg adds the text s as an argument; not ok if PostgreSQL cannot hold it.
func (t *translator) arg(s string) (string, bool) {
	if !validText(s) {
		return "", false
	}
	return t.b.arg(s) + "::text", true
}

// arrayArg adds the texts ss as an argument.
func (t *translator) arrayArg(ss []string) (string, bool) {
	for _, s := range ss {
		if !validText(s) {
			return "", false
		}
	}
	return t.b.arg(ss) + "::text[]", true
}

// validText reports whether PostgreSQL can hold s as text: valid UTF-8 without NUL.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
