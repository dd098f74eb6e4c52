package api

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/cred"
	"github.com/wxsign/wxsign/internal/testkit"
)

func TestLoadSettingsApps(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		apps     []AppSettings
		problems []string
		anyApps  bool // what a refused setting leaves in Apps is not part of the contract
	}{
		{
			name: "single app, trimmed",
			env:  map[string]string{"WECHAT_APPID": " wxA1 \n", "WECHAT_APPSECRET": " sA \n", "ALLOWED_HOSTS": "h.example.com"},
			apps: []AppSettings{{AppID: "wxA1", Secret: "sA", AllowedHosts: "h.example.com"}},
		},
		{
			name: "single app, its own secret wins",
			env:  map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "plain", "WECHAT_APPSECRET_wxA1": "own"},
			apps: []AppSettings{{AppID: "wxA1", Secret: "own"}},
		},
		{
			name: "single app, no secret",
			env:  map[string]string{"WECHAT_APPID": "wxA1"},
			apps: []AppSettings{{AppID: "wxA1"}},
			// The single-app name, not WECHAT_APPSECRET_wxA1: existing deployments set that one.
			problems: []string{"WECHAT_APPSECRET is not set (npx wrangler secret put WECHAT_APPSECRET)"},
		},
		{
			name: "two apps with their own secrets and hosts",
			env: map[string]string{"WECHAT_APPID": "wxA1, wxB2", "WECHAT_APPSECRET_wxA1": "sA", "WECHAT_APPSECRET_wxB2": "sB",
				"ALLOWED_HOSTS": "a.example.com", "ALLOWED_HOSTS_wxB2": "b.example.com, *.b.example.com"},
			apps: []AppSettings{{AppID: "wxA1", Secret: "sA", AllowedHosts: "a.example.com"},
				{AppID: "wxB2", Secret: "sB", AllowedHosts: "b.example.com, *.b.example.com"}},
		},
		{
			name:     "two apps: WECHAT_APPSECRET is nobody's",
			env:      map[string]string{"WECHAT_APPID": "wxA1,wxB2", "WECHAT_APPSECRET": "plain", "WECHAT_APPSECRET_wxA1": "sA"},
			apps:     []AppSettings{{AppID: "wxA1", Secret: "sA"}, {AppID: "wxB2"}},
			problems: []string{"WECHAT_APPSECRET_wxB2 is not set (npx wrangler secret put WECHAT_APPSECRET_wxB2)"},
		},
		{
			name:     "two apps, neither secret",
			env:      map[string]string{"WECHAT_APPID": "wxA1,wxB2"},
			apps:     []AppSettings{{AppID: "wxA1"}, {AppID: "wxB2"}},
			problems: []string{"WECHAT_APPSECRET_wxA1 is not set", "WECHAT_APPSECRET_wxB2 is not set"},
		},
		{
			name:     "a blank ALLOWED_HOSTS_<APPID> does not override",
			env:      map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA", "ALLOWED_HOSTS": "a.example.com", "ALLOWED_HOSTS_wxA1": "  "},
			apps:     []AppSettings{{AppID: "wxA1", Secret: "sA", AllowedHosts: "a.example.com"}},
			problems: nil,
		},
		{
			name:     "duplicate",
			env:      map[string]string{"WECHAT_APPID": "wxA1,wxA1", "WECHAT_APPSECRET_wxA1": "sA"},
			problems: []string{"WECHAT_APPID lists wxA1 twice"},
			anyApps:  true,
		},
		{
			name:     "not an AppID",
			env:      map[string]string{"WECHAT_APPID": "wx-A1,wxB2", "WECHAT_APPSECRET_wxB2": "sB"},
			problems: []string{`WECHAT_APPID: "wx-A1" is not an AppID`},
			anyApps:  true,
		},
		{
			name:     "empty entries are skipped",
			env:      map[string]string{"WECHAT_APPID": ",wxA1,,", "WECHAT_APPSECRET": "sA"},
			apps:     []AppSettings{{AppID: "wxA1", Secret: "sA"}},
			problems: nil,
		},
		{
			name:     "nothing configured",
			env:      map[string]string{},
			problems: []string{"WECHAT_APPID is not set"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := LoadSettings(testkit.Env(tt.env))
			if !tt.anyApps && !reflect.DeepEqual(s.Apps, tt.apps) {
				t.Errorf("Apps = %+v, want %+v", s.Apps, tt.apps)
			}
			if why := testkit.HasProblems(s.Problems, tt.problems); why != "" {
				t.Error(why)
			}
			if s.OK() != (len(tt.problems) == 0) {
				t.Errorf("OK() = %v with problems %q", s.OK(), s.Problems)
			}
		})
	}
}

