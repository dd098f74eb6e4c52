package wechattest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Webhook is a receiver for wxsign's alerts (ALERT_WEBHOOK), in the manner
// of a WeCom group robot or a Feishu bot: it records every POST so that a
// test can count the messages and read them, answers
// {"errcode":0,"errmsg":"ok"}, and can be told to answer HTTP 500 or not
// to answer in time. The zero value is a ready http.Handler; NewWebhook
// also serves it on a loopback port.
type Webhook struct {
	URL string // set by NewWebhook

	mu    sync.Mutex
	calls []WebhookCall
	fail  int           // answer this HTTP status instead, when not 0
	hang  time.Duration // wait this long before answering
	ts    *httptest.Server
}

// WebhookCall is one POST the webhook received.
type WebhookCall struct {
	At            time.Time
	Method        string
	Path          string // with the query
	ContentType   string
	ContentLength int64 // -1: the body came chunked
	Body          []byte
}

// NewWebhook starts a webhook on a loopback port; Close stops it.
func NewWebhook() *Webhook {
	h := &Webhook{}
	h.ts = httptest.NewServer(h)
	h.URL = h.ts.URL
	return h
}

// Close stops a webhook started by NewWebhook.
func (h *Webhook) Close() {
	if h.ts != nil {
		h.ts.CloseClientConnections()
		h.ts.Close()
	}
}

// Fail makes the webhook answer every call with HTTP status (500, 429, …);
// 0 makes it answer normally again.
func (h *Webhook) Fail(status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fail = status
}

// Hang makes the webhook wait d before answering (a receiver that does not
// answer in time); 0 answers at once.
func (h *Webhook) Hang(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hang = d
}

// Calls is every call so far, in order of arrival.
func (h *Webhook) Calls() []WebhookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]WebhookCall(nil), h.calls...)
}

// ServeHTTP records the call and answers as told.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h.mu.Lock()
	h.calls = append(h.calls, WebhookCall{At: time.Now(), Method: r.Method, Path: r.URL.RequestURI(),
		ContentType: r.Header.Get("Content-Type"), ContentLength: r.ContentLength, Body: body})
	fail, hang := h.fail, h.hang
	h.mu.Unlock()
	if hang > 0 {
		select {
		case <-time.After(hang):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if fail != 0 {
		w.WriteHeader(fail)
		w.Write([]byte(`{"errcode":-1,"errmsg":"system busy"}`))
		return
	}
	w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
}
