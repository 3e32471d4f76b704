// Tests for kg204-permissive-umask.
package keys

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func zero() {
	// ruleid: kg204-permissive-umask
	syscall.Umask(0)
}

func groupWrite() {
	// ruleid: kg204-permissive-umask
	old := syscall.Umask(0o002)
	defer syscall.Umask(old)
}

func legacyOctal() {
	// ruleid: kg204-permissive-umask
	unix.Umask(022)
}

func groupRead() {
	// ruleid: kg204-permissive-umask
	syscall.Umask(0o027)
}

func ownerOnly() {
	// ok: kg204-permissive-umask
	syscall.Umask(0o077)
}

func ownerOnlyLegacy() {
	// ok: kg204-permissive-umask
	unix.Umask(077)
}

func ownerReadOnly() {
	// ok: kg204-permissive-umask
	syscall.Umask(0o177)
}
