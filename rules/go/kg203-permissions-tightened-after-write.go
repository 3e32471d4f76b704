// Tests for kg203-permissions-tightened-after-write.
package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
)

func writeThenChmod(path string) error {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	// ruleid: kg203-permissions-tightened-after-write
	if err := os.WriteFile(path, data, 0644); err != nil {
		return err
	}
	return os.Chmod(path, 0600)
}

func writeThenChmodPlain(path string) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(k)
	// ruleid: kg203-permissions-tightened-after-write
	os.WriteFile(path, der, 0666)
	os.Chmod(path, 0o600)
}

func createWriteFChmod(path string) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	f, _ := os.Create(path)
	defer f.Close()
	// ruleid: kg203-permissions-tightened-after-write
	f.Write(priv)
	f.Chmod(0600)
}

func createEncodeChmodName(path string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	f, _ := os.Create(path)
	// ruleid: kg203-permissions-tightened-after-write
	pem.Encode(f, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	os.Chmod(f.Name(), 0400)
}

// --- negatives ----------------------------------------------------------

func createdOwnerOnly(path string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	// ok: kg203-permissions-tightened-after-write
	os.WriteFile(path, data, 0600)
}

func chmodBeforeWrite(path string) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	f, _ := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	f.Chmod(0400)
	// ok: kg203-permissions-tightened-after-write
	f.Write(priv)
}

func certThenChmod(path string, tmpl *x509.Certificate) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	// ok: kg203-permissions-tightened-after-write
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0600)
	os.Chmod(path, 0644)
}

func otherFileChmod(path, other string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	// ok: kg203-permissions-tightened-after-write
	os.WriteFile(path, x509.MarshalPKCS1PrivateKey(key), 0600)
	os.Chmod(other, 0755)
}
