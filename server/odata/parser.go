package odata

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parser reads a query option one token at a time. Its methods return *Error rather than
// error so that a nil result is never mistaken for a non-nil interface; the exported
// functions convert.
type parser struct {
	opt    string // the query option, for errors: "$filter"
	schema Schema
	lx     lexer
	tok    token // the current token

	lambda string   // the variable of the lambda being parsed; "" outside lambdas
	closed []string // the variables of the lambdas already closed, to explain their misuse
}

func newParser(opt, src string, schema Schema) *parser {
	p := &parser{opt: opt, schema: schema, lx: newLexer(src)}
	p.advance()
	return p
}

func (p *parser) advance() { p.tok = p.lx.next() }

// peek returns the token after the current one.
func (p *parser) peek() token {
	lx := p.lx
	return lx.next()
}

// is reports whether the current token is the identifier or keyword word.
func (p *parser) is(word string) bool { return p.tok.kind == tIdent && p.tok.text == word }

// empty is the error for an option with no tokens.
func (p *parser) empty() *Error {
	return &Error{Option: p.opt, Pos: 1, Msg: "empty"}
}

// syntax returns a syntax error at t, whose Msg ends with the formatted explanation, or with
// what the lexer found wrong when t is illegal.
func (p *parser) syntax(t token, format string, args ...any) *Error {
	what := fmt.Sprintf(format, args...)
	if t.kind == tIllegal {
		what = t.msg
	}
	var msg string
	if t.kind == tEOF {
		msg = fmt.Sprintf("syntax error at position %d (end of input): %s", t.pos, what)
	} else {
		msg = fmt.Sprintf("syntax error at position %d near %s: %s", t.pos, quote(t.text), what)
	}
	return &Error{Option: p.opt, Pos: t.pos, Token: t.text, Msg: msg}
}

// semantic returns an error at t whose Msg is the formatted text, which names the position.
func (p *parser) semantic(t token, format string, args ...any) *Error {
	return &Error{Option: p.opt, Pos: t.pos, Token: t.text, Msg: fmt.Sprintf(format, args...)}
}

// quote renders a token for a message: in single quotes, cut short when long, and Go-quoted
// when it holds characters that do not print.
func quote(s string) string {
	const max = 30
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "..."
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || r == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	if strings.HasPrefix(s, "'") {
		return s // a string literal brings its own quotes
	}
	return "'" + s + "'"
}

// caseHint returns a hint for a token that is one of words but for its case, or "".
func caseHint(t token, words ...string) string {
	if t.kind != tIdent {
		return ""
	}
	lower := strings.ToLower(t.text)
	if lower != t.text && slices.Contains(words, lower) {
		return fmt.Sprintf(" (keywords are lower-case: write '%s')", lower)
	}
	return ""
}

// opWords are the words that may follow a property in a comparison.
var opWords = []string{"eq", "ne", "gt", "ge", "lt", "le", "in"}

// unknown returns the error for t, an identifier that names no property, with a hint when
// one helps; extra, when not empty, is the hint of last resort.
func (p *parser) unknown(t token, extra string) *Error {
	msg := fmt.Sprintf("unknown property '%s' at position %d", t.text, t.pos)
	if lower := strings.ToLower(t.text); keywords[lower] && p.opt == "$filter" {
		msg += fmt.Sprintf(" (keywords are lower-case: did you mean '%s'?)", lower)
	} else if name := p.fold(t.text); name != "" {
		msg += fmt.Sprintf(" (property names are case-sensitive: did you mean '%s'?)", name)
	} else if extra != "" {
		msg += " (" + extra + ")"
	}
	return p.semantic(t, "%s", msg)
}

// fold returns the property of the schema that equals name but for case, or "".
func (p *parser) fold(name string) string {
	var found string
	for prop := range p.schema {
		if strings.EqualFold(prop, name) && (found == "" || prop < found) {
			found = prop
		}
	}
	return found
}

