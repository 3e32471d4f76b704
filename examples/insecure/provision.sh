#!/bin/sh
# Provision a service certificate with the step CLI and openssl
# (INSECURE example: every flagged line carries an expect annotation).
set -eu

umask 000 # expect: KG204

WORK=/tmp/provision
mkdir -p "$WORK"
step crypto keypair "$WORK/svc.pub" "$WORK/svc.key" --kty EC --password-file /run/secrets/pw # expect: KG501
openssl genrsa -out "${TMPDIR:-/tmp}/legacy.key" 3072 # expect: KG501
openssl genpkey -algorithm ed25519 > /tmp/signing.key # expect: KG501

openssl req -new -key /etc/svc/tls.key -out /tmp/svc.csr -subj "/CN=svc.internal"
step ca sign /tmp/svc.csr /etc/svc/tls.crt --provisioner-password-file /run/secrets/prov

openssl pkcs12 -export -in /etc/svc/tls.crt -inkey /etc/svc/tls.key -out /etc/svc/tls.p12 -passout pass:changeit # expect: KG503
chmod 644 /etc/svc/tls.key # expect: KG202
chmod 644 /etc/svc/tls.crt
cp /etc/svc/tls.key /tmp/ # expect: KG101
echo "key for the logs:" && cat /etc/svc/tls.key # expect: KG401
