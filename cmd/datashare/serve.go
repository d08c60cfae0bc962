package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/datashare/datashare/server"
	"github.com/datashare/datashare/validator"
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
	responseValidation validator.Mode
	logFormat          string
	logLevel           slog.Level
	shutdownTimeout    time.Duration
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := serveConfig{addr: "127.0.0.1:8080", responseValidation: validator.Enforce, logFormat: "text"}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "the `host:port` to listen on; port 0 picks a free port")
	fs.TextVar(&cfg.responseValidation, "response-validation", cfg.responseValidation,
		"the `mode` of response validation, what to do with a response that breaks the contract:\n"+
			"enforce (never send it: answer 500 and log each violation), report (send it and log\n"+
			"each violation) or off (do not validate responses; requests are always validated)")
	fs.StringVar(&cfg.logFormat, "log-format", cfg.logFormat, "the `format` of the log on standard error: text or json")
	fs.TextVar(&cfg.logLevel, "log-level", cfg.logLevel, "the lowest `level` logged: debug, info, warn or error")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 10*time.Second,
		"how long a graceful shutdown waits for requests in flight")
	if err := parseFlags(fs, args, getenv, stdout, stderr, "datashare serve [flags]", serveDescription); err != nil {
		return err
	}
	logger, err := newLogger(stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return usageError{err}
	}

	srv, err := server.New(server.Config{ResponseValidation: cfg.responseValidation, Logger: logger})
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
	logger.Info("listening", slog.String("base_url", baseURL),
		slog.String("response_validation", cfg.responseValidation.String()))
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
