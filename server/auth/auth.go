// Package auth checks the credentials of requests for the validator: it provides the
// [openapi3filter.AuthenticationFunc] that the validator calls for each security requirement of
// an operation, in one of three modes (see [Mode]).
//
// In [Scopes] mode, the function reads the access token as the Microsoft identity platform
// issues it: a JWT in `Authorization: Bearer`, whose delegated permissions are the
// space-separated scp claim and whose application permissions are the roles claim. A security
// requirement is met when the token grants every scope it lists, as OpenAPI has it; an
// operation with several requirements is open to a token that meets any one of them. Scopes
// compare case-insensitively, as the Microsoft identity platform treats them. The issuer and
// audience of tokens are not checked.
package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/datashare/datashare/validator"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/golang-jwt/jwt/v5"
)

// leeway is the clock skew allowed when checking the exp and nbf claims.
const leeway = time.Minute

// Config configures New.
type Config struct {
	// Mode is how credentials are checked.
	Mode Mode
	// HMACSecret verifies HS256, HS384 and HS512 signatures, in Scopes mode. Empty means
	// none.
	HMACSecret []byte
	// PublicKeyPEM verifies signatures in Scopes mode: a PEM "PUBLIC KEY" (PKIX), "RSA PUBLIC
	// KEY" (PKCS #1) or "CERTIFICATE" block, whose first block is used. An RSA key verifies
	// RS256, RS384, RS512, PS256, PS384 and PS512; an ECDSA key, the one of ES256, ES384 and
	// ES512 that matches its curve; an Ed25519 key, EdDSA. At most one of HMACSecret and
	// PublicKeyPEM may be set; empty means none.
	PublicKeyPEM []byte
	// Now is the clock that the exp and nbf claims are checked against; nil means time.Now.
	Now func() time.Time
}

// New returns the authentication function to give the validator (validator.WithAuthenticator)
// for cfg, and whether that function verifies the signatures of tokens: true only in Scopes
// mode with a key. In Scopes mode without a key, tokens are decoded and their lifetime and
// permissions checked, but anyone can forge one (any signature is accepted, alg "none"
// included); the caller should warn about it. With a key, only the algorithms of that key are
// accepted.
//
// New fails when cfg is inconsistent: an unknown mode, both keys set, a key in a mode other
// than Scopes, or a public key that cannot be parsed.
func New(cfg Config) (fn openapi3filter.AuthenticationFunc, verified bool, err error) {
	if !cfg.Mode.valid() {
		return nil, false, fmt.Errorf("auth: unknown mode %d", int(cfg.Mode))
	}
	hasSecret, hasPEM := len(cfg.HMACSecret) > 0, len(cfg.PublicKeyPEM) > 0
	if hasSecret && hasPEM {
		return nil, false, errors.New("auth: both an HMAC secret and a public key are set: set at most one")
	}
	if (hasSecret || hasPEM) && cfg.Mode != Scopes {
		return nil, false, fmt.Errorf("auth: a token verification key is set in %s mode: keys are only used in %s mode", cfg.Mode, Scopes)
	}
	switch cfg.Mode {
	case None:
		return allow, false, nil
	case Bearer:
		return validator.CheckCredentialPresence, false, nil
	}

	a := &authenticator{
		validator: jwt.NewValidator(jwt.WithLeeway(leeway), jwt.WithTimeFunc(now(cfg.Now)), jwt.WithExpirationRequired()),
	}
	switch {
	case hasSecret:
		a.key = slices.Clone(cfg.HMACSecret)
		a.methods = []string{"HS256", "HS384", "HS512"}
	case hasPEM:
		key, methods, err := parsePublicKey(cfg.PublicKeyPEM)
		if err != nil {
			return nil, false, fmt.Errorf("auth: public key: %w", err)
		}
		a.key, a.methods = key, methods
	}
	if a.key != nil {
		// Claims are validated apart, by a.validator, the same way in both cases.
		a.parser = jwt.NewParser(jwt.WithValidMethods(a.methods), jwt.WithoutClaimsValidation())
	} else {
		a.parser = jwt.NewParser(jwt.WithoutClaimsValidation())
	}
	return a.authenticate, a.key != nil, nil
}

// now returns f, or time.Now when f is nil.
func now(f func() time.Time) func() time.Time {
	if f == nil {
		return time.Now
	}
	return f
}

// allow is the authentication function of None mode.
func allow(context.Context, *openapi3filter.AuthenticationInput) error { return nil }

// authenticator is the authentication function of Scopes mode.
type authenticator struct {
	parser    *jwt.Parser
	validator *jwt.Validator
	// key verifies signatures with methods; nil means that signatures are not verified.
	key     any
	methods []string
	// last is the grant of the last token that parse accepted, so that the calls for the
	// several requirements of one request, and the requests of a client that sends the same
	// token, parse and verify it once. Claims are validated at each call, against the clock.
	last atomic.Pointer[grant]
}