// property resolves t, an identifier that is not a keyword, to the kind of the property or
// lambda variable it names. extra is the hint of last resort for an unknown name.
func (p *parser) property(t token, extra string) (Kind, *Error) {
	if p.lambda != "" {
		if t.text == p.lambda {
			return String, nil
		}
		if _, ok := p.schema[t.text]; ok {
			return 0, p.semantic(t, "property '%s' at position %d cannot be used inside a lambda: only the lambda variable '%s' can",
				t.text, t.pos, p.lambda)
		}
		return 0, p.semantic(t, "unknown name '%s' at position %d: inside the lambda, only the lambda variable '%s' can be used",
			t.text, t.pos, p.lambda)
	}
	if k, ok := p.schema[t.text]; ok {
		return k, nil
	}
	if slices.Contains(p.closed, t.text) {
		return 0, p.semantic(t, "lambda variable '%s' used outside its lambda at position %d", t.text, t.pos)
	}
	return 0, p.unknown(t, extra)
}

// collection is the error for a collection property used where a single value is needed.
func (p *parser) collection(t token) *Error {
	return p.semantic(t, "collection property '%s' at position %d can only be tested with any or all, as in %s/any(x: x eq 'value')",
		t.text, t.pos, t.text)
}

// tooDeep is the error for a $filter that nests more than maxDepth levels.
func (p *parser) tooDeep(t token) *Error {
	return p.semantic(t, "expression nested too deeply at position %d: more than %d levels of parentheses, not and lambdas",
		t.pos, maxDepth)
}

// ParseFilter parses s, the value of a $filter query option, whose properties are those of
// schema. Its errors are *Error with Option "$filter".
func ParseFilter(s string, schema Schema) (Expr, error) {
	p := newParser("$filter", s, schema)
	if p.tok.kind == tEOF {
		return nil, p.empty()
	}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tEOF:
		return e, nil
	case tRParen:
		return nil, p.syntax(p.tok, "unexpected ')': no '(' is open")
	}
	return nil, p.syntax(p.tok, "expected 'and', 'or' or the end of the input%s", caseHint(p.tok, "and", "or"))
}

// or parses or = and *( "or" and ), at depth levels of nesting.
func (p *parser) or(depth int) (Expr, *Error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.is("or") {
		p.advance()
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = Or{L: l, R: r}
	}
	return l, nil
}

// and parses and = unary *( "and" unary ).
func (p *parser) and(depth int) (Expr, *Error) {
	l, err := p.unary(depth, nil)
	if err != nil {
		return nil, err
	}
	for p.is("and") {
		p.advance()
		r, err := p.unary(depth, nil)
		if err != nil {
			return nil, err
		}
		l = And{L: l, R: r}
	}
	return l, nil
}

// unary parses unary = "not" unary / primary. not is the innermost not that applies to the
// operand, or nil.
func (p *parser) unary(depth int, not *token) (Expr, *Error) {
	if !p.is("not") {
		return p.primary(depth, not)
	}
	t := p.tok
	if depth >= maxDepth {
		return nil, p.tooDeep(t)
	}
	p.advance()
	x, err := p.unary(depth+1, &t)
	if err != nil {
		return nil, err
	}
	return Not{X: x}, nil
}

// primary parses primary = "(" or ")" / function / lambda / comparison.
func (p *parser) primary(depth int, not *token) (Expr, *Error) {
	t := p.tok
	switch t.kind {
	case tLParen:
		if depth >= maxDepth {
			return nil, p.tooDeep(t)
		}
		p.advance()
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.syntax(p.tok, "expected ')' to close the '(' at position %d%s", t.pos, caseHint(p.tok, "and", "or"))
		}
		p.advance()
		return e, nil
	case tString:
		p.advance()
		return p.comparison(operand{tok: t}, not)
	case tNumber:
		if !p.dateTime(p.beforeDateTime()) {
			return nil, p.badValue(t, "")
		}
		t = p.tok
		p.advance()
		return p.comparison(operand{tok: t}, not)
	case tIdent:
		switch {
		case t.text == "null":
			p.advance()
			return p.comparison(operand{tok: t}, not)
		case t.text == "true" || t.text == "false":
			return nil, p.badValue(t, "")
		case isFunc(t.text):
			return p.function()
		case !keywords[t.text]:
			if _, ok := p.schema[t.text]; !ok && t.text != p.lambda && p.peek().kind == tLParen {
				if lower := strings.ToLower(t.text); isFunc(lower) {
					return nil, p.semantic(t, "unsupported function '%s' at position %d (function names are lower-case: write '%s')",
						t.text, t.pos, lower)
				}
				return nil, p.semantic(t, "unsupported function '%s' at position %d: the functions are startswith, endswith and contains",
					t.text, t.pos)
			}
			kind, err := p.property(t, "")
			if err != nil {
				return nil, err
			}
			p.advance()
			if p.tok.kind == tSlash {
				return p.lambdaExpr(t, kind, depth)
			}
			return p.comparison(operand{tok: t, prop: true, kind: kind}, not)
		}
	}
	return nil, p.syntax(t, "expected a condition: a comparison, a function call, a lambda, 'not' or '('")
}

