// Package odata parses and evaluates the OData query options $filter, $orderby and $select
// for a flat entity, in the subset of OData v4 that Microsoft Graph accepts on directory
// resources.
//
// The $filter grammar, from the loosest binding to the tightest:
//
//	filter     = or
//	or         = and *( "or" and )
//	and        = unary *( "and" unary )
//	unary      = "not" unary / primary
//	primary    = "(" or ")" / function / lambda / comparison
//	comparison = operand op operand / property "in" "(" value *( "," value ) ")"
//	op         = "eq" / "ne" / "gt" / "ge" / "lt" / "le"
//	operand    = property / value
//	value      = string / datetime / "null"
//	function   = ( "startswith" / "endswith" / "contains" ) "(" property "," string ")"
//	lambda     = collection "/" ( "any" "(" [ var ":" or ] ")" / "all" "(" var ":" or ")" )
//	string     = "'" *( any character but "'" / "''" ) "'"
//	datetime   = an RFC 3339 date and time with a time zone, unquoted, as in 2026-01-01T00:00:00Z
//
// Keywords are case-sensitive and lower-case, as in OData; they are reserved, so that $filter
// cannot name a property or a lambda variable that is spelt as one. Inside a lambda, only its
// variable may be named, so lambdas do not nest. Spaces and tabs may separate any two tokens.
// Every string comparison is case-insensitive, as Graph's directory filters are.
//
// A DateTime property is compared with a DateTimeOffset literal, written unquoted as in OData
// (startDateTime ge 2026-01-01T00:00:00Z, with fractional seconds and an offset such as +02:00
// allowed), or quoted as a string, as Graph clients also send it, or with null. Its values are
// compared as instants: the parser turns the literal into its TimeKey, and Eval compares
// TimeKeys. The string functions do not apply to it, and an unquoted date and time compared
// with a String property is an error.
package odata

import "strconv"

// Kind is the type of a property, as $filter, $orderby and $select see it.
type Kind int

const (
	// String is a string property; enums and GUIDs are strings too, compared as strings.
	String Kind = iota + 1
	// StringCollection is a collection of strings, which $filter can only test with the
	// lambda operators any and all.
	StringCollection
	// DateTime is a DateTimeOffset property, such as startDateTime. A Record gives its value
	// as a TimeKey, or "" for null.
	DateTime
)

// String returns the name of k, such as "String".
func (k Kind) String() string {
	switch k {
	case String:
		return "String"
	case StringCollection:
		return "StringCollection"
	case DateTime:
		return "DateTime"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Schema lists the properties a query may name, by their exact (case-sensitive) names.
type Schema map[string]Kind

// Expr is a node of a parsed $filter: one of Compare, In, Func, Any, All, And, Or and Not.
type Expr interface{ isExpr() }

// Op is a comparison operator.
type Op int

// The comparison operators of $filter.
const (
	Eq Op = iota + 1 // equal
	Ne               // not equal
	Gt               // greater than
	Ge               // greater than or equal
	Lt               // less than
	Le               // less than or equal
)

// String returns the $filter keyword of op, such as "eq".
func (op Op) String() string {
	switch op {
	case Eq:
		return "eq"
	case Ne:
		return "ne"
	case Gt:
		return "gt"
	case Ge:
		return "ge"
	case Lt:
		return "lt"
	case Le:
		return "le"
	}
	return "Op(" + strconv.Itoa(int(op)) + ")"
}

// mirror returns the operator that keeps the meaning when the operands swap sides:
// 'a' lt p is p gt 'a'.
func (op Op) mirror() Op {
	switch op {
	case Gt:
		return Lt
	case Ge:
		return Le
	case Lt:
		return Gt
	case Le:
		return Ge
	}
	return op
}

// Compare is a comparison of a property with a literal: Prop Op Value. The parser normalizes
// 'x' eq prop to this form, with the operator mirrored ('x' lt prop is prop gt 'x').
type Compare struct {
	Prop  string
	Op    Op
	Value Literal
}

// In tests whether a property equals one of Values: prop in ('a', 'b').
type In struct {
	Prop   string
	Values []Literal
}

// Func is a call of a string function: Name(Prop, 'Arg'), where Name is startswith, endswith
// or contains.
type Func struct {
	Name string
	Prop string
	Arg  string
}

// Any tests whether some element of the collection Prop satisfies Pred: Prop/any(Var: Pred).
// Inside Pred, the element is referred to with Prop == Var. Prop/any() has an empty Var and a
// nil Pred, and tests that the collection is not empty.
type Any struct {
	Prop string
	Var  string
	Pred Expr
}

// All tests whether every element of the collection Prop satisfies Pred:
// Prop/all(Var: Pred). Inside Pred, the element is referred to with Prop == Var.
type All struct {
	Prop string
	Var  string
	Pred Expr
}

// And is the conjunction L and R.
type And struct{ L, R Expr }

// Or is the disjunction L or R.
type Or struct{ L, R Expr }

// Not is the negation not X.
type Not struct{ X Expr }

func (Compare) isExpr() {}
func (In) isExpr()      {}
func (Func) isExpr()    {}
func (Any) isExpr()     {}
func (All) isExpr()     {}
func (And) isExpr()     {}
func (Or) isExpr()      {}
func (Not) isExpr()     {}

// Literal is a value in a $filter: the string S, or null when Null is true. DateTime marks a
// literal compared with a DateTime property: S is then the TimeKey of the instant, and Eval
// compares it with the property's TimeKey byte by byte; a null literal is marked too, so
// that Eval knows that the property itself may be null.
type Literal struct {
	Null     bool
	S        string
	DateTime bool
}

// OrderItem is one item of $orderby: a property, in ascending order unless Desc.
type OrderItem struct {
	Prop string
	Desc bool
}

// Error is a syntax or semantic error in a query option.
type Error struct {
	// Option is the query option in error: "$filter", "$orderby" or "$select".
	Option string
	// Pos is the 1-based position, in characters (runes), where the problem starts; one past
	// the last character when the problem is the end of the input.
	Pos int
	// Token is the text of the offending token, or "" at the end of the input.
	Token string
	// Msg is the complete description of the problem, position and token included, such as
	// "syntax error at position 14 near 'qe': expected an operator such as eq, ne, gt".
	Msg string
}

// Error returns the option and the description, such as
// "$filter: unknown property 'colour' at position 1".
func (e *Error) Error() string {
	return e.Option + ": " + e.Msg
}

// The most levels of parentheses, not and lambdas that a $filter may nest.
const maxDepth = 100

// keywords are the reserved words of $filter.
var keywords = map[string]bool{
	"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true,
	"and": true, "or": true, "not": true, "in": true, "any": true, "all": true,
	"startswith": true, "endswith": true, "contains": true,
	"null": true, "true": true, "false": true,
}

// ops maps the comparison keywords to their operators.
var ops = map[string]Op{"eq": Eq, "ne": Ne, "gt": Gt, "ge": Ge, "lt": Lt, "le": Le}

// isFunc reports whether name is one of the string functions.
func isFunc(name string) bool {
	return name == "startswith" || name == "endswith" || name == "contains"
}
