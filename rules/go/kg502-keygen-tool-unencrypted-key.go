// Tests for kg502-keygen-tool-unencrypted-key.
package keys

import (
	"context"
	"os/exec"
)

func unencrypted(ctx context.Context) {
	// ruleid: kg502-keygen-tool-unencrypted-key
	exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem").Run()

	// ruleid: kg502-keygen-tool-unencrypted-key
	exec.CommandContext(ctx, "step", "crypto", "keypair", "pub.pem", "priv.pem", "--no-password", "--insecure").Run()

	// ruleid: kg502-keygen-tool-unencrypted-key
	exec.Command("ssh-keygen", "-t", "ed25519", "-f", "id", "-N", "").Run()

	// ok: kg502-keygen-tool-unencrypted-key
	exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-keyout", "k.pem", "-passout", "file:pw", "-out", "c.pem").Run()

	// ok: kg502-keygen-tool-unencrypted-key
	exec.Command("ssh-keygen", "-t", "ed25519", "-f", "id").Run()

	// ok: kg502-keygen-tool-unencrypted-key
	exec.Command("curl", "--no-password", "-nodes").Run()
}
