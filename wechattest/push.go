package wechattest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Forgeries a test can have pushed instead of WeChat's message, each
// wrong in one way only (the signature is right for what is sent unless
// it is the forgery).
const (
	ForgeSignature = "signature" // msg_signature made with another token
	ForgeAppID     = "appid"     // another AppID at the end of the plaintext
	ForgeTruncate  = "truncate"  // the ciphertext cut short of a whole block
	ForgePadding   = "padding"   // a PKCS#7 pad whose last byte is 0
)

var forgeries = []string{"", ForgeSignature, ForgeAppID, ForgeTruncate, ForgePadding}

// pushTimeout is how long WeChat waits for "success".
const pushTimeout = 5 * time.Second

// Push is one push the stand-in sent to the event URL, with the answer it
// got.
type Push struct {
	InfoType string `json:"info_type"`
	Forge    string `json:"forge,omitempty"`
	At       int64  `json:"at"`                  // CreateTime, Unix seconds, stand-in clock
	Ticket   string `json:"ticket,omitempty"`    // component_verify_ticket pushed
	AuthCode string `json:"auth_code,omitempty"` // authorized, updateauthorized
	URL      string `json:"url"`                 // with the query; "" when no event URL is set
	Plain    string `json:"plain"`               // the XML that was encrypted
	Body     string `json:"body"`                // what was posted
	Status   int    `json:"status"`              // 0: no answer
	Answer   string `json:"answer"`
	Error    string `json:"error,omitempty"` // why there was no answer
	OK       bool   `json:"ok"`              // HTTP 200 and exactly "success"
}

// sealed is a push ready to send.
type sealed struct {
	p    *platform
	push Push
	body []byte
}

// seal builds a push of infoType with fields after the common ones,
// encrypted and signed for the event URL, forged as asked; the caller
// holds s.mu.
func (s *Server) seal(infoType string, fields [][2]string, forge string) *sealed {
	p, now := s.comp, s.now()
	var x strings.Builder
	fmt.Fprintf(&x, "<xml><AppId><![CDATA[%s]]></AppId><CreateTime>%d</CreateTime><InfoType><![CDATA[%s]]></InfoType>", p.AppID, now.Unix(), infoType)
	push := Push{InfoType: infoType, Forge: forge, At: now.Unix()}
	for _, f := range fields {
		switch f[0] {
		case "AuthorizationCodeExpiredTime":
			fmt.Fprintf(&x, "<%s>%s</%[1]s>", f[0], f[1])
			continue
		case "ComponentVerifyTicket":
			push.Ticket = f[1]
		case "AuthorizationCode":
			push.AuthCode = f[1]
		}
		fmt.Fprintf(&x, "<%s><![CDATA[%s]]></%[1]s>", f[0], f[1])
	}
	x.WriteString("</xml>")
	push.Plain = x.String()

	appID := p.AppID
	if forge == ForgeAppID {
		appID = "wxf0f0f0f0f0f0f0f0"
	}
	var random [16]byte
	crand.Read(random[:])
	raw := Seal(p.key, random, []byte(push.Plain), appID)
	switch forge {
	case ForgePadding:
		// Decrypt, spoil the pad's last byte, encrypt again.
		plain := make([]byte, len(raw))
		block, _ := aes.NewCipher(p.key)
		cipher.NewCBCDecrypter(block, p.key[:16]).CryptBlocks(plain, raw)
		plain[len(plain)-1] = 0
		cipher.NewCBCEncrypter(block, p.key[:16]).CryptBlocks(raw, plain)
	case ForgeTruncate:
		raw = raw[:len(raw)-7]
	}
	encrypt := base64.StdEncoding.EncodeToString(raw)
	push.Body = fmt.Sprintf("<xml><AppId><![CDATA[%s]]></AppId><Encrypt><![CDATA[%s]]></Encrypt></xml>", p.AppID, encrypt)
	if p.EventURL != "" {
		ts := strconv.FormatInt(now.Unix(), 10)
		nonce := strconv.Itoa(100000000 + rand.IntN(900000000))
		token := p.Token
		if forge == ForgeSignature {
			token += "-forged"
		}
		sep := "?"
		if strings.Contains(p.EventURL, "?") {
			sep = "&"
		}
		push.URL = p.EventURL + sep + "signature=" + Signature(p.Token, ts, nonce) + "&timestamp=" + ts + "&nonce=" + nonce +
			"&encrypt_type=aes&msg_signature=" + Signature(token, ts, nonce, encrypt)
	}
	return &sealed{p: p, push: push, body: []byte(push.Body)}
}

