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
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/datashare/datashare/server"
	"github.com/datashare/datashare/validator"
	"github.com/datashare/datashare/validator/proxy"
	"github.com/datashare/datashare/validator/recording"
)

const proxyDescription = `Runs a reverse proxy that checks the traffic between a client and an upstream server against
the contract. In report mode it forwards everything and logs each violation; in enforce mode a
request that breaks the contract is answered 400 (or 401, 403, 404, 405, 406, 415) in the error
envelope without reaching the upstream, and a response that breaks it is replaced by a 502 in
the error envelope that lists its violations. --record appends every exchange, with its
violations, to a HAR file that 'datashare validate' reads back. Bodies larger than --max-body
are streamed and not validated; responses are streamed in report mode.
`

func runProxy(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var (
		upstream, addr, specPath, mode, recordPath, basePath, logFormat string
		maxBody                                                         int64
		logLevel                                                        slog.Level
	)
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	fs.StringVar(&upstream, "upstream", "", "the `URL` of the server to forward to (required), such as http://127.0.0.1:8080")
	fs.StringVar(&addr, "addr", "127.0.0.1:8081", "the `host:port` to listen on; port 0 picks a free port")
	fs.StringVar(&specPath, "spec", "", "the OpenAPI 3.0 `file` to check against; empty means the embedded contract")
	mode = "report"
	fs.Var(choice{&mode, []string{"enforce", "report"}}, "mode", "`enforce` (refuse invalid requests, replace invalid responses) or report (forward and log)")
	fs.StringVar(&recordPath, "record", "", "a HAR `file` to append every exchange to, with its violations")
	fs.StringVar(&basePath, "base-path", "", "the `path` under which the operations are served, instead of the path of the contract's servers")
	fs.Int64Var(&maxBody, "max-body", proxy.DefaultMaxBody, "the largest body, in `bytes`, buffered to be validated")
	fs.StringVar(&logFormat, "log-format", "text", "the `format` of the log on standard error: text or json")
	fs.TextVar(&logLevel, "log-level", slog.LevelInfo, "the lowest `level` logged: debug, info, warn or error")
	if err := parseFlags(fs, args, getenv, stdout, stderr, "datashare proxy --upstream URL [flags]", proxyDescription); err != nil {
		return err
	}
	if upstream == "" {
		return usageError{errors.New("proxy: --upstream is required")}
	}
	up, err := url.Parse(upstream)
	if err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" {
		return usageError{fmt.Errorf("--upstream %q: want an absolute http or https URL such as http://127.0.0.1:8080", upstream)}
	}
	if err := checkBasePath(basePath); err != nil {
		return usageError{err}
	}
	var vmode validator.Mode
	switch mode {
	case "enforce":
		vmode = validator.Enforce
	case "report":
		vmode = validator.Report
	default:
		return usageError{fmt.Errorf("--mode %q: want enforce or report", mode)}
	}
	logger, err := newLogger(stderr, logFormat, logLevel)
	if err != nil {
		return usageError{err}
	}
	doc, specName, err := loadContract(specPath)
	if err != nil {
		return usageError{err}
	}
	var opts []validator.Option
	if basePath != "" {
		opts = append(opts, validator.WithBasePath(basePath))
	}
	v, err := validator.New(doc, opts...)
	if err != nil {
		return usageError{fmt.Errorf("contract %s: %w", specName, err)}
	}
	cfg := proxy.Config{Validator: v, Upstream: up, Mode: vmode, Logger: logger, MaxBody: maxBody, RenderError: server.RenderError}
	if recordPath != "" {
		w, err := recording.OpenHAR(recordPath, "datashare proxy", "1")
		if err != nil {
			return usageError{fmt.Errorf("--record: %w", err)}
		}
		defer w.Close()
		cfg.Record = w
	}
	p, err := proxy.New(cfg)
	if err != nil {
		return usageError{err}
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("proxying", slog.String("addr", ln.Addr().String()), slog.String("upstream", up.String()),
		slog.String("mode", mode), slog.String("contract", specName))
	fmt.Fprintf(stdout, "datashare proxying http://%s to %s\n", ln.Addr(), up)

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}
