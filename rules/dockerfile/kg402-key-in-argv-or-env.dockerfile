# Tests for kg402-key-in-argv-or-env (Dockerfile).
FROM golang:1.23 AS build

# ruleid: kg402-key-in-argv-or-env
ARG SSH_PRIVATE_KEY

# ruleid: kg402-key-in-argv-or-env
ARG KEY_PASSPHRASE=changeit

# ruleid: kg402-key-in-argv-or-env
ENV TLS_KEY_PASSWORD=secret

# ruleid: kg402-key-in-argv-or-env
ENV STEP_PASSWORD changeme

# ok: kg402-key-in-argv-or-env
ARG TLS_KEY_PATH=/run/secrets/tls.key

# ok: kg402-key-in-argv-or-env
ARG SSH_PUBLIC_KEY

# ok: kg402-key-in-argv-or-env
ENV STEP_CA_URL=https://ca.internal:9000

# ok: kg402-key-in-argv-or-env
ENV KEY_TYPE=EC KEY_SIZE=256

# ok: kg402-key-in-argv-or-env
RUN --mount=type=secret,id=ssh_key,target=/root/.ssh/id_ed25519 git clone git@github.com:org/private.git