func TestLoadSettingsWeCom(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		wecom    *WeComSettings
		problems []string
		anyWeCom bool // what a refused setting leaves in WeCom is not part of the contract
	}{
		{
			name: "a corp with two agents, no official account",
			env: map[string]string{"WECOM_CORPID": " ww01 ", "WECOM_AGENTS": "1000002, 1000003", "WECOM_SECRET_1000002": "s2",
				"WECOM_SECRET_1000003": "s3", "ALLOWED_HOSTS": "a.example.com", "ALLOWED_HOSTS_ww01": "w.example.com"},
			wecom: &WeComSettings{CorpID: "ww01", AllowedHosts: "w.example.com",
				Agents: []AgentSettings{{AgentID: "1000002", Secret: "s2"}, {AgentID: "1000003", Secret: "s3"}}},
		},
		{
			name:     "an agent without its secret",
			env:      map[string]string{"WECOM_CORPID": "ww01", "WECOM_AGENTS": "1000002,1000003", "WECOM_SECRET_1000002": "s2"},
			wecom:    &WeComSettings{CorpID: "ww01", Agents: []AgentSettings{{AgentID: "1000002", Secret: "s2"}, {AgentID: "1000003"}}},
			problems: []string{"WECOM_SECRET_1000003 is not set (npx wrangler secret put WECOM_SECRET_1000003)"},
		},
		{
			name:     "agents without a corp",
			env:      map[string]string{"WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "s2"},
			wecom:    &WeComSettings{Agents: []AgentSettings{{AgentID: "1000002", Secret: "s2"}}},
			problems: []string{"WECOM_CORPID is not set"},
		},
		{
			name:     "a corp without agents",
			env:      map[string]string{"WECOM_CORPID": "ww01"},
			wecom:    &WeComSettings{CorpID: "ww01"},
			problems: []string{"WECOM_AGENTS is not set"},
		},
		{
			name:     "bad and repeated agents",
			env:      map[string]string{"WECOM_CORPID": "ww01", "WECOM_AGENTS": "10a,1000002,1000002", "WECOM_SECRET_1000002": "s2"},
			wecom:    &WeComSettings{CorpID: "ww01", Agents: []AgentSettings{{AgentID: "10a"}, {AgentID: "1000002", Secret: "s2"}, {AgentID: "1000002", Secret: "s2"}}},
			problems: []string{`WECOM_AGENTS: "10a" is not an AgentID`, "WECOM_AGENTS lists 1000002 twice"},
		},
		{
			name:     "not a CorpID",
			env:      map[string]string{"WECOM_CORPID": "ww/01", "WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "s2"},
			wecom:    &WeComSettings{CorpID: "ww/01", Agents: []AgentSettings{{AgentID: "1000002", Secret: "s2"}}},
			problems: []string{"WECOM_CORPID is not set or not a CorpID"},
		},
		{
			name: "no WeCom at all",
			env:  map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := LoadSettings(testkit.Env(tt.env))
			if !tt.anyWeCom && !reflect.DeepEqual(s.WeCom, tt.wecom) {
				t.Errorf("WeCom = %+v, want %+v", s.WeCom, tt.wecom)
			}
			if why := testkit.HasProblems(s.Problems, tt.problems); why != "" {
				t.Error(why)
			}
		})
	}
}

