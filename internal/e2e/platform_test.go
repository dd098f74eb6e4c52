//go:build e2e

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The third-party platform the stand-in models and the Worker is set up
// for: its EncodingAESKey is WeChat's published sample's.
const (
	platformID     = "wxcomponent00001a"
	platformSecret = "component-secret-0123456789"
	platformToken  = "component-message-token"
	platformAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// push is what the stand-in records of a push and the Worker's answer.
type push struct {
	InfoType string `json:"info_type"`
	Forge    string `json:"forge"`
	Status   int    `json:"status"`
	Answer   string `json:"answer"`
	OK       bool   `json:"ok"`
}

// platformState is the stand-in's view of the platform.
type platformState struct {
	Authorizers map[string]struct {
		Authorized   bool   `json:"authorized"`
		RefreshToken string `json:"refresh_token"`
		AccessToken  string `json:"access_token"`
		Ticket       string `json:"ticket"`
	} `json:"authorizers"`
}

func (s *standin) platform(t testing.TB) platformState {
	t.Helper()
	var st platformState
	if err := json.Unmarshal(s.control(t, "GET", "/__standin/component/state", nil), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *standin) push(t testing.TB, body map[string]any) push {
	t.Helper()
	var p push
	if err := json.Unmarshal(s.control(t, "POST", "/__standin/component/push", body), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// authorizerList is /component/authorizers' answer.
type authorizerList struct {
	ErrCode     int `json:"errcode"`
	Authorizers []struct {
		AppID       string `json:"appid"`
		AccessToken struct {
			Usable      bool `json:"usable"`
			LastErrCode int  `json:"last_errcode"`
		} `json:"access_token"`
	} `json:"authorizers"`
}

func (w *worker) authorizers(t testing.TB) authorizerList {
	t.Helper()
	r := w.do(t, "GET", "/component/authorizers", nil, bearer(testAPIKey))
	var l authorizerList
	if err := json.Unmarshal(r.Body, &l); err != nil || r.Status != 200 {
		t.Fatalf("/component/authorizers: %s", r)
	}
	return l
}

// noRedirect is a client that shows a redirect instead of following it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}

// TestPlatform: a third-party platform end to end. WeChat pushes the
// verify ticket; an account authorizes the platform through
// /component/authorize, WeChat's page and /component/callback; its pages
// are signed with its own ticket and never another's; forged pushes
// change nothing; a rotated refresh token is followed; the cron keeps the
// authorizer's credentials; and once the account withdraws, its signing
// stops.
func TestPlatform(t *testing.T) {
	const acctA, acctB = "wxauthorizer0001a", "wxauthorizer0002b"
	wc := startStandin(t, "-component-appid", platformID, "-component-secret", platformSecret,
		"-component-token", platformToken, "-component-aes-key", platformAESKey, "-authorizers", acctA+","+acctB)
	w := startWorker(t, wc, map[string]string{
		"COMPONENT_APPID": platformID, "COMPONENT_APPSECRET": platformSecret, "COMPONENT_TOKEN": platformToken,
		"COMPONENT_AES_KEY": platformAESKey, "COMPONENT_ALLOWED_HOSTS": "shop.example.com",
		"COMPONENT_LOGIN_BASE": wc.URL, "COMPONENT_MOBILE_LOGIN_BASE": wc.URL,
	})
	wc.control(t, "POST", "/__standin/component/event_url", map[string]string{"url": w.URL + "/component/event"})
	// Tokens and tickets of 40 s: usable for 30, due at every cron run,
	// and dead while the test watches.
	wc.control(t, "POST", "/__standin/config", map[string]any{"expires_in": 40, "ticket_expires_in": 40})
	t.Cleanup(func() {
		if t.Failed() {
			time.Sleep(2 * time.Second)
			t.Logf("wrangler dev:\n%s", w.logs)
		}
	})
	page := "https://shop.example.com/item?id=7"

	wantError(t, "an account that authorized nothing", w.get(t, configPath(page)+"&appid="+acctA), 404, 1031)

	t.Run("the verify ticket is pushed", func(t *testing.T) {
		if p := wc.push(t, map[string]any{"info_type": "component_verify_ticket"}); !p.OK || p.Answer != "success" {
			t.Fatalf("push: %+v", p)
		}
	})

	var callback string
	t.Run("an account authorizes the platform", func(t *testing.T) {
		req, _ := http.NewRequest("GET", w.URL+"/component/authorize", nil)
		req.Header.Set("Authorization", "Bearer "+testAPIKey)
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(res.Body)
		res.Body.Close()
		loc, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != 302 || loc == nil || !strings.HasPrefix(loc.String(), wc.URL+"/cgi-bin/componentloginpage?") ||
			loc.Query().Get("component_appid") != platformID || loc.Query().Get("redirect_uri") != w.URL+"/component/callback" {
			t.Fatalf("/component/authorize: %d %s, Location %q", res.StatusCode, answer, res.Header.Get("Location"))
		}
		wantError(t, "without the API key", w.get(t, "/component/authorize"), 401, 1040)

		wc.control(t, "POST", "/__standin/component/consent", map[string]string{"appid": acctA})
		res, err = noRedirect.Get(loc.String())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		callback = res.Header.Get("Location")
		if res.StatusCode != 302 || !strings.HasPrefix(callback, w.URL+"/component/callback?auth_code=") {
			t.Fatalf("WeChat's page: %d, Location %q", res.StatusCode, callback)
		}
		r := w.get(t, strings.TrimPrefix(callback, w.URL))
		if r.Status != 200 || !strings.Contains(string(r.Body), acctA) || !strings.Contains(string(r.Body), "已授权") {
			t.Fatalf("/component/callback: %s", r)
		}
		if l := w.authorizers(t); len(l.Authorizers) != 1 || l.Authorizers[0].AppID != acctA || !l.Authorizers[0].AccessToken.Usable {
			t.Fatalf("/component/authorizers: %+v", l)
		}
	})

	t.Run("its pages verify with its own ticket", func(t *testing.T) {
		own := verify(t, w.get(t, configPath(page)), wc.ticket(t), page) // the Worker's own account's
		p := verifyApp(t, w.get(t, configPath(page)+"&appid="+acctA), acctA, wc.platform(t).Authorizers[acctA].Ticket, page)
		if p.Signature == sign(wc.ticket(t), p.NonceStr, p.Timestamp, page) || own.AppID == acctA {
			t.Fatal("an authorizer's page verifies with the Worker's own account's ticket")
		}
		wantError(t, "another account, not authorized", w.get(t, configPath(page)+"&appid="+acctB), 404, 1031)
		wantError(t, "a host the platform's pages are not on", w.get(t, configPath("https://evil.example.net/")+"&appid="+acctA), 403, 1010)
	})

	t.Run("forged pushes change nothing", func(t *testing.T) {
		before := wc.platform(t)
		for _, forge := range []string{"signature", "appid", "truncate", "padding"} {
			p := wc.push(t, map[string]any{"info_type": "unauthorized", "appid": acctA, "forge": forge})
			if p.OK || p.Status < 400 || p.Status >= 500 {
				t.Fatalf("forged (%s) push: %+v, want a 4xx", forge, p)
			}
		}
		if l := w.authorizers(t); len(l.Authorizers) != 1 || l.Authorizers[0].AppID != acctA {
			t.Fatalf("after forged pushes: %+v", l)
		}
		verifyApp(t, w.get(t, configPath(page)+"&appid="+acctA), acctA, before.Authorizers[acctA].Ticket, page)
	})

	t.Run("a rotated refresh token is followed, and the cron keeps the credentials", func(t *testing.T) {
		wc.control(t, "POST", "/__standin/component/rotate", map[string]string{"appid": acctA})
		before := wc.platform(t).Authorizers[acctA]
		// The first refresh hands out a new refresh token, and only a
		// refresh with it gets a token after that: two new access tokens
		// after the rotation mean the new one was kept and used.
		tokens := map[string]bool{before.AccessToken: true}
		deadline := time.Now().Add(90 * time.Second)
		for {
			time.Sleep(3 * time.Second)
			w.cron(t)
			st := wc.platform(t).Authorizers[acctA]
			tokens[st.AccessToken] = true
			if st.RefreshToken != before.RefreshToken && len(tokens) >= 3 && st.Ticket != before.Ticket {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the rotation: %d access tokens, refresh token rotated %v, new ticket %v; %+v",
					len(tokens), st.RefreshToken != before.RefreshToken, st.Ticket != before.Ticket, w.authorizers(t))
			}
		}
	})

	t.Run("withdrawn, its signing stops", func(t *testing.T) {
		if p := wc.push(t, map[string]any{"info_type": "unauthorized", "appid": acctA}); !p.OK {
			t.Fatalf("unauthorized push: %+v", p)
		}
		wantError(t, "a withdrawn account", w.get(t, configPath(page)+"&appid="+acctA), 404, 1031)
		if l := w.authorizers(t); len(l.Authorizers) != 0 {
			t.Fatalf("after the withdrawal: %+v", l)
		}
	})

	// WeChat's pushes and the authorizations ran in the Go program, started
	// once in the isolate; the platform's credential passes did not need it.
	if n := strings.Count(w.logs.String(), programStarted); n != 1 {
		t.Errorf("the Go program started %d times, want once", n)
	}
}
