# Tests for kg202-key-file-permissive-mode (Dockerfile).
FROM nginx:1.27

# ruleid: kg202-key-file-permissive-mode
COPY --chmod=644 tls/server.key /etc/nginx/ssl/server.key

# ruleid: kg202-key-file-permissive-mode
RUN chmod 644 /etc/nginx/ssl/server.key

# ruleid: kg202-key-file-permissive-mode
RUN install -d -m 700 /etc/app && install -m 0644 /build/signing.key /etc/app/signing.key

# ruleid: kg202-key-file-permissive-mode
RUN chmod -R a+r /etc/ssl/private

# ok: kg202-key-file-permissive-mode
COPY --chmod=600 tls/server.key /etc/nginx/ssl/server.key

# ok: kg202-key-file-permissive-mode
COPY --chmod=644 tls/server.crt /etc/nginx/ssl/server.crt

# ok: kg202-key-file-permissive-mode
RUN chmod a+r /etc/apt/keyrings/docker.gpg

# ok: kg202-key-file-permissive-mode
RUN chmod 600 /etc/nginx/ssl/server.key && chown nginx /etc/nginx/ssl/server.key
