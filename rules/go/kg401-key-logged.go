// Tests for kg401-key-logged.
package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"log"
	"log/slog"
	"os"

	"go.uber.org/zap"
)

func logs(logger *zap.SugaredLogger) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		// ok: kg401-key-logged
		log.Fatalf("generate: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	// ruleid: kg401-key-logged
	log.Printf("generated key:\n%s", keyPEM)

	// ruleid: kg401-key-logged
	fmt.Println(string(keyPEM))

	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	// ruleid: kg401-key-logged
	logger.Debugw("new signing key", "seed", base64.StdEncoding.EncodeToString(priv.Seed()))

	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		// ok: kg401-key-logged
		slog.Error("marshal failed", "err", err)
	}
	// ruleid: kg401-key-logged
	fmt.Fprintf(os.Stderr, "debug: %x\n", der)

	// ruleid: kg401-key-logged
	slog.Info("key", "der", der)

	// ruleid: kg401-key-logged
	pem.Encode(os.Stdout, &pem.Block{Type: "EC PRIVATE KEY", Bytes: der})

	// ruleid: kg401-key-logged
	panic(fmt.Sprintf("bad key %v", k))

	pubDER, _ := x509.MarshalPKIXPublicKey(key.Public())
	// ok: kg401-key-logged
	log.Printf("public key: %x", pubDER)

	// ok: kg401-key-logged
	pem.Encode(os.Stdout, &pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	sum := sha256.Sum256(pubDER)
	// ok: kg401-key-logged
	logger.Infof("key fingerprint %x", sum)

	// ok: kg401-key-logged
	fmt.Println("wrote key to", "/etc/app/key.pem")

	// ok: kg401-key-logged
	fmt.Fprintf(os.Stdout, "%d bits\n", key.N.BitLen())
}
