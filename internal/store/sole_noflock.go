//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package store

import (
	"errors"
	"os"
)

// flockSupported tells whether SoleServer can lock a database here: not on
// this system, so SoleServer is ignored and routing claims its events.
const flockSupported = false

// flockExclusive is never called where flockSupported is false.
func flockExclusive(*os.File) (bool, error) { return false, errors.New("no flock on this system") }
