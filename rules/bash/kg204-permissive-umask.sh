#!/bin/bash
# Tests for kg204-permissive-umask.

# ruleid: kg204-permissive-umask
umask 000

# ruleid: kg204-permissive-umask
umask 0

# ruleid: kg204-permissive-umask
umask 0002

gen() {
  # ruleid: kg204-permissive-umask
  umask 022
  openssl genpkey -algorithm ed25519 -out /etc/app/signing.key
}

provision() {
  # ruleid: kg204-permissive-umask
  umask 0027
  if [ ! -f /etc/app/tls.key ]; then
    step crypto keypair tls.pub /etc/app/tls.key --no-password --insecure
  fi
}

# ok: kg204-permissive-umask
umask 077

secure_gen() {
  # ok: kg204-permissive-umask
  umask 0077
  openssl genpkey -algorithm ed25519 -out /etc/app/signing.key
}

# a 022 umask in a script that makes no keys is not reported
# ok: kg204-permissive-umask
umask 022
mkdir -p /var/www/html

# ok: kg204-permissive-umask
(umask 177 && ssh-keygen -t ed25519 -f ./id -N "")
