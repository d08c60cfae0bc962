package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that run may write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// startServe runs `datashare serve` with args and environment vars until the test ends, and
// returns the base URL it announces once it is healthy, and its log.
func startServe(t *testing.T, vars map[string]string, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"datashare", "serve"}, args...), env(vars), stdoutW, stderr)
		stdoutW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run() after cancel = %v; want nil (graceful shutdown)", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("run() did not return within 10 s of the cancellation")
		}
	})

	lines := bufio.NewScanner(stdoutR)
	if !lines.Scan() {
		t.Fatalf("run printed nothing on stdout; stderr:\n%s", stderr)
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	base, ok := strings.CutPrefix(lines.Text(), "datashare serving ")
	if !ok {
		t.Fatalf("stdout = %q; want \"datashare serving <base URL>\"", lines.Text())
	}
	root := strings.TrimSuffix(base, "/beta")
	waitHealthy(t, root+"/healthz")
	return base, stderr
}

// waitHealthy polls url until it answers 200, for 5 s at most.
func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy within 5 s: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeEndToEnd runs the server through run on port 0, as a user would, and creates a flow
// over a real connection.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	base, log := startServe(t, nil, "--addr", "127.0.0.1:0")

	body := `{"displayName":"e2e","readinessStatus":"notReady","inviteeUserIds":["2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"],"sharingState":"pending","shareName":"e2e"}`
	req, err := http.NewRequest(http.MethodPost, base+"/industryData/dataShareOutgoingFlows", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer e2e")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: status = %d; want 201", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, base+"/industryData/dataShareOutgoingFlows/") {
		t.Errorf("Location = %q; want a URL under %s", loc, base)
	}
	requestID := resp.Header.Get("request-id")
	for _, want := range []string{"method=POST", "path=/beta/industryData/dataShareOutgoingFlows", "status=201", "duration=", "request-id=" + requestID} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log has no request line with %q; log:\n%s", want, log)
		}
	}
}

func TestServeTakesSettingsFromEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		wantLogs []string
	}{
		{
			name:     "environment sets the flags",
			vars:     map[string]string{"DATASHARE_ADDR": "127.0.0.1:0", "DATASHARE_RESPONSE_VALIDATION": "report", "DATASHARE_LOG_FORMAT": "json"},
			wantLogs: []string{`"response_validation":"report"`},
		},
		{
			name:     "scopes mode without a key warns that tokens are not verified",
			args:     []string{"--addr", "127.0.0.1:0", "--auth", "scopes"},
			wantLogs: []string{"auth=scopes", "WITHOUT verifying"},
		},
		{
			name:     "a flag wins over its variable",
			vars:     map[string]string{"DATASHARE_RESPONSE_VALIDATION": "report"},
			args:     []string{"--addr", "127.0.0.1:0", "--response-validation", "off"},
			wantLogs: []string{"response_validation=off"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, log := startServe(t, tt.vars, tt.args...)
			for _, want := range tt.wantLogs {
				if !strings.Contains(log.String(), want) {
					t.Errorf("log lacks %q; log:\n%s", want, log)
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantErr   error
		wantInOut []string
	}{
		{name: "datashare --help lists the commands", args: []string{"datashare", "--help"},
			wantInOut: []string{"serve", "DATASHARE_"}},
		{name: "datashare help lists the commands", args: []string{"datashare", "help"},
			wantInOut: []string{"serve"}},
		{name: "datashare serve --help explains every flag", args: []string{"datashare", "serve", "--help"}, wantErr: flag.ErrHelp,
			wantInOut: []string{"--addr", "DATASHARE_ADDR", "127.0.0.1:8080", "--response-validation", "enforce", "report", "off",
				"DATASHARE_RESPONSE_VALIDATION", "--log-format", "--log-level", "--shutdown-timeout",
				"--auth", "scopes", "--jwt-secret", "--jwt-public-key", "--public-url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr syncBuffer
			err := run(context.Background(), tt.args, env(nil), &stdout, &stderr)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("run(%q) = %v; want %v", tt.args, err, tt.wantErr)
			}
			if code := exitCode(err, io.Discard); code != 0 {
				t.Errorf("exit code = %d; want 0", code)
			}
			for _, want := range tt.wantInOut {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
		})
	}
}

func TestCommandLineErrors(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // not defer: the parallel subtests run after this function returns

	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		wantCode int
		wantMsg  string
	}{
		{name: "no command", args: []string{"datashare"}, wantCode: 2, wantMsg: "no command"},
		{name: "unknown command", args: []string{"datashare", "serv"}, wantCode: 2, wantMsg: `unknown command "serv"`},
		{name: "unknown flag", args: []string{"datashare", "serve", "--adr", "x"}, wantCode: 2, wantMsg: "-adr"},
		{name: "bad response validation mode", args: []string{"datashare", "serve", "--response-validation", "strict"}, wantCode: 2, wantMsg: "strict"},
		{name: "bad mode in the environment names the variable", args: []string{"datashare", "serve"},
			vars: map[string]string{"DATASHARE_RESPONSE_VALIDATION": "strict"}, wantCode: 2, wantMsg: "DATASHARE_RESPONSE_VALIDATION"},
		{name: "bad log format", args: []string{"datashare", "serve", "--log-format", "xml"}, wantCode: 2, wantMsg: "xml"},
		{name: "unexpected argument", args: []string{"datashare", "serve", "extra"}, wantCode: 2, wantMsg: `unexpected argument "extra"`},
		{name: "bad auth mode", args: []string{"datashare", "serve", "--auth", "jwt"}, wantCode: 2, wantMsg: "jwt"},
		{name: "a JWT key in bearer mode", args: []string{"datashare", "serve", "--jwt-secret", "s"}, wantCode: 2, wantMsg: "--auth bearer"},
		{name: "a missing public key file", args: []string{"datashare", "serve", "--auth", "scopes", "--jwt-public-key", "/nonexistent/key.pem"},
			wantCode: 2, wantMsg: "/nonexistent/key.pem"},
		{name: "a public URL without a scheme", args: []string{"datashare", "serve", "--public-url", "mock.example.org"}, wantCode: 2, wantMsg: "mock.example.org"},
		{name: "address in use", args: []string{"datashare", "serve", "--addr", busy.Addr().String()}, wantCode: 1, wantMsg: busy.Addr().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Should run start serving by mistake, the deadline ends it and the test fails.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr syncBuffer
			err := run(ctx, tt.args, env(tt.vars), &stdout, &stderr)
			if err == nil {
				t.Fatalf("run(%q) = nil; want an error", tt.args)
			}
			var report syncBuffer
			if code := exitCode(err, &report); code != tt.wantCode {
				t.Errorf("exit code = %d; want %d", code, tt.wantCode)
			}
			if !strings.Contains(report.String(), tt.wantMsg) {
				t.Errorf("reported %q; want it to contain %q", report.String(), tt.wantMsg)
			}
		})
	}
}
