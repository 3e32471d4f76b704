"""The secure examples work: they produce private keys the reference way and public outputs."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "secure"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"secure_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tls_service_key(key_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = _load("tls_service_key")
    read_end, write_end = os.pipe()
    os.write(write_end, b"service passphrase\n")
    os.close(write_end)
    try:
        argv = [
            "--state-dir",
            str(key_dir),
            "--cn",
            "api.example.test",
            "--dns",
            "api.example.test",
        ]
        assert example.main([*argv, "--passphrase-fd", str(read_end)]) == 0
    finally:
        os.close(read_end)
    key_path = key_dir / "tls" / "key.pem"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((key_dir / "tls").stat().st_mode) == 0o700
    key = serialization.load_pem_private_key(
        key_path.read_bytes(), password=bytearray(b"service passphrase")
    )
    csr = x509.load_pem_x509_csr((key_dir / "tls" / "request.csr").read_bytes())
    assert csr.is_signature_valid
    assert capsys.readouterr().out.encode() == csr.public_bytes(serialization.Encoding.PEM)
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert csr.public_key().public_bytes(serialization.Encoding.DER, spki) == (
        key.public_key().public_bytes(serialization.Encoding.DER, spki)
    )


def test_ssh_provision(key_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = _load("ssh_provision")
    secret = tmp_path / "pass"
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"ssh passphrase\n")
    os.close(fd)
    ssh_dir = key_dir / "ssh"
    argv = ["--ssh-dir", str(ssh_dir), "--comment", "deploy@ci", "--passphrase-file", str(secret)]
    assert example.main(argv) == 0
    private = (ssh_dir / "id_ed25519").read_bytes()
    assert private.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----")
    assert stat.S_IMODE((ssh_dir / "id_ed25519").stat().st_mode) == 0o600
    key = serialization.load_ssh_private_key(private, password=b"ssh passphrase")
    public_line = capsys.readouterr().out
    assert public_line == (ssh_dir / "id_ed25519.pub").read_text()
    assert public_line.startswith("ssh-ed25519 ") and public_line.endswith(" deploy@ci\n")
    openssh = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert public_line.split()[:2] == openssh.decode().split()
    if shutil.which("ssh-keygen"):  # OpenSSH itself accepts the key it wrote (unencrypted here)
        plain_dir = key_dir / "ssh-plain"
        assert example.main(["--ssh-dir", str(plain_dir), "--comment", "plain"]) == 0
        capsys.readouterr()
        derived = subprocess.run(
            ["ssh-keygen", "-y", "-f", str(plain_dir / "id_ed25519")],
            capture_output=True,
            text=True,
            check=True,
        )
        expected = (plain_dir / "id_ed25519.pub").read_text().split()[:2]
        assert derived.stdout.split()[:2] == expected


def test_hsm_service_identity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkcs11 = pytest.importorskip("pkcs11")
    from keyguard.reference.pkcs11 import find_softhsm_module

    module_path = find_softhsm_module()
    if module_path is None or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2; .ci/run installs it)")
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    example = _load("hsm_service_identity")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", "services"]
            + ["--pin", "4321", "--so-pin", "87654321"],
            check=True,
            capture_output=True,
        )
        pkcs11.lib(module_path).reinitialize()
        read_end, write_end = os.pipe()
        os.write(write_end, b"4321\n")
        os.close(write_end)
        try:
            argv = ["--token", "services", "--cn", "api.example.test", "--pin-fd", str(read_end)]
            assert example.main([*argv, "--csr-out", str(tmp_path / "api.csr")]) == 0
        finally:
            os.close(read_end)
        pkcs11.lib(module_path).reinitialize()
    csr = x509.load_pem_x509_csr((tmp_path / "api.csr").read_bytes())
    assert csr.is_signature_valid
    assert "CSR written" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["tls_service_key", "ssh_provision", "hsm_service_identity"])
def test_examples_run_as_scripts(name: str) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--help"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(EXAMPLES.parents[1] / "src")),
        check=False,
    )
    assert result.returncode == 0, result.stderr
