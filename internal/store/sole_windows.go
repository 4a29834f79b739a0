//go:build windows

package store

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// flockSupported tells whether SoleServer can lock a database here.
const flockSupported = true

// lockedByte is the offset of the one byte locked: the last a file can
// have, never one the journal writes. A range lock on Windows is
// mandatory (other handles can neither read nor write it), so a lock on
// the journal's own bytes would keep anyone from reading the journal;
// locking past the end of the file is allowed (bbolt locks the same byte).
const lockedByte = ^uint32(0)

// flockExclusive takes an exclusive LockFileEx lock on f without waiting:
// held is false when another handle holds it (another process, or another
// Open of the same database in this one), as with flock on Unix. Windows
// releases it when the handle closes or the process dies, so a crashed
// server leaves no stale lock.
func flockExclusive(f *os.File) (held bool, err error) {
	ol := &windows.Overlapped{Offset: lockedByte, OffsetHigh: lockedByte}
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}
