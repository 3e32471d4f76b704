# Tests for kg502-keygen-tool-unencrypted-key (Dockerfile).
FROM alpine:3.20
RUN apk add --no-cache openssl openssh-keygen step-cli

# ruleid: kg502-keygen-tool-unencrypted-key
RUN openssl req -x509 -newkey rsa:2048 -nodes -keyout /etc/ssl/private/site.key -out /etc/ssl/certs/site.crt -subj /CN=x

# ruleid: kg502-keygen-tool-unencrypted-key
RUN step crypto keypair /etc/app/pub.pem /etc/app/priv.pem --no-password --insecure

# ruleid: kg502-keygen-tool-unencrypted-key
RUN mkdir -p /root/.ssh && ssh-keygen -t ed25519 -N "" -f /root/.ssh/id_ed25519

# ok: kg502-keygen-tool-unencrypted-key
RUN --mount=type=secret,id=keypw openssl genpkey -algorithm ed25519 -aes-256-cbc -pass file:/run/secrets/keypw -out /etc/app/k.pem

# ok: kg502-keygen-tool-unencrypted-key
RUN step crypto keypair /etc/app/pub.pem /etc/app/priv.pem --password-file /run/secrets/pw

# ok: kg502-keygen-tool-unencrypted-key
RUN openssl x509 -in /etc/ssl/certs/site.crt -noout -text
