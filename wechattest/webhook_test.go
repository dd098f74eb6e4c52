package wechattest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWebhook(t *testing.T) {
	h := NewWebhook()
	defer h.Close()
	post := func(ctx context.Context) (int, string, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", h.URL+"/cgi-bin/webhook/send?key=k", strings.NewReader(`{"text":"hi"}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), nil
	}
	if code, body, err := post(context.Background()); err != nil || code != 200 || body != `{"errcode":0,"errmsg":"ok"}` {
		t.Fatalf("%d %q %v", code, body, err)
	}
	h.Fail(500)
	if code, _, _ := post(context.Background()); code != 500 {
		t.Fatalf("told to fail: %d", code)
	}
	h.Fail(0)
	h.Hang(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := post(ctx); err == nil {
		t.Fatal("told to hang, it answered")
	}
	calls := h.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls recorded", len(calls))
	}
	c := calls[0]
	if c.Method != "POST" || c.Path != "/cgi-bin/webhook/send?key=k" || c.ContentType != "application/json" ||
		c.ContentLength != int64(len(`{"text":"hi"}`)) || string(c.Body) != `{"text":"hi"}` {
		t.Errorf("recorded %+v", c)
	}
}
