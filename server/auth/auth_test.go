package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/datashare/datashare/validator"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testKeys are the keys that sign the tokens of the tests.
type testKeys struct {
	secret   []byte
	rsa      *rsa.PrivateKey
	otherRSA *rsa.PrivateKey
	ec       *ecdsa.PrivateKey
	ed       ed25519.PrivateKey
}

func newTestKeys(t testing.TB) testKeys {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("rsa.GenerateKey() = %v", err)
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("rsa.GenerateKey() = %v", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey() = %v", err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("ed25519.GenerateKey() = %v", err)
	}
	return testKeys{
		secret:   []byte("a test secret of at least 32 bytes, for HS256"),
		rsa:      rsaKey,
		otherRSA: otherRSA,
		ec:       ecKey,
		ed:       edKey,
	}
}

// publicKeyPEM returns pub as a PEM "PUBLIC KEY" block.
func publicKeyPEM(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("x509.MarshalPKIXPublicKey() = %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// sign returns a token of claims signed by key with method.
func sign(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("SignedString(%s) = %v", method.Alg(), err)
	}
	return token
}

// authInput returns the input of one call of an authentication function for a request with
// the Authorization header authorization (none when empty) and a requirement of scheme with
// scopes. A nil scheme means the OAuth 2.0 scheme azureADv2.
func authInput(authorization string, scheme *openapi3.SecurityScheme, scopes ...string) *openapi3filter.AuthenticationInput {
	req := httptest.NewRequest("GET", "/v1.0/industryData/dataShareOutgoingFlows", nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if scheme == nil {
		scheme = &openapi3.SecurityScheme{Type: "oauth2"}
	}
	return &openapi3filter.AuthenticationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req},
		SecuritySchemeName:     "azureADv2",
		SecurityScheme:         scheme,
		Scopes:                 scopes,
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	keys := newTestKeys(t)
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	hs := Config{Mode: Scopes, HMACSecret: keys.secret, Now: clock}
	rs := Config{Mode: Scopes, PublicKeyPEM: publicKeyPEM(t, &keys.rsa.PublicKey), Now: clock}
	es := Config{Mode: Scopes, PublicKeyPEM: publicKeyPEM(t, &keys.ec.PublicKey), Now: clock}
	unverified := Config{Mode: Scopes, Now: clock}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey() = %v", err)
	}

	// valid returns the claims of a token valid at now that grants scp.
	valid := func(scp string) jwt.MapClaims {
		return jwt.MapClaims{
			"iss": "https://login.microsoftonline.com/tenant/v2.0",
			"aud": "https://graph.microsoft.com",
			"iat": now.Add(-time.Minute).Unix(),
			"nbf": now.Add(-time.Minute).Unix(),
			"exp": now.Add(time.Hour).Unix(),
			"scp": scp,
		}
	}
	with := func(c jwt.MapClaims, name string, value any) jwt.MapClaims {
		c[name] = value
		return c
	}
	without := func(c jwt.MapClaims, name string) jwt.MapClaims {
		delete(c, name)
		return c
	}
	bearer := func(token string) string { return "Bearer " + token }
	hs256 := func(c jwt.MapClaims) string { return bearer(sign(t, jwt.SigningMethodHS256, keys.secret, c)) }
	refused := func(reason string) *validator.SecurityError {
		return &validator.SecurityError{Scheme: "azureADv2", Target: "Authorization", Reason: reason}
	}
	forbidden := func(reason string, scopes ...string) *validator.SecurityError {
		return &validator.SecurityError{Scheme: "azureADv2", Target: "Authorization", Reason: reason, Forbidden: true, Scopes: scopes}
	}

	tests := []struct {
		name          string
		cfg           Config
		authorization string
		scheme        *openapi3.SecurityScheme // nil: OAuth 2.0
		scopes        []string
		want          *validator.SecurityError // nil: accepted; Err is checked with wantErr
		wantErr       error                    // a jwt error that want.Err must match
	}{
		{
			name:          "valid HS256 token granting the scope in scp",
			cfg:           hs,
			authorization: hs256(valid("Files.Read DataShare.Read.All")),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "valid HS512 token",
			cfg:           hs,
			authorization: bearer(sign(t, jwt.SigningMethodHS512, keys.secret, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "valid RS256 token",
			cfg:           rs,
			authorization: bearer(sign(t, jwt.SigningMethodRS256, keys.rsa, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "valid PS256 token",
			cfg:           rs,
			authorization: bearer(sign(t, jwt.SigningMethodPS256, keys.rsa, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "valid ES256 token",
			cfg:           es,
			authorization: bearer(sign(t, jwt.SigningMethodES256, keys.ec, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "valid EdDSA token",
			cfg:           Config{Mode: Scopes, PublicKeyPEM: publicKeyPEM(t, keys.ed.Public()), Now: clock},
			authorization: bearer(sign(t, jwt.SigningMethodEdDSA, keys.ed, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "ES384 token to a P-256 server",
			cfg:           es,
			authorization: bearer(sign(t, jwt.SigningMethodES384, p384, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is not signed with an algorithm the server accepts"),
			wantErr:       jwt.ErrTokenSignatureInvalid,
		},
		{
			name:          "application permission in roles instead of scp",
			cfg:           hs,
			authorization: hs256(with(without(valid(""), "scp"), "roles", []string{"Other.Read.All", "DataShare.ReadWrite.All"})),
			scopes:        []string{"DataShare.ReadWrite.All"},
		},
		{
			name:          "roles as a single string",
			cfg:           hs,
			authorization: hs256(with(without(valid(""), "scp"), "roles", "DataShare.ReadWrite.All")),
			scopes:        []string{"DataShare.ReadWrite.All"},
		},
		{
			name:          "scopes compare case-insensitively",
			cfg:           hs,
			authorization: hs256(valid("datashare.read.all")),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "token without exp is refused",
			cfg:           hs,
			authorization: hs256(without(valid("DataShare.Read.All"), "exp")),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token has no expiry (exp), which Microsoft identity platform tokens always have"),
			wantErr:       jwt.ErrTokenRequiredClaimMissing,
		},
		{
			name:          "token expired within the leeway is accepted",
			cfg:           hs,
			authorization: hs256(with(valid("DataShare.Read.All"), "exp", now.Add(-30*time.Second).Unix())),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "expired token",
			cfg:           hs,
			authorization: hs256(with(valid("DataShare.Read.All"), "exp", now.Add(-2*time.Hour).Unix())),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token has expired"),
			wantErr:       jwt.ErrTokenExpired,
		},
		{
			name:          "token not valid yet",
			cfg:           hs,
			authorization: hs256(with(valid("DataShare.Read.All"), "nbf", now.Add(time.Hour).Unix())),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is not valid yet"),
			wantErr:       jwt.ErrTokenNotValidYet,
		},
		{
			name:          "wrong HMAC secret",
			cfg:           hs,
			authorization: bearer(sign(t, jwt.SigningMethodHS256, []byte("another secret of at least 32 bytes long"), valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token signature is invalid"),
			wantErr:       jwt.ErrTokenSignatureInvalid,
		},
		{
			name:          "signed with another RSA key",
			cfg:           rs,
			authorization: bearer(sign(t, jwt.SigningMethodRS256, keys.otherRSA, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token signature is invalid"),
			wantErr:       jwt.ErrTokenSignatureInvalid,
		},
		{
			name:          "alg none",
			cfg:           hs,
			authorization: bearer(sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is not signed with an algorithm the server accepts"),
			wantErr:       jwt.ErrTokenSignatureInvalid,
		},
		{
			name: "algorithm confusion: HS256 keyed with the public key, to an RSA server",
			cfg:  rs,
			// The classic attack: an HMAC keyed with the bytes of the server's public key.
			authorization: bearer(sign(t, jwt.SigningMethodHS256, rs.PublicKeyPEM, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is not signed with an algorithm the server accepts"),
			wantErr:       jwt.ErrTokenSignatureInvalid,
		},
		{
			name:          "ES256 token to an RSA server",
			cfg:           rs,
			authorization: bearer(sign(t, jwt.SigningMethodES256, keys.ec, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is not signed with an algorithm the server accepts"),
			wantErr:       jwt.ErrTokenSignatureInvalid,
		},
		{
			name:          "RS256 token to an HMAC server",
			cfg:           hs,
			authorization: bearer(sign(t, jwt.SigningMethodRS256, keys.rsa, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is not signed with an algorithm the server accepts"),
			wantErr:       jwt.ErrTokenSignatureInvalid,
		},
		{
			name:          "malformed token",
			cfg:           hs,
			authorization: "Bearer this-is-not-a-json-web-token",
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is malformed"),
			wantErr:       jwt.ErrTokenMalformed,
		},
		{
			name:          "token whose segments are not base64",
			cfg:           hs,
			authorization: "Bearer !!!!!!!!.????????.********",
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is malformed"),
			wantErr:       jwt.ErrTokenMalformed,
		},
		{
			name:          "scp of the wrong type",
			cfg:           hs,
			authorization: hs256(with(valid(""), "scp", 42)),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is malformed"),
			wantErr:       jwt.ErrTokenMalformed,
		},
		{
			name:   "missing Authorization header",
			cfg:    hs,
			scopes: []string{"DataShare.Read.All"},
			want:   refused("the Authorization header is missing or empty"),
		},
		{
			name:          "Basic scheme",
			cfg:           hs,
			authorization: "Basic dXNlcjpwYXNzd29yZA==",
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the Authorization header must use the Bearer scheme"),
		},
		{
			name:          "empty Bearer token",
			cfg:           hs,
			authorization: "Bearer   ",
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the Bearer credentials are empty"),
		},
		{
			name:          "missing scope",
			cfg:           hs,
			authorization: hs256(valid("Files.Read")),
			scopes:        []string{"DataShare.Read.All"},
			want:          forbidden("the access token does not grant DataShare.Read.All", "DataShare.Read.All"),
		},
		{
			name:          "two scopes of which one is missing",
			cfg:           hs,
			authorization: hs256(valid("DataShare.Read.All")),
			scopes:        []string{"DataShare.Read.All", "DataShare.ReadWrite.All"},
			want:          forbidden("the access token does not grant DataShare.ReadWrite.All", "DataShare.Read.All", "DataShare.ReadWrite.All"),
		},
		{
			name:          "two scopes granted by scp and roles together",
			cfg:           hs,
			authorization: hs256(with(valid("DataShare.Read.All"), "roles", []string{"DataShare.ReadWrite.All"})),
			scopes:        []string{"DataShare.Read.All", "DataShare.ReadWrite.All"},
		},
		{
			name:          "token without scp or roles for a requirement with scopes",
			cfg:           hs,
			authorization: hs256(without(valid(""), "scp")),
			scopes:        []string{"DataShare.Read.All"},
			want:          forbidden("the access token does not grant DataShare.Read.All", "DataShare.Read.All"),
		},
		{
			name:          "requirement without scopes accepts any valid token",
			cfg:           hs,
			authorization: hs256(without(valid(""), "scp")),
		},
		{
			name:          "HTTP bearer scheme is checked like OAuth 2.0",
			cfg:           hs,
			authorization: hs256(with(valid("DataShare.Read.All"), "exp", now.Add(-2*time.Hour).Unix())),
			scheme:        &openapi3.SecurityScheme{Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
			want:          refused("the access token has expired"),
			wantErr:       jwt.ErrTokenExpired,
		},
		{
			name:          "API key scheme is only checked for presence",
			cfg:           hs,
			authorization: "Bearer this-is-not-a-json-web-token",
			scheme:        &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: "Authorization"},
		},
		{
			name:          "unverified mode accepts any signature",
			cfg:           unverified,
			authorization: bearer(sign(t, jwt.SigningMethodHS256, []byte("anyone can sign with any secret"), valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "unverified mode accepts alg none",
			cfg:           unverified,
			authorization: bearer(sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid("DataShare.Read.All"))),
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:          "unverified mode still rejects an expired token",
			cfg:           unverified,
			authorization: bearer(sign(t, jwt.SigningMethodHS256, []byte("anyone can sign with any secret"), with(valid("DataShare.Read.All"), "exp", now.Add(-2*time.Hour).Unix()))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token has expired"),
			wantErr:       jwt.ErrTokenExpired,
		},
		{
			name:          "unverified mode still rejects a token not valid yet",
			cfg:           unverified,
			authorization: bearer(sign(t, jwt.SigningMethodRS256, keys.otherRSA, with(valid("DataShare.Read.All"), "nbf", now.Add(time.Hour).Unix()))),
			scopes:        []string{"DataShare.Read.All"},
			want:          refused("the access token is not valid yet"),
			wantErr:       jwt.ErrTokenNotValidYet,
		},
		{
			name:          "unverified mode still rejects a malformed token",
			cfg:           unverified,
			authorization: "Bearer this-is-not-a-json-web-token",
			want:          refused("the access token is malformed"),
			wantErr:       jwt.ErrTokenMalformed,
		},
		{
			name:          "unverified mode still checks scopes",
			cfg:           unverified,
			authorization: bearer(sign(t, jwt.SigningMethodHS256, []byte("anyone can sign with any secret"), valid("Files.Read"))),
			scopes:        []string{"DataShare.Read.All"},
			want:          forbidden("the access token does not grant DataShare.Read.All", "DataShare.Read.All"),
		},
		{
			name:          "bearer mode accepts a token that is not a JWT",
			cfg:           Config{Mode: Bearer},
			authorization: "Bearer this-is-not-a-json-web-token",
			scopes:        []string{"DataShare.Read.All"},
		},
		{
			name:   "bearer mode rejects a request without a token",
			cfg:    Config{Mode: Bearer},
			scopes: []string{"DataShare.Read.All"},
			want:   refused("the Authorization header is missing or empty"),
		},
		{
			name:   "none mode accepts a request without Authorization header",
			cfg:    Config{Mode: None},
			scopes: []string{"DataShare.Read.All"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn, _, err := New(tt.cfg)
			if err != nil {
				t.Fatalf("New() = %v", err)
			}
			got := fn(context.Background(), authInput(tt.authorization, tt.scheme, tt.scopes...))
			if tt.want == nil {
				if got != nil {
					t.Fatalf("authenticate() = %v, want nil", got)
				}
				return
			}
			var se *validator.SecurityError
			if !errors.As(got, &se) {
				t.Fatalf("authenticate() = %v (%T), want a *validator.SecurityError", got, got)
			}
			if diff := cmp.Diff(tt.want, se, cmpopts.IgnoreFields(validator.SecurityError{}, "Err")); diff != "" {
				t.Errorf("authenticate() mismatch (-want +got):\n%s", diff)
			}
			if tt.wantErr != nil && !errors.Is(se.Err, tt.wantErr) {
				t.Errorf("authenticate().Err = %v, want an error matching %v", se.Err, tt.wantErr)
			}
			if token, ok := strings.CutPrefix(tt.authorization, "Bearer "); ok && len(strings.TrimSpace(token)) > 0 {
				if strings.Contains(se.Reason, token) || strings.Contains(se.Error(), token) {
					t.Errorf("authenticate() = %q, which quotes the token", se.Error())
				}
			}
		})
	}
}

// TestAuthenticateKeyFormats checks that a public key is read from each PEM format.
func TestAuthenticateKeyFormats(t *testing.T) {
	t.Parallel()
	keys := newTestKeys(t)
	token := "Bearer " + sign(t, jwt.SigningMethodRS256, keys.rsa, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix(), "scp": "DataShare.Read.All"})

	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "login.microsoftonline.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	certDER, err := x509.CreateCertificate(rand.Reader, template, template, &keys.rsa.PublicKey, keys.rsa)
	if err != nil {
		t.Fatalf("x509.CreateCertificate() = %v", err)
	}
	tests := []struct {
		name string
		pem  []byte
	}{
		{name: "PUBLIC KEY", pem: publicKeyPEM(t, &keys.rsa.PublicKey)},
		{name: "RSA PUBLIC KEY", pem: pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&keys.rsa.PublicKey)})},
		{name: "CERTIFICATE", pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn, verified, err := New(Config{Mode: Scopes, PublicKeyPEM: tt.pem})
			if err != nil {
				t.Fatalf("New() = %v", err)
			}
			if !verified {
				t.Errorf("New() verified = false, want true")
			}
			if err := fn(context.Background(), authInput(token, nil, "DataShare.Read.All")); err != nil {
				t.Errorf("authenticate() = %v, want nil", err)
			}
		})
	}
}

func TestNewVerified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want bool
	}{
		{name: "none", cfg: Config{Mode: None}, want: false},
		{name: "bearer", cfg: Config{Mode: Bearer}, want: false},
		{name: "zero config", cfg: Config{}, want: false},
		{name: "scopes without a key", cfg: Config{Mode: Scopes}, want: false},
		{name: "scopes with an HMAC secret", cfg: Config{Mode: Scopes, HMACSecret: []byte("secret")}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn, got, err := New(tt.cfg)
			if err != nil {
				t.Fatalf("New() = %v", err)
			}
			if fn == nil {
				t.Errorf("New() returned a nil function")
			}
			if got != tt.want {
				t.Errorf("New() verified = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	keys := newTestKeys(t)
	rsaPEM := publicKeyPEM(t, &keys.rsa.PublicKey)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey() = %v", err)
	}
	privateDER, err := x509.MarshalPKCS8PrivateKey(keys.rsa)
	if err != nil {
		t.Fatalf("x509.MarshalPKCS8PrivateKey() = %v", err)
	}

	tests := []struct {
		name string
		cfg  Config
		want string // a part of the error message that names the problem
	}{
		{name: "unknown mode", cfg: Config{Mode: Mode(7)}, want: "unknown mode"},
		{name: "both keys", cfg: Config{Mode: Scopes, HMACSecret: keys.secret, PublicKeyPEM: rsaPEM}, want: "both"},
		{name: "HMAC secret in bearer mode", cfg: Config{Mode: Bearer, HMACSecret: keys.secret}, want: "bearer mode"},
		{name: "public key in none mode", cfg: Config{Mode: None, PublicKeyPEM: rsaPEM}, want: "none mode"},
		{name: "public key that is not PEM", cfg: Config{Mode: Scopes, PublicKeyPEM: []byte("not a PEM block")}, want: "no PEM block"},
		{
			name: "private key",
			cfg:  Config{Mode: Scopes, PublicKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privateDER})},
			want: "PRIVATE KEY",
		},
		{
			name: "corrupt public key",
			cfg:  Config{Mode: Scopes, PublicKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("garbage")})},
			want: "parsing the PUBLIC KEY",
		},
		{name: "ECDSA curve without a JWT algorithm", cfg: Config{Mode: Scopes, PublicKeyPEM: publicKeyPEM(t, &p224.PublicKey)}, want: "P-224"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn, verified, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New() = nil error, want an error naming %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() = %q, want an error naming %q", err, tt.want)
			}
			if fn != nil || verified {
				t.Errorf("New() = (%p, %t, _), want (nil, false, _) with an error", fn, verified)
			}
		})
	}
}

// TestAuthenticateRemembersOnlyWhatItMay checks that the remembered grant of the last token
// is used for that token only, and that its lifetime is checked at each call.
func TestAuthenticateRemembersOnlyWhatItMay(t *testing.T) {
	t.Parallel()
	secret := []byte("a test secret of at least 32 bytes, for HS256")
	var now atomic.Int64 // Unix seconds
	start := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	now.Store(start.Unix())
	fn, _, err := New(Config{Mode: Scopes, HMACSecret: secret, Now: func() time.Time { return time.Unix(now.Load(), 0) }})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	ctx := context.Background()
	token := "Bearer " + sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"exp": start.Add(time.Hour).Unix(), "scp": "DataShare.Read.All"})
	forged := "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("not the secret of the server, but long"), jwt.MapClaims{"exp": start.Add(time.Hour).Unix(), "scp": "DataShare.Read.All"})

	if err := fn(ctx, authInput(token, nil, "DataShare.Read.All")); err != nil {
		t.Fatalf("authenticate(token) = %v, want nil", err)
	}
	if err := fn(ctx, authInput(token, nil, "DataShare.ReadWrite.All")); !isRefusal(err, true) {
		t.Errorf("authenticate(token) for another scope = %v, want a 403 refusal", err)
	}
	if err := fn(ctx, authInput(forged, nil, "DataShare.Read.All")); !isRefusal(err, false) {
		t.Errorf("authenticate(forged) after token = %v, want a 401 refusal", err)
	}
	if err := fn(ctx, authInput(token, nil, "DataShare.Read.All")); err != nil {
		t.Errorf("authenticate(token) again = %v, want nil", err)
	}
	now.Store(start.Add(2 * time.Hour).Unix())
	err = fn(ctx, authInput(token, nil, "DataShare.Read.All"))
	if !isRefusal(err, false) || !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("authenticate(token) once expired = %v, want a 401 refusal for jwt.ErrTokenExpired", err)
	}
}

// TestAuthenticateConcurrently checks, under the race detector, that concurrent calls for
// different tokens never see the grant of another.
func TestAuthenticateConcurrently(t *testing.T) {
	t.Parallel()
	secret := []byte("a test secret of at least 32 bytes, for HS256")
	fn, _, err := New(Config{Mode: Scopes, HMACSecret: secret})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	const clients = 8
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i] = "Bearer " + sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix(), "scp": fmt.Sprintf("Scope.%d", i)})
	}
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for range 200 {
				for j := range clients {
					err := fn(context.Background(), authInput(tokens[i], nil, fmt.Sprintf("Scope.%d", j)))
					if granted := err == nil; granted != (i == j) {
						t.Errorf("authenticate(token %d) for Scope.%d = %v", i, j, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// isRefusal reports whether err is a *validator.SecurityError with Forbidden forbidden.
func isRefusal(err error, forbidden bool) bool {
	var se *validator.SecurityError
	return errors.As(err, &se) && se.Forbidden == forbidden
}

// BenchmarkAuthenticate measures one call of the authentication function in Scopes mode, for
// a valid token that grants the scope, with each kind of key: "same" presents the same token
// at each call (the calls for the requirements of one request, or a client that reuses its
// token), "alternating" presents two tokens in turn, so that every call parses and verifies.
func BenchmarkAuthenticate(b *testing.B) {
	keys := newTestKeys(b)
	claims := func(n int) jwt.MapClaims {
		return jwt.MapClaims{
			"exp": time.Now().Add(time.Hour).Unix(),
			"scp": "Files.Read DataShare.Read.All",
			"jti": fmt.Sprint(n),
		}
	}
	benchmarks := []struct {
		name string
		cfg  Config
		sign func(n int) string
	}{
		{
			name: "HS256",
			cfg:  Config{Mode: Scopes, HMACSecret: keys.secret},
			sign: func(n int) string { return sign(b, jwt.SigningMethodHS256, keys.secret, claims(n)) },
		},
		{
			name: "RS256",
			cfg:  Config{Mode: Scopes, PublicKeyPEM: publicKeyPEM(b, &keys.rsa.PublicKey)},
			sign: func(n int) string { return sign(b, jwt.SigningMethodRS256, keys.rsa, claims(n)) },
		},
		{
			name: "ES256",
			cfg:  Config{Mode: Scopes, PublicKeyPEM: publicKeyPEM(b, &keys.ec.PublicKey)},
			sign: func(n int) string { return sign(b, jwt.SigningMethodES256, keys.ec, claims(n)) },
		},
		{
			name: "unverified",
			cfg:  Config{Mode: Scopes},
			sign: func(n int) string { return sign(b, jwt.SigningMethodHS256, keys.secret, claims(n)) },
		},
	}
	for _, bm := range benchmarks {
		fn, _, err := New(bm.cfg)
		if err != nil {
			b.Fatalf("New() = %v", err)
		}
		inputs := []*openapi3filter.AuthenticationInput{
			authInput("Bearer "+bm.sign(1), nil, "DataShare.Read.All"),
			authInput("Bearer "+bm.sign(2), nil, "DataShare.Read.All"),
		}
		ctx := context.Background()
		b.Run(bm.name+"/same", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := fn(ctx, inputs[0]); err != nil {
					b.Fatalf("authenticate() = %v", err)
				}
			}
		})
		b.Run(bm.name+"/alternating", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := fn(ctx, inputs[i%2]); err != nil {
					b.Fatalf("authenticate() = %v", err)
				}
			}
		})
	}
}
