// Tests for kg503-keygen-tool-secret-in-argv.
package keys

import (
	"context"
	"fmt"
	"os/exec"
)

func passInArgv(ctx context.Context, passphrase string) {
	// ruleid: kg503-keygen-tool-secret-in-argv
	exec.Command("openssl", "genrsa", "-aes256", "-passout", "pass:changeit", "-out", "k.pem", "4096").Run()

	// ruleid: kg503-keygen-tool-secret-in-argv
	exec.Command("openssl", "pkcs12", "-export", "-in", "c.crt", "-inkey", "c.key", "-passout", "pass:"+passphrase).Run()

	// ruleid: kg503-keygen-tool-secret-in-argv
	exec.CommandContext(ctx, "openssl", "rsa", "-in", "enc.key", "-passin", fmt.Sprintf("pass:%s", passphrase), "-out", "plain.key").Run()

	// ok: kg503-keygen-tool-secret-in-argv
	exec.Command("openssl", "genrsa", "-aes256", "-passout", "file:/run/secrets/pw", "-out", "k.pem").Run()

	// ok: kg503-keygen-tool-secret-in-argv
	exec.Command("openssl", "genrsa", "-aes256", "-passout", "fd:3", "-out", "k.pem").Run()

	// ok: kg503-keygen-tool-secret-in-argv
	exec.Command("openssl", "genrsa", "-aes256", "-passout", "stdin", "-out", "k.pem").Run()

	// ok: kg503-keygen-tool-secret-in-argv
	exec.Command("curl", "-u", "pass:word", "https://example.invalid").Run()
}
