package odata

import "time"

// timeKeyLayout is the layout of TimeKey: UTC, nanoseconds, fixed width.
const timeKeyLayout = "2006-01-02T15:04:05.000000000Z"

// dateTimeExample is the date and time that errors give as an example.
const dateTimeExample = "2026-01-01T00:00:00Z"

// TimeKey returns the canonical text of t, in which a DateTime property's value is given to
// Eval and a DateTime literal is held in Literal.S: t in UTC, to the nanosecond, as in
// 2026-01-01T00:00:00.000000000Z. Its width is fixed, so that the byte order of two keys is
// the chronological order of their times, for the years 0000 to 9999 in UTC, which are the
// only ones a $filter literal may name.
func TimeKey(t time.Time) string {
	return t.UTC().Format(timeKeyLayout)
}

// dateProblem is what keeps a text from being a DateTimeOffset literal.
type dateProblem int

const (
	dateOK         dateProblem = iota // none: the text is one
	dateInvalid                       // not an RFC 3339 date and time with a time zone
	dateNoZone                        // one but for its time zone
	dateOutOfRange                    // one, outside the years 0000 to 9999 in UTC
)

// parseDateTime parses s as an RFC 3339 date and time with a time zone, such as
// 2026-01-01T00:00:00Z or 2026-01-01T02:00:00.5+02:00, and returns its TimeKey, or what is
// wrong with s. Fractional digits past the ninth are dropped.
func parseDateTime(s string) (string, dateProblem) {
	rest, ok := dateTimeShape(s)
	if !ok {
		return "", dateInvalid
	}
	if rest == "" {
		if _, err := time.Parse(time.RFC3339Nano, s+"Z"); err == nil {
			return "", dateNoZone
		}
		return "", dateInvalid
	}
	if !isZone(rest) {
		return "", dateInvalid
	}
	// The shape is right; time.Parse checks the ranges of the fields, the days of each
	// month included.
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", dateInvalid
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return "", dateOutOfRange
	}
	return TimeKey(t), dateOK
}

// dateTimeShape checks that s starts with the date and time of an RFC 3339 date-time,
// YYYY-MM-DDThh:mm:ss with optional fractional seconds, and returns the rest of s, which
// should be the time zone. It checks the shape alone; time.Parse, which is more lenient
// about the shape, checks the ranges.
func dateTimeShape(s string) (rest string, ok bool) {
	const shape = "0000-00-00T00:00:00" // 0 stands for a digit
	if len(s) < len(shape) {
		return "", false
	}
	for i := range len(shape) {
		if shape[i] == '0' && !isDigit(s[i]) || shape[i] != '0' && s[i] != shape[i] {
			return "", false
		}
	}
	rest = s[len(shape):]
	if rest != "" && rest[0] == '.' {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if n == 1 {
			return "", false
		}
		rest = rest[n:]
	}
	return rest, true
}

// isZone reports whether s is an RFC 3339 time zone: Z, or an offset from +hh:mm or -hh:mm
// with hh at most 23 and mm at most 59.
func isZone(s string) bool {
	if s == "Z" {
		return true
	}
	if len(s) != len("+00:00") || s[0] != '+' && s[0] != '-' || s[3] != ':' {
		return false
	}
	for _, i := range []int{1, 2, 4, 5} {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s[1:3] <= "23" && s[4:6] <= "59"
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// formatTimeKey returns key, a TimeKey, as an unquoted $filter literal: RFC 3339 in UTC, with
// the fewest fractional digits, as in 2026-01-01T00:00:00.5Z. ok is false when key is not a
// TimeKey.
func formatTimeKey(key string) (s string, ok bool) {
	t, err := time.Parse(timeKeyLayout, key)
	if err != nil || TimeKey(t) != key {
		return "", false
	}
	return t.Format(time.RFC3339Nano), true
}

// looksLikeDate reports whether s, the text of an unquoted value, starts as a date does, with
// four digits and '-', rather than as a number or a GUID does.
func looksLikeDate(s string) bool {
	return len(s) > 4 && isDigit(s[0]) && isDigit(s[1]) && isDigit(s[2]) && isDigit(s[3]) && s[4] == '-'
}
