// Tests for kg101-key-in-tempfile.
package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io/ioutil"
	"log"
	"os"
	"path/filepath"

	"go.step.sm/crypto/keyutil"
	"go.step.sm/crypto/pemutil"
)

func rsaToTmp() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	// ruleid: kg101-key-in-tempfile
	if err := os.WriteFile("/tmp/server.key", keyPEM, 0o600); err != nil {
		return err
	}
	path := filepath.Join(os.TempDir(), "server.key")
	// ruleid: kg101-key-in-tempfile
	return ioutil.WriteFile(path, keyPEM, 0600)
}

func edToCreateTemp() {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.CreateTemp("", "ed25519-*.key")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	// ruleid: kg101-key-in-tempfile
	f.Write(priv)
}

func ecdsaPemEncode() {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		log.Fatalf("marshal: %v", err)
	}
	tmp, _ := ioutil.TempFile("", "ec")
	// ruleid: kg101-key-in-tempfile
	pem.Encode(tmp, &pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

func stepKeyutil() {
	dir, _ := os.MkdirTemp("", "certs")
	signer, err := keyutil.GenerateDefaultSigner()
	if err != nil {
		panic(err)
	}
	// ruleid: kg101-key-in-tempfile
	pemutil.Serialize(signer, pemutil.ToFile(filepath.Join(dir, "key.pem"), 0600))
}

func pkcs8ToTmpdirEnv() {
	key, _ := rsa.GenerateKey(rand.Reader, 3072)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	out, _ := os.Create(filepath.Join(os.Getenv("TMPDIR"), "k.der"))
	// ruleid: kg101-key-in-tempfile
	out.Write(der)
}

// --- negatives ----------------------------------------------------------

func publicToTmp() {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(key.Public())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	// ok: kg101-key-in-tempfile
	os.WriteFile("/tmp/server.pub", pubPEM, 0644)
}

func certToTmp(tmpl *x509.Certificate) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	f, _ := os.CreateTemp("", "cert")
	// ok: kg101-key-in-tempfile
	pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func keyToFinalPath() error {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	// ok: kg101-key-in-tempfile
	return os.WriteFile("/etc/myapp/keys/server.key", keyPEM, 0o600)
}

func errorToTmp() {
	_, err := rsa.GenerateKey(rand.Reader, 2048)
	// ok: kg101-key-in-tempfile
	os.WriteFile("/tmp/last-error.txt", []byte(err.Error()), 0644)
}

func logToTmp() {
	f, _ := os.CreateTemp("", "log")
	// ok: kg101-key-in-tempfile
	f.WriteString("generated a new key")
}
