"""Give a service an identity whose private key never leaves a PKCS#11 token.

The key is generated inside the token (sensitive, non-extractable) and only the CSR comes out,
so there is no key file, no temp file and nothing in this process's memory to wipe. The PIN is
read from a file descriptor the supervisor passes, never from argv or the environment.

    python hsm_service_identity.py --module /usr/lib/softhsm/libsofthsm2.so --token services \
        --cn api.example.com --pin-fd 3 --csr-out api.csr
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from cryptography.hazmat.primitives import serialization

from keyguard.reference.pkcs11 import find_softhsm_module, generate_token_key_and_csr


def read_pin(fd: int) -> str:
    """The token PIN from an inherited descriptor (python-pkcs11 needs it as ``str``)."""
    with open(fd, "r", encoding="utf-8", closefd=False) as handle:
        return handle.readline().rstrip("\r\n")


def main(argv: Optional[List[str]] = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", default=find_softhsm_module())
    parser.add_argument("--token", required=True)
    parser.add_argument("--cn", required=True)
    parser.add_argument("--dns", action="append", default=[])
    parser.add_argument("--key-type", default="ecdsa-p256")
    parser.add_argument("--pin-fd", type=int, required=True)
    parser.add_argument("--csr-out", required=True)
    args = parser.parse_args(argv)
    if not args.module:
        parser.error("no PKCS#11 module found; pass --module")
    csr, key_id = generate_token_key_and_csr(
        args.module,
        args.token,
        read_pin(args.pin_fd),
        args.cn,
        args.key_type,
        label=args.cn,
        dns_names=args.dns,
    )
    with open(args.csr_out, "wb") as handle:  # public: the CSR
        handle.write(csr.public_bytes(serialization.Encoding.PEM))
    print(f"key {key_id.hex()} generated in token {args.token}; CSR written to {args.csr_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
