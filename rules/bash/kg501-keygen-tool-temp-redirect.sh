#!/bin/sh
# Tests for kg501-keygen-tool-temp-redirect.

# ruleid: kg501-keygen-tool-temp-redirect
openssl genrsa 2048 > /tmp/server.key

# ruleid: kg501-keygen-tool-temp-redirect
openssl genpkey -algorithm ed25519 >"$TMPDIR/ed.pem" 2>/dev/null

# ruleid: kg501-keygen-tool-temp-redirect
  sudo openssl ecparam -name secp384r1 -genkey -noout > "${TMPDIR:-/tmp}/ec.key"

# ruleid: kg501-keygen-tool-temp-redirect
openssl genrsa 4096 | tee /var/tmp/root.key

# ruleid: kg501-keygen-tool-temp-redirect
openssl pkey -in encrypted.key -passin file:pw > /dev/shm/plain.key

# ok: kg501-keygen-tool-temp-redirect
openssl genrsa 2048 > /etc/ssl/private/server.key

# public half into /tmp
# ok: kg501-keygen-tool-temp-redirect
openssl pkey -in /etc/ssl/private/server.key -pubout > /tmp/server.pub

# ok: kg501-keygen-tool-temp-redirect
openssl x509 -in server.crt -noout -text > /tmp/cert.txt

# ok: kg501-keygen-tool-temp-redirect
openssl genrsa 2048 2>/tmp/genrsa.log > keys/server.key

# ruleid: kg501-keygen-tool-temp-redirect
openssl genrsa 2048 2>/dev/null > /tmp/quiet.key
