# Tests for kg401-key-logged (Dockerfile).
FROM alpine:3.20

# ruleid: kg401-key-logged
RUN openssl genrsa -out /etc/app/server.key 2048 && cat /etc/app/server.key

# ruleid: kg401-key-logged
RUN echo "$SSH_PRIVATE_KEY"

# ruleid: kg401-key-logged
RUN openssl pkey -in /etc/app/server.key -text -noout

# ok: kg401-key-logged
RUN cat /etc/app/server.crt

# ok: kg401-key-logged
RUN cat /root/.ssh/id_ed25519.pub

# ok: kg401-key-logged
RUN echo "$SSH_PRIVATE_KEY" > /root/.ssh/id_ed25519
