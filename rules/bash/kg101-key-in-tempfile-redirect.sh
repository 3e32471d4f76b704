#!/bin/bash
# Tests for kg101-key-in-tempfile-redirect.

# ruleid: kg101-key-in-tempfile-redirect
echo "$SSH_PRIVATE_KEY" > /tmp/id_ed25519

# ruleid: kg101-key-in-tempfile-redirect
printf '%s\n' "${TLS_PRIVATE_KEY}" >"$TMPDIR/tls.key"

# ruleid: kg101-key-in-tempfile-redirect
echo "$DEPLOY_KEY" | base64 -d | tee /var/tmp/deploy_key

# ruleid: kg101-key-in-tempfile-redirect
cat /etc/ssl/private/server.key > /tmp/server.key

# ruleid: kg101-key-in-tempfile-redirect
cat > /tmp/signing.pem <<PEM
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+Hxxxx
-----END PRIVATE KEY-----
PEM

# ruleid: kg101-key-in-tempfile-redirect
printf '%s' "$KEY" > /tmp/key.pem

# ok: kg101-key-in-tempfile-redirect
echo "$SSH_PRIVATE_KEY" > ~/.ssh/id_ed25519

# ok: kg101-key-in-tempfile-redirect
echo "$SSH_PUBLIC_KEY" > /tmp/id_ed25519.pub

# ok: kg101-key-in-tempfile-redirect
cat /etc/ssl/certs/server.crt > /tmp/server.crt

# ok: kg101-key-in-tempfile-redirect
echo "key stored at $KEY_PATH" > /tmp/notes.txt

# ok: kg101-key-in-tempfile-redirect
cat > /tmp/ca.pem <<PEM
-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIU
-----END CERTIFICATE-----
PEM
