package cred

import (
	"strconv"
	"strings"
	"time"

	"github.com/wxsign/wxsign/core"
	"github.com/wxsign/wxsign/core/pageurl"
)

// EventKind is what changed, for an alert.
type EventKind uint8

// The changes the coordinator tells the operator about (ALERT_WEBHOOK).
const (
	EventFailing     EventKind = iota + 1 // a key's first failure, or a failure with another errcode
	EventRecovered                        // a key that failed (and was told) has a value again
	EventExpiring                         // a ticket in its last 10 minutes whose successor cannot be had
	EventBudget                           // 80% of a key's share of WeCom's hourly budget spent
	EventKVFailing                        // Workers KV reads or writes fail for a coordinator
	EventKVRecovered                      // they work again
)

// ExpiringWarning is how long before a ticket dies the coordinator warns
// that no successor can be had.
const ExpiringWarning = 600

// Event is one change the Vault decided to tell the operator about, once
// per change of a key's state, fleet-wide: the Vault decides it where it
// writes the change (the coordinator is the only writer). It holds what the
// message says, never a value.
type Event struct {
	Kind  EventKind
	Key   *Key   // nil for the KV events
	Owner string // the coordinator (an AppID or CorpID), for the KV events
	At    int64  // Unix seconds

	Code    int    // the errcode: of the failure (EventFailing), the one that ended (EventRecovered), the cause (EventExpiring)
	Msg     string // its message, as /healthz shows it (WeChat's errmsg and, for 40164/89503/60020, the way out)
	Changed bool   // EventFailing: the key was failing already, with another errcode

	ExpiresAt int64 // EventExpiring: when the ticket expires
	Fetches   int   // EventBudget: fetches this hour
	Budget    int   // EventBudget: the key's share of the hour's budget
}

// Alert formats, as in ALERT_FORMAT.
const (
	AlertWeCom  = "wecom"  // WeCom group robot: {"msgtype":"markdown","markdown":{"content":…}}
	AlertFeishu = "feishu" // Feishu / Lark custom bot: {"msg_type":"text","content":{"text":…}}
	AlertText   = "text"   // {"text":…}: Slack and the receivers that take its shape
)

// webhookParts splits a webhook URL into its host (lower case, without
// userinfo or port) and the parts that are credentials: the userinfo, the
// query's values, long path segments (WeCom's key=…, Feishu's hook id).
// net/url is not used: LoadSettings is in the signer module, which does
// not otherwise link it.
func webhookParts(raw string) (host string, creds []string) {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", nil
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		creds = append(creds, authority[:at])
		authority = authority[at+1:]
	}
	host = strings.ToLower(pageurl.HostOnly(authority))
	tail, _, _ = strings.Cut(tail, "#")
	path, query, _ := strings.Cut(tail, "?")
	for _, p := range strings.Split(path, "/") {
		if len(p) >= 16 {
			creds = append(creds, p)
		}
	}
	for _, kv := range strings.Split(query, "&") {
		if _, v, ok := strings.Cut(kv, "="); ok && v != "" {
			creds = append(creds, v)
		}
	}
	return host, creds
}

// AlertFormatFor is the format a webhook URL's host calls for.
func AlertFormatFor(webhook string) string {
	switch h, _ := webhookParts(webhook); {
	case h == "qyapi.weixin.qq.com":
		return AlertWeCom
	case h == "open.feishu.cn" || h == "open.larksuite.com":
		return AlertFeishu
	}
	return AlertText
}

// Alerter builds the messages the webhook gets. It is pure: the
// coordinator's program sends the bytes.
type Alerter struct {
	Format string // AlertWeCom, AlertFeishu or AlertText
	Lang   string // "en" or "zh"
	// Secrets are removed from every message, should any reach its text
	// (WeChat's errmsg is quoted as sent): the settings' secrets, the
	// webhook's own credential, the values the coordinator holds.
	Secrets []string
}

// NewAlerter is the message builder for a webhook, in format and lang,
// keeping secrets and the webhook's own credential out of every message.
func NewAlerter(format, lang, webhook string, secrets ...string) Alerter {
	_, creds := webhookParts(webhook)
	return Alerter{Format: format, Lang: lang, Secrets: append(append(secrets, webhook), creds...)}
}

// minSecret is the shortest text taken for a secret to remove: shorter
// strings would cut ordinary words out of a message.
const minSecret = 8

// Text is the event's message, in the alerter's language, with every
// secret removed.
func (a Alerter) Text(e Event) string {
	t := alertText(e, a.Lang == "zh")
	for _, s := range a.Secrets {
		if len(s) >= minSecret {
			t = strings.ReplaceAll(t, s, "[redacted]")
		}
	}
	return t
}

// maxAlert bounds a message's text: WeCom's markdown takes 4,096 bytes.
const maxAlert = 2000

