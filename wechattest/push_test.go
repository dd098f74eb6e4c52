package wechattest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// open checks and decrypts a push as a platform's receiver would. It is
// written apart from the stand-in's Seal and Signature, on purpose.
func open(aesKey, token, appID string, query url.Values, body []byte) (string, error) {
	var env struct {
		AppID   string `xml:"AppId"`
		Encrypt string `xml:"Encrypt"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("envelope: %v", err)
	}
	if env.AppID != appID {
		return "", fmt.Errorf("envelope AppId %q", env.AppID)
	}
	parts := []string{token, query.Get("timestamp"), query.Get("nonce"), env.Encrypt}
	sort.Strings(parts)
	h := sha1.New()
	for _, p := range parts {
		io.WriteString(h, p)
	}
	if hex.EncodeToString(h.Sum(nil)) != query.Get("msg_signature") {
		return "", errors.New("signature")
	}
	key, err := base64.StdEncoding.DecodeString(aesKey + "=")
	if err != nil {
		return "", err
	}
	raw, err := base64.StdEncoding.DecodeString(env.Encrypt)
	if err != nil {
		return "", err
	}
	if len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return "", errors.New("ciphertext length")
	}
	block, _ := aes.NewCipher(key)
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, raw)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 || pad > len(plain) {
		return "", errors.New("padding")
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return "", errors.New("padding")
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return "", errors.New("short")
	}
	n := int(plain[16])<<24 | int(plain[17])<<16 | int(plain[18])<<8 | int(plain[19])
	if n > len(plain)-20 {
		return "", errors.New("length")
	}
	if got := string(plain[20+n:]); got != appID {
		return "", fmt.Errorf("appid %q", got)
	}
	return string(plain[20 : 20+n]), nil
}

// Tencent's published sample (Sample.py of WXBizMsgCrypt, 2014), which
// holds open to WeChat rather than to the stand-in.
func TestOpenPublishedSample(t *testing.T) {
	const encrypt = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
	q := url.Values{"timestamp": {"1409735669"}, "nonce": {"1320562132"}, "msg_signature": {"5d197aaffba7e9b25a30732f161a50dee96bd5fa"}}
	body := "<xml><AppId>wx2c2769f8efd9abc2</AppId><Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>"
	got, err := open("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "spamtest", "wx2c2769f8efd9abc2", q, []byte(body))
	if err != nil || !strings.Contains(got, "<Content><![CDATA[abcdteT]]></Content>") || !strings.Contains(got, "<MsgId>6054768590064713728</MsgId>") {
		t.Fatalf("published sample: %q, %v", got, err)
	}
	if Signature("spamtest", "1409735669", "1320562132", encrypt) != "5d197aaffba7e9b25a30732f161a50dee96bd5fa" {
		t.Fatal("Signature disagrees with the published sample")
	}
}

// Seal against a ciphertext made with the openssl command line
// (aes-256-cbc -nopad over the same plaintext, padded by hand).
func TestSealVector(t *testing.T) {
	const (
		msg  = "<xml><AppId><![CDATA[wx0123456789abcdef]]></AppId><CreateTime>1700000000</CreateTime><InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[wxabcdef0123456789]]></AuthorizerAppid></xml>"
		want = "IG+0eOkLdhYW9kHtuT3HY8w+kXA9w5QNM14AZbD5UIdGgBziwOZgyK6RcdjidNKatiGkmnnZxGFBKMHt4OEv5/bsk+fFV2yXiZTCrxNTYfXA+ykGwuZD2FdqEEUdHwYE1eHO+XX+HHVll3ZvUouL+WMUKb1TnCsdc5qYrjtxFaJu0LlGFTjuWQcvakSCTB3cIpgJZqlMhpuIOTi3wIcoqm5q8YtjAdDWKwnJMIQiVWsln7ucBkglRbl6Mz+8tpk+zRfM1lVVgig6LSccnT2GtUkLIki1jFExZhBuxvYerChgW4nGl99SXlFyfeoM/cei/hP/QGqCthCT9G3DyqruqQ=="
	)
	key, _ := base64.StdEncoding.DecodeString("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=")
	var random [16]byte
	for i := range random {
		random[i] = byte(i)
	}
	if got := base64.StdEncoding.EncodeToString(Seal(key, random, []byte(msg), "wx0123456789abcdef")); got != want {
		t.Fatalf("Seal:\n%s\nwant\n%s", got, want)
	}
}

// receiver is a platform's event URL: it opens every push independently
// and answers as told.
type receiver struct {
	*httptest.Server
	aesKey, token, appID string

	mu     sync.Mutex
	answer string        // the body to answer, "success" at first
	hang   time.Duration // wait this long first
	got    []received
}

type received struct {
	plain, err, contentType string
	length                  int64
	chunked                 bool
	query                   url.Values
}

func newReceiver(aesKey, token, appID string) *receiver {
	rc := &receiver{aesKey: aesKey, token: token, appID: appID, answer: "success"}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		plain, err := open(rc.aesKey, rc.token, rc.appID, r.URL.Query(), body)
		g := received{plain: plain, contentType: r.Header.Get("Content-Type"), length: r.ContentLength,
			chunked: len(r.TransferEncoding) > 0, query: r.URL.Query()}
		if err != nil {
			g.err = err.Error()
		}
		rc.mu.Lock()
		rc.got = append(rc.got, g)
		answer, hang := rc.answer, rc.hang
		rc.mu.Unlock()
		if hang > 0 {
			select {
			case <-time.After(hang):
			case <-r.Context().Done():
			}
		}
		io.WriteString(w, answer)
	}))
	return rc
}

func (rc *receiver) last(t *testing.T) received {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.got) == 0 {
		t.Fatal("no push arrived")
	}
	return rc.got[len(rc.got)-1]
}

// field reads one element of a push's XML.
func field(plain, name string) string {
	_, after, _ := strings.Cut(plain, "<"+name+">")
	v, _, _ := strings.Cut(after, "</"+name+">")
	return strings.TrimSuffix(strings.TrimPrefix(v, "<![CDATA["), "]]>")
}

func TestPushes(t *testing.T) {
	s, rc := platformServer(t)
	p, err := s.PushVerifyTicket()
	if err != nil || !p.OK || p.Status != 200 || p.Answer != "success" {
		t.Fatalf("verify ticket push: %+v, %v", p, err)
	}
	g := rc.last(t)
	if g.err != "" || field(g.plain, "InfoType") != "component_verify_ticket" || field(g.plain, "ComponentVerifyTicket") != p.Ticket ||
		field(g.plain, "AppId") != compAppID || !strings.HasPrefix(p.Ticket, "ticket@@@") {
		t.Fatalf("received %+v for %+v", g, p)
	}
	if g.contentType != "text/xml" || g.length <= 0 || g.chunked || g.query.Get("encrypt_type") != "aes" ||
		g.query.Get("signature") != Signature(compToken, g.query.Get("timestamp"), g.query.Get("nonce")) {
		t.Fatalf("framing: %+v", g)
	}
	if st, _ := s.ComponentState(); st.VerifyTicket != p.Ticket {
		t.Fatalf("state ticket %q, pushed %q", st.VerifyTicket, p.Ticket)
	}
	second, _ := s.PushVerifyTicket()
	if second.Ticket == p.Ticket {
		t.Fatal("a push repeated the ticket")
	}

	// Each forgery fails the receiver's checks in its own way, and changes
	// nothing at the stand-in.
	forged := []struct{ forge, infoType, err string }{
		{ForgeSignature, "component_verify_ticket", "signature"},
		{ForgeAppID, "authorized", `appid "wxf0f0f0f0f0f0f0f0"`},
		{ForgeTruncate, "component_verify_ticket", "ciphertext length"},
		{ForgePadding, "unauthorized", "padding"},
	}
	for _, f := range forged {
		p, err := s.PushForged(f.infoType, "wxauth1", f.forge)
		if err != nil || p.Forge != f.forge {
			t.Fatalf("%s: %+v %v", f.forge, p, err)
		}
		if g := rc.last(t); g.err != f.err {
			t.Errorf("forged %s: receiver saw %q, want %q", f.forge, g.err, f.err)
		}
	}
	if st, _ := s.ComponentState(); st.VerifyTicket != second.Ticket {
		t.Fatal("a forged push changed the verify ticket")
	}
	for _, bad := range [][2]string{{"component_verify_ticket", "nope"}, {"nope", ForgeAppID}, {"authorized", ""}} {
		if _, err := s.PushForged(bad[0], "wxauth1", bad[1]); err == nil {
			t.Errorf("PushForged(%q, %q) accepted", bad[0], bad[1])
		}
	}

	// What the receiver answers decides whether WeChat counts it taken.
	old := pushClient.Timeout
	pushClient.Timeout = 300 * time.Millisecond
	defer func() { pushClient.Timeout = old }()
	answers := []struct {
		answer string
		hang   time.Duration
		ok     bool
	}{{"success", 0, true}, {"success\n", 0, false}, {"", 0, false}, {"SUCCESS", 0, false}, {"success", time.Second, false}}
	for _, a := range answers {
		rc.mu.Lock()
		rc.answer, rc.hang = a.answer, a.hang
		rc.mu.Unlock()
		p, _ := s.PushVerifyTicket()
		if p.OK != a.ok || (a.hang > 0) != (p.Error != "") {
			t.Errorf("answer %q after %v: %+v", a.answer, a.hang, p)
		}
	}
	st := s.Stats()
	if n := len(s.Pushes()); st.Pushes != n || n != 2+len(forged)+len(answers) || st.PushesFailed != 4 {
		t.Fatalf("%d pushes logged, stats %+v", n, st)
	}
}

func TestPushWithoutEventURL(t *testing.T) {
	s := New("wxapp", "sec")
	if _, err := s.PushVerifyTicket(); err == nil {
		t.Fatal("a push without a platform")
	}
	if err := s.SetComponent(Component{AppID: compAppID, Secret: "cs", Token: compToken, EncodingAESKey: compKey}); err != nil {
		t.Fatal(err)
	}
	p, err := s.PushVerifyTicket()
	if err != nil || p.OK || p.Error == "" || p.URL != "" {
		t.Fatalf("%+v %v", p, err)
	}
	// The ticket is issued all the same: a platform that missed it is stuck.
	if st, _ := s.ComponentState(); st.VerifyTicket != p.Ticket {
		t.Fatalf("state %+v", st)
	}
}

func TestStartTicketPushes(t *testing.T) {
	s, rc := platformServer(t)
	stop, err := s.StartTicketPushes()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Pushes()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if p := s.Pushes(); len(p) != 1 || !p[0].OK || field(rc.last(t).plain, "InfoType") != "component_verify_ticket" {
		t.Fatalf("pushes %+v", p)
	}
}
