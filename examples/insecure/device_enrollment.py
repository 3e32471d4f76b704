"""Factory-line device enrollment: builds a key and self-signed cert per device.

INSECURE example: every finding is annotated with `# expect:`.
"""
import os
import subprocess
import tempfile

from OpenSSL import crypto


def make_identity(serial: str):
    pkey = crypto.PKey()
    pkey.generate_key(crypto.TYPE_RSA, 2048)
    cert = crypto.X509()
    cert.get_subject().CN = serial
    cert.set_serial_number(int(serial, 16))
    cert.gmtime_adj_notBefore(0)
    cert.gmtime_adj_notAfter(10 * 365 * 24 * 3600)
    cert.set_issuer(cert.get_subject())
    cert.set_pubkey(pkey)
    cert.sign(pkey, "sha256")
    return pkey, cert


def flash(serial: str, port: str) -> None:
    pkey, cert = make_identity(serial)
    fd, key_path = tempfile.mkstemp(suffix=".key")  # expect: KG103
    with os.fdopen(fd, "wb") as fh:
        fh.write(crypto.dump_privatekey(crypto.FILETYPE_PEM, pkey))  # expect: KG101
    cert_path = key_path[:-4] + ".crt"
    with open(cert_path, "wb") as fh:
        fh.write(crypto.dump_certificate(crypto.FILETYPE_PEM, cert))
    subprocess.run(["flashtool", "--port", port, "--key", key_path, "--cert", cert_path], check=True)
    os.unlink(key_path)
    os.unlink(cert_path)


def archive(serial: str, archive_dir: str) -> None:
    pkey, cert = make_identity(serial)
    fd = os.open(os.path.join(archive_dir, serial + ".key"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)  # expect: KG202
    with os.fdopen(fd, "wb") as fh:
        fh.write(crypto.dump_privatekey(crypto.FILETYPE_PEM, pkey))
