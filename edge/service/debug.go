package service

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/wxsign/wxsign/core"
)

// errOtherApp refuses ?appid= naming an app this Worker does not sign for.
var errOtherApp = &core.Error{Code: core.ErrBadRequest.Code, Status: 400, Msg: "appid is not the app this Worker signs for"}

// serveDebugInfo answers GET /debug/info?url=<page URL>[&appid=] for the
// debug page: what /config would sign for the page, with the canonical
// string shown and the ticket redacted (core.App.DebugInfo).
func (s *Service) serveDebugInfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != "GET" && r.Method != "HEAD" {
		w.Header().Set("Allow", "GET")
		writeError(w, core.ErrMethod, 0)
		return
	}
	q := r.URL.Query()
	if id := q.Get("appid"); id != "" && id != s.Settings.AppID {
		writeError(w, errOtherApp, 0)
		return
	}
	page := q.Get("url")
	app := s.Settings.App()
	// A URL /config would refuse is refused before a ticket is fetched.
	if _, err := core.PageURL(page); err != nil {
		writeError(w, asCoreError(err), 0)
		return
	}
	if !app.Hosts.AllowsURL(page) {
		writeError(w, core.ErrHostForbidden, 0)
		return
	}
	rec, ok := s.debugTicket(w, r)
	if !ok {
		return
	}
	d, err := app.DebugInfo(page, &rec, core.NewNonce(), s.now())
	if err != nil {
		writeError(w, err, 0)
		return
	}
	writeRaw(w, d.AppendJSON(nil))
}

// checkRequest is POST /debug/check's body. The timestamp is taken as a
// JSON number or a string of digits, as a pasted wx.config may have it.
type checkRequest struct {
	URL       string      `json:"url"`
	SignedURL string      `json:"signed_url"`
	AppID     string      `json:"appId"`
	Timestamp json.Number `json:"timestamp"`
	NonceStr  string      `json:"nonceStr"`
	Signature string      `json:"signature"`
}

// serveDebugCheck answers POST /debug/check: why the pasted wx.config
// fails (core.App.Check), with the current and the previous ticket.
func (s *Service) serveDebugCheck(w http.ResponseWriter, r *http.Request) {
	if r.Method != "POST" {
		w.Header().Set("Allow", "POST")
		writeError(w, core.ErrMethod, 0)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, core.MaxBodyLen+1))
	if err != nil {
		writeError(w, core.ErrBadRequest, 0)
		return
	}
	if len(body) > core.MaxBodyLen {
		writeError(w, core.ErrBodyTooLarge, 0)
		return
	}
	var req checkRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, &core.Error{Code: core.ErrBadRequest.Code, Status: 400,
			Msg: `malformed request: send JSON {"url","signed_url","appId","timestamp","nonceStr","signature"}`}, 0)
		return
	}
	ts, _ := strconv.ParseInt(strings.TrimSpace(req.Timestamp.String()), 10, 64) // unreadable: 0, reported as missing
	rec, ok := s.debugTicket(w, r)
	if !ok {
		return
	}
	app := s.Settings.App()
	res := app.Check(core.CheckInput{PageURL: req.URL, SignedURL: req.SignedURL, AppID: req.AppID,
		NonceStr: req.NonceStr, Signature: req.Signature, Timestamp: ts}, rec.Value, rec.Prev, s.now())
	writeRaw(w, res.AppendJSON(nil))
}

// debugTicket returns a usable ticket as /config's cold path does, or
// answers with the error.
func (s *Service) debugTicket(w http.ResponseWriter, r *http.Request) (core.Record, bool) {
	if !s.Settings.OK() {
		writeError(w, s.notConfigured(), core.RetryAfterSeconds)
		return core.Record{}, false
	}
	rec, rerr := s.coldTicket(r.Context())
	if rerr != nil {
		writeError(w, rerr.Error, retryAfter(rerr.RetryAt, s.now()))
		return core.Record{}, false
	}
	return rec, true
}

func asCoreError(err error) *core.Error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	}
	return core.ErrBadRequest
}

// writeRaw sends a JSON body made by core.
func writeRaw(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(200)
	w.Write(body)
}
