package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// exampleFixture is the fixture the documentation gives as an example.
const exampleFixture = "../../server/fixture/example.yaml"

// get sends GET url with the bearer token, if any, and returns the status and the body.
func get(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, body
}

// values returns the ids and display names of the "value" of a collection.
func values(t *testing.T, body []byte) []string {
	t.Helper()
	var collection struct {
		Value []struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
		} `json:"value"`
	}
	if err := json.Unmarshal(body, &collection); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	var out []string
	for _, v := range collection.Value {
		out = append(out, v.ID+" "+v.DisplayName)
	}
	return out
}

func TestServeSeedsSessions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
		args []string
	}{
		{name: "--seed loads the fixture", args: []string{"--addr", "127.0.0.1:0", "--seed", exampleFixture}},
		{name: "DATASHARE_SEED loads the fixture", vars: map[string]string{"DATASHARE_ADDR": "127.0.0.1:0", "DATASHARE_SEED": exampleFixture}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, log := startServe(t, tt.vars, tt.args...)

			status, body := get(t, base+"/industryData/dataShareOutgoingFlows", "t")
			if status != http.StatusOK {
				t.Fatalf("GET flows: status = %d; want 200; body %s; log:\n%s", status, body, log)
			}
			wantFlows := []string{
				"3baf174c-174c-3baf-4c17-af3b4c17af3b Contoso student records",
				"5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f Fabrikam attendance",
				"8f2a3b4c-5d6e-4f7a-9b8c-0d1e2f3a4b5c Woodgrove grades",
			}
			if diff := cmp.Diff(wantFlows, values(t, body)); diff != "" {
				t.Errorf("GET flows: the fixture's flows, in its order: mismatch (-want +got):\n%s", diff)
			}

			status, body = get(t, base+"/industryData/dataShareOutgoingFlows/getPotentialDataShareInvitees", "t")
			if status != http.StatusOK {
				t.Fatalf("GET getPotentialDataShareInvitees: status = %d; want 200; body %s", status, body)
			}
			wantAdmins := []string{
				"2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b Megan Bowen",
				"6e9a4b7c-1d2e-4f3a-9b8c-7d6e5f4a3b2c Alex Wilber",
			}
			if diff := cmp.Diff(wantAdmins, values(t, body)); diff != "" {
				t.Errorf("GET getPotentialDataShareInvitees: the fixture's Global Administrators: mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServeFlagErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badSeed := filepath.Join(dir, "bad-seed.yaml")
	const badYAML = `directory:
  - id: 2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b
    displayName: Megan Bowen
    globalAdministrator: true
  - id: 9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d
    displayName: Lee Gu
flows:
  - id: 3baf174c-174c-3baf-4c17-af3b4c17af3b
    displayName: Contoso student records
    readinessStatus: almostReady
    inviteeUserIds:
      - 9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d
    sharingState: running
    shareName: contoso_student_records
`
	if err := os.WriteFile(badSeed, []byte(badYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	missingSeed := filepath.Join(dir, "missing.yaml")
	const entry = "flows[0] (id 3baf174c-174c-3baf-4c17-af3b4c17af3b)"

	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		wantMsgs []string
	}{
		{name: "a seed that breaks the contract names the file, the entry and each property",
			args: []string{"--seed", badSeed},
			wantMsgs: []string{"--seed", badSeed, "2 problems",
				entry + ": readinessStatus: must be one of",
				entry + ": inviteeUserIds[0]: is not a Global Administrator"}},
		{name: "a missing seed file is named", args: []string{"--seed", missingSeed}, wantMsgs: []string{"--seed", missingSeed}},
		{name: "a missing seed file from the environment is named", vars: map[string]string{"DATASHARE_SEED": missingSeed},
			wantMsgs: []string{missingSeed}},
		{name: "a fault rate above 1", args: []string{"--fault-rate", "1.5"}, wantMsgs: []string{"--fault-rate", "1.5"}},
		{name: "a negative fault rate", args: []string{"--fault-rate", "-0.1"}, wantMsgs: []string{"--fault-rate"}},
		{name: "a fault rate that is not a number", args: []string{"--fault-rate", "NaN"}, wantMsgs: []string{"--fault-rate"}},
		{name: "a fault rate that is no number", args: []string{"--fault-rate", "often"}, wantMsgs: []string{"-fault-rate", "often"}},
		{name: "a fault rate from the environment above 1", vars: map[string]string{"DATASHARE_FAULT_RATE": "1.5"},
			wantMsgs: []string{"fault-rate", "1.5"}},
		{name: "a fault code that is no number", args: []string{"--fault-codes", "abc"}, wantMsgs: []string{"--fault-codes", "abc"}},
		{name: "a fault code that is no HTTP status", args: []string{"--fault-codes", "99"}, wantMsgs: []string{"--fault-codes", "99"}},
		{name: "one bad fault code among good ones", args: []string{"--fault-codes", "429,5xx"}, wantMsgs: []string{"--fault-codes", "5xx"}},
		{name: "a fault rate with no fault codes", args: []string{"--fault-rate", "0.5", "--fault-codes", ""},
			wantMsgs: []string{"--fault-codes"}},
		{name: "a latency range from high to low", args: []string{"--latency", "200ms..20ms"}, wantMsgs: []string{"--latency", "200ms..20ms"}},
		{name: "a latency that is no duration", args: []string{"--latency", "x"}, wantMsgs: []string{"--latency", `"x"`}},
		{name: "a negative latency", args: []string{"--latency", "-5ms"}, wantMsgs: []string{"--latency", "-5ms"}},
		{name: "a rate limit of an unknown unit", args: []string{"--rate-limit", "10/x"}, wantMsgs: []string{"--rate-limit", "10/x"}},
		{name: "a negative rate limit", args: []string{"--rate-limit", "-1/s"}, wantMsgs: []string{"--rate-limit", "-1/s"}},
		{name: "a rate limit without a unit", args: []string{"--rate-limit", "10"}, wantMsgs: []string{"--rate-limit"}},
		{name: "no session allowed", args: []string{"--max-sessions", "0"}, wantMsgs: []string{"--max-sessions", "0"}},
		{name: "a negative session TTL", args: []string{"--session-ttl", "-1m"}, wantMsgs: []string{"--session-ttl", "-1m"}},
		{name: "a session TTL that is no duration", args: []string{"--session-ttl", "1 hour"}, wantMsgs: []string{"-session-ttl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Should run start serving by mistake, the deadline ends it and the test fails.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args := append([]string{"datashare", "serve", "--addr", "127.0.0.1:0"}, tt.args...)
			var stdout, stderr syncBuffer
			err := run(ctx, args, env(tt.vars), &stdout, &stderr)
			if err == nil {
				t.Fatalf("run(%q) = nil; want an error", args)
			}
			var report syncBuffer
			if code := exitCode(err, &report); code != 2 {
				t.Errorf("exit code = %d; want 2 (a bad command line); reported %q", code, report.String())
			}
			for _, want := range tt.wantMsgs {
				if !strings.Contains(report.String(), want) {
					t.Errorf("reported %q; want it to contain %q", report.String(), want)
				}
			}
		})
	}
}

func TestServeHelpDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"datashare", "serve", "--help"}, env(nil), &stdout, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run(serve --help) = %v; want flag.ErrHelp", err)
	}
	help := stdout.String()
	tests := []struct {
		flag     string
		env      string
		wantText []string
	}{
		{flag: "seed", env: "DATASHARE_SEED", wantText: []string{"--seed file", "fixture", "reset"}},
		{flag: "session-ttl", env: "DATASHARE_SESSION_TTL", wantText: []string{"X-Datashare-Session", `default "30m0s"`}},
		{flag: "max-sessions", env: "DATASHARE_MAX_SESSIONS", wantText: []string{`default "1000"`}},
		{flag: "control-token", env: "DATASHARE_CONTROL_TOKEN", wantText: []string{"--control-token token", "/_datashare", "loopback"}},
		{flag: "fault-rate", env: "DATASHARE_FAULT_RATE", wantText: []string{"--fault-rate probability", "0 to 1", "--fault-codes"}},
		{flag: "fault-codes", env: "DATASHARE_FAULT_CODES", wantText: []string{"--fault-codes statuses", `default "429,503"`}},
		{flag: "latency", env: "DATASHARE_LATENCY", wantText: []string{"--latency delay", "50ms", "20ms..200ms"}},
		{flag: "rate-limit", env: "DATASHARE_RATE_LIMIT", wantText: []string{"--rate-limit rate", "10/s", "600/m", "429", "Retry-After"}},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			t.Parallel()
			doc := flagDoc(help, tt.flag)
			if doc == "" {
				t.Fatalf("serve --help does not document --%s:\n%s", tt.flag, help)
			}
			for _, want := range append(tt.wantText, "environment "+tt.env+")") {
				if !strings.Contains(doc, want) {
					t.Errorf("the help of --%s lacks %q:\n%s", tt.flag, want, doc)
				}
			}
		})
	}
}

