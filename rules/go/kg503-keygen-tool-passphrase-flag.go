// Tests for kg503-keygen-tool-passphrase-flag.
package keys

import (
	"context"
	"os/exec"
)

func passphraseFlags(ctx context.Context, pw string) {
	// ruleid: kg503-keygen-tool-passphrase-flag
	exec.Command("ssh-keygen", "-t", "ed25519", "-f", "/etc/app/id", "-N", pw).Run()

	// ruleid: kg503-keygen-tool-passphrase-flag
	exec.CommandContext(ctx, "ssh-keygen", "-p", "-f", "/etc/app/id", "-P", "old-secret", "-N", "").Run()

	// ruleid: kg503-keygen-tool-passphrase-flag
	exec.Command("keytool", "-genkeypair", "-alias", "tls", "-keystore", "ks.p12", "-storepass", pw).Run()

	// ok: kg503-keygen-tool-passphrase-flag
	exec.Command("ssh-keygen", "-t", "ed25519", "-f", "/etc/app/id", "-N", "").Run()

	// ok: kg503-keygen-tool-passphrase-flag
	exec.Command("step", "crypto", "keypair", "pub.pem", "priv.pem", "--password-file", "/run/secrets/pw").Run()

	// ok: kg503-keygen-tool-passphrase-flag
	exec.Command("git", "commit", "-N", pw).Run()
}
