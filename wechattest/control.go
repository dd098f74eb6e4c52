package wechattest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// controlAPI serves /__standin/, the API tests in other processes drive
// the stand-in with (see the package comment).
func (s *Server) controlAPI() *http.ServeMux {
	m := http.NewServeMux()
	ok := func(w http.ResponseWriter) { writeJSON(w, map[string]bool{"ok": true}) }
	m.HandleFunc("GET /__standin/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.Stats()) })
	m.HandleFunc("GET /__standin/state", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if corpID := q.Get("corpid"); corpID != "" {
			st, found := s.Agent(corpID, q.Get("agentid"))
			if !found {
				http.Error(w, "unknown corpid or agentid", http.StatusNotFound)
				return
			}
			writeJSON(w, st)
			return
		}
		appID := q.Get("appid")
		if appID == "" {
			appID = s.AppID
		}
		st, found := s.App(appID)
		if !found {
			http.Error(w, "unknown appid", http.StatusNotFound)
			return
		}
		writeJSON(w, st)
	})
	m.HandleFunc("GET /__standin/tickets", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.Tickets()) })
	m.HandleFunc("GET /__standin/check", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]bool{"valid": s.TicketValid(r.URL.Query().Get("ticket"))})
	})
	m.HandleFunc("POST /__standin/verify", func(w http.ResponseWriter, r *http.Request) {
		var v Signed
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, s.Verify(v))
	})
	m.HandleFunc("POST /__standin/whitelist", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			IPs []string `json:"ips"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `want {"ips":["A.B.C.D",...]}`, http.StatusBadRequest)
			return
		}
		if err := s.SetWhitelist(req.IPs); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ok(w)
	})
	m.HandleFunc("POST /__standin/reset", func(w http.ResponseWriter, r *http.Request) { s.Reset(); ok(w) })
	m.HandleFunc("POST /__standin/config", func(w http.ResponseWriter, r *http.Request) {
		var c struct {
			ExpiresIn       int64 `json:"expires_in"`
			TicketExpiresIn int64 `json:"ticket_expires_in"`
		}
		if json.NewDecoder(r.Body).Decode(&c) != nil || c.ExpiresIn < 0 || c.TicketExpiresIn < 0 || c.ExpiresIn+c.TicketExpiresIn == 0 {
			http.Error(w, "want {\"expires_in\":N,\"ticket_expires_in\":M}", http.StatusBadRequest)
			return
		}
		if c.ExpiresIn > 0 {
			s.SetExpiresIn(c.ExpiresIn)
		}
		s.SetTicketExpiresIn(c.TicketExpiresIn)
		ok(w)
	})
	m.HandleFunc("POST /__standin/fault", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.SetFault(f); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ok(w)
	})
	m.HandleFunc("DELETE /__standin/fault", func(w http.ResponseWriter, r *http.Request) { s.ClearFaults(); ok(w) })
	s.componentControl(m, ok)
	return m
}

// componentControl serves /__standin/component/, the third-party
// platform's part of the control API.
func (s *Server) componentControl(m *http.ServeMux, ok func(http.ResponseWriter)) {
	type request struct {
		AppID    string `json:"appid"`
		InfoType string `json:"info_type"`
		Forge    string `json:"forge"`
		URL      string `json:"url"`
	}
	// handle decodes a request and answers what do returns: a Push, an
	// error (HTTP 400) or nil for {"ok":true}.
	handle := func(pattern string, do func(request) (any, error)) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			var req request
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, "want a JSON object: "+err.Error(), http.StatusBadRequest)
				return
			}
			v, err := do(req)
			switch {
			case err != nil:
				http.Error(w, err.Error(), http.StatusBadRequest)
			case v == nil:
				ok(w)
			default:
				writeJSON(w, v)
			}
		})
	}
	handle("POST /__standin/component/event_url", func(req request) (any, error) { return nil, s.SetEventURL(req.URL) })
	handle("POST /__standin/component/consent", func(req request) (any, error) { return nil, s.SetConsent(req.AppID) })
	handle("POST /__standin/component/rotate", func(req request) (any, error) { s.RotateRefreshToken(req.AppID); return nil, nil })
	handle("POST /__standin/component/unauthorize", func(req request) (any, error) { return s.Unauthorize(req.AppID) })
	handle("POST /__standin/component/push", func(req request) (any, error) {
		switch {
		case req.Forge != "":
			return s.PushForged(req.InfoType, req.AppID, req.Forge)
		case req.InfoType == "component_verify_ticket":
			return s.PushVerifyTicket()
		case req.InfoType == "unauthorized":
			return s.Unauthorize(req.AppID)
		case req.InfoType == "authorized" || req.InfoType == "updateauthorized":
			return s.Authorize(req.AppID, req.InfoType)
		}
		return nil, fmt.Errorf("info_type must be component_verify_ticket, authorized, updateauthorized or unauthorized, not %q", req.InfoType)
	})
	m.HandleFunc("GET /__standin/component/pushes", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.Pushes()) })
	m.HandleFunc("GET /__standin/component/state", func(w http.ResponseWriter, r *http.Request) {
		st, found := s.ComponentState()
		if !found {
			http.Error(w, errNoComponent.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, st)
	})
}
