// Tests for kg202-key-file-permissive-mode.
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
	"os"

	"go.step.sm/crypto/keyutil"
	"go.step.sm/crypto/pemutil"
)

func writeFile0644(path string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	// ruleid: kg202-key-file-permissive-mode
	return os.WriteFile(path, pemBytes, 0644)
}

func ioutilGroupRead(path string) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(k)
	// ruleid: kg202-key-file-permissive-mode
	ioutil.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o640)
}

func openFile0o644(path string) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	// ruleid: kg202-key-file-permissive-mode
	pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func pemutilToFile(path string) {
	signer, _ := keyutil.GenerateSigner("EC", "P-256", 0)
	// ruleid: kg202-key-file-permissive-mode
	pemutil.Serialize(signer, pemutil.ToFile(path, 0644))
}

func modePerm(path string) {
	key, _ := rsa.GenerateKey(rand.Reader, 4096)
	// ruleid: kg202-key-file-permissive-mode
	os.WriteFile(path, x509.MarshalPKCS1PrivateKey(key), os.ModePerm)
}

func fileModeConversion(path string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	// ruleid: kg202-key-file-permissive-mode
	os.WriteFile(path, x509.MarshalPKCS1PrivateKey(key), os.FileMode(0644))
}

// --- negatives ----------------------------------------------------------

func fileModeOwner(path string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	// ok: kg202-key-file-permissive-mode
	os.WriteFile(path, x509.MarshalPKCS1PrivateKey(key), os.FileMode(0600))
}

func writeFile0600(path string) error {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	// ok: kg202-key-file-permissive-mode
	return os.WriteFile(path, pemBytes, 0600)
}

func publicPEM0644(path string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(key.Public())
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	// ok: kg202-key-file-permissive-mode
	os.WriteFile(path, pemBytes, 0644)
}

func certPEM0644(path string, tmpl *x509.Certificate) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	// ok: kg202-key-file-permissive-mode
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func openFile0o600(path string) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	f, _ := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	// ok: kg202-key-file-permissive-mode
	f.Write(priv)
}

func pemutilToFile0600(path string) {
	signer, _ := keyutil.GenerateDefaultSigner()
	// ok: kg202-key-file-permissive-mode
	pemutil.Serialize(signer, pemutil.ToFile(path, 0600))
}
