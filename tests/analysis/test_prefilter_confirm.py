"""The prefilter's confirmation of "weak" files (discovery.Prefilter.confirm).

A weak word such as ``mktemp`` only counts where it can reach the knowledge base's
``tempfile.mktemp``: a test-case method (Twisted trial's ``self.mktemp()``, pytest's
``tmp_path_factory.mktemp()``) keeps a file out of the libcst parse.
"""

import pytest

from keyguard.api import knowledge_base
from keyguard.config import Config
from keyguard.discovery import prefilter_for


@pytest.fixture(scope="module")
def prefilter():
    return prefilter_for(knowledge_base(Config()))


KEPT = {
    "module attribute": "import tempfile\npath = tempfile.mktemp()\n",
    "aliased module": "import tempfile as tf\npath = tf.mktemp()\n",
    "imported name": "from tempfile import mktemp\npath = mktemp()\n",
    "re-exported name": "from .compat import mktemp\npath = mktemp()\n",
    "star import": "from .compat import *\npath = mktemp()\n",
}

DROPPED = {
    "trial test case": "from twisted.trial import unittest\n\nclass T(unittest.TestCase):\n"
                       "    def test_x(self):\n        p = self.mktemp()\n",
    "pytest factory": "def test_x(tmp_path_factory):\n    d = tmp_path_factory.mktemp('data')\n",
}


@pytest.mark.parametrize("name", sorted(KEPT))
def test_mktemp_that_can_be_tempfile_is_kept(prefilter, name):
    raw = KEPT[name].encode()
    assert prefilter.verdict(raw) == "weak"
    assert prefilter.confirm(KEPT[name])


@pytest.mark.parametrize("name", sorted(DROPPED))
def test_mktemp_method_of_a_test_helper_is_dropped(prefilter, name):
    # by the bytes already (no parse), and by the parsed names
    assert prefilter.verdict(DROPPED[name].encode()) is None
    assert not prefilter.confirm(DROPPED[name])


def test_mktemp_in_a_comment_is_dropped_by_the_parse(prefilter):
    text = "# tempfile.mktemp is racy\nx = 1\n"
    assert prefilter.verdict(text.encode()) == "weak"
    assert not prefilter.confirm(text)


def test_attribute_mktemp_beside_a_tempfile_import_is_kept(prefilter):
    # (conservative: `tf = tempfile; tf.mktemp()` reads the same as `self.mktemp()` by name)
    text = "import tempfile\n\nclass T:\n    def test_x(self):\n        p = self.mktemp()\n"
    assert prefilter.verdict(text.encode()) == "weak"
    assert prefilter.confirm(text)


def test_tempfile_mktemp_still_found_end_to_end(tmp_path):
    from keyguard.api import scan_paths

    # the engine agrees with the prefilter: only tempfile's mktemp makes a temporary path
    body = ("def save(blob):\n    p = {call}()\n    with open(p, 'wb') as fh:\n        fh.write(blob)\n\n"
            "def go(key):\n    save(key.private_bytes(E.PEM, F.PKCS8, N()))\n")
    (tmp_path / "a.py").write_text("import tempfile\n" + body.format(call="tempfile.mktemp"))
    (tmp_path / "b.py").write_text("class T:\n    def mktemp(self):\n        return 'x'\n\n"
                                   + body.format(call="T().mktemp"))
    found = scan_paths([str(tmp_path)], Config(use_cache=False, semgrep=False), jobs=1).findings
    got = {(f.path.rsplit("/", 1)[-1], f.code) for f in found}
    assert ("a.py", "KG101") in got and ("b.py", "KG101") not in got


def test_construction_word_beside_a_weak_generator_must_be_a_call(prefilter):
    # "derived" and "time" are text; derive(...) beside random is what confirm() looks for
    assert prefilter.verdict(b"import time\n# the derived value\nx = time.time()\n") is None
    text = "import random\nfrom kdf import derive\nkey = derive(random.getrandbits(256))\n"
    assert prefilter.verdict(text.encode()) == "weak"
    assert prefilter.confirm(text)


def test_short_words_stand_as_whole_words(prefilter):
    assert prefilter.verdict(b"SECRET = EXEC_SPEC\n") is None
    assert prefilter.verdict(b"from Crypto.PublicKey import ECC\n") == "strong"
    assert prefilter.verdict(b"k = EC\n") == "strong"
    assert prefilter.verdict(b"EC") == "strong"


def test_a_long_strong_word_is_found_behind_its_weak_part(prefilter):
    # private_key is weak (often just a name); load_pem_private_key contains it and is strong
    assert prefilter.verdict(b"x = private_key\n") == "weak"
    assert prefilter.verdict(b"k = load_pem_private_key(data, None)\n") == "strong"


