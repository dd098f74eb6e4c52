// Command wechat-standin serves the project's WeChat stand-in (package
// wechattest) for local runs and end-to-end tests. Its first line on
// stdout is "wechat-standin listening on http://HOST:PORT".
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/wxsign/wxsign/wechattest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	appID := flag.String("appid", "wxdev0123456789ab", "the app id the stand-in accepts")
	secret := flag.String("secret", "dev-secret-not-for-production", "the app secret the stand-in accepts (never printed)")
	expires := flag.Int64("expires-in", 7200, "lifetime of issued tokens and tickets, in seconds")
	flag.Parse()

	s := wechattest.New(*appID, *secret)
	s.SetExpiresIn(*expires)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wechat-standin listening on http://%s (appid %s)\n", l.Addr(), *appID)
	srv := &http.Server{Handler: s.Handler()}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
