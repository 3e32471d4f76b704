#!/bin/bash
# Tests for kg401-key-logged.

# ruleid: kg401-key-logged
cat /etc/ssl/private/server.key

# ruleid: kg401-key-logged
cat "$KEY_FILE"

# ruleid: kg401-key-logged
echo "generated key: $PRIVATE_KEY"

# ruleid: kg401-key-logged
printf '%s\n' "${SSH_PRIVATE_KEY}"

# ruleid: kg401-key-logged
openssl pkey -in tls.key -text -noout

# ruleid: kg401-key-logged
cat ~/.ssh/id_ed25519 >&2

# ruleid: kg401-key-logged
echo "-----BEGIN OPENSSH PRIVATE KEY-----"

# ok: kg401-key-logged
cat ~/.ssh/id_ed25519.pub

# ok: kg401-key-logged
cat /etc/ssl/certs/server.crt

# ok: kg401-key-logged
echo "$SSH_PRIVATE_KEY" > ~/.ssh/id_ed25519

# ok: kg401-key-logged
cat server.key | kubectl create secret generic tls --from-file=tls.key=/dev/stdin

# ok: kg401-key-logged
KEY_PEM=$(cat /etc/ssl/private/server.key)

# ok: kg401-key-logged
echo "key written to $KEY_PATH"

# ok: kg401-key-logged
openssl pkey -in tls.key -pubout -text -noout

# ok: kg401-key-logged
cat server.key > /etc/nginx/ssl/server.key

KEY=$(openssl genpkey -algorithm ed25519)
# ruleid: kg401-key-logged
echo "$KEY"
