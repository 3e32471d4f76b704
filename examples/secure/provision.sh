#!/bin/sh
# Provision a service certificate with the step CLI and openssl: keys are created
# owner-only in their final directory, passphrases come from files, and only
# public material is printed.
set -eu

umask 077
install -d -m 700 /etc/svc/keys

step crypto keypair /etc/svc/keys/svc.pub /etc/svc/keys/svc.key --kty EC --password-file /run/secrets/pw
openssl genpkey -algorithm ed25519 -out /etc/svc/keys/signing.key

openssl req -new -key /etc/svc/keys/signing.key -out /tmp/svc.csr -subj "/CN=svc.internal"
step ca sign /tmp/svc.csr /etc/svc/tls.crt --provisioner-password-file /run/secrets/prov

openssl pkcs12 -export -in /etc/svc/tls.crt -inkey /etc/svc/keys/signing.key -out /etc/svc/keys/tls.p12 -passout file:/run/secrets/p12pw
chmod 600 /etc/svc/keys/signing.key
chmod 644 /etc/svc/tls.crt
openssl pkey -in /etc/svc/keys/signing.key -pubout | openssl sha256
