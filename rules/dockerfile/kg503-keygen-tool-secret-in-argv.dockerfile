# Tests for kg503-keygen-tool-secret-in-argv (Dockerfile).
FROM debian:bookworm-slim
ARG P12_PASSWORD

# ruleid: kg503-keygen-tool-secret-in-argv
RUN openssl genrsa -aes256 -passout pass:changeit -out /etc/app/server.key 4096

# ruleid: kg503-keygen-tool-secret-in-argv
RUN openssl pkcs12 -export -in /c.crt -inkey /c.key -out /c.p12 -passout "pass:${P12_PASSWORD}"

# ruleid: kg503-keygen-tool-secret-in-argv
RUN ssh-keygen -t ed25519 -f /root/.ssh/id -N "hunter2"

# ok: kg503-keygen-tool-secret-in-argv
RUN --mount=type=secret,id=pw openssl genrsa -aes256 -passout file:/run/secrets/pw -out /etc/app/server.key 4096

# ok: kg503-keygen-tool-secret-in-argv
RUN ssh-keygen -t ed25519 -f /root/.ssh/id -N ""

# ok: kg503-keygen-tool-secret-in-argv
RUN openssl pkcs12 -export -in /c.crt -inkey /c.key -out /c.p12 -passout env:P12_PASSWORD
