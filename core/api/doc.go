// Package api answers the Worker's endpoints: the settings (LoadSettings)
// and the keys they call for, the route table (Routes), the requests and
// responses, and the handling of /config, /nonce, /wecom/config, the card
// endpoints, /token, /ticket and /healthz. It decides; the signer module
// and its host carry the bytes.
package api