func TestLoadSettingsOptions(t *testing.T) {
	base := map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA"}
	tests := []struct {
		name     string
		env      map[string]string
		check    func(Settings) string
		problems []string
	}{
		{name: "defaults", env: nil, check: func(s Settings) string {
			want := []string{"ALLOWED_HOSTS is not set", "API_KEY is not set"}
			if s.TokenMode != ModeStable || s.APIBase != cred.DefaultAPIBase || s.WeComAPIBase != cred.DefaultWeComAPIBase ||
				s.RefreshMargin != cred.DefaultRefreshMargin || s.RelayKey != "" || s.APIKey != "" {
				return fmt.Sprintf("%+v", s)
			}
			return testkit.HasProblems(s.Warnings, want)
		}},
		{name: "API bases lose a trailing slash, keep a path", env: map[string]string{
			"WECHAT_API_BASE": "https://relay.example.com/wx/", "WECOM_API_BASE": " http://relay.example.com/qy// "},
			check: func(s Settings) string {
				if s.APIBase != "https://relay.example.com/wx" || s.WeComAPIBase != "http://relay.example.com/qy" {
					return s.APIBase + " " + s.WeComAPIBase
				}
				return ""
			}},
		{name: "API base not http", env: map[string]string{"WECHAT_API_BASE": "ftp://x", "WECOM_API_BASE": "qyapi.weixin.qq.com"},
			problems: []string{"WECHAT_API_BASE must be an http(s) URL", "WECOM_API_BASE must be an http(s) URL"}},
		{name: "classic mode, any case", env: map[string]string{"WECHAT_TOKEN_MODE": " Classic "},
			check: func(s Settings) string { return cmp(s.TokenMode, ModeClassic) }},
		{name: "unknown mode", env: map[string]string{"WECHAT_TOKEN_MODE": "fast"},
			problems: []string{`WECHAT_TOKEN_MODE must be "stable" or "classic"`}},
		{name: "secrets and keys trimmed", env: map[string]string{"API_KEY": " k1 \n", "WECHAT_RELAY_KEY": "r1\n", "ALLOWED_HOSTS": "h.example.com", "WECHAT_API_BASE": "https://relay.example.com/wx"},
			check: func(s Settings) string {
				if s.APIKey != "k1" || s.RelayKey != "r1" || len(s.Warnings) != 0 {
					return fmt.Sprintf("%q %q %q", s.APIKey, s.RelayKey, s.Warnings)
				}
				return ""
			}},
	}
	for _, m := range []struct {
		value string
		want  int64 // 0: a problem
	}{{"59", 0}, {"60", 60}, {" 600 ", 600}, {"7000", 7000}, {"7001", 0}, {"-60", 0}, {"6e2", 0}, {"ten", 0}} {
		tt := struct {
			name     string
			env      map[string]string
			check    func(Settings) string
			problems []string
		}{name: "REFRESH_MARGIN=" + m.value, env: map[string]string{"REFRESH_MARGIN": m.value}}
		if m.want == 0 {
			tt.problems = []string{"REFRESH_MARGIN must be a whole number of seconds from 60 to 7000"}
			tt.check = func(s Settings) string {
				return cmp(fmt.Sprint(s.RefreshMargin), fmt.Sprint(cred.DefaultRefreshMargin))
			}
		} else {
			want := m.want
			tt.check = func(s Settings) string { return cmp(fmt.Sprint(s.RefreshMargin), fmt.Sprint(want)) }
		}
		tests = append(tests, tt)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			s := LoadSettings(testkit.Env(env))
			if why := testkit.HasProblems(s.Problems, tt.problems); why != "" {
				t.Error(why)
			}
			if tt.check != nil {
				if why := tt.check(s); why != "" {
					t.Error(why)
				}
			}
		})
	}
}