// AppendAlert appends the webhook body carrying text in format.
func AppendAlert(dst []byte, format, text string) []byte {
	if len(text) > maxAlert {
		cut := maxAlert
		for cut > 0 && text[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		text = text[:cut] + "…"
	}
	switch format {
	case AlertWeCom:
		dst = append(dst, `{"msgtype":"markdown","markdown":{"content":`...)
		dst = core.AppendJSONString(dst, text)
		return append(dst, "}}"...)
	case AlertFeishu:
		dst = append(dst, `{"msg_type":"text","content":{"text":`...)
		dst = core.AppendJSONString(dst, text)
		return append(dst, "}}"...)
	}
	dst = append(dst, `{"text":`...)
	dst = core.AppendJSONString(dst, text)
	return append(dst, '}')
}

// AlertDelivered reads a webhook's answer: HTTP 2xx, and no error in the
// JSON the receivers answer with (WeCom's errcode, Feishu's code or
// StatusCode, all 0 on success). status 0 is no answer.
func AlertDelivered(status int, body string) bool {
	if status < 200 || status > 299 {
		return false
	}
	bad := false
	core.DecodeObject(body, func(key string, v core.JSONValue) *core.Error {
		if (key == "errcode" || key == "code" || key == "StatusCode") && v.IsInt && v.Int != 0 {
			bad = true
		}
		return nil
	})
	return !bad
}

// alertText is the message, before secrets are removed. Its first line
// says what happened and to what; the rest, what it means and what to do.
func alertText(e Event, zh bool) string {
	what, owner, ownerZh := "", e.Owner, "公众号/企业 "+e.Owner
	if e.Key != nil {
		what, owner, ownerZh = e.Key.Kind.Name, e.Key.Owner, "公众号 "+e.Key.Owner
		if e.Key.Kind.API == APIWeCom {
			ownerZh = "企业微信 " + e.Key.Owner
		}
	}
	var b strings.Builder
	line := func(en, cn string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		if zh {
			b.WriteString(cn)
		} else {
			b.WriteString(en)
		}
	}
	code := strconv.Itoa(e.Code)
	when := time.Unix(e.At, 0).UTC().Format("2006-01-02 15:04:05 UTC")
	switch e.Kind {
	case EventFailing:
		if e.Changed {
			line("wxsign: "+what+" of "+owner+" now fails with another error",
				"wxsign："+ownerZh+" 的 "+what+" 获取失败，错误已改变")
		} else {
			line("wxsign: "+what+" of "+owner+" cannot be fetched",
				"wxsign："+ownerZh+" 的 "+what+" 获取失败")
		}
		line("errcode "+code+": "+e.Msg, "错误码 "+code+"："+e.Msg)
		line("Pages go on being signed with the ticket held, if there is one, until it expires; wxsign retries with back-off. /healthz shows the state.",
			"若已持有 ticket，在其过期之前页面签名照常；wxsign 会退避重试。状态见 /healthz。")
	case EventRecovered:
		line("wxsign: "+what+" of "+owner+" works again",
			"wxsign："+ownerZh+" 的 "+what+" 已恢复")
		line("The failure (errcode "+code+") has ended.", "此前的错误（错误码 "+code+"）已结束。")
	case EventExpiring:
		mins := strconv.FormatInt(max((e.ExpiresAt-e.At+59)/60, 0), 10)
		line("wxsign: the "+what+" of "+owner+" expires in "+mins+" min, and no successor can be had",
			"wxsign："+ownerZh+" 的 "+what+" 将在 "+mins+" 分钟后过期，且无法获取新的")
		line("Cause: errcode "+code+": "+e.Msg, "原因：错误码 "+code+"："+e.Msg)
		line("After that, wx.config fails on every page until WeChat answers again.",
			"此后所有页面的 wx.config 都会失败，直到微信恢复应答。")
	case EventBudget:
		n, m := strconv.Itoa(e.Fetches), strconv.Itoa(e.Budget)
		line("wxsign: "+what+" of "+owner+" has spent "+n+" of its "+m+" fetches this hour",
			"wxsign："+ownerZh+" 的 "+what+" 本小时已用 "+n+" 次，限额 "+m+" 次")
		line("That is WeCom's hourly limit, shared by the corp's apps; past it, errcode 1054 until the hour ends.",
			"这是企业微信的每小时限额（同一企业的应用共用）；超出后到整点前返回错误码 1054。")
	case EventKVFailing:
		line("wxsign: Workers KV is failing for the coordinator of "+owner,
			"wxsign："+ownerZh+" 的协调者访问 Workers KV 失败")
		line(e.Msg, e.Msg)
		line("Pages are signed from memory while the ticket held is valid; new tickets reach other isolates only once KV works.",
			"在内存中的 ticket 有效期内页面签名照常；KV 恢复之前，新的 ticket 无法传到其他实例。")
	case EventKVRecovered:
		line("wxsign: Workers KV works again for the coordinator of "+owner,
			"wxsign："+ownerZh+" 的协调者访问 Workers KV 已恢复")
	}
	line("("+when+")", "（"+when+"）")
	return b.String()
}
