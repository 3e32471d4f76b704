// Tests for kg202-key-file-chmod-permissive.
package keys

import (
	"os"
	"path/filepath"
)

func chmods(dir string, keyFile *os.File, keyPath string) {
	// ruleid: kg202-key-file-chmod-permissive
	os.Chmod("/etc/ssl/private/server.key", 0644)

	// ruleid: kg202-key-file-chmod-permissive
	os.Chmod(keyPath, 0o640)

	// ruleid: kg202-key-file-chmod-permissive
	keyFile.Chmod(0o644)

	// ruleid: kg202-key-file-chmod-permissive
	os.Chmod(filepath.Join(dir, "id_ed25519"), os.ModePerm)

	// ok: kg202-key-file-chmod-permissive
	os.Chmod(keyPath, 0o600)

	// ok: kg202-key-file-chmod-permissive
	os.Chmod(filepath.Join(dir, "server.crt"), 0644)

	// ok: kg202-key-file-chmod-permissive
	os.Chmod(filepath.Join(dir, "id_ed25519.pub"), 0644)

	// ok: kg202-key-file-chmod-permissive
	os.Chmod("/usr/local/bin/tool", 0755)

	// ok: kg202-key-file-chmod-permissive
	keyFile.Chmod(0400)
}