// flagDoc returns the lines of help that document the flag name, "" if none does.
func flagDoc(help, name string) string {
	_, doc, ok := strings.Cut(help, "\n  --"+name+" ")
	if !ok {
		if _, doc, ok = strings.Cut(help, "\n  --"+name+"\n"); !ok {
			return ""
		}
	}
	doc, _, _ = strings.Cut(doc, "\n  --")
	return "  --" + name + " " + doc
}

func TestServeControlToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		vars       map[string]string
		args       []string
		token      string
		wantStatus int
	}{
		{name: "with --control-token, a request without the token is refused",
			args: []string{"--control-token", "s3cret"}, wantStatus: http.StatusUnauthorized},
		{name: "with --control-token, a request with another token is refused",
			args: []string{"--control-token", "s3cret"}, token: "guess", wantStatus: http.StatusUnauthorized},
		{name: "with --control-token, a request with the token is served",
			args: []string{"--control-token", "s3cret"}, token: "s3cret", wantStatus: http.StatusOK},
		{name: "DATASHARE_CONTROL_TOKEN sets the token",
			vars: map[string]string{"DATASHARE_CONTROL_TOKEN": "s3cret"}, wantStatus: http.StatusUnauthorized},
		{name: "DATASHARE_CONTROL_TOKEN sets the token the request must give",
			vars: map[string]string{"DATASHARE_CONTROL_TOKEN": "s3cret"}, token: "s3cret", wantStatus: http.StatusOK},
		{name: "without a control token, a loopback client needs none", wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, _ := startServe(t, tt.vars, append([]string{"--addr", "127.0.0.1:0"}, tt.args...)...)
			root := strings.TrimSuffix(base, "/beta")
			status, body := get(t, root+"/_datashare/sessions", tt.token)
			if status != tt.wantStatus {
				t.Errorf("GET /_datashare/sessions: status = %d; want %d; body %s", status, tt.wantStatus, body)
			}
		})
	}
}
