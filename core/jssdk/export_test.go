package jssdk

// NoncePos is where the nonce pool stands, for the external tests: every
// draw moves it.
var NoncePos = noncePos
