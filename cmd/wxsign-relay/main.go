package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command line and environment, parsed.
type options struct {
	listen string
	cfg    config
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("wxsign-relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", ":8080", "address to listen on")
	fs.StringVar(&o.cfg.Upstream, "upstream", "https://api.weixin.qq.com", "WeChat's API base URL (https://qyapi.weixin.qq.com for WeCom)")
	fs.StringVar(&o.cfg.Prefix, "prefix", "", "path prefix the callers use, stripped before forwarding, e.g. /wx")
	fs.StringVar(&o.cfg.Source, "source", "", "local IP address to dial upstream from (the whitelisted one, on a machine with several)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	o.cfg.Key = getenv("WXSIGN_RELAY_KEY")
	return o, nil
}

// newServer bounds every phase of a connection, since the relay faces the
// internet.
func newServer(h http.Handler, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      requestTimeout + 15*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          errorLog,
	}
}

func main() {
	logger := log.New(os.Stderr, "wxsign-relay: ", log.LstdFlags)
	o, err := parseOptions(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		logger.Fatal(err)
	}
	o.cfg.Log = logger
	h, err := newRelay(o.cfg)
	if err != nil {
		logger.Fatal(err)
	}
	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		logger.Fatal(err)
	}
	srv := newServer(h, logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	logger.Printf("listening on %s, forwarding to %s", l.Addr(), o.cfg.Upstream)

	select {
	case err := <-done:
		logger.Fatal(err)
	case <-ctx.Done():
	}
	stop()
	logger.Print("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Printf("shutdown: %v", err)
	}
}
