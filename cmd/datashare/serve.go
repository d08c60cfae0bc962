package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/server"
	"github.com/datashare/datashare/server/auth"
	"github.com/datashare/datashare/server/faults"
	"github.com/datashare/datashare/server/fixture"
	"github.com/datashare/datashare/server/store"
	"github.com/datashare/datashare/validator"
	"github.com/getkin/kin-openapi/openapi3filter"
)

const serveDescription = `Runs the contract server: a stateful stand-in for https://graph.microsoft.com/beta. A client
changes only scheme, host and port: the base URL is http://<addr>/beta. Every request is
validated against the embedded contract (GET /openapi.yaml serves it); so is every response,
as --response-validation says. GET /healthz answers 200 while the server is up. SIGINT or
SIGTERM shuts the server down gracefully.
`

// serveConfig is what the flags of serve set.
type serveConfig struct {
	addr               string
	publicURL          string
	responseValidation validator.Mode
	authMode           auth.Mode
	jwtSecret          string
	jwtPublicKey       string
	logFormat          string
	logLevel           slog.Level
	shutdownTimeout    time.Duration
	seed               string
	sessionTTL         time.Duration
	maxSessions        int
	controlToken       string
	faultRate          float64
	faultCodes         string
	latency            string
	rateLimit          string
	store              string
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := serveConfig{addr: "127.0.0.1:8080", responseValidation: validator.Enforce, authMode: auth.Bearer, logFormat: "text",
		sessionTTL: 30 * time.Minute, maxSessions: 1000, faultCodes: "429,503", store: "memory"}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "the `host:port` to listen on; port 0 picks a free port")
	fs.StringVar(&cfg.publicURL, "public-url", "",
		"the absolute `URL` clients reach the server at, for the URLs in answers (@odata.nextLink,\n"+
			"Location, @odata.context); empty means the scheme and host of each request")
	fs.TextVar(&cfg.authMode, "auth", cfg.authMode,
		"how credentials are checked (`mode`): none (not at all), bearer (any non-empty Bearer\n"+
			"token) or scopes (a JWT whose scp or roles grant the permissions of the operation)")
	fs.StringVar(&cfg.jwtSecret, "jwt-secret", "",
		"with --auth scopes: the HMAC `secret` that signs tokens (HS256); without it or\n"+
			"--jwt-public-key, tokens are decoded unverified")
	fs.StringVar(&cfg.jwtPublicKey, "jwt-public-key", "",
		"with --auth scopes: a PEM `file` with the public key (or certificate) that signs tokens\n"+
			"(RS256, PS256, ES256)")
	fs.TextVar(&cfg.responseValidation, "response-validation", cfg.responseValidation,
		"the `mode` of response validation, what to do with a response that breaks the contract:\n"+
			"enforce (never send it: answer 500 and log each violation), report (send it and log\n"+
			"each violation) or off (do not validate responses; requests are always validated)")
	fs.StringVar(&cfg.logFormat, "log-format", cfg.logFormat, "the `format` of the log on standard error: text or json")
	fs.TextVar(&cfg.logLevel, "log-level", cfg.logLevel, "the lowest `level` logged: debug, info, warn or error")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 10*time.Second,
		"how long a graceful shutdown waits for requests in flight")
	fs.StringVar(&cfg.store, "store", cfg.store,
		"where the state is kept (`store`): memory; bolt:PATH, a bbolt file created if missing,\n"+
			"which survives restarts; or a PostgreSQL URL (postgres://user@host:5432/db), whose schema\n"+
			"is created or migrated at start-up, shared by several replicas")
	fs.StringVar(&cfg.seed, "seed", "",
		"a fixture `file` (JSON or YAML: flows, their runs, the tenant's directory) that every\n"+
			"session starts with and returns to on reset; checked at start-up")
	fs.DurationVar(&cfg.sessionTTL, "session-ttl", cfg.sessionTTL,
		"how long a session (X-Datashare-Session) lives unused before it is dropped; 0: forever")
	fs.IntVar(&cfg.maxSessions, "max-sessions", cfg.maxSessions, "the most named sessions the server holds at once (the default session is not counted), 1 or more")
	fs.StringVar(&cfg.controlToken, "control-token", "",
		"the `token` the control API (/_datashare) asks of every client; without it, the control\n"+
			"API answers only on the loopback interface")
	fs.Float64Var(&cfg.faultRate, "fault-rate", 0,
		"the `probability`, 0 to 1, of answering a request with one of --fault-codes that its\n"+
			"operation documents")
	fs.StringVar(&cfg.faultCodes, "fault-codes", cfg.faultCodes, "the `statuses` --fault-rate injects, comma separated")
	fs.StringVar(&cfg.latency, "latency", "",
		"a `delay` added to every request, fixed (50ms) or a uniform random range (20ms..200ms)")
	fs.StringVar(&cfg.rateLimit, "rate-limit", "",
		"the `rate` of requests each client may send (10/s, 600/m), by bearer token, else by\n"+
			"address; beyond it, 429 with Retry-After")
	if err := parseFlags(fs, args, getenv, stdout, stderr, "datashare serve [flags]", serveDescription); err != nil {
		return err
	}
	logger, err := newLogger(stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return usageError{err}
	}

	authenticator, err := newAuthenticator(cfg, logger)
	if err != nil {
		return usageError{err}
	}
	if err := checkPublicURL(cfg.publicURL); err != nil {
		return usageError{err}
	}
	if err := checkSessions(cfg); err != nil {
		return usageError{err}
	}
	seed, err := loadSeed(cfg.seed)
	if err != nil {
		return usageError{err}
	}
	injected, err := faultConfig(cfg)
	if err != nil {
		return usageError{err}
	}
	backend, err := openBackend(ctx, cfg.store)
	if err != nil {
		return err
	}
	defer backend.Close()
	srv, err := server.New(server.Config{
		Backend:            backend,
		ResponseValidation: cfg.responseValidation,
		Logger:             logger,
		Authenticator:      authenticator,
		PublicURL:          cfg.publicURL,
		Seed:               seed,
		SessionTTL:         cfg.sessionTTL,
		MaxSessions:        cfg.maxSessions,
		ControlToken:       cfg.controlToken,
		Faults:             injected,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.addr, err)
	}
	httpServer := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(ln) }()

	baseURL := "http://" + ln.Addr().String() + srv.BasePath()
	logger.Info("listening", slog.String("base_url", baseURL), slog.String("store", backend.Name()),
		slog.String("response_validation", cfg.responseValidation.String()),
		slog.String("auth", cfg.authMode.String()))
	fmt.Fprintf(stdout, "datashare serving %s\n", baseURL)

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// newAuthenticator builds the credential check of --auth, reading --jwt-public-key.
func newAuthenticator(cfg serveConfig, logger *slog.Logger) (openapi3filter.AuthenticationFunc, error) {
	ac := auth.Config{Mode: cfg.authMode}
	if cfg.jwtSecret != "" {
		ac.HMACSecret = []byte(cfg.jwtSecret)
	}
	if cfg.jwtPublicKey != "" {
		pem, err := os.ReadFile(cfg.jwtPublicKey)
		if err != nil {
			return nil, fmt.Errorf("--jwt-public-key: %w", err)
		}
		ac.PublicKeyPEM = pem
	}
	fn, verified, err := auth.New(ac)
	if err != nil {
		return nil, fmt.Errorf("--auth %s: %w", cfg.authMode, err)
	}
	if cfg.authMode == auth.Scopes && !verified {
		logger.Warn("access tokens are decoded WITHOUT verifying their signature: pass --jwt-secret or --jwt-public-key to verify them")
	}
	return fn, nil
}

