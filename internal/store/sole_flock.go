//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"os"
	"syscall"
)

// flockSupported tells whether SoleServer can lock a database here.
const flockSupported = true

// flockExclusive takes an exclusive flock on f without waiting: held is
// false when another open file description holds it (another process, or
// another Open of the same database in this one). The kernel releases it
// when the process dies, so a crashed server leaves no stale lock.
func flockExclusive(f *os.File) (held bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) //nolint:gosec // A file descriptor fits an int.
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