// operand is one side of a comparison: a property (or lambda variable), or a literal (a
// tString, a tDateTime or null), which becomes a Literal once the property is known.
type operand struct {
	tok  token
	prop bool
	kind Kind // when prop
}

// dateTime lexes the current token again as a tDateTime, when it is a tNumber, where a
// literal may stand, and reports whether it did. Unless always, it does so only when the
// token starts as a date does, so that numbers and GUIDs keep their own errors.
func (p *parser) dateTime(always bool) bool {
	if p.tok.kind != tNumber {
		return false
	}
	lx := p.lx
	t := lx.dateTime(p.tok)
	if !always && !looksLikeDate(t.text) {
		return false
	}
	p.lx, p.tok = lx, t
	return true
}

// beforeDateTime reports whether the current token, a tNumber on the left of a comparison,
// is compared with a DateTime property once lexed as a tDateTime: whether an operator such as
// eq and a DateTime property follow it.
func (p *parser) beforeDateTime() bool {
	lx := p.lx
	lx.dateTime(p.tok)
	opTok, prop := lx.next(), lx.next()
	_, isOp := ops[opTok.text]
	return opTok.kind == tIdent && isOp && prop.kind == tIdent && p.lambda == "" && p.schema[prop.text] == DateTime
}

// literal converts t, a literal (a tString, a tDateTime or null) compared with prop, a
// property or lambda variable of kind kind, to the Literal of the comparison.
func (p *parser) literal(t, prop token, kind Kind) (Literal, *Error) {
	switch {
	case t.kind == tIdent: // null
		return Literal{Null: true, DateTime: kind == DateTime}, nil
	case kind != DateTime && t.kind == tDateTime:
		return Literal{}, p.semantic(t, "unquoted date and time %s at position %d compared with '%s', which is a string: quote the value, as in '%s'",
			t.text, t.pos, prop.text, t.text)
	case kind != DateTime:
		return Literal{S: t.val}, nil
	}
	key, problem := parseDateTime(t.val)
	switch problem {
	case dateOK:
		return Literal{S: key, DateTime: true}, nil
	case dateOutOfRange:
		return Literal{}, p.semantic(t, "date and time %s at position %d is out of range: in UTC, it must fall in the years 0000 to 9999",
			quote(t.text), t.pos)
	}
	hint := ""
	if problem == dateNoZone {
		hint = " (add the time zone, as in " + t.val + "Z)"
	}
	if t.kind == tString {
		return Literal{}, p.semantic(t, "DateTime property '%s' compared with %s at position %d, which is not a date and time: expected a date and time such as %s%s",
			prop.text, quote(t.text), t.pos, dateTimeExample, hint)
	}
	return Literal{}, p.syntax(t, "expected a date and time such as %s%s", dateTimeExample, hint)
}

// noDateTime is the error for t, where a literal compared with a DateTime property was
// expected.
func (p *parser) noDateTime(t token) *Error {
	return p.syntax(t, "expected a date and time such as %s, or null", dateTimeExample)
}

