"""Bootstrap a service's TLS identity: a private key stored safely, and a CSR for the CA.

The private key goes straight from memory to ``<state-dir>/tls/key.pem`` through the reference
writer (mode 0600 from creation, atomic, never via /tmp), optionally encrypted with a passphrase
read from a descriptor the supervisor passes (never argv or the environment). The CSR and the
public key are public material and are written as ordinary files.

    python tls_service_key.py --state-dir /var/lib/myservice --cn api.example.com \
        --dns api.example.com --dns api.internal [--passphrase-fd 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import List, Optional, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from keyguard.reference.keygen import (
    LockedBuffer,
    generate_private_key,
    no_core_dumps,
    read_passphrase_fd,
    serialize_private_key,
    write_private_key_file,
)


def provision_tls_key(
    state_dir: str,
    common_name: str,
    dns_names: Sequence[str],
    passphrase: Optional[LockedBuffer] = None,
) -> x509.CertificateSigningRequest:
    """Create ``tls/key.pem`` and ``tls/request.csr`` under ``state_dir``; return the CSR."""
    tls_dir = os.path.join(state_dir, "tls")
    os.makedirs(tls_dir, mode=0o700, exist_ok=True)  # private directory for the key
    with no_core_dumps():
        key = generate_private_key("ecdsa-p256")
        builder = x509.CertificateSigningRequestBuilder().subject_name(
            x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name)])
        )
        if dns_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]),
                critical=False,
            )
        csr = builder.sign(key, hashes.SHA256())
        with serialize_private_key(key, passphrase) as pem:
            write_private_key_file(os.path.join(tls_dir, "key.pem"), pem)
        del key
    with open(os.path.join(tls_dir, "request.csr"), "wb") as handle:  # public: a CSR
        handle.write(csr.public_bytes(serialization.Encoding.PEM))
    return csr


def main(argv: Optional[List[str]] = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--cn", required=True)
    parser.add_argument("--dns", action="append", default=[])
    parser.add_argument("--passphrase-fd", type=int)
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        passphrase = None
        if args.passphrase_fd is not None:
            passphrase = stack.enter_context(read_passphrase_fd(args.passphrase_fd))
        csr = provision_tls_key(args.state_dir, args.cn, args.dns, passphrase)
    sys.stdout.write(csr.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
