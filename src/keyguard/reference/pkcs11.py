"""Generate the private key inside a PKCS#11 token, where it can never be read, and get a CSR.

This is the strongest answer to the threat analysis (section 6, recommendation 7): the private
key is created by the token with ``CKA_SENSITIVE=true`` and ``CKA_EXTRACTABLE=false``, so it never
exists in this process's memory, in a file or in a temp directory; there is nothing to wipe.
The process only ever holds the public key and the certificate signing request (CSR), which
are public material.

The CSR is assembled with ``asn1crypto`` (a dependency of python-pkcs11) because
``cryptography`` can only sign with keys it holds itself; the token signs the DER of the
``CertificationRequestInfo``, and ``cryptography`` verifies the result.

Limits: python-pkcs11 takes the user PIN as ``str`` (it cannot be wiped); prefer a token with a
protected authentication path (pass :data:`pkcs11.PROTECTED_AUTH`) where the PIN never enters
the process. Tested with SoftHSM2, whose "token" is a directory of files encrypted with the PIN.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence, Tuple, Union

import pkcs11
from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import (
    encode_ec_public_key,
    encode_ecdsa_signature,
    encode_named_curve_parameters,
)

__all__ = [
    "SOFTHSM_MODULE_CANDIDATES",
    "TOKEN_KEY_TYPES",
    "TokenKey",
    "build_csr",
    "find_softhsm_module",
    "generate_token_key",
    "generate_token_key_and_csr",
    "iter_token_keys",
    "key_protection",
    "open_session",
]

#: Key types a token is asked for, and how CSRs are signed with them.
TOKEN_KEY_TYPES = ("ecdsa-p256", "ecdsa-p384", "rsa-3072")

#: Where Debian, Ubuntu, Fedora and source builds put SoftHSM2's PKCS#11 module.
SOFTHSM_MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)

_CURVES = {"ecdsa-p256": ("secp256r1", ec.SECP256R1()), "ecdsa-p384": ("secp384r1", ec.SECP384R1())}
_HASHES = {
    "ecdsa-p256": hashes.SHA256(),
    "ecdsa-p384": hashes.SHA384(),
    "rsa-3072": hashes.SHA256(),
}
_SIGNATURE_OIDS = {
    "ecdsa-p256": "sha256_ecdsa",
    "ecdsa-p384": "sha384_ecdsa",
    "rsa-3072": "sha256_rsa",
}

# What the token must enforce on the private key: it never leaves the token in clear
# (SENSITIVE), cannot be wrapped out (EXTRACTABLE=false), is persistent (TOKEN), needs a login
# (PRIVATE) and is only for signing.
_PRIVATE_TEMPLATE = {
    Attribute.TOKEN: True,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
    Attribute.SIGN: True,
    Attribute.DECRYPT: False,
    Attribute.UNWRAP: False,
    Attribute.DERIVE: False,
}
_PUBLIC_TEMPLATE = {Attribute.TOKEN: True, Attribute.VERIFY: True, Attribute.ENCRYPT: False}


@dataclass(frozen=True)
class TokenKey:
    """A key pair living in a token: handles for the session, plus the public key as data."""

    key_type: str
    label: str
    key_id: bytes
    private: Any  # pkcs11.PrivateKey: a handle, not key material
    public_key: Union[ec.EllipticCurvePublicKey, rsa.RSAPublicKey]


def find_softhsm_module() -> Optional[str]:
    """Return the path of SoftHSM2's PKCS#11 module, honouring ``SOFTHSM2_MODULE``, or None."""
    explicit = os.environ.get("SOFTHSM2_MODULE")
    candidates = (explicit,) if explicit else SOFTHSM_MODULE_CANDIDATES
    for path in candidates:
        if path and os.path.exists(path):
            return path
    return None


@contextlib.contextmanager
def open_session(module_path: str, token_label: str, user_pin: Any) -> Iterator[Any]:
    """Open a read-write session on the token labelled ``token_label``, logged in as user.

    ``user_pin`` may be :data:`pkcs11.PROTECTED_AUTH` for PIN pads; otherwise it is a ``str``
    (python-pkcs11's limit: it cannot be wiped; never take it from argv or the environment).
    """
    token = pkcs11.lib(module_path).get_token(token_label=token_label)
    session = token.open(rw=True, user_pin=user_pin)
    try:
        yield session
    finally:
        session.close()


