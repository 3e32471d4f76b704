"""Which top-level definitions of a module can hand out key material by themselves
(discovery.KeyNames): the ones that mention a key source, and the ones that use such a
definition of the same module (a public factory built on a module-private helper)."""

from keyguard.api import knowledge_base
from keyguard.config import Config
from keyguard.discovery import KeyNames, source_filter_for

MODULE = b'''
from cryptography.hazmat.primitives.asymmetric import ec


def _keypair():
    return ec.generate_private_key(ec.SECP256R1())


def _wrapped():
    return _keypair()


def issue():
    return {"key": _wrapped()}


class Issuer:
    def make(self):
        return _keypair()


def banner():
    return "issuer"


def threads(n):
    return max(n, 1)

# the ASN.1 of an EncryptedPrivateKeyInfo, after the function (not in its body)


def plan(n):
    return threads(n)


def attribute_only(obj):
    return obj._keypair
'''


def _names(tmp_path, text):
    path = tmp_path / "m.py"
    path.write_bytes(text)
    return KeyNames(source_filter_for(knowledge_base(Config()))).names(str(path))


def test_callers_of_a_source_helper_are_worth_loading(tmp_path):
    names = _names(tmp_path, MODULE)
    assert {"_keypair", "_wrapped", "issue", "Issuer"} <= names
    assert "banner" not in names


def test_a_source_word_in_a_following_comment_spreads_to_no_caller(tmp_path):
    names = _names(tmp_path, MODULE)
    assert "threads" in names  # (the comment below it: as before, the definition itself)
    assert "plan" not in names
    assert "attribute_only" not in names  # obj._keypair is another object's attribute
