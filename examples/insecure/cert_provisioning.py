"""Certificate provisioning service: generates a TLS key and CSR for each host.

INSECURE example: every finding is annotated with `# expect:`.
"""
import logging
import os
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

log = logging.getLogger("certsvc")

KEY_DIR = "/etc/certsvc/private"
CSR_DIR = "/var/lib/certsvc/csr"


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

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )


def stage_for_review(creds: HostCredentials) -> str:
    """Leave a copy for the operator to inspect before it is installed."""
    staging = tempfile.NamedTemporaryFile(prefix=creds.hostname + "-", suffix=".pem", delete=False)  # expect: KG103
    staging.write(creds.key_pem())  # expect: KG101
    staging.close()
    log.info("staged %s for review", staging.name)
    return staging.name


def install(creds: HostCredentials) -> None:
    os.makedirs(KEY_DIR, mode=0o755, exist_ok=True)  # expect: KG202
    key_path = os.path.join(KEY_DIR, f"{creds.hostname}.key")
    with open(key_path, "wb") as fh:
        fh.write(creds.key_pem())
    os.chmod(key_path, 0o600)  # expect: KG203
    csr_path = os.path.join(CSR_DIR, f"{creds.hostname}.csr")
    with open(csr_path, "wb") as fh:
        fh.write(creds.csr().public_bytes(serialization.Encoding.PEM))
    log.debug("installed key for %s:\n%s", creds.hostname, creds.key_pem().decode())  # expect: KG401


def provision(hostnames) -> None:
    for name in hostnames:
        creds = HostCredentials(name)
        stage_for_review(creds)
        install(creds)
