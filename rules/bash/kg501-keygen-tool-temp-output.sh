#!/bin/bash
# Tests for kg501-keygen-tool-temp-output (semgrep --test: annotation on the line before).
set -euo pipefail

# ruleid: kg501-keygen-tool-temp-output
openssl genrsa -out /tmp/server.key 2048

# ruleid: kg501-keygen-tool-temp-output
openssl genpkey -algorithm ed25519 -out "$TMPDIR/signing.pem"

# ruleid: kg501-keygen-tool-temp-output
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "${TMPDIR:-/tmp}/key.pem"

workdir=$(mktemp -d)
# ruleid: kg501-keygen-tool-temp-output
openssl ecparam -name prime256v1 -genkey -noenc -out "$workdir/ec.key"

# ruleid: kg501-keygen-tool-temp-output
openssl req -x509 -newkey rsa:4096 -nodes -keyout /tmp/x.key \
  -out site.crt -days 365 -subj "/CN=example.com"

KEYFILE="$(mktemp)"
# ruleid: kg501-keygen-tool-temp-output
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout $KEYFILE -out req.csr

# ruleid: kg501-keygen-tool-temp-output
ssh-keygen -t ed25519 -f /tmp/id_ed25519 -N "" -C deploy

# ruleid: kg501-keygen-tool-temp-output
ssh-keygen -q -t rsa -b 4096 -N '' -f /var/tmp/deploy_key

# ruleid: kg501-keygen-tool-temp-output
step crypto keypair pub.json /tmp/priv.json --kty OKP --crv Ed25519 --no-password --insecure

# ruleid: kg501-keygen-tool-temp-output
step certificate create leaf leaf.crt /dev/shm/leaf.key --profile leaf --ca ca.crt --ca-key ca.key

# ruleid: kg501-keygen-tool-temp-output
sudo openssl genrsa -out /tmp/root.key 4096

SCRATCH=/tmp/provision
# ruleid: kg501-keygen-tool-temp-output
openssl genrsa -out "$SCRATCH/db.key" 2048

if [ -n "${RUNNER_TEMP:-}" ]; then
  # ruleid: kg501-keygen-tool-temp-output
  step ca certificate svc.internal svc.crt "$RUNNER_TEMP/svc.key" --token "$TOKEN"
fi

# ruleid: kg501-keygen-tool-temp-output
openssl pkcs12 -export -in leaf.crt -inkey leaf.key -out /tmp/leaf.p12 -passout file:pw.txt

# ruleid: kg501-keygen-tool-temp-output
openssl rsa -in server.key -out /tmp/server-unlocked.key

# --- negatives -------------------------------------------------------------

install -d -m 700 /etc/myapp/keys
# ok: kg501-keygen-tool-temp-output
openssl genrsa -out /etc/myapp/keys/server.key 2048

# ok: kg501-keygen-tool-temp-output
ssh-keygen -t ed25519 -f "$HOME/.ssh/id_ed25519" -N "" -C deploy

# a CSR or certificate in /tmp is public material
# ok: kg501-keygen-tool-temp-output
openssl req -new -key /etc/myapp/keys/server.key -out /tmp/server.csr -subj "/CN=x"

# ok: kg501-keygen-tool-temp-output
openssl x509 -req -in /tmp/server.csr -CA ca.crt -CAkey ca.key -out /tmp/server.crt

# exporting the public half to /tmp is fine
# ok: kg501-keygen-tool-temp-output
openssl rsa -in /etc/myapp/keys/server.key -pubout -out /tmp/server.pub

# ok: kg501-keygen-tool-temp-output
ssh-keygen -y -f "$HOME/.ssh/id_ed25519" -N ""

# ok: kg501-keygen-tool-temp-output
ssh-keygen -l -f /tmp/id_ed25519.pub

# ok: kg501-keygen-tool-temp-output
step crypto keypair /tmp/pub.json keys/priv.json --kty EC --password-file /run/secrets/pw

# ok: kg501-keygen-tool-temp-output
step certificate create leaf /tmp/leaf.crt keys/leaf.key --profile leaf --ca ca.crt --ca-key ca.key

# templates are not temporary directories
TEMPLATE_DIR=./templates
# ok: kg501-keygen-tool-temp-output
openssl genrsa -out "$TEMPLATE_DIR/../keys/a.key" 2048

# ok: kg501-keygen-tool-temp-output
openssl pkcs12 -in bundle.p12 -nokeys -out /tmp/chain.pem -passin file:pw.txt
