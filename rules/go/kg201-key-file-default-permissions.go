// Tests for kg201-key-file-default-permissions.
package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

func createAndEncode(path string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// ruleid: kg201-key-file-default-permissions
	return pem.Encode(f, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func createAndWrite(path string) {
	k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	out, _ := os.Create(path)
	// ruleid: kg201-key-file-default-permissions
	out.Write(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func createAndFprint(path string) {
	_, priv, _ := ed25519.GenerateKey(nil)
	var f *os.File
	var err error
	f, err = os.Create(path)
	if err != nil {
		panic(err)
	}
	// ruleid: kg201-key-file-default-permissions
	fmt.Fprintf(f, "%x", priv.Seed())
}

func literalKey(path string) {
	f, _ := os.Create(path)
	// ruleid: kg201-key-file-default-permissions
	f.WriteString("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE...\n-----END EC PRIVATE KEY-----\n")
}

// --- negatives ----------------------------------------------------------

func openFileOwnerOnly(path string) error {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	// ok: kg201-key-file-default-permissions
	return pem.Encode(f, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func createCert(path string, tmpl *x509.Certificate) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	f, _ := os.Create(path)
	// ok: kg201-key-file-default-permissions
	pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func createPub(path string) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	f, _ := os.Create(path)
	// ok: kg201-key-file-default-permissions
	f.Write(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
}

func createLog(path string) {
	f, _ := os.Create(path)
	// ok: kg201-key-file-default-permissions
	fmt.Fprintln(f, "key rotated")
}