def generate_token_key(
    session: Any,
    key_type: str = "ecdsa-p256",
    label: str = "keyguard",
    key_id: Optional[bytes] = None,
) -> TokenKey:
    """Generate a non-extractable, sensitive signing key pair inside the token.

    After generation the private key's attributes are read back and checked
    (:func:`key_protection`): a token that silently ignored the template is refused and the key
    is destroyed.
    """
    if key_type not in TOKEN_KEY_TYPES:
        raise ValueError(
            f"unknown token key type {key_type!r}; choose one of {', '.join(TOKEN_KEY_TYPES)}"
        )
    key_id = key_id if key_id is not None else os.urandom(16)
    common = {
        "id": key_id,
        "label": label,
        "store": True,
        "private_template": dict(_PRIVATE_TEMPLATE),
        "public_template": dict(_PUBLIC_TEMPLATE),
    }
    if key_type in _CURVES:
        curve_name, _ = _CURVES[key_type]
        params = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters(curve_name)}, local=True
        )
        public, private = params.generate_keypair(**common)
    else:
        public, private = session.generate_keypair(KeyType.RSA, 3072, **common)
    protection = key_protection(private)
    if not (protection["sensitive"] and not protection["extractable"]):
        private.destroy()
        public.destroy()
        raise RuntimeError(f"the token did not protect the key as asked: {protection}")
    return TokenKey(key_type, label, key_id, private, _public_key_of(public, key_type))


def key_protection(private: Any) -> dict:
    """What the token reports about a private key's protection.

    A well-protected key reads ``sensitive=True, extractable=False, always_sensitive=True,
    never_extractable=True``.
    """
    return {
        "sensitive": bool(private[Attribute.SENSITIVE]),
        "extractable": bool(private[Attribute.EXTRACTABLE]),
        "always_sensitive": bool(private[Attribute.ALWAYS_SENSITIVE]),
        "never_extractable": bool(private[Attribute.NEVER_EXTRACTABLE]),
    }


def _public_key_of(
    public: Any, key_type: str
) -> Union[ec.EllipticCurvePublicKey, rsa.RSAPublicKey]:
    """The token's public key as a ``cryptography`` object (public material: safe to handle)."""
    if key_type in _CURVES:
        der = encode_ec_public_key(public)
    else:
        numbers = rsa.RSAPublicNumbers(
            int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
            int.from_bytes(public[Attribute.MODULUS], "big"),
        )
        return numbers.public_key()
    loaded = serialization.load_der_public_key(der)
    if not isinstance(loaded, ec.EllipticCurvePublicKey):
        raise TypeError("the token returned a public key of an unexpected type")
    return loaded


def _token_sign(key: TokenKey, data: bytes) -> bytes:
    """Sign ``data`` inside the token; return the signature in X.509 (DER) form."""
    algorithm = _HASHES[key.key_type]
    if key.key_type in _CURVES:
        # Hash here and use raw CKM_ECDSA: every token has it, not every token has ECDSA_SHA*.
        digest = hashes.Hash(algorithm)
        digest.update(data)
        raw = key.private.sign(digest.finalize(), mechanism=Mechanism.ECDSA)
        return encode_ecdsa_signature(raw)
    signed: bytes = key.private.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)
    return signed


def build_csr(
    key: TokenKey, subject: x509.Name, dns_names: Sequence[str] = ()
) -> x509.CertificateSigningRequest:
    """Build a PKCS#10 CSR for ``key``'s public key, signed inside the token."""
    spki = key.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    attributes = []
    if dns_names:
        san = asn1_x509.Extension(
            {
                "extn_id": "subject_alt_name",
                "critical": False,
                "extn_value": [asn1_x509.GeneralName(name="dns_name", value=n) for n in dns_names],
            }
        )
        attributes.append({"type": "extension_request", "values": [[san]]})
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": asn1_x509.Name.load(subject.public_bytes()),
            "subject_pk_info": asn1_keys.PublicKeyInfo.load(spki),
            "attributes": attributes,
        }
    )
    signature = _token_sign(key, info.dump())
    request = asn1_csr.CertificationRequest(
        {
            "certification_request_info": info,
            "signature_algorithm": {"algorithm": _SIGNATURE_OIDS[key.key_type]},
            "signature": signature,
        }
    )
    csr = x509.load_der_x509_csr(request.dump())
    if not csr.is_signature_valid:
        raise RuntimeError("the token produced a CSR whose signature does not verify")
    return csr


def generate_token_key_and_csr(
    module_path: str,
    token_label: str,
    user_pin: Any,
    common_name: str,
    key_type: str = "ecdsa-p256",
    label: str = "keyguard",
    dns_names: Sequence[str] = (),
) -> Tuple[x509.CertificateSigningRequest, bytes]:
    """One call: a fresh non-extractable key in the token and a CSR for it.

    Returns the CSR and the key's ``CKA_ID`` (to find it again); nothing secret leaves the token.
    """
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name)])
    with open_session(module_path, token_label, user_pin) as session:
        key = generate_token_key(session, key_type, label)
        return build_csr(key, subject, dns_names), key.key_id


def iter_token_keys(session: Any, label: Optional[str] = None) -> Iterator[Any]:
    """The private-key handles in the token (optionally with ``label``), for inspection."""
    query = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
    if label is not None:
        query[Attribute.LABEL] = label
    yield from session.get_objects(query)
