//go:build wasip1

package jssdk

import "syscall"

// fillRandom fills b from WASI's random_get, the host's own generator
// (crypto.getRandomValues in a Worker), as crypto/rand would on wasip1 but
// without linking crypto/rand: it brings the FIPS 140 module along.
func fillRandom(b []byte) {
	if err := syscall.RandomGet(b); err != nil {
		panic("core: random_get failed: " + err.Error())
	}
}
