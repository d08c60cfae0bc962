package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datashare/datashare/server/auth"
	"github.com/golang-jwt/jwt/v5"
)

const (
	readScope  = "IndustryData-OutboundFlow.Read.All"
	writeScope = "IndustryData-OutboundFlow.ReadWrite.All"
)

// signed returns a bearer token signed with secret, whose claims are claims plus a lifetime.
func signed(tb testing.TB, secret string, claims jwt.MapClaims, lifetime time.Duration) string {
	tb.Helper()
	all := jwt.MapClaims{"aud": "https://graph.microsoft.com", "exp": time.Now().Add(lifetime).Unix()}
	for k, v := range claims {
		all[k] = v
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, all).SignedString([]byte(secret))
	if err != nil {
		tb.Fatal(err)
	}
	return "Bearer " + token
}

// TestPermissions proves each auth mode through the whole stack: 401 for a missing or invalid
// credential, 403 naming the permission an operation needs, success otherwise.
func TestPermissions(t *testing.T) {
	t.Parallel()
	const secret = "test-secret"
	newServer := func(mode auth.Mode, key string) *Server {
		cfg := auth.Config{Mode: mode}
		if key != "" {
			cfg.HMACSecret = []byte(key)
		}
		fn, _, err := auth.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return mustNew(t, Config{Authenticator: fn})
	}
	scopes := newServer(auth.Scopes, secret)
	unverified := newServer(auth.Scopes, "")
	bearer := newServer(auth.Bearer, "")
	none := newServer(auth.None, "")

	reader := signed(t, secret, jwt.MapClaims{"scp": readScope}, time.Hour)
	writer := signed(t, secret, jwt.MapClaims{"scp": "User.Read " + writeScope}, time.Hour)
	app := signed(t, secret, jwt.MapClaims{"roles": []string{writeScope}}, time.Hour)
	appReader := signed(t, secret, jwt.MapClaims{"roles": []string{readScope}}, time.Hour)
	expired := signed(t, secret, jwt.MapClaims{"scp": writeScope}, -time.Hour)
	wrongKey := signed(t, "another-secret", jwt.MapClaims{"scp": writeScope}, time.Hour)
	noScopes := signed(t, secret, jwt.MapClaims{}, time.Hour)

	tests := []struct {
		name        string
		srv         *Server
		method      string
		token       string
		wantStatus  int
		wantMessage string
	}{
		{name: "scopes: delegated Read.All reads", srv: scopes, method: http.MethodGet, token: reader, wantStatus: 200},
		{name: "scopes: delegated ReadWrite.All reads", srv: scopes, method: http.MethodGet, token: writer, wantStatus: 200},
		{name: "scopes: delegated ReadWrite.All writes", srv: scopes, method: http.MethodPost, token: writer, wantStatus: 201},
		{name: "scopes: application ReadWrite.All in roles writes", srv: scopes, method: http.MethodPost, token: app, wantStatus: 201},
		{name: "scopes: application Read.All in roles reads", srv: scopes, method: http.MethodGet, token: appReader, wantStatus: 200},
		{name: "scopes: Read.All cannot write", srv: scopes, method: http.MethodPost, token: reader, wantStatus: 403, wantMessage: writeScope},
		{name: "scopes: application Read.All cannot write", srv: scopes, method: http.MethodPost, token: appReader, wantStatus: 403, wantMessage: writeScope},
		{name: "scopes: no permission cannot read, and is told both that would do", srv: scopes, method: http.MethodGet, token: noScopes,
			wantStatus: 403, wantMessage: readScope + " or " + writeScope},
		{name: "scopes: expired token", srv: scopes, method: http.MethodGet, token: expired, wantStatus: 401, wantMessage: "expired"},
		{name: "scopes: token signed with another key", srv: scopes, method: http.MethodGet, token: wrongKey, wantStatus: 401, wantMessage: "signature"},
		{name: "scopes: not a JWT", srv: scopes, method: http.MethodGet, token: "Bearer opaque", wantStatus: 401},
		{name: "scopes: no Authorization", srv: scopes, method: http.MethodGet, wantStatus: 401},
		{name: "scopes without a key: any signature passes", srv: unverified, method: http.MethodPost, token: wrongKey, wantStatus: 201},
		{name: "scopes without a key: expired tokens still fail", srv: unverified, method: http.MethodGet, token: expired, wantStatus: 401},
		{name: "scopes without a key: permissions still count", srv: unverified, method: http.MethodPost, token: reader, wantStatus: 403},
		{name: "bearer: any token passes", srv: bearer, method: http.MethodPost, token: "Bearer opaque", wantStatus: 201},
		{name: "bearer: no Authorization", srv: bearer, method: http.MethodGet, wantStatus: 401},
		{name: "none: no Authorization passes", srv: none, method: http.MethodPost, wantStatus: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := ""
			if tt.method == http.MethodPost {
				body = createBody
			}
			rec := do(t, tt.srv, tt.method, flowsURL, body, "Authorization", tt.token)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, body %s; want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			switch tt.wantStatus {
			case 401:
				checkEnvelope(t, rec, 401, CodeUnauthorized)
			case 403:
				checkEnvelope(t, rec, 403, CodeForbidden)
			}
			if !strings.Contains(rec.Body.String(), tt.wantMessage) {
				t.Errorf("body %s; want it to mention %q", rec.Body, tt.wantMessage)
			}
			if tt.token != "" && len(tt.token) > 20 && strings.Contains(rec.Body.String(), strings.TrimPrefix(tt.token, "Bearer ")) {
				t.Errorf("the error echoes the token")
			}
		})
	}
}
