package odata

import "slices"

// ParseOrderBy parses s, the value of an $orderby query option, such as
// "displayName desc, id": a comma-separated list of properties of schema, each followed by
// asc (the default) or desc. String and DateTime properties may order; a collection cannot.
// A property may appear only once. Its errors are *Error with Option "$orderby".
func ParseOrderBy(s string, schema Schema) ([]OrderItem, error) {
	p := newParser("$orderby", s, schema)
	if p.tok.kind == tEOF {
		return nil, p.empty()
	}
	var items []OrderItem
	var positions []int // of each item, for the error about a repeated property
	for {
		t := p.tok
		if t.kind != tIdent {
			return nil, p.syntax(t, "expected a property name")
		}
		kind, ok := schema[t.text]
		if !ok {
			return nil, p.unknown(t, "")
		}
		if kind == StringCollection {
			return nil, p.semantic(t, "collection property '%s' at position %d cannot order the results", t.text, t.pos)
		}
		if i := slices.IndexFunc(items, func(it OrderItem) bool { return it.Prop == t.text }); i >= 0 {
			return nil, p.semantic(t, "property '%s' at position %d appears more than once (first at position %d)",
				t.text, t.pos, positions[i])
		}
		item := OrderItem{Prop: t.text}
		p.advance()
		expected := "expected asc, desc, ',' or the end of the input%s"
		switch {
		case p.is("asc"):
			p.advance()
			expected = "expected ',' or the end of the input%s"
		case p.is("desc"):
			item.Desc = true
			p.advance()
			expected = "expected ',' or the end of the input%s"
		}
		items = append(items, item)
		positions = append(positions, t.pos)
		switch p.tok.kind {
		case tEOF:
			return items, nil
		case tComma:
			p.advance()
			continue
		}
		return nil, p.syntax(p.tok, expected, caseHint(p.tok, "asc", "desc"))
	}
}

// ParseSelect parses s, the value of a $select query option, such as "id,displayName": a
// comma-separated list of properties of schema, collections included, with spaces and tabs
// allowed around each. A repeated property is dropped, so that each appears once, where it
// first appeared. "*" selects every property and is returned as []string{"*"}; it cannot be
// combined with properties. Its errors are *Error with Option "$select".
func ParseSelect(s string, schema Schema) ([]string, error) {
	p := newParser("$select", s, schema)
	if p.tok.kind == tEOF {
		return nil, p.empty()
	}
	var props []string
	for {
		t := p.tok
		star := len(props) > 0 && props[0] == "*"
		switch t.kind {
		case tStar:
			if len(props) > 0 && !star {
				return nil, p.semantic(t, "'*' at position %d selects every property and cannot be combined with properties", t.pos)
			}
			if !star {
				props = append(props, "*")
			}
		case tIdent:
			if _, ok := schema[t.text]; !ok {
				return nil, p.unknown(t, "")
			}
			if star {
				return nil, p.semantic(t, "property '%s' at position %d cannot be combined with '*', which selects every property",
					t.text, t.pos)
			}
			if !slices.Contains(props, t.text) {
				props = append(props, t.text)
			}
		default:
			return nil, p.syntax(t, "expected a property name or '*'")
		}
		p.advance()
		switch p.tok.kind {
		case tEOF:
			return props, nil
		case tComma:
			p.advance()
			continue
		}
		return nil, p.syntax(p.tok, "expected ',' or the end of the input")
	}
}
