// Package msgcrypt implements WeChat's message encryption ("消息加解密"), the
// scheme WeChat uses for the Open Platform's pushes to a third-party
// platform and for an official account's safe mode: the msg_signature over
// token, timestamp, nonce and the Encrypt value; AES-256-CBC under the
// EncodingAESKey; and the push envelope and the platform messages it
// carries (component_verify_ticket, authorized, updateauthorized,
// unauthorized).
//
// It uses the standard library only, so that it builds for wasip1 with the
// rest of core. It knows nothing of HTTP, Workers or the credential table:
// callers hand it the body and the query values they received.
//
// A receiver checks the signature before it decrypts, so that nobody
// without the token can probe the decryption's refusals; Key.Open does both
// in that order. Every refusal wraps one of the sentinel errors (ErrKey,
// ErrSignature, ErrMalformed, ErrPadding, ErrAppID, ErrTooLarge) and never
// contains the key, the token or any part of the plaintext.
package msgcrypt
