"""Provision an SSH key pair for a deploy user, in OpenSSH format, without exposing the key.

The reference module serializes in OpenSSH's own format into a :class:`LockedBuffer` (the
immutable intermediate is wiped) and the file is written by the reference writer: mode 0600
from creation, atomic, never through /tmp. The passphrase comes
from a file that only the provisioning user can read (for example a mounted secret).

    python ssh_provision.py --ssh-dir /home/deploy/.ssh --comment deploy@ci \
        [--passphrase-file /run/secrets/deploy-key-pass]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import List, Optional

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from keyguard.reference.keygen import (
    LockedBuffer,
    no_core_dumps,
    read_passphrase_file,
    serialize_private_key,
    write_private_key_file,
)


def provision(ssh_dir: str, comment: str, passphrase: Optional[LockedBuffer] = None) -> str:
    """Write ``id_ed25519`` and ``id_ed25519.pub`` into ``ssh_dir``; return the public line."""
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    with no_core_dumps():
        key = ed25519.Ed25519PrivateKey.generate()
        openssh = serialization.PrivateFormat.OpenSSH
        with serialize_private_key(key, passphrase, private_format=openssh) as blob:
            write_private_key_file(os.path.join(ssh_dir, "id_ed25519"), blob)
        public = key.public_key()
        del key
    line = (
        public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ).decode("ascii")
        + f" {comment}\n"
    )
    with open(os.path.join(ssh_dir, "id_ed25519.pub"), "w", encoding="ascii") as handle:
        handle.write(line)  # public: an authorized_keys line
    return line


def main(argv: Optional[List[str]] = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ssh-dir", required=True)
    parser.add_argument("--comment", default="keyguard")
    parser.add_argument("--passphrase-file")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        passphrase = None
        if args.passphrase_file:
            passphrase = stack.enter_context(read_passphrase_file(args.passphrase_file))
        sys.stdout.write(provision(args.ssh_dir, args.comment, passphrase))
    return 0


if __name__ == "__main__":
    sys.exit(main())
