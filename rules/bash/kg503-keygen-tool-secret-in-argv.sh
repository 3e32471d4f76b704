#!/bin/bash
# Tests for kg503-keygen-tool-secret-in-argv.

# ruleid: kg503-keygen-tool-secret-in-argv
openssl genrsa -aes256 -passout pass:changeit -out server.key 4096

# ruleid: kg503-keygen-tool-secret-in-argv
openssl genpkey -algorithm ed25519 -aes-256-cbc -pass "pass:$KEY_PASSPHRASE" -out ed.key

# ruleid: kg503-keygen-tool-secret-in-argv
openssl pkcs12 -export -in c.crt -inkey c.key -out c.p12 -passout 'pass:s3cr3t'

# ruleid: kg503-keygen-tool-secret-in-argv
openssl rsa -in enc.key -passin pass:${OLD_PASSPHRASE} -out /etc/app/plain.key

# ruleid: kg503-keygen-tool-secret-in-argv
ssh-keygen -t ed25519 -f "$HOME/.ssh/deploy" -N "$DEPLOY_KEY_PASSPHRASE"

# ruleid: kg503-keygen-tool-secret-in-argv
ssh-keygen -p -f ~/.ssh/id_rsa -P oldpass -N newpass

# ruleid: kg503-keygen-tool-secret-in-argv
certtool --generate-privkey --password="$PW" --outfile key.pem

# ok: kg503-keygen-tool-secret-in-argv
openssl genrsa -aes256 -passout file:/run/secrets/key_pw -out server.key 4096

# ok: kg503-keygen-tool-secret-in-argv
openssl genpkey -algorithm ed25519 -aes-256-cbc -pass fd:3 -out ed.key 3</run/secrets/pw

# ok: kg503-keygen-tool-secret-in-argv
openssl pkcs12 -export -in c.crt -inkey c.key -out c.p12 -passout env:P12_PASSWORD

# ok: kg503-keygen-tool-secret-in-argv
openssl rsa -in enc.key -passin stdin -out /etc/app/plain.key

# an empty passphrase is KG502, not a secret on the command line
# ok: kg503-keygen-tool-secret-in-argv
ssh-keygen -t ed25519 -f "$HOME/.ssh/deploy" -N ""

# ok: kg503-keygen-tool-secret-in-argv
step crypto keypair pub.json priv.json --password-file /run/secrets/pw
