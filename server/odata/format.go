package odata

import "strings"

// Format renders e as canonical $filter text: single spaces around operators, string
// literals in single quotes with quotes doubled, DateTime literals unquoted in RFC 3339 in
// UTC with the fewest fractional digits (as in 2026-01-01T00:00:00.5Z), and only the
// parentheses that the meaning needs. ParseFilter(Format(e)) gives back e for every e that
// ParseFilter returns. Format of a nil Expr is "".
func Format(e Expr) string {
	var b strings.Builder
	format(&b, e, precOr)
	return b.String()
}

// The binding strengths of the nodes, loosest first.
const (
	precOr      = iota + 1 // a or b
	precAnd                // a and b
	precCompare            // a eq 'x', a in ('x')
	precPrimary            // not x, functions, lambdas, and whatever sits in parentheses
)

func prec(e Expr) int {
	switch e.(type) {
	case Or:
		return precOr
	case And:
		return precAnd
	case Compare, In:
		return precCompare
	}
	return precPrimary
}

// format writes e where the context binds with strength min: e goes in parentheses when it
// binds more loosely. And and or associate to the left, so their right operand needs one
// more level.
func format(b *strings.Builder, e Expr, min int) {
	if e == nil {
		return
	}
	if prec(e) < min {
		b.WriteByte('(')
		format(b, e, precOr)
		b.WriteByte(')')
		return
	}
	switch e := e.(type) {
	case Or:
		format(b, e.L, precOr)
		b.WriteString(" or ")
		format(b, e.R, precAnd)
	case And:
		format(b, e.L, precAnd)
		b.WriteString(" and ")
		format(b, e.R, precCompare)
	case Not:
		b.WriteString("not ")
		format(b, e.X, precPrimary)
	case Compare:
		b.WriteString(e.Prop)
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		writeLiteral(b, e.Value)
	case In:
		b.WriteString(e.Prop)
		b.WriteString(" in (")
		for i, v := range e.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			writeLiteral(b, v)
		}
		b.WriteByte(')')
	case Func:
		b.WriteString(e.Name)
		b.WriteByte('(')
		b.WriteString(e.Prop)
		b.WriteString(", ")
		writeLiteral(b, Literal{S: e.Arg})
		b.WriteByte(')')
	case Any:
		writeLambda(b, e.Prop, "any", e.Var, e.Pred)
	case All:
		writeLambda(b, e.Prop, "all", e.Var, e.Pred)
	}
}

func writeLambda(b *strings.Builder, prop, fn, v string, pred Expr) {
	b.WriteString(prop)
	b.WriteByte('/')
	b.WriteString(fn)
	b.WriteByte('(')
	if v != "" || pred != nil {
		b.WriteString(v)
		b.WriteString(": ")
		format(b, pred, precOr)
	}
	b.WriteByte(')')
}

func writeLiteral(b *strings.Builder, l Literal) {
	if l.Null {
		b.WriteString("null")
		return
	}
	if l.DateTime {
		if s, ok := formatTimeKey(l.S); ok {
			b.WriteString(s)
			return
		}
		// Not a TimeKey, which ParseFilter never returns: quoted, it is at least a literal.
	}
	b.WriteByte('\'')
	b.WriteString(strings.ReplaceAll(l.S, "'", "''"))
	b.WriteByte('\'')
}
