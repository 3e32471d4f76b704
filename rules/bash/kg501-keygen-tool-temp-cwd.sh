#!/bin/bash
# Tests for kg501-keygen-tool-temp-cwd.

first() {
  cd /tmp
  # ruleid: kg501-keygen-tool-temp-cwd
  openssl genrsa -out server.key 2048
}

second() {
  work=$(mktemp -d)
  cd "$work"
  # ruleid: kg501-keygen-tool-temp-cwd
  ssh-keygen -t ed25519 -f id_ed25519 -C deploy
}

third() {
  pushd "$TMPDIR" >/dev/null
  # ruleid: kg501-keygen-tool-temp-cwd
  step crypto keypair pub.json priv.json --password-file /run/secrets/pw
  popd
}

fourth() {
  cd /tmp
  cd /etc/app/keys
  # ok: kg501-keygen-tool-temp-cwd
  openssl genrsa -out server.key 2048
}

fifth() {
  cd /tmp
  # ok: kg501-keygen-tool-temp-cwd
  openssl genrsa -out /etc/app/keys/server.key 2048
}

sixth() {
  cd /tmp
  # ok: kg501-keygen-tool-temp-cwd
  openssl req -new -key /etc/app/keys/server.key -out server.csr -subj /CN=x
}

seventh() {
  cd /srv/keys
  # ok: kg501-keygen-tool-temp-cwd
  ssh-keygen -t ed25519 -f id_ed25519
}
