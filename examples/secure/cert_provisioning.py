"""Certificate provisioning service: generates a TLS key and CSR for each host.

Compliant twin of examples/insecure/cert_provisioning.py: the key is written once, to its
final location, created owner-only with O_EXCL|O_NOFOLLOW; no staging copy; logs name the
public key only.
"""
import hashlib
import logging
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

log = logging.getLogger("certsvc")

KEY_DIR = "/etc/certsvc/private"
CSR_DIR = "/var/lib/certsvc/csr"


def write_owner_only(path: str, data: bytes) -> None:
    """Create `path` with mode 0o600 from the first syscall; refuse existing files and symlinks."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    finally:
        os.close(fd)


class HostCredentials:
    def __init__(self, hostname: str) -> None:
        self.hostname = hostname
        self.key = ec.generate_private_key(ec.SECP256R1())

    def csr(self) -> x509.CertificateSigningRequest:
        return (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.hostname)]))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(self.hostname)]), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def key_fingerprint(self) -> str:
        spki = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(spki).hexdigest()


def install(creds: HostCredentials) -> None:
    os.makedirs(KEY_DIR, mode=0o700, exist_ok=True)
    key_path = os.path.join(KEY_DIR, f"{creds.hostname}.key")
    write_owner_only(
        key_path,
        creds.key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        ),
    )
    csr_path = os.path.join(CSR_DIR, f"{creds.hostname}.csr")
    with open(csr_path, "wb") as fh:  # a CSR is public material
        fh.write(creds.csr().public_bytes(serialization.Encoding.PEM))
    log.info("installed key for %s (SPKI sha256=%s)", creds.hostname, creds.key_fingerprint())


def provision(hostnames) -> None:
    for name in hostnames:
        install(HostCredentials(name))
