// Tests for kg501-keygen-tool-temp-output.
package keys

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func opensslTmp() error {
	// ruleid: kg501-keygen-tool-temp-output
	return exec.Command("openssl", "genrsa", "-out", "/tmp/server.key", "2048").Run()
}

func opensslTempDir(ctx context.Context) error {
	keyPath := filepath.Join(os.TempDir(), "signing.pem")
	// ruleid: kg501-keygen-tool-temp-output
	cmd := exec.CommandContext(ctx, "openssl", "genpkey", "-algorithm", "ed25519", "-out", keyPath)
	return cmd.Run()
}

func opensslReqKeyout() error {
	dir, err := os.MkdirTemp("", "pki")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// ruleid: kg501-keygen-tool-temp-output
	out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
		"-keyout", filepath.Join(dir, "tls.key"), "-out", filepath.Join(dir, "tls.crt"),
		"-subj", "/CN=localhost").CombinedOutput()
	_ = out
	return err
}

func sshKeygenTmp() {
	// ruleid: kg501-keygen-tool-temp-output
	exec.Command("ssh-keygen", "-t", "ed25519", "-f", "/tmp/id_deploy", "-N", "").Run()
}

func stepKeypair(t *testing.T) {
	dir := t.TempDir()
	// ruleid: kg501-keygen-tool-temp-output
	exec.Command("step", "crypto", "keypair", filepath.Join(dir, "pub.pem"), filepath.Join(dir, "priv.pem"),
		"--no-password", "--insecure").Run()
}

func stepCertificateCreate() {
	f, _ := os.CreateTemp("", "leaf-*.key")
	// ruleid: kg501-keygen-tool-temp-output
	exec.Command("step", "certificate", "create", "leaf", "leaf.crt", f.Name(), "--profile", "self-signed", "--subtle").Run()
}

func shellScript() {
	dir := os.TempDir()
	// ruleid: kg501-keygen-tool-temp-output
	exec.Command("sh", "-c", fmt.Sprintf("openssl genrsa -out %s/key.pem 2048", dir)).Run()
}

// --- negatives ----------------------------------------------------------

func opensslFinalPath() error {
	// ok: kg501-keygen-tool-temp-output
	return exec.Command("openssl", "genrsa", "-out", "/etc/myapp/keys/server.key", "2048").Run()
}

func csrToTmp() error {
	// ok: kg501-keygen-tool-temp-output
	return exec.Command("openssl", "req", "-new", "-key", "/etc/myapp/keys/server.key", "-out", "/tmp/server.csr", "-subj", "/CN=x").Run()
}

func pubToTmp() error {
	// ok: kg501-keygen-tool-temp-output
	return exec.Command("openssl", "pkey", "-in", "/etc/myapp/keys/server.key", "-pubout", "-out", "/tmp/server.pub").Run()
}

func sshKeygenFingerprint() {
	// ok: kg501-keygen-tool-temp-output
	exec.Command("ssh-keygen", "-l", "-f", "/tmp/id_deploy.pub").Run()
}

func stepPubOnlyInTmp() {
	// ok: kg501-keygen-tool-temp-output
	exec.Command("step", "crypto", "keypair", "/tmp/pub.pem", "/etc/myapp/keys/priv.pem", "--password-file", "/run/secrets/pw").Run()
}

func x509ToTmp() {
	// ok: kg501-keygen-tool-temp-output
	exec.Command("openssl", "x509", "-req", "-in", "/tmp/server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-out", "/tmp/server.crt").Run()
}

func lsTmp() {
	// ok: kg501-keygen-tool-temp-output
	exec.Command("ls", "-l", "/tmp").Run()
}

func shellString() {
	// ruleid: kg501-keygen-tool-temp-output
	exec.Command("/bin/sh", "-c", "openssl genrsa -out /tmp/server.key 2048 && chmod 600 /tmp/server.key").Run()
	// ok: kg501-keygen-tool-temp-output
	exec.Command("/bin/sh", "-c", "openssl genrsa -out /etc/app/server.key 2048 2>/tmp/openssl.log").Run()
}
