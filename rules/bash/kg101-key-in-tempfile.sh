#!/bin/bash
# Tests for kg101-key-in-tempfile.

# ruleid: kg101-key-in-tempfile
cp /etc/ssl/private/server.key /tmp/

# ruleid: kg101-key-in-tempfile
cp "$KEY_FILE" "$TMPDIR/key.pem"

stage=$(mktemp -d)
# ruleid: kg101-key-in-tempfile
install -m 600 ~/.ssh/id_ed25519 "$stage/id"

# ruleid: kg101-key-in-tempfile
sudo cp /etc/app/signing.key /dev/shm/signing.key

# ruleid: kg101-key-in-tempfile
mv ./tls.key /var/tmp/tls.key

# ok: kg101-key-in-tempfile
cp /etc/ssl/certs/server.crt /tmp/

# ok: kg101-key-in-tempfile
cp ~/.ssh/id_ed25519.pub "$TMPDIR/"

# moving a key out of /tmp is reported where it was generated (KG501), not here
# ok: kg101-key-in-tempfile
mv /tmp/server.key /etc/ssl/private/server.key

# ok: kg101-key-in-tempfile
install -m 600 server.key /etc/nginx/ssl/server.key

# ok: kg101-key-in-tempfile
cp notes.txt /tmp/
