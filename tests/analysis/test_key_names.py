"""Which top-level definitions of a module can hand out key material by themselves
(discovery.KeyNames): the ones that mention a key source, and the ones that use such a
definition of the same module (a public factory built on a module-private helper)."""

from keyguard.api import knowledge_base
from keyguard.config import Config
from keyguard.discovery import KeyNames, key_names_for, source_filter_for

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
    return key_names_for(knowledge_base(Config())).names(str(path))


def test_callers_of_a_source_helper_are_worth_loading(tmp_path):
    names = _names(tmp_path, MODULE)
    assert {"_keypair", "_wrapped", "issue", "Issuer"} <= names
    assert "banner" not in names


def test_a_source_word_in_a_following_comment_spreads_to_no_caller(tmp_path):
    names = _names(tmp_path, MODULE)
    assert "threads" in names  # (the comment below it: as before, the definition itself)
    assert "plan" not in names
    assert "attribute_only" not in names  # obj._keypair is another object's attribute


UMASK_DOC = b'''
class SFTPClient:
    def mkdir(self, path, mode=0o777):
        """Where it is used, the current umask value is first masked out."""
        return path


class SFTP(SFTPClient):
    pass


def connect():
    return SFTPClient()
'''


def test_only_key_sources_spread_to_callers(tmp_path):
    # paramiko's SFTPClient mentions the umask (a source word for files a helper creates): the
    # class itself counts, its subclass and callers hand out no key
    names = _names(tmp_path, UMASK_DOC)
    assert "SFTPClient" in names
    assert "SFTP" not in names and "connect" not in names
    # every source word spreading (KeyNames without key_sources) would take them in
    path = tmp_path / "m.py"
    assert "connect" in KeyNames(source_filter_for(knowledge_base(Config()))).names(str(path))
