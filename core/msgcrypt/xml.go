package msgcrypt

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Envelope is the body of a push: the platform's AppID in clear and the
// Encrypt value that msg_signature covers. An official account's safe-mode
// push carries ToUserName instead of AppId.
type Envelope struct {
	AppID      string // <AppId>
	ToUserName string // <ToUserName>
	Encrypt    string // <Encrypt>, never empty
}

// InfoType is the kind of a platform message.
type InfoType string

// The platform messages wxsign acts on; ParseMessage passes others through.
const (
	// InfoVerifyTicket delivers a new component_verify_ticket, every ten
	// minutes.
	InfoVerifyTicket InfoType = "component_verify_ticket"
	// InfoAuthorized: an account authorised the platform.
	InfoAuthorized InfoType = "authorized"
	// InfoUpdateAuthorized: an account changed what it authorised.
	InfoUpdateAuthorized InfoType = "updateauthorized"
	// InfoUnauthorized: an account withdrew its authorisation.
	InfoUnauthorized InfoType = "unauthorized"
)

// Message is a decrypted platform message. Fields a message's InfoType does
// not carry are zero.
type Message struct {
	AppID                        string   // <AppId>: the platform's component_appid
	CreateTime                   int64    // <CreateTime>, Unix seconds
	InfoType                     InfoType // <InfoType>
	ComponentVerifyTicket        string   // <ComponentVerifyTicket>
	AuthorizerAppID              string   // <AuthorizerAppid>
	AuthorizationCode            string   // <AuthorizationCode>
	AuthorizationCodeExpiredTime int64    // <AuthorizationCodeExpiredTime>, Unix seconds
	PreAuthCode                  string   // <PreAuthCode>
}

// ParseEnvelope reads a push body <xml><AppId>…</AppId><Encrypt>…</Encrypt></xml>.
// It refuses a body over MaxBody, anything but one flat <xml> element, a
// field given twice (the signature must cover the Encrypt that is used) and
// an empty Encrypt.
func ParseEnvelope(body []byte) (Envelope, error) {
	f, err := parseFlat(body, "envelope")
	if err != nil {
		return Envelope{}, err
	}
	e := Envelope{AppID: f["AppId"], ToUserName: f["ToUserName"], Encrypt: f["Encrypt"]}
	if e.Encrypt == "" {
		return Envelope{}, fmt.Errorf("%w: envelope has no Encrypt", ErrMalformed)
	}
	return e, nil
}

// ParseMessage reads a decrypted platform message. It requires AppId,
// CreateTime and InfoType, and for the four InfoTypes above the fields
// wxsign needs from them; other InfoTypes are returned with what they share.
func ParseMessage(plain []byte) (Message, error) {
	f, err := parseFlat(plain, "message")
	if err != nil {
		return Message{}, err
	}
	m := Message{
		AppID:                 f["AppId"],
		InfoType:              InfoType(f["InfoType"]),
		ComponentVerifyTicket: f["ComponentVerifyTicket"],
		AuthorizerAppID:       f["AuthorizerAppid"],
		AuthorizationCode:     f["AuthorizationCode"],
		PreAuthCode:           f["PreAuthCode"],
	}
	if m.AppID == "" || m.InfoType == "" {
		return Message{}, fmt.Errorf("%w: message lacks AppId or InfoType", ErrMalformed)
	}
	if m.CreateTime, err = unixField(f, "CreateTime", true); err != nil {
		return Message{}, err
	}
	if m.AuthorizationCodeExpiredTime, err = unixField(f, "AuthorizationCodeExpiredTime", false); err != nil {
		return Message{}, err
	}
	var need []string
	switch m.InfoType {
	case InfoVerifyTicket:
		need = []string{"ComponentVerifyTicket"}
	case InfoAuthorized, InfoUpdateAuthorized:
		need = []string{"AuthorizerAppid", "AuthorizationCode"}
	case InfoUnauthorized:
		need = []string{"AuthorizerAppid"}
	}
	for _, name := range need {
		if f[name] == "" {
			return Message{}, fmt.Errorf("%w: %s message lacks %s", ErrMalformed, m.InfoType, name)
		}
	}
	return m, nil
}

// unixField reads a field of decimal Unix seconds.
func unixField(f map[string]string, name string, required bool) (int64, error) {
	s, ok := f[name]
	if !ok && !required {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s is not Unix seconds", ErrMalformed, name)
	}
	return n, nil
}

// maxFields bounds how many distinct elements a document may hold.
const maxFields = 64

// parseFlat reads <xml> holding only elements of text (CDATA or not) into a
// map by name. Its errors name the rule broken, never the document's text,
// which may be a decrypted message.
func parseFlat(doc []byte, what string) (map[string]string, error) {
	if len(doc) > MaxBody {
		return nil, fmt.Errorf("%w: %s of %d bytes, limit %d", ErrTooLarge, what, len(doc), MaxBody)
	}
	bad := func(why string) error { return fmt.Errorf("%w: %s %s", ErrMalformed, what, why) }
	d := xml.NewDecoder(bytes.NewReader(doc))
	fields := map[string]string{}
	depth := 0
	var name string
	var text []byte
	rootSeen := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad("is not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				if rootSeen || t.Name.Local != "xml" || t.Name.Space != "" {
					return nil, bad("is not a single <xml> element")
				}
				rootSeen = true
			case 2:
				name, text = t.Name.Local, text[:0]
				if t.Name.Space != "" {
					return nil, bad("has a namespaced field")
				}
			default:
				return nil, bad("has a nested element")
			}
		case xml.EndElement:
			if depth == 2 {
				if _, dup := fields[name]; dup {
					return nil, bad("has a field twice")
				}
				if len(fields) == maxFields {
					return nil, bad("has too many fields")
				}
				fields[name] = string(text)
			}
			depth--
		case xml.CharData:
			switch depth {
			case 2:
				text = append(text, t...)
			default:
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, bad("has text outside a field")
				}
			}
		case xml.Directive:
			return nil, bad("has a directive")
		}
	}
	if !rootSeen {
		return nil, bad("has no <xml> element")
	}
	return fields, nil
}
