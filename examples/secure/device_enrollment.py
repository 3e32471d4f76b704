"""Factory-line device enrollment: builds a key and self-signed cert per device.

Compliant twin of examples/insecure/device_enrollment.py: the flashing tool reads the key
on stdin (no temporary key file), and the archived copy is encrypted and owner-only.
"""
import os
import subprocess

from OpenSSL import crypto


def make_identity(serial: str):
    pkey = crypto.PKey()
    pkey.generate_key(crypto.TYPE_RSA, 3072)
    cert = crypto.X509()
    cert.get_subject().CN = serial
    cert.set_serial_number(int(serial, 16))
    cert.gmtime_adj_notBefore(0)
    cert.gmtime_adj_notAfter(10 * 365 * 24 * 3600)
    cert.set_issuer(cert.get_subject())
    cert.set_pubkey(pkey)
    cert.sign(pkey, "sha256")
    return pkey, cert


def flash(serial: str, port: str, cert_dir: str) -> None:
    pkey, cert = make_identity(serial)
    cert_path = os.path.join(cert_dir, serial + ".crt")
    with open(cert_path, "wb") as fh:  # certificates are public
        fh.write(crypto.dump_certificate(crypto.FILETYPE_PEM, cert))
    subprocess.run(
        ["flashtool", "--port", port, "--key", "-", "--cert", cert_path],
        input=crypto.dump_privatekey(crypto.FILETYPE_PEM, pkey),
        check=True,
    )


def archive(serial: str, archive_dir: str, passphrase_file: str) -> None:
    pkey, _ = make_identity(serial)
    with open(passphrase_file, "rb") as fh:
        passphrase = fh.read().strip()
    fd = os.open(os.path.join(archive_dir, serial + ".key"), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(crypto.dump_privatekey(crypto.FILETYPE_PEM, pkey, "aes256", passphrase))
