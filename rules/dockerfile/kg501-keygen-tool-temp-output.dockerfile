# Tests for kg501-keygen-tool-temp-output (Dockerfile).
FROM alpine:3.20 AS build
RUN apk add --no-cache openssl openssh-keygen

# ruleid: kg501-keygen-tool-temp-output
RUN openssl genrsa -out /tmp/server.key 2048

# ruleid: kg501-keygen-tool-temp-output
RUN apk add --no-cache step-cli && step crypto keypair /tmp/pub.json /tmp/priv.json --no-password --insecure

# ruleid: kg501-keygen-tool-temp-output
RUN openssl req -x509 -newkey rsa:2048 -nodes -keyout /tmp/tls.key -out /etc/ssl/certs/tls.crt -subj "/CN=app" \
    && cp /tmp/tls.key /etc/ssl/private/ && rm /tmp/tls.key

# ruleid: kg501-keygen-tool-temp-output
RUN ssh-keygen -t ed25519 -f /tmp/host_key -N ""

# ruleid: kg501-keygen-tool-temp-output
RUN openssl ecparam -name prime256v1 -genkey -out "${TMPDIR:-/tmp}/ec.key"

# ok: kg501-keygen-tool-temp-output
RUN install -d -m 700 /etc/app/keys && openssl genrsa -out /etc/app/keys/server.key 2048

# ok: kg501-keygen-tool-temp-output
RUN openssl req -new -key /etc/app/keys/server.key -out /tmp/server.csr -subj /CN=x

# ok: kg501-keygen-tool-temp-output
RUN openssl rsa -in /etc/app/keys/server.key -pubout -out /tmp/server.pub

# ok: kg501-keygen-tool-temp-output
RUN ssh-keygen -l -f /tmp/host_key.pub