// Seal encrypts msg as WeChat encrypts pushes: AES-256-CBC with key (the
// base64 decoding of EncodingAESKey + "=") and its first 16 bytes as the
// IV, over random || big-endian uint32 len(msg) || msg || appID, padded
// PKCS#7-style to 32-byte blocks. It returns the ciphertext, which goes
// base64-encoded in Encrypt.
func Seal(key []byte, random [16]byte, msg []byte, appID string) []byte {
	plain := slices.Concat(random[:], binary.BigEndian.AppendUint32(nil, uint32(len(msg))), msg, []byte(appID))
	n := 32 - len(plain)%32
	plain = append(plain, bytes.Repeat([]byte{byte(n)}, n)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("wechattest: " + err.Error())
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return out
}

// Signature is WeChat's signature of a push: hex SHA-1 of its parts
// (token, timestamp, nonce and, for msg_signature, Encrypt) sorted as
// byte strings and concatenated.
func Signature(parts ...string) string {
	v := slices.Clone(parts)
	slices.Sort(v)
	sum := sha1.Sum([]byte(strings.Join(v, "")))
	return hex.EncodeToString(sum[:])
}

// pushClient sends pushes: it does not follow redirects, as a push answered
// with one has not been taken.
var pushClient = &http.Client{
	Timeout:       pushTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// deliver posts a push to the event URL with a Content-Length, waits for
// the answer and records it; the caller does not hold s.mu.
func (s *Server) deliver(m *sealed) Push {
	push := m.push
	if push.URL == "" {
		push.Error = "no event URL configured"
	} else {
		req, _ := http.NewRequest(http.MethodPost, push.URL, bytes.NewReader(m.body))
		req.Header.Set("Content-Type", "text/xml")
		res, err := pushClient.Do(req)
		if err != nil {
			push.Error = err.Error()
		} else {
			b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<16))
			res.Body.Close()
			push.Status, push.Answer = res.StatusCode, string(b)
			push.OK = res.StatusCode == http.StatusOK && push.Answer == "success"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Pushes++
	if !push.OK {
		s.stats.PushesFailed++
	}
	m.p.pushes = append(m.p.pushes, push)
	return push
}

// errNoComponent is returned by what needs a configured platform.
var errNoComponent = fmt.Errorf("no component configured (SetComponent, -component-appid)")

// PushVerifyTicket issues a new component_verify_ticket, which from now on
// is the only one api_component_token takes, and pushes it.
func (s *Server) PushVerifyTicket() (Push, error) {
	s.mu.Lock()
	p := s.comp
	if p == nil || p.AppID == "" {
		s.mu.Unlock()
		return Push{}, errNoComponent
	}
	s.serial++
	p.ticket, p.ticketAt = code("ticket@@@", s.serial), s.now()
	m := s.seal("component_verify_ticket", [][2]string{{"ComponentVerifyTicket", p.ticket}}, "")
	s.mu.Unlock()
	return s.deliver(m), nil
}

// PushForged pushes a message of infoType (about appID, for the
// authorization events) that WeChat did not send: forged as forge says,
// with made-up values that no endpoint takes. Nothing changes at the
// stand-in.
func (s *Server) PushForged(infoType, appID, forge string) (Push, error) {
	if forge == "" || !slices.Contains(forgeries, forge) {
		return Push{}, fmt.Errorf("forge must be one of %s, not %q", strings.Join(forgeries[1:], ", "), forge)
	}
	s.mu.Lock()
	p := s.comp
	if p == nil || p.AppID == "" {
		s.mu.Unlock()
		return Push{}, errNoComponent
	}
	p.forgeries++
	n := p.forgeries
	var fields [][2]string
	switch infoType {
	case "component_verify_ticket":
		fields = [][2]string{{"ComponentVerifyTicket", fmt.Sprintf("ticket@@@forged-%d", n)}}
	case "authorized", "updateauthorized":
		fields = [][2]string{{"AuthorizerAppid", appID}, {"AuthorizationCode", fmt.Sprintf("queryauthcode@@@forged-%d", n)},
			{"AuthorizationCodeExpiredTime", strconv.FormatInt(s.now().Add(authCodeLife).Unix(), 10)},
			{"PreAuthCode", fmt.Sprintf("preauthcode@@@forged-%d", n)}}
	case "unauthorized":
		fields = [][2]string{{"AuthorizerAppid", appID}}
	default:
		s.mu.Unlock()
		return Push{}, fmt.Errorf("unknown info_type %q", infoType)
	}
	m := s.seal(infoType, fields, forge)
	s.mu.Unlock()
	return s.deliver(m), nil
}

// StartTicketPushes pushes a component_verify_ticket now and every 10
// minutes, as WeChat does once a platform is approved, until stop is
// called or the server is closed.
func (s *Server) StartTicketPushes() (stop func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.comp
	if p == nil || p.AppID == "" {
		return nil, errNoComponent
	}
	done := make(chan struct{})
	var once sync.Once
	stop = func() { once.Do(func() { close(done) }) }
	if p.stopPush != nil {
		p.stopPush()
	}
	p.stopPush = stop
	go func() {
		t := time.NewTicker(ticketPushEvery)
		defer t.Stop()
		for {
			s.PushVerifyTicket()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return stop, nil
}

// Pushes is every push sent since the platform was configured or the
// stand-in reset, oldest first.
func (s *Server) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.comp == nil {
		return []Push{}
	}
	return append([]Push{}, s.comp.pushes...)
}
