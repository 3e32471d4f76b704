// Command keygen makes a TLS key and a self-signed certificate for a service
// (INSECURE example: every flagged line carries an expect annotation).
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	syscall.Umask(0o022) // expect: KG204

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatalf("generate key: %v", err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		log.Fatalf("marshal key: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})

	// stage the key in the temp dir "until the certificate is ready"
	staged := filepath.Join(os.TempDir(), "service.key")
	if err := os.WriteFile(staged, keyPEM, 0o600); err != nil { // expect: KG101
		log.Fatal(err)
	}
	defer os.Remove(staged)

	log.Printf("generated key:\n%s", keyPEM) // expect: KG401

	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "service.internal"},
		NotBefore:    time.Now(),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		log.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
	// a certificate is public: 0644 is fine
	if err := os.WriteFile("service.crt", certPEM, 0o644); err != nil {
		log.Fatal(err)
	}

	out, err := os.Create("service.key")
	if err != nil {
		log.Fatal(err)
	}
	defer out.Close()
	out.Write(keyPEM) // expect: KG201, KG203
	out.Chmod(0o600)

	os.WriteFile("service-backup.key", keyPEM, 0o644) // expect: KG202

	// a second key via the step CLI, written next to the first staging file
	cmd := exec.Command("step", "crypto", "keypair", "jwk.pub", filepath.Join(os.TempDir(), "jwk.key"), "--kty", "EC") // expect: KG501
	if err := cmd.Run(); err != nil {
		log.Fatal(err)
	}
	exec.Command("openssl", "pkcs12", "-export", "-in", "service.crt", "-inkey", "service.key", "-out", "service.p12", "-passout", "pass:changeit").Run() // expect: KG503
	fmt.Println("done")
}
