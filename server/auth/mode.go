package auth

import "fmt"

// Mode is how the server checks the credentials of requests.
//
// The zero value is Bearer, the validator's own default, so that a zero [Config] changes
// nothing.
type Mode int

const (
	// Bearer requires a credential where each security scheme says (for OAuth 2.0 and HTTP
	// bearer schemes, a non-empty `Authorization: Bearer` token) and checks nothing else.
	Bearer Mode = iota
	// None requires no credential at all: every security requirement is met.
	None
	// Scopes requires a JWT access token of the Microsoft identity platform: its signature
	// (when a key is configured), its lifetime, and the permissions it grants in its scp and
	// roles claims against the scopes of the security requirement, case-insensitively.
	Scopes
)

var modeNames = [...]string{Bearer: "bearer", None: "none", Scopes: "scopes"}

// String returns the name of m, as ParseMode accepts it.
func (m Mode) String() string {
	if !m.valid() {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return modeNames[m]
}

// ParseMode returns the Mode named s: "none", "bearer" or "scopes".
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("unknown auth mode %q: want none, bearer or scopes", s)
}

// MarshalText implements encoding.TextMarshaler.
func (m Mode) MarshalText() ([]byte, error) {
	if !m.valid() {
		return nil, fmt.Errorf("unknown auth mode %d", int(m))
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

func (m Mode) valid() bool { return m >= 0 && int(m) < len(modeNames) }
