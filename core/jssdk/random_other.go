//go:build !wasip1

package jssdk

import "crypto/rand"

// fillRandom fills b from crypto/rand.
func fillRandom(b []byte) { rand.Read(b) } // never fails since Go 1.24
