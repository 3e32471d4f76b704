# Tests for kg101-key-in-tempfile (Dockerfile).
FROM alpine:3.20

# ruleid: kg101-key-in-tempfile
COPY deploy/id_ed25519 /tmp/id_ed25519

# ruleid: kg101-key-in-tempfile
ADD secrets/server.key /tmp/server.key

# ruleid: kg101-key-in-tempfile
RUN cp /etc/ssl/private/server.key /tmp/

# ok: kg101-key-in-tempfile
COPY deploy/id_ed25519.pub /tmp/id_ed25519.pub

# ok: kg101-key-in-tempfile
COPY certs/ca.crt /tmp/ca.crt

# ok: kg101-key-in-tempfile
COPY --chmod=600 secrets/server.key /etc/app/server.key

# ok: kg101-key-in-tempfile
RUN --mount=type=secret,id=key cp /run/secrets/key /etc/app/server.key