func cmp(got, want string) string {
	if got != want {
		return fmt.Sprintf("got %q, want %q", got, want)
	}
	return ""
}

// twoApps is the settings of two official accounts and a WeCom corp with
// two agents.
var twoApps = map[string]string{
	"WECHAT_APPID": "wxA1,wxB2", "WECHAT_APPSECRET_wxA1": "sA", "WECHAT_APPSECRET_wxB2": "sB",
	"WECOM_CORPID": "ww01", "WECOM_AGENTS": "1000002,1000003", "WECOM_SECRET_1000002": "s2", "WECOM_SECRET_1000003": "s3",
}

func TestKeys(t *testing.T) {
	type want struct {
		name   string // KV key
		kind   *cred.Kind
		token  string // the KV key of Token, "" for none
		secret string
	}
	tests := []struct {
		name string
		env  map[string]string
		keys []want
	}{
		{
			name: "one app, stable tokens: existing deployments' KV keys",
			env:  map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA"},
			keys: []want{
				{"wxsign:wxA1:access_token", cred.StableToken, "", "sA"},
				{"wxsign:wxA1:jsapi_ticket", cred.JSAPITicket, "wxsign:wxA1:access_token", "sA"},
				{"wxsign:wxA1:wx_card_ticket", cred.CardTicket, "wxsign:wxA1:access_token", "sA"},
			},
		},
		{
			name: "classic tokens keep the KV key",
			env:  map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA", "WECHAT_TOKEN_MODE": "classic"},
			keys: []want{
				{"wxsign:wxA1:access_token", cred.ClassicToken, "", "sA"},
				{"wxsign:wxA1:jsapi_ticket", cred.JSAPITicket, "wxsign:wxA1:access_token", "sA"},
				{"wxsign:wxA1:wx_card_ticket", cred.CardTicket, "wxsign:wxA1:access_token", "sA"},
			},
		},
		{
			name: "two apps and two WeCom agents",
			env:  twoApps,
			keys: []want{
				{"wxsign:wxA1:access_token", cred.StableToken, "", "sA"},
				{"wxsign:wxA1:jsapi_ticket", cred.JSAPITicket, "wxsign:wxA1:access_token", "sA"},
				{"wxsign:wxA1:wx_card_ticket", cred.CardTicket, "wxsign:wxA1:access_token", "sA"},
				{"wxsign:wxB2:access_token", cred.StableToken, "", "sB"},
				{"wxsign:wxB2:jsapi_ticket", cred.JSAPITicket, "wxsign:wxB2:access_token", "sB"},
				{"wxsign:wxB2:wx_card_ticket", cred.CardTicket, "wxsign:wxB2:access_token", "sB"},
				{"wxsign:ww01/1000002:wecom_token", cred.WeComToken, "", "s2"},
				{"wxsign:ww01/1000002:wecom_corp_ticket", cred.WeComCorpTicket, "wxsign:ww01/1000002:wecom_token", "s2"},
				{"wxsign:ww01/1000002:wecom_agent_ticket", cred.WeComAgentTicket, "wxsign:ww01/1000002:wecom_token", "s2"},
				{"wxsign:ww01/1000003:wecom_token", cred.WeComToken, "", "s3"},
				{"wxsign:ww01/1000003:wecom_corp_ticket", cred.WeComCorpTicket, "wxsign:ww01/1000003:wecom_token", "s3"},
				{"wxsign:ww01/1000003:wecom_agent_ticket", cred.WeComAgentTicket, "wxsign:ww01/1000003:wecom_token", "s3"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := LoadSettings(testkit.Env(tt.env))
			keys := s.Keys()
			if len(keys) != len(tt.keys) {
				t.Fatalf("%d keys %v, want %d", len(keys), keys, len(tt.keys))
			}
			seen := map[*cred.Key]bool{}
			for i, k := range keys {
				w := tt.keys[i]
				tok := ""
				if k.Token != nil {
					tok = k.Token.String()
					if !seen[k.Token] {
						t.Errorf("%s: its token %s is not an earlier key of the same table", k, k.Token)
					}
				}
				if k.String() != w.name || k.Kind != w.kind || tok != w.token || k.Secret() != w.secret {
					t.Errorf("key %d = %s (%s, token %q, secret %q), want %s (%s, token %q, secret %q)",
						i, k, k.Kind.Name, tok, k.Secret(), w.name, w.kind.Name, w.token, w.secret)
				}
				if (k.Kind.Token == "") != (k.Token == nil) || k.Token != nil && k.Token.Kind.Name != k.Kind.Token {
					t.Errorf("%s: Token %v does not match its kind's %q", k, k.Token, k.Kind.Token)
				}
				if got := fmt.Sprint(k); got != w.name || w.secret != "" && strings.Contains(fmt.Sprintf("%v %s", k, k), w.secret) {
					t.Errorf("a key prints as %q", got)
				}
				seen[k] = true
			}
			// The vault keeps its records by *Key: the table must be made once.
			again := s.Keys()
			for i := range keys {
				if again[i] != keys[i] {
					t.Fatalf("Keys() made a new key %d on a second call", i)
				}
				if got := s.Key(keys[i].Kind.Name, keys[i].Owner); got != keys[i] {
					t.Errorf("Key(%q, %q) = %v", keys[i].Kind.Name, keys[i].Owner, got)
				}
			}
			if s.Key(cred.JSAPITicket.Name, "wxNope") != nil || s.Key("nope", "wxA1") != nil {
				t.Error("Key found a key that is not configured")
			}
		})
	}
}

func TestKeyMargin(t *testing.T) {
	s := LoadSettings(testkit.Env(twoApps))
	for _, tt := range []struct {
		key          string
		margin, want int64
	}{
		{"wxsign:wxA1:access_token", 1800, cred.StableRenewal - cred.ExpirySafety},
		{"wxsign:wxA1:access_token", 120, 120},
		{"wxsign:wxA1:jsapi_ticket", 1800, 0},        // sticky: not before it dies
		{"wxsign:ww01/1000002:wecom_token", 1800, 0}, // sticky
	} {
		var k *cred.Key
		for _, c := range s.Keys() {
			if c.String() == tt.key {
				k = c
			}
		}
		if got := k.Margin(tt.margin); got != tt.want {
			t.Errorf("%s.Margin(%d) = %d, want %d", tt.key, tt.margin, got, tt.want)
		}
	}
}

// TestBudgetShares holds Settings.Keys to WeCom's limits: however the
// keys' fetches fall, an agent's keys together never exceed 100 an hour
// and a corp's 400.
func TestBudgetShares(t *testing.T) {
	for _, tt := range []struct {
		agents int
		share  int // each ticket key's PerHour
	}{{1, 44}, {2, 44}, {5, 34}, {9, 16}} {
		t.Run(fmt.Sprint(tt.agents, " agents"), func(t *testing.T) {
			env := map[string]string{"WECOM_CORPID": "ww01"}
			var ids []string
			for i := 0; i < tt.agents; i++ {
				id := fmt.Sprint(1000002 + i)
				ids = append(ids, id)
				env["WECOM_SECRET_"+id] = "s" + id
			}
			env["WECOM_AGENTS"] = strings.Join(ids, ",")
			s := LoadSettings(testkit.Env(env))
			if !s.OK() {
				t.Fatal(s.Problems)
			}
			perAgent, perCorp := map[string]int{}, 0
			for _, k := range s.Keys() {
				if k.Kind.Budget == (cred.Budget{}) {
					if k.PerHour != 0 {
						t.Errorf("%s has a budget of %d without a limit", k, k.PerHour)
					}
					continue
				}
				if k.PerHour != tt.share {
					t.Errorf("%s: %d an hour, want %d", k, k.PerHour, tt.share)
				}
				if k.PerHour < 6 {
					t.Errorf("%s: %d an hour is less than the cron's runs", k, k.PerHour)
				}
				// Counted fetches, and the cron's unwritten ones.
				perAgent[k.Agent] += k.PerHour + cred.CronPerHour
				perCorp += k.PerHour + cred.CronPerHour
			}
			if len(perAgent) != tt.agents {
				t.Fatalf("budgets for %d agents, want %d", len(perAgent), tt.agents)
			}
			for a, n := range perAgent {
				if n > cred.WeComCorpTicket.Budget.PerAgent {
					t.Errorf("agent %s: %d an hour, more than %d", a, n, cred.WeComCorpTicket.Budget.PerAgent)
				}
			}
			if perCorp > cred.WeComCorpTicket.Budget.PerCorp {
				t.Errorf("corp: %d an hour, more than %d", perCorp, cred.WeComCorpTicket.Budget.PerCorp)
			}
		})
	}
}

// TestKindsTable checks the table's rows against each other: a pushed
// kind has no call and a refusal for its absence; every other kind's call
// sends what its kind says it is fetched with; the kinds it needs exist,
// on the same API, and need no kind that needs them.
func TestKindsTable(t *testing.T) {
	byName := map[string][]*cred.Kind{}
	for _, k := range cred.Kinds {
		byName[k.Name] = append(byName[k.Name], k)
	}
	for _, k := range cred.Kinds {
		if k.Pushed {
			if k.Call.Path != "" || k.Absent == nil || k.Token != "" {
				t.Errorf("%s is pushed: no call, no token, a refusal while absent", k.Name)
			}
			continue
		}
		if k.Field == "" || k.Call.Path == "" {
			t.Errorf("%s: field %q, call %q", k.Name, k.Field, k.Call.Path)
		}
		from := map[cred.From]int{}
		for _, p := range k.Call.Params {
			from[p.From]++
		}
		if from[cred.FromRefresh] != min(len(k.Refresh), 1) || from[cred.FromPlatform] != from[cred.FromRefresh] {
			t.Errorf("%s refreshes with %q, but its call sends %v", k.Name, k.Refresh, k.Call.Params)
		}
		if k.Refresh != "" && (len(byName[k.Refresh]) != 1 || !byName[k.Refresh][0].Pushed) {
			t.Errorf("%s refreshes with %q, which is no pushed kind", k.Name, k.Refresh)
		}
		if k.Token == "" {
			if from[cred.FromAppID] != 1 || from[cred.FromSecret] != 1 || from[cred.FromToken] != 0 {
				t.Errorf("%s is bought with a secret, but its call sends %v", k.Name, k.Call.Params)
			}
			continue
		}
		if from[cred.FromToken] != 1 {
			t.Errorf("%s needs a token, but its call sends %v", k.Name, k.Call.Params)
		}
		toks := byName[k.Token]
		if len(toks) == 0 {
			t.Errorf("%s needs %q, which is no kind", k.Name, k.Token)
		}
		for _, tok := range toks {
			if !tok.Pushed && tok.API != k.API {
				t.Errorf("%s needs %s, of another API", k.Name, tok.Name)
			}
			if tok.Pushed != (from[cred.FromSecret] == 1) {
				t.Errorf("%s needs %s: with a secret only when that is pushed", k.Name, tok.Name)
			}
			for seen, n := map[string]bool{}, tok; n != nil && n.Token != ""; {
				if seen[n.Name] || n.Token == k.Name {
					t.Errorf("%s needs itself through %s", k.Name, n.Name)
					break
				}
				seen[n.Name] = true
				next := byName[n.Token]
				n = nil
				if len(next) > 0 {
					n = next[0]
				}
			}
		}
	}
	if cred.StableToken.Call.Method != "POST" || cred.ClassicToken.Call.Method != "GET" {
		t.Error("token calls' methods")
	}
}

// TestKeysConcurrent: a Service answers requests concurrently over one
// Settings, each asking it for its keys; every caller must get the same
// table (the vault keeps its records by *Key).
func TestKeysConcurrent(t *testing.T) {
	s := LoadSettings(testkit.Env(twoApps))
	tables := make(chan []*cred.Key, 4)
	for i := 0; i < cap(tables); i++ {
		go func() { tables <- s.Keys() }()
	}
	first := <-tables
	for i := 1; i < cap(tables); i++ {
		if k := <-tables; &k[0] != &first[0] {
			t.Fatal("two callers got different key tables")
		}
	}
}

// TestSettingsAllowlistSetButEmpty: an allowlist setting that parses to no
// host is a problem (the signing endpoints answer 503 naming it), never
// "any host"; a blank one is unset.
func TestSettingsAllowlistSetButEmpty(t *testing.T) {
	for _, v := range []string{",", " , ", ":443", "https://", "/", "*.", "https://:443/"} {
		for _, name := range []string{"ALLOWED_HOSTS", "ALLOWED_HOSTS_wxA1", "ALLOWED_HOSTS_wwcorp"} {
			env := map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA",
				"WECOM_CORPID": "wwcorp", "WECOM_AGENTS": "1000002", "WECOM_SECRET_1000002": "sW", name: v}
			s := LoadSettings(testkit.Env(env))
			if why := testkit.HasProblems(s.Problems, []string{name + " is set but names no host"}); why != "" {
				t.Errorf("%s=%q: %s", name, v, why)
			}
			if e := s.Unconfigured(); e.Status != 503 || !strings.Contains(e.Msg, name) {
				t.Errorf("%s=%q: refusal %d %q", name, v, e.Status, e.Msg)
			}
		}
	}
	for _, v := range []string{"", "  ", "h.example.com, ,", "https://h.example.com:443/"} {
		s := LoadSettings(testkit.Env(map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA", "ALLOWED_HOSTS": v}))
		if !s.OK() {
			t.Errorf("ALLOWED_HOSTS=%q: %q", v, s.Problems)
		}
	}
}

// TestSettingsAPIBases: a base with a query, a fragment or userinfo is a
// problem; plain http beyond loopback a warning.
func TestSettingsAPIBases(t *testing.T) {
	for _, c := range []struct {
		base             string
		problem, warning string
	}{
		{base: "https://relay.example.com/wx"},
		{base: "http://127.0.0.1:8080/wx"},
		{base: "http://localhost:8080"},
		{base: "http://[::1]:8080/wx"},
		{base: "http://relay.example.com/wx", warning: "is plain http://"},
		{base: "http://127.0.0.1.example.com", warning: "is plain http://"},
		{base: "https://relay.example.com/wx?key=1", problem: "must not have a query"},
		{base: "https://relay.example.com/wx#x", problem: "must not have a query"},
		{base: "https://user:pw@relay.example.com/wx", problem: "must not carry userinfo"},
		{base: "https://relay.example.com@evil.example/wx", problem: "must not carry userinfo"},
		{base: "https://", problem: "must be an http(s) URL"},
		{base: "https://re lay.example.com", problem: "has an invalid host"},
		{base: "ftp://relay.example.com", problem: "must be an http(s) URL"},
	} {
		for _, name := range []string{"WECHAT_API_BASE", "WECOM_API_BASE"} {
			s := LoadSettings(testkit.Env(map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA", "ALLOWED_HOSTS": "h.example.com",
				"API_KEY": "k", name: c.base}))
			var problems, warnings []string
			if c.problem != "" {
				problems = []string{name + " " + c.problem}
			}
			if c.warning != "" {
				warnings = []string{name + " " + c.warning}
			}
			if why := testkit.HasProblems(s.Problems, problems); why != "" {
				t.Errorf("%s=%q: %s", name, c.base, why)
			}
			if why := testkit.HasProblems(s.Warnings, warnings); why != "" {
				t.Errorf("%s=%q: warnings: %s", name, c.base, why)
			}
		}
	}
}

// TestSettingsRelayKeys: each relay key goes to its own base; one relay
// under two prefixes shares WECHAT_RELAY_KEY; a key for WeChat's own host is
// a warning (the client never sends it there).
func TestSettingsRelayKeys(t *testing.T) {
	for _, c := range []struct {
		name          string
		env           map[string]string
		key, wecomKey string
		warning       string
	}{
		{name: "relay for official accounts only", env: map[string]string{"WECHAT_API_BASE": "https://relay.example.com/wx", "WECHAT_RELAY_KEY": "k"},
			key: "k"},
		{name: "one relay, two prefixes", env: map[string]string{"WECHAT_API_BASE": "https://relay.example.com/wx",
			"WECOM_API_BASE": "https://RELAY.example.com/wecom", "WECHAT_RELAY_KEY": "k"}, key: "k", wecomKey: "k"},
		{name: "two relays, two keys", env: map[string]string{"WECHAT_API_BASE": "https://a.example.com", "WECOM_API_BASE": "https://b.example.com",
			"WECHAT_RELAY_KEY": "k", "WECOM_RELAY_KEY": "w"}, key: "k", wecomKey: "w"},
		{name: "relay for WeCom only", env: map[string]string{"WECOM_API_BASE": "https://b.example.com", "WECOM_RELAY_KEY": "w"}, wecomKey: "w"},
		{name: "a key without a relay", env: map[string]string{"WECHAT_RELAY_KEY": "k"}, key: "k", warning: "WECHAT_RELAY_KEY is set but WECHAT_API_BASE is WeChat's own"},
		{name: "a WeCom key without a relay", env: map[string]string{"WECOM_RELAY_KEY": "w"}, wecomKey: "w", warning: "WECOM_RELAY_KEY is set but WECOM_API_BASE is WeCom's own"},
	} {
		env := map[string]string{"WECHAT_APPID": "wxA1", "WECHAT_APPSECRET": "sA", "ALLOWED_HOSTS": "h.example.com", "API_KEY": "k"}
		for k, v := range c.env {
			env[k] = v
		}
		s := LoadSettings(testkit.Env(env))
		if s.RelayKey != c.key || s.WeComRelayKey != c.wecomKey {
			t.Errorf("%s: keys %q %q, want %q %q", c.name, s.RelayKey, s.WeComRelayKey, c.key, c.wecomKey)
		}
		var warnings []string
		if c.warning != "" {
			warnings = []string{c.warning}
		}
		if why := testkit.HasProblems(s.Warnings, warnings); why != "" {
			t.Errorf("%s: %s", c.name, why)
		}
	}
	for base, want := range map[string]bool{cred.DefaultAPIBase: true, cred.DefaultWeComAPIBase: true, "https://API.weixin.qq.com.:443/x": true,
		"https://qq.com": true, "https://relay.example.com": false, "https://qq.com.example.com": false, "https://xqq.com": false} {
		if got := cred.WeChatHost(base); got != want {
			t.Errorf("WeChatHost(%q) = %v", base, got)
		}
	}
}

// TestUnconfiguredFits: however many long problems the environment has,
// the refusal naming them fits in an answer.
func TestUnconfiguredFits(t *testing.T) {
	env := map[string]string{"WECHAT_APPID": strings.Repeat(strings.Repeat("\"", 4000)+",", 128)}
	s := LoadSettings(testkit.Env(env))
	e := s.Unconfigured()
	if b := e.AppendJSON(nil); len(b) > core.MaxAnswerLen || !strings.Contains(e.Msg, "WECHAT_APPID") || !strings.HasSuffix(e.Msg, "/healthz)") {
		t.Errorf("%d bytes: %.200s", len(b), b)
	}
}