// claims are the claims of an access token that the authenticator reads.
type claims struct {
	jwt.RegisteredClaims
	// Scp holds the delegated permissions, space-separated. (A list is accepted too.)
	Scp jwt.ClaimStrings `json:"scp"`
	// Roles holds the application permissions. (A single string is accepted too.)
	Roles jwt.ClaimStrings `json:"roles"`
}

// grant is what a well-formed access token, its signature verified, grants. It is not
// changed once made.
type grant struct {
	token       string
	claims      claims
	permissions []string
}

// authenticate checks the access token of the request against one security requirement.
//
// Scopes compare case-insensitively. OAuth 2.0 (RFC 6749, section 3.3) makes scope values
// case-sensitive, but the Microsoft identity platform does not: it accepts a scope in any case
// when a token is requested and writes it in the case of the API's registration in the token
// (User.Read for user.read), and its client libraries match granted scopes case-insensitively.
// No two permissions of Microsoft Graph differ only by case.
//
// Security schemes that do not carry a bearer token (API keys, HTTP basic) are only checked
// for the presence of a credential, as in Bearer mode.
func (a *authenticator) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	if err := validator.CheckCredentialPresence(ctx, in); err != nil {
		return err
	}
	if !carriesBearerToken(in.SecurityScheme) {
		return nil
	}
	token, ok := validator.BearerToken(in.RequestValidationInput.Request.Header)
	if !ok {
		return &validator.SecurityError{Scheme: in.SecuritySchemeName, Target: "Authorization", Reason: "the Authorization header must carry a Bearer token"}
	}
	g, reason, err := a.grant(token)
	if err == nil {
		if err = a.validator.Validate(&g.claims); err != nil {
			reason = lifetimeReason(err)
		}
	}
	if err != nil {
		return &validator.SecurityError{Scheme: in.SecuritySchemeName, Target: "Authorization", Reason: reason, Err: err}
	}
	if missing := g.missing(in.Scopes); len(missing) > 0 {
		return &validator.SecurityError{
			Scheme:    in.SecuritySchemeName,
			Target:    "Authorization",
			Forbidden: true,
			Scopes:    slices.Clone(in.Scopes), // not the document's own slice
			Reason:    "the access token does not grant " + strings.Join(missing, " and "),
		}
	}
	return nil
}

// grant returns the grant of token, parsed by parse or remembered from the last call.
func (a *authenticator) grant(token string) (*grant, string, error) {
	if g := a.last.Load(); g != nil && g.token == token {
		return g, "", nil
	}
	g, reason, err := a.parse(token)
	if err != nil {
		return nil, reason, err
	}
	a.last.Store(g)
	return g, "", nil
}

// parse decodes token and, when a has a key, verifies its signature. It does not check the
// claims. When it fails, it says why in words.
func (a *authenticator) parse(token string) (*grant, string, error) {
	g := &grant{token: token}
	var (
		tok *jwt.Token
		err error
	)
	if a.key != nil {
		tok, err = a.parser.ParseWithClaims(token, &g.claims, func(*jwt.Token) (any, error) { return a.key, nil })
	} else {
		tok, _, err = a.parser.ParseUnverified(token, &g.claims)
	}
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, "the access token is malformed", err
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// The alg header is missing or names no algorithm that jwt knows.
		return nil, "the access token is not signed with an algorithm the server accepts", err
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// jwt reports an algorithm that is not in the valid methods as an invalid signature.
		if tok != nil && tok.Method != nil && !slices.Contains(a.methods, tok.Method.Alg()) {
			return nil, "the access token is not signed with an algorithm the server accepts", err
		}
		return nil, "the access token signature is invalid", err
	default:
		return nil, "the access token is invalid", err
	}
	for _, s := range g.claims.Scp {
		g.permissions = append(g.permissions, strings.Fields(s)...)
	}
	g.permissions = append(g.permissions, g.claims.Roles...)
	return g, "", nil
}

// missing returns the scopes of required that g does not grant.
func (g *grant) missing(required []string) []string {
	var out []string
	for _, r := range required {
		if !slices.ContainsFunc(g.permissions, func(p string) bool { return strings.EqualFold(p, r) }) {
			out = append(out, r)
		}
	}
	return out
}

// lifetimeReason says in words why the claims validator refused a token for err.
func lifetimeReason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the access token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the access token is not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the access token has no expiry (exp), which Microsoft identity platform tokens always have"
	}
	return "the access token is invalid"
}

// carriesBearerToken reports whether s is a scheme whose credential is a bearer token.
func carriesBearerToken(s *openapi3.SecurityScheme) bool {
	switch s.Type {
	case "oauth2", "openIdConnect":
		return true
	case "http":
		return strings.EqualFold(s.Scheme, "bearer")
	}
	return false
}