def test_containment_matches_the_pairwise_definition() -> None:
    from keyguard.discovery import _containment
    from keyguard.knowledge.schema import kb_with_extra

    kb = kb_with_extra(())
    cases = [
        (b"key", b"private_key", b"load_pem_private_key", b"keygen", b"ssh-keygen", b"aaa", b"aa"),
        tuple(sorted(set(kb.trigger_words))),
        tuple(sorted(set(kb.key_source_words))),
    ]
    for words in cases:
        minimal = tuple(w for w in words if not any(o != w and o in w for o in words))
        longer = {m: tuple(w for w in words if w != m and m in w) for m in minimal}
        assert _containment(words) == (minimal, longer)
    # (a word overlapping itself - "aa" in "aaa" at two places - is one containment)
    assert _containment((b"aa", b"aaa"))[1] == {b"aa": (b"aaa",)}


#: one key-writing command line per tool of tools.toml (each alone in its module)
TOOL_COMMANDS = {
    "openssl": '["openssl", "genrsa", "-out", "/tmp/k.pem", "3072"]',
    "ssh-keygen": '["ssh-keygen", "-t", "ed25519", "-f", "/tmp/id"]',
    "certtool": '["certtool", "--generate-privkey", "--outfile", "/tmp/k.pem"]',
    "step": '["step", "crypto", "keypair", "/tmp/k.pub", "/tmp/k.key"]',
    "mkcert": '["mkcert", "-key-file", "/tmp/k.pem", "localhost"]',
    "age-keygen": '["age-keygen", "-o", "/tmp/age.txt"]',
    "keytool": '["keytool", "-genkeypair", "-keystore", "/tmp/k.jks", "-storepass:file", "/run/p"]',
    "nebula-cert": '["nebula-cert", "keygen", "-out-key", "/tmp/h.key", "-out-pub", "h.pub"]',
    "minisign": '["minisign", "-G", "-s", "/tmp/m.key"]',
    "gpg": '["gpg", "--batch", "--homedir", "/tmp/gnupg", "--quick-gen-key", "me"]',
    "cfssljson": '"cfssl gencert -initca csr.json | cfssljson -bare /tmp/ca", shell=True',
}


def test_every_tool_of_the_grammar_has_a_command_here() -> None:
    from keyguard.analysis.tool_grammar import load_grammar

    assert {t.name for t in load_grammar().tools if any(r.writes_key for r in load_grammar().commands_of(t.name))} \
        <= set(TOOL_COMMANDS) | {"wg"}  # (wg genkey prints the key: a finding needs a sink too)


@pytest.mark.parametrize("tool", sorted(TOOL_COMMANDS))
def test_a_tool_named_alone_makes_its_module_analysed(tool: str, tmp_path) -> None:
    from keyguard.api import scan_paths

    path = tmp_path / "run_tool.py"
    path.write_text(f"import subprocess\n\n\ndef make():\n    subprocess.run({TOOL_COMMANDS[tool]})\n")
    result = scan_paths([str(path)], Config(use_cache=False, semgrep=False), jobs=1)
    assert [f.code for f in result.findings] == ["KG501"], tool


# ---- a call row's `trigger = "module"`: the library's name is the word, not a common class name
USES_TRUSTME = {
    "module attribute": "import trustme\nca = trustme.CA()\nca.private_key_pem.write_to_path('/tmp/ca.key')\n",
    "imported class": "from trustme import CA\nca = CA()\n",
}


@pytest.mark.parametrize("name", sorted(USES_TRUSTME))
def test_trustme_ca_makes_a_file_worth_analysing(prefilter, name):
    assert prefilter(USES_TRUSTME[name].encode())


def test_a_ca_word_without_trustme_is_dropped(prefilter):
    # "CA" as a word says nothing: certificate bundles, docstrings, `-CA` options of openssl x509
    text = '"""Verify the peer against the CA bundle."""\nCA_BUNDLE = "/etc/ssl/certs/ca.pem"\n'
    assert prefilter(text.encode()) is False


def test_a_module_trigger_belongs_on_a_call_row():
    from keyguard.knowledge.schema import KnowledgeError, build

    row = {"effect": "source", "label": "private-key", "names": ["make"], "on": "*", "trigger": "module"}
    with pytest.raises(KnowledgeError, match="trigger"):
        build([("extra.toml", {"method": [row]})])


# ---- a private key named as such, made of cryptographically secure random bytes
def test_private_key_named_random_bytes_is_kept(prefilter):
    text = "import os\nfrom binascii import hexlify\n\ndef make():\n    private_key = hexlify(os.urandom(32)).decode()\n    print(private_key)\n"
    assert prefilter.verdict(text.encode()) == "weak"
    assert prefilter.confirm(text)


def test_random_bytes_named_otherwise_are_dropped(prefilter):
    # (the word private_key only in a comment; the random bytes are a nonce)
    text = "import os\n\ndef make():\n    # not a private_key: a nonce\n    nonce = os.urandom(16)\n    print(nonce)\n"
    assert prefilter.verdict(text.encode()) == "weak"
    assert not prefilter.confirm(text)
