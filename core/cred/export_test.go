package cred

// Internals the external tests (package cred_test, which may import the
// settings that build keys) hold the package to.
var (
	MaxAlert = maxAlert
	TextOf   = alertText
)