// badValue is the error for t where a literal value was expected. want, when not empty,
// says what was expected instead of a literal in single quotes or null.
func (p *parser) badValue(t token, want string) *Error {
	switch {
	case t.kind == tNumber:
		return p.syntax(t, "numbers are not supported: the properties are strings, so quote the value, as in '%s'", t.text)
	case t.kind == tIdent && (t.text == "true" || t.text == "false"):
		return p.syntax(t, "booleans are not supported: the properties are strings, so quote the value, as in '%s'", t.text)
	case want != "":
		return p.syntax(t, "%s", want)
	}
	return p.syntax(t, "expected a string literal in single quotes, or null")
}

// comparison parses the rest of a comparison whose left operand has been read. not is the
// not that applies to the comparison's left operand, or nil.
func (p *parser) comparison(left operand, not *token) (Expr, *Error) {
	if left.prop && left.kind == StringCollection {
		return nil, p.collection(left.tok)
	}
	opTok := p.tok
	op, isOp := ops[opTok.text]
	isOp = isOp && opTok.kind == tIdent
	isIn := p.is("in")
	if !isOp && !isIn {
		return nil, p.syntax(opTok, "expected an operator such as eq, ne, gt%s", caseHint(opTok, opWords...))
	}
	if not != nil {
		return nil, p.syntax(*not, "not applies to the condition that follows it and binds tighter than %s: write not (%s %s ...)",
			opTok.text, left.tok.text, opTok.text)
	}
	if isIn {
		if !left.prop {
			return nil, p.semantic(left.tok, "the left side of 'in' at position %d must be a property", left.tok.pos)
		}
		p.advance()
		return p.inList(left.tok, left.kind)
	}
	p.advance()

	if left.prop {
		p.dateTime(left.kind == DateTime)
	}
	rt := p.tok
	var right operand
	switch {
	case rt.kind == tString || rt.kind == tDateTime || p.is("null"):
		right = operand{tok: rt}
	case rt.kind == tIdent && !keywords[rt.text]:
		hint := ""
		switch {
		case left.prop && left.kind == DateTime:
			hint = "dates and times are written as in " + dateTimeExample
		case left.prop:
			hint = "string values are in single quotes, as in '" + rt.text + "'"
		}
		kind, err := p.property(rt, hint)
		if err != nil {
			return nil, err
		}
		right = operand{tok: rt, prop: true, kind: kind}
	case left.prop && left.kind == DateTime:
		return nil, p.noDateTime(rt)
	case left.prop:
		return nil, p.badValue(rt, "")
	default:
		return nil, p.badValue(rt, "expected a property to compare the literal with")
	}
	switch {
	case left.prop && right.prop:
		return nil, p.semantic(rt, "comparison of two properties ('%s' and '%s' at position %d): one side must be a literal",
			left.tok.text, rt.text, rt.pos)
	case !left.prop && !right.prop:
		return nil, p.semantic(rt, "comparison of two literals (%s and %s at position %d): one side must be a property",
			left.tok.text, rt.text, rt.pos)
	case right.prop && right.kind == StringCollection:
		return nil, p.collection(rt)
	}
	p.advance()
	prop, lit := left, right
	if !left.prop {
		prop, lit, op = right, left, op.mirror()
	}
	v, err := p.literal(lit.tok, prop.tok, prop.kind)
	if err != nil {
		return nil, err
	}
	return Compare{Prop: prop.tok.text, Op: op, Value: v}, nil
}

// inList parses the list of values after prop in, where prop is of kind kind.
func (p *parser) inList(prop token, kind Kind) (Expr, *Error) {
	open := p.tok
	if open.kind != tLParen {
		return nil, p.syntax(open, "expected '(' to start the list of values after in")
	}
	p.advance()
	if p.tok.kind == tRParen {
		return nil, p.syntax(p.tok, "expected at least one value in the list")
	}
	var values []Literal
	for {
		p.dateTime(kind == DateTime)
		t := p.tok
		switch {
		case t.kind == tString || t.kind == tDateTime || p.is("null"):
			v, err := p.literal(t, prop, kind)
			if err != nil {
				return nil, err
			}
			values = append(values, v)
		case kind == DateTime:
			return nil, p.noDateTime(t)
		default:
			return nil, p.badValue(t, "")
		}
		p.advance()
		switch p.tok.kind {
		case tComma:
			p.advance()
		case tRParen:
			p.advance()
			return In{Prop: prop.text, Values: values}, nil
		default:
			return nil, p.syntax(p.tok, "expected ',' or ')' to close the '(' at position %d", open.pos)
		}
	}
}

