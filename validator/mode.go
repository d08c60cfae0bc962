package validator

import "fmt"

// Mode says what the middleware does with a response that breaks the contract.
type Mode int

const (
	// Enforce never sends a response that breaks the contract: the client gets the rendering of
	// a [*ResponseError] instead, and each violation is logged.
	Enforce Mode = iota
	// Report sends the response as it is and logs each violation.
	Report
	// Off does not validate responses. Requests are validated in every mode.
	Off
)

var modeNames = [...]string{Enforce: "enforce", Report: "report", Off: "off"}

// String returns the name of m, as ParseMode accepts it.
func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return modeNames[m]
}

// ParseMode returns the Mode named s: "enforce", "report" or "off".
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("unknown response validation mode %q: want enforce, report or off", s)
}

// MarshalText implements encoding.TextMarshaler.
func (m Mode) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(modeNames) {
		return nil, fmt.Errorf("unknown response validation mode %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, so a Mode can be a flag or a config value.
func (m *Mode) UnmarshalText(text []byte) error {
	parsed, err := ParseMode(string(text))
	if err != nil {
		return err
	}
	*m = parsed
	return nil
}
