// Tests for kg402-key-in-argv-or-env.
package keys

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
)

func argvEnv(ctx context.Context) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})

	// ruleid: kg402-key-in-argv-or-env
	os.Setenv("TLS_KEY", string(keyPEM))

	// ruleid: kg402-key-in-argv-or-env
	exec.Command("kubectl", "create", "secret", "generic", "tls", "--from-literal=key="+string(keyPEM)).Run()

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	cmd := exec.CommandContext(ctx, "deploy-agent")
	// ruleid: kg402-key-in-argv-or-env
	cmd.Env = append(os.Environ(), "SIGNING_KEY="+base64.StdEncoding.EncodeToString(priv))

	// ruleid: kg402-key-in-argv-or-env
	exec.CommandContext(ctx, "vault", "kv", "put", "secret/tls", "key="+string(keyPEM))

	pub, _ := x509.MarshalPKIXPublicKey(key.Public())
	// ok: kg402-key-in-argv-or-env
	os.Setenv("TLS_PUB", base64.StdEncoding.EncodeToString(pub))

	// ok: kg402-key-in-argv-or-env
	exec.Command("openssl", "genpkey", "-algorithm", "ed25519", "-out", "/etc/app/key.pem").Run()

	viaStdin := exec.Command("kubectl", "create", "secret", "generic", "tls", "--from-file=key=/dev/stdin")
	viaStdin.Stdin = nil
	// ok: kg402-key-in-argv-or-env
	viaStdin.Env = append(os.Environ(), "KUBECONFIG=/etc/kube/config")
}