// function parses function = name "(" property "," string ")".
func (p *parser) function() (Expr, *Error) {
	name := p.tok
	p.advance()
	open := p.tok
	if open.kind != tLParen {
		return nil, p.syntax(open, "expected '(' after %s", name.text)
	}
	p.advance()
	arg := p.tok
	switch {
	case arg.kind == tIdent && !keywords[arg.text]:
		kind, err := p.property(arg, "")
		if err != nil {
			return nil, err
		}
		if kind == StringCollection {
			return nil, p.collection(arg)
		}
		if kind == DateTime {
			return nil, p.semantic(arg, "%s applies only to strings, and property '%s' at position %d is a DateTime",
				name.text, arg.text, arg.pos)
		}
	case arg.kind == tString || p.is("null"):
		return nil, p.syntax(arg, "the first argument of %s must be a property, not a literal", name.text)
	default:
		return nil, p.syntax(arg, "expected a property as the first argument of %s", name.text)
	}
	p.advance()
	if p.tok.kind != tComma {
		return nil, p.syntax(p.tok, "expected ',' after the first argument of %s", name.text)
	}
	p.advance()
	p.dateTime(false)
	lit := p.tok
	if lit.kind != tString {
		if lit.kind == tDateTime || lit.kind == tIdent && !keywords[lit.text] {
			return nil, p.syntax(lit, "the second argument of %s must be a string literal in single quotes, as in '%s'", name.text, lit.text)
		}
		return nil, p.badValue(lit, "expected a string literal in single quotes as the second argument of "+name.text)
	}
	p.advance()
	if p.tok.kind != tRParen {
		return nil, p.syntax(p.tok, "expected ')' to close the '(' at position %d", open.pos)
	}
	p.advance()
	return Func{Name: name.text, Prop: arg.text, Arg: lit.val}, nil
}

// lambdaExpr parses a lambda on prop, of kind kind, whose '/' is the current token.
func (p *parser) lambdaExpr(prop token, kind Kind, depth int) (Expr, *Error) {
	if kind != StringCollection {
		what := "property"
		if p.lambda != "" {
			what = "lambda variable"
		}
		return nil, p.semantic(prop, "%s '%s' at position %d is not a collection: any and all apply only to collection properties",
			what, prop.text, prop.pos)
	}
	p.advance()
	fn := p.tok
	if !p.is("any") && !p.is("all") {
		return nil, p.syntax(fn, "expected any or all after '/'%s", caseHint(fn, "any", "all"))
	}
	p.advance()
	open := p.tok
	if open.kind != tLParen {
		return nil, p.syntax(open, "expected '(' after %s", fn.text)
	}
	if depth >= maxDepth {
		return nil, p.tooDeep(open)
	}
	p.advance()
	if p.tok.kind == tRParen && fn.text == "any" {
		p.advance()
		return Any{Prop: prop.text}, nil
	}
	v := p.tok
	if v.kind != tIdent || keywords[v.text] {
		return nil, p.syntax(v, "expected the name of the lambda variable, as in %s/%s(x: x eq 'value')", prop.text, fn.text)
	}
	p.advance()
	if p.tok.kind != tColon {
		return nil, p.syntax(p.tok, "expected ':' after the lambda variable '%s'", v.text)
	}
	p.advance()
	p.lambda = v.text
	pred, err := p.or(depth + 1)
	p.lambda = ""
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		return nil, p.syntax(p.tok, "expected ')' to close the '(' at position %d%s", open.pos, caseHint(p.tok, "and", "or"))
	}
	p.advance()
	p.closed = append(p.closed, v.text)
	if fn.text == "any" {
		return Any{Prop: prop.text, Var: v.text, Pred: pred}, nil
	}
	return All{Prop: prop.text, Var: v.text, Pred: pred}, nil
}
