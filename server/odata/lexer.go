package odata

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the class of a token.
type tokKind int

const (
	tEOF      tokKind = iota // the end of the input
	tIdent                   // a keyword, property or lambda variable
	tString                  // a string literal in single quotes
	tNumber                  // a bare word starting with a digit: invalid, but named in errors
	tDateTime                // an unquoted DateTimeOffset literal, lexed only where a literal may stand
	tLParen                  // (
	tRParen                  // )
	tComma                   // ,
	tSlash                   // /
	tColon                   // :
	tStar                    // *
	tIllegal                 // a character or literal that no rule accepts; msg says why
)

// token is a token of a query option.
type token struct {
	kind tokKind
	text string // the source text: a string literal keeps its quotes and doubled quotes
	val  string // for tString, the value: quotes removed, doubled quotes undoubled; for tDateTime, text
	pos  int    // 1-based position of the first character, in runes
	off  int    // byte offset of the first character
	msg  string // for tIllegal, what is wrong
}

// lexer splits a query option into tokens, one at a time.
type lexer struct {
	src  string
	off  int  // byte offset of the next token
	pos  int  // rune position of src[off], 1-based
	done bool // an illegal token was returned: every later token is tEOF
}

func newLexer(src string) lexer {
	return lexer{src: src, pos: 1}
}

// next returns the next token; after the last one, it returns tEOF tokens whose position is
// one past the end of the input.
func (l *lexer) next() token {
	for l.off < len(l.src) && (l.src[l.off] == ' ' || l.src[l.off] == '\t') {
		l.off++
		l.pos++
	}
	if l.done || l.off >= len(l.src) {
		return token{kind: tEOF, pos: l.pos}
	}
	start, startPos := l.off, l.pos
	r, w := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += w
	l.pos++
	t := token{pos: startPos, off: start}
	switch {
	case r == '(':
		t.kind = tLParen
	case r == ')':
		t.kind = tRParen
	case r == ',':
		t.kind = tComma
	case r == '/':
		t.kind = tSlash
	case r == ':':
		t.kind = tColon
	case r == '*':
		t.kind = tStar
	case r == '\'':
		return l.str(start, startPos)
	case r == '_' || unicode.IsLetter(r):
		t.kind = tIdent
		l.skipWhile(isIdentPart)
	case '0' <= r && r <= '9':
		t.kind = tNumber
		l.skipWhile(isNumberPart)
	default:
		t.kind = tIllegal
		t.msg = "unexpected character"
		if r == '"' {
			t.msg = "unexpected character: string literals are in single quotes, as in 'abc'"
		}
		t.text = l.src[start:l.off]
		l.stop()
		return t
	}
	t.text = l.src[start:l.off]
	return t
}

// str lexes a string literal whose opening quote is at byte offset start, rune position pos.
func (l *lexer) str(start, pos int) token {
	escaped := false
	for l.off < len(l.src) {
		r, w := utf8.DecodeRuneInString(l.src[l.off:])
		l.off += w
		l.pos++
		if r != '\'' {
			continue
		}
		if l.off < len(l.src) && l.src[l.off] == '\'' {
			l.off++
			l.pos++
			escaped = true
			continue
		}
		text := l.src[start:l.off]
		val := text[1 : len(text)-1]
		if escaped {
			val = strings.ReplaceAll(val, "''", "'")
		}
		return token{kind: tString, text: text, val: val, pos: pos, off: start}
	}
	l.stop()
	return token{kind: tIllegal, text: l.src[start:], pos: pos, off: start,
		msg: "unterminated string literal: the closing quote is missing (write a quote inside a literal as '')"}
}

// dateTime lexes again, as a tDateTime, the tNumber t that was the last token returned:
// the parser found t where a literal may stand, and the colons of a time, which end a
// tNumber, belong to the literal there. The token is the longest run of the characters of a
// tNumber and colons, so that a malformed date and time is reported whole; the parser checks
// that it is an RFC 3339 date and time.
func (l *lexer) dateTime(t token) token {
	l.off, l.pos = t.off, t.pos
	l.skipWhile(func(r rune) bool { return isNumberPart(r) || r == ':' })
	text := l.src[t.off:l.off]
	return token{kind: tDateTime, text: text, val: text, pos: t.pos, off: t.off}
}

// stop makes every later token a tEOF at the end of the input: nothing after an illegal
// token is parsed.
func (l *lexer) stop() {
	l.pos += utf8.RuneCountInString(l.src[l.off:])
	l.off = len(l.src)
	l.done = true
}

func (l *lexer) skipWhile(f func(rune) bool) {
	for l.off < len(l.src) {
		r, w := utf8.DecodeRuneInString(l.src[l.off:])
		if !f(r) {
			return
		}
		l.off += w
		l.pos++
	}
}

func isIdentPart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isNumberPart reports whether r may follow the first digit of a tNumber.
func isNumberPart(r rune) bool {
	return isIdentPart(r) || r == '.' || r == '-' || r == '+'
}