// loadSeed reads and checks the fixture of --seed; nil when there is none.
func loadSeed(path string) (*store.Fixture, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--seed: %w", err)
	}
	contract, err := gen.Spec()
	if err != nil {
		return nil, err
	}
	control, err := server.ControlSpec()
	if err != nil {
		return nil, err
	}
	checker, err := fixture.NewChecker(contract, control)
	if err != nil {
		return nil, err
	}
	f, err := checker.Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("--seed: %w", err)
	}
	return &f, nil
}

// faultConfig turns the fault flags into the server's configuration.
func faultConfig(cfg serveConfig) (faults.Config, error) {
	fc := faults.Config{Rate: cfg.faultRate}
	if math.IsNaN(cfg.faultRate) || cfg.faultRate < 0 || cfg.faultRate > 1 {
		return fc, fmt.Errorf("--fault-rate %v: want a probability from 0 to 1", cfg.faultRate)
	}
	var err error
	if fc.Codes, err = faults.ParseCodes(cfg.faultCodes); err != nil {
		return fc, fmt.Errorf("--fault-codes: %w", err)
	}
	if fc.Rate > 0 && len(fc.Codes) == 0 {
		return fc, fmt.Errorf("--fault-codes %q: --fault-rate %v needs at least one status to inject", cfg.faultCodes, cfg.faultRate)
	}
	if cfg.latency != "" {
		if fc.LatencyMin, fc.LatencyMax, err = faults.ParseLatency(cfg.latency); err != nil {
			return fc, fmt.Errorf("--latency: %w", err)
		}
	}
	if cfg.rateLimit != "" {
		if fc.RateLimit, err = faults.ParseRateLimit(cfg.rateLimit); err != nil {
			return fc, fmt.Errorf("--rate-limit: %w", err)
		}
	}
	return fc, nil
}

// checkSessions refuses session limits the server cannot keep: no session at all, or a
// negative TTL (0 is the one that means forever).
func checkSessions(cfg serveConfig) error {
	if cfg.maxSessions < 1 {
		return fmt.Errorf("--max-sessions %d: want 1 or more", cfg.maxSessions)
	}
	if cfg.sessionTTL < 0 {
		return fmt.Errorf("--session-ttl %v: want 0 (forever) or more", cfg.sessionTTL)
	}
	return nil
}

// checkPublicURL refuses a --public-url that is not an absolute http(s) URL.
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--public-url %q: want an absolute http or https URL", s)
	}
	return nil
}

func newLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("unknown log format %q: want text or json", format)
}
