# Tests for kg204-permissive-umask (Dockerfile).
FROM alpine:3.20

# ruleid: kg204-permissive-umask
RUN umask 000 && mkdir -p /srv/keys

# ruleid: kg204-permissive-umask
RUN umask 022 && openssl genpkey -algorithm ed25519 -out /etc/app/signing.key

# ruleid: kg204-permissive-umask
RUN set -eux; umask 0002; step crypto keypair /etc/app/pub.pem /etc/app/priv.pem --no-password --insecure

# ok: kg204-permissive-umask
RUN umask 077 && openssl genpkey -algorithm ed25519 -out /etc/app/signing.key

# ok: kg204-permissive-umask
RUN umask 022 && mkdir -p /var/www/html

# ok: kg204-permissive-umask
RUN (umask 0077; ssh-keygen -t ed25519 -f /etc/ssh/host_key -N "")
