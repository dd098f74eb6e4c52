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
	"strconv"
	"strings"
	"syscall"

	"github.com/wxsign/wxsign/wechattest"
)

func main() {
	s, addr, pushes, err := setup(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(banner(l.Addr().String(), s.AppID))
	if pushes {
		if _, err := s.StartTicketPushes(); err != nil {
			log.Fatal(err)
		}
	}
	srv := &http.Server{Handler: s.Handler()}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		s.Close()
		srv.Close()
	}()
	if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// banner is the first line on stdout, which make dev and the e2e harness
// read the URL from.
func banner(addr, appID string) string {
	return fmt.Sprintf("wechat-standin listening on http://%s (appid %s)", addr, appID)
}

// setup builds the stand-in from the command line, the platform's flags
// defaulting to the environment (getenv); it returns the address to listen
// on and whether to push verify tickets every 10 minutes.
func setup(args []string, getenv func(string) string, stderr io.Writer) (*wechattest.Server, string, bool, error) {
	fs := flag.NewFlagSet("wechat-standin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	appID := fs.String("appid", "wxdev0123456789ab", "the app id the stand-in accepts")
	secret := fs.String("secret", "dev-secret-not-for-production", "the app secret the stand-in accepts (never printed)")
	apps := fs.String("apps", "", "more apps, `appid:secret,...`")
	corp := fs.String("corp", "", "a WeCom corpid the stand-in accepts, with -agents")
	agents := fs.String("agents", "", "the WeCom corp's agents, `agentid:secret,...`")
	whitelist := fs.String("whitelist", "", "IPs allowed to fetch tokens, `ip,...`; empty: every IP")
	expires := fs.Int64("expires-in", 7200, "lifetime of issued tokens and tickets, in seconds")
	env := func(name, usage string) *string {
		return fs.String(name, getenv(envName(name)), usage+" (env "+envName(name)+")")
	}
	compAppID := env("component-appid", "a third-party platform's component_appid; the other -component flags go with it")
	compSecret := env("component-secret", "the platform's component_appsecret (never printed)")
	compToken := env("component-token", "the platform's message token")
	compKey := env("component-aes-key", "the platform's 43-character EncodingAESKey")
	eventURL := env("component-event-url", "the platform's authorization event URL, where pushes go")
	domain := env("component-domain", "the platform's launch page domain; empty: not checked")
	authorizers := env("authorizers", "accounts that may authorize the platform, `appid[:id|id...],...` (permission sets; default: all)")
	pushes := fs.Bool("component-pushes", false, "push a component_verify_ticket now and every 10 minutes, as WeChat does")
	if err := fs.Parse(args); err != nil {
		return nil, "", false, err
	}
	fail := func(format string, a ...any) (*wechattest.Server, string, bool, error) {
		err := fmt.Errorf(format, a...)
		fmt.Fprintln(stderr, "wechat-standin:", err)
		return nil, "", false, err
	}
	s := wechattest.New(*appID, *secret)
	s.SetExpiresIn(*expires)
	more, err := pairs(*apps)
	if err != nil {
		return fail("-apps: %v", err)
	}
	for _, p := range more {
		s.AddApp(p[0], p[1])
	}
	list, err := pairs(*agents)
	switch {
	case err != nil:
		return fail("-agents: %v", err)
	case (*corp == "") != (len(list) == 0):
		return fail("-corp and -agents go together")
	case *corp != "":
		m := map[string]string{}
		for _, p := range list {
			if _, dup := m[p[0]]; dup {
				return fail("-agents: agent %s twice", p[0])
			}
			m[p[0]] = p[1]
		}
		seen := map[string]bool{}
		for _, p := range list {
			if seen[p[1]] {
				return fail("-agents: two agents share a secret")
			}
			seen[p[1]] = true
		}
		s.AddCorp(*corp, m)
	}
	if *whitelist != "" {
		if err := s.SetWhitelist(strings.Split(*whitelist, ",")); err != nil {
			return fail("-whitelist: %v", err)
		}
	}
	if *compAppID == "" {
		if *compSecret+*compToken+*compKey+*eventURL+*domain+*authorizers != "" || *pushes {
			return fail("the -component flags and -authorizers need -component-appid")
		}
		return s, *addr, false, nil
	}
	if err := s.SetComponent(wechattest.Component{AppID: *compAppID, Secret: *compSecret, Token: *compToken,
		EncodingAESKey: *compKey, EventURL: *eventURL, Domain: *domain}); err != nil {
		return fail("%v", err)
	}
	for _, item := range strings.Split(*authorizers, ",") {
		if item == "" {
			continue
		}
		appID, list, _ := strings.Cut(item, ":")
		var funcs []int
		for _, f := range strings.Split(list, "|") {
			if f == "" {
				continue
			}
			id, err := strconv.Atoi(f)
			if err != nil || id <= 0 {
				return fail("-authorizers: %q is not a permission set id", f)
			}
			funcs = append(funcs, id)
		}
		if appID == "" {
			return fail("-authorizers: %q has no appid", item)
		}
		s.AddAuthorizer(appID, funcs...)
	}
	return s, *addr, *pushes, nil
}

// envName is the environment variable a platform flag defaults to.
func envName(flagName string) string {
	return "WECHAT_STANDIN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// pairs splits "a:b,c:d" into [a b] [c d]; a value may contain ':'.
func pairs(list string) ([][2]string, error) {
	var out [][2]string
	if list == "" {
		return nil, nil
	}
	for _, item := range strings.Split(list, ",") {
		k, v, ok := strings.Cut(item, ":")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not id:secret", item)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}
