"""The PKCS#11 path against a real SoftHSM2 token: non-extractable key, CSR that verifies."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

pkcs11 = pytest.importorskip("pkcs11", reason="python-pkcs11 is not installed")

from keyguard.reference import pkcs11 as reference_pkcs11  # noqa: E402 - after importorskip

MODULE = reference_pkcs11.find_softhsm_module()
pytestmark = pytest.mark.skipif(
    MODULE is None or shutil.which("softhsm2-util") is None,
    reason="SoftHSM2 is not installed (apt-get install softhsm2; .ci/run installs it)",
)

TOKEN = "keyguard-test"
PIN = "123456"  # a throw-away test token's PIN


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SoftHSM2 token in its own directory, selected through SOFTHSM2_CONF."""
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                TOKEN,
                "--pin",
                PIN,
                "--so-pin",
                "654321",
            ],
            check=True,
            capture_output=True,
        )
        # SoftHSM reads its configuration in C_Initialize: start again with this one.
        pkcs11.lib(MODULE).reinitialize()
        yield TOKEN
    pkcs11.lib(MODULE).reinitialize()


def _public_der(key: object) -> bytes:
    return key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize("key_type", reference_pkcs11.TOKEN_KEY_TYPES)
def test_token_key_signs_a_csr_that_verifies(token: str, key_type: str) -> None:
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "svc.example.test")])
    with reference_pkcs11.open_session(MODULE, token, PIN) as session:
        key = reference_pkcs11.generate_token_key(session, key_type, label=f"csr-{key_type}")
        csr = reference_pkcs11.build_csr(
            key, subject, dns_names=["svc.example.test", "alt.example.test"]
        )
    assert csr.is_signature_valid
    assert csr.subject == subject
    assert _public_der(csr.public_key()) == _public_der(key.public_key)
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["svc.example.test", "alt.example.test"]
    # The CSR is what leaves the process: PEM round trip through cryptography.
    reloaded = x509.load_pem_x509_csr(csr.public_bytes(serialization.Encoding.PEM))
    assert reloaded.is_signature_valid


def test_token_reports_the_key_non_extractable_and_sensitive(token: str) -> None:
    with reference_pkcs11.open_session(MODULE, token, PIN) as session:
        key = reference_pkcs11.generate_token_key(session, "ecdsa-p256", label="protected")
        assert reference_pkcs11.key_protection(key.private) == {
            "sensitive": True,
            "extractable": False,
            "always_sensitive": True,
            "never_extractable": True,
        }
        # Asking for the private value is refused by the token itself.
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key.private[pkcs11.Attribute.VALUE]
        # And the key cannot be made extractable afterwards.
        with pytest.raises(pkcs11.exceptions.PKCS11Error):
            key.private[pkcs11.Attribute.EXTRACTABLE] = True
        assert reference_pkcs11.key_protection(key.private)["extractable"] is False


def test_key_persists_in_the_token_and_is_found_by_id(token: str) -> None:
    csr, key_id = reference_pkcs11.generate_token_key_and_csr(
        MODULE, token, PIN, "persisted.example.test", "rsa-3072", label="persisted"
    )
    assert csr.is_signature_valid
    with reference_pkcs11.open_session(MODULE, token, PIN) as session:
        found = list(reference_pkcs11.iter_token_keys(session, label="persisted"))
        assert [k[pkcs11.Attribute.ID] for k in found] == [key_id]


def test_unknown_token_key_type_is_refused(token: str) -> None:
    with reference_pkcs11.open_session(MODULE, token, PIN) as session:
        with pytest.raises(ValueError, match="unknown token key type"):
            reference_pkcs11.generate_token_key(session, "ed448")


def test_token_that_ignores_the_template_is_refused(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        reference_pkcs11,
        "key_protection",
        lambda private: {
            "sensitive": True,
            "extractable": True,
            "always_sensitive": True,
            "never_extractable": False,
        },
    )
    with reference_pkcs11.open_session(MODULE, token, PIN) as session:
        with pytest.raises(RuntimeError, match="did not protect"):
            reference_pkcs11.generate_token_key(session, "ecdsa-p256", label="ignored")
        assert list(reference_pkcs11.iter_token_keys(session, label="ignored")) == []


def test_module_path_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "libsofthsm2.so"
    fake.write_bytes(b"")
    monkeypatch.setenv("SOFTHSM2_MODULE", str(fake))
    assert reference_pkcs11.find_softhsm_module() == str(fake)
    monkeypatch.setenv("SOFTHSM2_MODULE", str(tmp_path / "missing.so"))
    assert reference_pkcs11.find_softhsm_module() is None
    monkeypatch.delenv("SOFTHSM2_MODULE")
    assert os.path.exists(reference_pkcs11.find_softhsm_module() or "")
