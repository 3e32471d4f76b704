#!/bin/bash
# Tests for kg502-keygen-tool-unencrypted-key.

# ruleid: kg502-keygen-tool-unencrypted-key
openssl req -x509 -newkey rsa:2048 -nodes -keyout site.key -out site.crt -subj /CN=x

# ruleid: kg502-keygen-tool-unencrypted-key
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -keyout k.pem -out r.csr

# ruleid: kg502-keygen-tool-unencrypted-key
step crypto keypair pub.pem priv.pem --kty RSA --size 3072 --no-password --insecure

# ruleid: kg502-keygen-tool-unencrypted-key
step certificate create leaf leaf.crt leaf.key --insecure --no-password --ca ca.crt --ca-key ca.key

# ruleid: kg502-keygen-tool-unencrypted-key
ssh-keygen -t ed25519 -N "" -f ~/.ssh/ci_deploy

# ruleid: kg502-keygen-tool-unencrypted-key
ssh-keygen -q -t rsa -b 4096 -f ./id_rsa -N ''

# ok: kg502-keygen-tool-unencrypted-key
openssl req -x509 -newkey rsa:2048 -keyout site.key -passout file:/run/secrets/pw -out site.crt

# ok: kg502-keygen-tool-unencrypted-key
step crypto keypair pub.pem priv.pem --kty RSA --password-file /run/secrets/pw

# ok: kg502-keygen-tool-unencrypted-key
ssh-keygen -t ed25519 -f ~/.ssh/ci_deploy

# --insecure alone (e.g. for a short RSA size) does not disable the passphrase
# ok: kg502-keygen-tool-unencrypted-key
step crypto keypair pub.pem priv.pem --kty RSA --size 1024 --insecure --password-file pw.txt

# ok: kg502-keygen-tool-unencrypted-key
openssl x509 -in site.crt -noout -text
