// Package diagnose answers /debug/info and /debug/check: what wxsign signs
// for a page, and why a signature a page got does not verify, in findings
// a person can act on.
package diagnose
