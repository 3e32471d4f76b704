#!/bin/bash
# Tests for kg202-key-file-permissive-mode.

# ruleid: kg202-key-file-permissive-mode
chmod 644 /etc/ssl/private/server.key

# ruleid: kg202-key-file-permissive-mode
chmod 0644 *.key

# ruleid: kg202-key-file-permissive-mode
chmod go+r "$KEY_FILE"

# ruleid: kg202-key-file-permissive-mode
chmod -R 755 /etc/myapp/private

# ruleid: kg202-key-file-permissive-mode
sudo chmod a+r ~/.ssh/id_ed25519

# ruleid: kg202-key-file-permissive-mode
install -m 0644 tls.key /etc/nginx/tls.key

# ruleid: kg202-key-file-permissive-mode
chmod 640 "${TLS_DIR}/privkey.pem"

# ruleid: kg202-key-file-permissive-mode
chmod 666 signing-key.pem

# ok: kg202-key-file-permissive-mode
chmod 600 /etc/ssl/private/server.key

# ok: kg202-key-file-permissive-mode
chmod 0400 *.key

# ok: kg202-key-file-permissive-mode
chmod 644 /etc/ssl/certs/server.crt

# ok: kg202-key-file-permissive-mode
chmod 644 ~/.ssh/id_ed25519.pub

# ok: kg202-key-file-permissive-mode
chmod a+r /etc/apt/keyrings/docker.gpg

# ok: kg202-key-file-permissive-mode
chmod go-rwx "$KEY_FILE"

# ok: kg202-key-file-permissive-mode
chmod u=rw,go= private.pem

# ok: kg202-key-file-permissive-mode
install -m 600 tls.key /etc/nginx/tls.key

# ok: kg202-key-file-permissive-mode
chmod 644 ~/.ssh/authorized_keys

# ok: kg202-key-file-permissive-mode
chmod 755 /usr/local/bin/rotate-keys.sh
