"""Table-driven tests of the key-generation command-line model (keyguard.analysis.argv).

Each case is an argv (strings, holes, Args) or a shell string, and the exact set of
(code, offending element) pairs expected. Near misses (public outputs, safe directories,
file:/fd: passphrases) expect nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keyguard.analysis.argv import (
    Arg,
    Hole,
    analyze_command,
    analyze_shell,
    classify_command,
    classify_shell,
    command_secret_args,
    split_shell,
    split_shell_commands,
    to_args,
)
from keyguard.analysis.tool_grammar import DEFAULT_PATH, ToolGrammarError, load_grammar

PW = Hole(passphrase=True, text_hint="pw")
KEY = Hole(key=True, text_hint="pem")
TMPDIR = Hole(temp=True, text_hint="tmpdir")
UNKNOWN = Hole(text_hint="x")


def A(*pieces):
    """One argv element made of several pieces."""
    return Arg(tuple(pieces))


def found(argv, unknown_tail=False):
    issues = classify_command(to_args(argv), unknown_tail=unknown_tail)
    return sorted((i.code, i.arg.display()) for i in issues)


def found_shell(command):
    """Findings of a shell string, as os.system() would run it (through /bin/sh -c)."""
    pieces = command if isinstance(command, tuple) else (command,)
    return found(["/bin/sh", "-c", Arg(pieces)])


# ------------------------------------------------------------------------------------------
# step

STEP_CASES = [
    ("keypair-temp-priv",
     ["step", "crypto", "keypair", "/tmp/k.pub", "/tmp/k.key", "--password-file", "pw.txt"],
     [("KG501", "/tmp/k.key")]),
    ("keypair-flags-first-unencrypted",
     ["step", "crypto", "keypair", "--kty", "EC", "--no-password", "--insecure", "pub.pem", "/dev/shm/k.key"],
     [("KG501", "/dev/shm/k.key"), ("KG502", "--no-password")]),
    ("keypair-equals-values",
     ["step", "crypto", "keypair", "--kty=RSA", "--size=4096", "/tmp/a.pub", "/tmp/a.key"],
     [("KG501", "/tmp/a.key")]),
    ("keypair-no-password-without-insecure-fails",
     ["step", "crypto", "keypair", "p.pem", "k.pem", "--no-password"], []),
    ("keypair-insecure-false",
     ["step", "crypto", "keypair", "p.pem", "k.pem", "--no-password", "--insecure=false"], []),
    ("keypair-public-in-tmp-is-fine",
     ["step", "crypto", "keypair", "/tmp/pub.pem", "/home/app/.step/secrets/key.pem"], []),
    ("step-cli-alias-and-path",
     ["/usr/bin/step-cli", "crypto", "keypair", "pub.pem", "/var/tmp/k"], [("KG501", "/var/tmp/k")]),
    ("keypair-single-dash-flags",
     ["step", "crypto", "keypair", "-kty", "OKP", "-no-password", "-insecure", "p", "$TMPDIR/k"],
     [("KG501", "$TMPDIR/k"), ("KG502", "-no-password")]),
    ("certificate-create-key-is-third",
     ["step", "certificate", "create", "example.com", "/tmp/cert.crt", "/tmp/cert.key", "--profile",
      "self-signed", "--subtle"],
     [("KG501", "/tmp/cert.key")]),
    ("certificate-create-crt-only-in-tmp",
     ["step", "certificate", "create", "ex", "/tmp/c.crt", "/etc/ssl/private/c.key"], []),
    ("certificate-create-interleaved",
     ["step", "certificate", "create", "--san", "a.example", "ex", "--kty", "OKP", "c.crt", "--crv", "Ed25519",
      "/tmp/c.key", "--no-password", "--insecure"],
     [("KG501", "/tmp/c.key"), ("KG502", "--no-password")]),
    ("ca-certificate",
     ["step", "ca", "certificate", "svc", "/tmp/svc.crt", "/tmp/svc.key", "--token", UNKNOWN, "--ca-url",
      "https://ca"],
     [("KG501", "/tmp/svc.key"), ("KG502", "/tmp/svc.key")]),  # unencrypted unless --password-file
    ("ca-certificate-password-file",
     ["step", "ca", "certificate", "svc", "svc.crt", "/srv/svc.key", "--password-file", "/run/pw"], []),
    ("ca-certificate-kms-no-file",
     ["step", "ca", "certificate", "svc", "svc.crt", "/tmp/k", "--kms", "pkcs11:token=x"], []),
    ("ssh-certificate",
     ["step", "ssh", "certificate", "alice@example.com", "/tmp/id_ecdsa", "--no-password", "--insecure"],
     [("KG501", "/tmp/id_ecdsa"), ("KG502", "--no-password")]),
    ("ssh-certificate-sign-existing-public",
     ["step", "ssh", "certificate", "--sign", "alice", "/tmp/id_ecdsa.pub"], []),
    ("jwk-create",
     ["step", "crypto", "jwk", "create", "pub.json", "/tmp/priv.json"], [("KG501", "/tmp/priv.json")]),
    ("password-literal",
     ["step", "crypto", "keypair", "p.pem", "k.pem", "--password", "hunter2"], [("KG503", "hunter2")]),
    ("password-file-in-tmp-is-not-a-key",
     ["step", "crypto", "keypair", "p.pem", "k.pem", "--password-file", "/tmp/pw"], []),
    ("p12-with-key",
     ["step", "certificate", "p12", "/tmp/b.p12", "c.crt", "c.key", "--no-password", "--insecure"],
     [("KG501", "/tmp/b.p12"), ("KG502", "--no-password")]),
    ("p12-without-key-is-public",
     ["step", "certificate", "p12", "/tmp/b.p12", "c.crt"], []),
    ("unknown-flag-could-eat-a-positional",
     ["step", "crypto", "keypair", "--frobnicate", "/tmp/p", "/tmp/k"], []),
    ("unknown-flag-before-known-option",
     ["step", "crypto", "keypair", "--frobnicate", "--kty", "EC", "p.pem", "/tmp/k"], [("KG501", "/tmp/k")]),
]


@pytest.mark.parametrize("argv,expected", [c[1:] for c in STEP_CASES], ids=[c[0] for c in STEP_CASES])
def test_step(argv, expected):
    assert found(argv) == sorted(expected)


# ------------------------------------------------------------------------------------------
# openssl

OPENSSL_CASES = [
    ("genrsa-out-tmp", ["openssl", "genrsa", "-out", "/tmp/k.pem", "2048"],
     [("KG501", "/tmp/k.pem"), ("KG502", "/tmp/k.pem")]),
    ("genrsa-cipher-file-pass",
     ["openssl", "genrsa", "-aes256", "-passout", "file:/run/secrets/pw", "-out", "/tmp/k.pem", "4096"],
     [("KG501", "/tmp/k.pem")]),
    ("genrsa-plaintext-safe-dir", ["openssl", "genrsa", "-out", "/etc/ssl/private/k.pem", "2048"],
     [("KG502", "/etc/ssl/private/k.pem")]),
    ("genrsa-stdout-only", ["openssl", "genrsa", "2048"], []),
    ("genrsa-options-after-positional-are-not-options", ["openssl", "genrsa", "2048", "-out", "/tmp/k.pem"], []),
    ("genrsa-equals-form", ["openssl", "genrsa", "-out=/tmp/k.pem", "-aes128"], [("KG501", "/tmp/k.pem")]),
    ("genrsa-double-dash", ["openssl", "genrsa", "--out", "/var/tmp/k.pem", "-des3"], [("KG501", "/var/tmp/k.pem")]),
    ("genpkey", ["openssl", "genpkey", "-algorithm", "ed25519", "-out", "/tmp/ed.pem"],
     [("KG501", "/tmp/ed.pem"), ("KG502", "/tmp/ed.pem")]),
    ("genpkey-public-to-tmp",
     ["openssl", "genpkey", "-algorithm", "RSA", "-aes-256-cbc", "-pass", "fd:3", "-out", "key.pem", "-outpubkey",
      "/tmp/pub.pem"], []),
    ("genpkey-genparam", ["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-out", "/tmp/dh.pem"], []),
    ("genpkey-pass-literal", ["openssl", "genpkey", "-algorithm", "RSA", "-aes256", "-pass", "pass:s3cret",
                              "-out", "k.pem"], [("KG503", "pass:s3cret")]),
    ("ecparam-genkey", ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "/tmp/ec.key"],
     [("KG501", "/tmp/ec.key"), ("KG502", "/tmp/ec.key")]),
    ("ecparam-params-only", ["openssl", "ecparam", "-name", "prime256v1", "-out", "/tmp/params.pem"], []),
    ("req-x509-nodes-keyout",
     ["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-keyout", "/tmp/server.key", "-out",
      "/tmp/server.crt", "-subj", "/CN=localhost"],
     [("KG501", "/tmp/server.key"), ("KG502", "-nodes")]),
    ("req-noenc-csr-in-tmp",
     ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-keyout",
      "key.pem", "-out", "/tmp/req.csr", "-subj", "/CN=x"],
     [("KG502", "-noenc")]),
    ("req-existing-key-csr-in-tmp", ["openssl", "req", "-new", "-key", "k.pem", "-out", "/tmp/csr.pem"], []),
    ("req-x509-existing-key-nodes", ["openssl", "req", "-x509", "-nodes", "-key", "k.pem", "-out", "/tmp/c.pem"], []),
    ("req-passout-literal",
     ["openssl", "req", "-new", "-newkey", "rsa:2048", "-keyout", "k.pem", "-passout", "pass:changeit", "-out",
      "r.csr"],
     [("KG503", "pass:changeit")]),
    ("req-passout-env", ["openssl", "req", "-new", "-newkey", "rsa:2048", "-keyout", "k.pem", "-passout",
                         "env:KEY_PW", "-out", "r.csr"], []),
    ("req-passin-literal", ["openssl", "req", "-new", "-key", "k.pem", "-passin", "pass:old", "-out", "r.csr"],
     [("KG503", "pass:old")]),
    ("req-digest-flag",
     ["openssl", "req", "-x509", "-sha256", "-newkey", "rsa:4096", "-nodes", "-keyout", "/tmp/k", "-out", "c.pem",
      "-days", "365"],
     [("KG501", "/tmp/k"), ("KG502", "-nodes")]),
    ("req-keyout-stdout", ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "-", "-out", "r.csr"],
     [("KG502", "-nodes")]),
    ("rsa-decrypt-to-tmp", ["openssl", "rsa", "-in", "enc.pem", "-passin", "file:pw", "-out", "/tmp/plain.pem"],
     [("KG501", "/tmp/plain.pem"), ("KG502", "/tmp/plain.pem")]),
    ("rsa-pubout", ["openssl", "rsa", "-in", "k.pem", "-pubout", "-out", "/tmp/pub.pem"], []),
    ("pkey-out", ["openssl", "pkey", "-in", "k.pem", "-out", "/dev/shm/k.pem"],
     [("KG501", "/dev/shm/k.pem"), ("KG502", "/dev/shm/k.pem")]),
    ("pkey-pubout", ["openssl", "pkey", "-in", "k.pem", "-pubout", "-out", "/tmp/pub.pem"], []),
    ("pkcs12-export",
     ["openssl", "pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-out", "/tmp/b.p12", "-passout",
      "pass:x"],
     [("KG501", "/tmp/b.p12"), ("KG503", "pass:x")]),
    ("pkcs12-nokeys", ["openssl", "pkcs12", "-in", "b.p12", "-nokeys", "-out", "/tmp/certs.pem", "-passin",
                       "file:pw"], []),
    ("pkcs12-parse-nodes", ["openssl", "pkcs12", "-in", "b.p12", "-nodes", "-out", "/tmp/all.pem"],
     [("KG501", "/tmp/all.pem"), ("KG502", "-nodes")]),
    ("pkcs12-keypbe-none-empty-pass",
     ["openssl", "pkcs12", "-export", "-keypbe", "NONE", "-certpbe", "NONE", "-passout", "pass:", "-in", "c.pem",
      "-inkey", "k.pem", "-out", "b.p12"],
     [("KG502", "-keypbe")]),
    ("pkcs8-nocrypt", ["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-out", "/tmp/k.p8"],
     [("KG501", "/tmp/k.p8"), ("KG502", "-nocrypt")]),
    ("pkcs8-encrypted", ["openssl", "pkcs8", "-topk8", "-v2", "aes256", "-passout", "fd:3", "-in", "k.pem",
                         "-out", "k.p8"], []),
    ("x509-passin-literal",
     ["openssl", "x509", "-req", "-in", "r.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-passin", "pass:capw",
      "-out", "/tmp/c.pem"],
     [("KG503", "pass:capw")]),
    ("enc-pass-literal", ["openssl", "enc", "-aes-256-cbc", "-pass", "pass:x", "-in", "a", "-out", "b"],
     [("KG503", "pass:x")]),
    ("windows-exe-and-temp",
     ["C:\\OpenSSL\\bin\\openssl.exe", "genrsa", "-aes256", "-passout", "stdin", "-out", "%TEMP%\\k.pem"],
     [("KG501", "%TEMP%\\k.pem")]),
    ("passout-without-prefix", ["openssl", "genrsa", "-aes256", "-passout", "secret", "-out", "k.pem"],
     [("KG503", "secret")]),
    ("passout-unknown-variable", ["openssl", "genrsa", "-aes256", "-passout", UNKNOWN, "-out", "k.pem"], []),
    ("passout-passphrase-variable", ["openssl", "genrsa", "-aes256", "-passout", PW, "-out", "k.pem"],
     [("KG503", "{pw}")]),
    ("passout-fstring", ["openssl", "genrsa", "-aes256", "-passout", A("pass:", PW), "-out", "k.pem"],
     [("KG503", "pass:{pw}")]),
    ("passout-equals-fstring", ["openssl", "genrsa", "-aes256", A("-passout=pass:", UNKNOWN), "-out", "k.pem"],
     [("KG503", "pass:{x}")]),
    ("passout-file-fstring", ["openssl", "genrsa", "-aes256", "-passout", A("file:", UNKNOWN), "-out", "k.pem"], []),
    ("out-temp-hole", ["openssl", "genrsa", "-aes256", "-out", A(TMPDIR, "/k.pem")], [("KG501", "{tmpdir}/k.pem")]),
    ("out-literal-dir-then-temp-hole", ["openssl", "genrsa", "-aes256", "-out", A("/srv/keys/", TMPDIR)], []),
    ("out-fstring-tmp", ["openssl", "genrsa", "-aes256", "-out", A("/tmp/", UNKNOWN, ".pem")],
     [("KG501", "/tmp/{x}.pem")]),
    ("openssl-no-subcommand", ["openssl"], []),
]


@pytest.mark.parametrize("argv,expected", [c[1:] for c in OPENSSL_CASES], ids=[c[0] for c in OPENSSL_CASES])
def test_openssl(argv, expected):
    assert found(argv) == sorted(expected)


# ------------------------------------------------------------------------------------------
# ssh-keygen

SSH_CASES = [
    ("temp-and-empty-passphrase", ["ssh-keygen", "-t", "ed25519", "-f", "/tmp/id_ed25519", "-N", ""],
     [("KG501", "/tmp/id_ed25519"), ("KG502", "")]),
    ("passphrase-literal", ["ssh-keygen", "-q", "-N", "secret", "-f", "/home/u/.ssh/id"], [("KG503", "secret")]),
    ("passphrase-variable", ["ssh-keygen", "-N", UNKNOWN, "-f", "/home/u/.ssh/id"], [("KG503", "{x}")]),
    ("empty-passphrase-home", ["ssh-keygen", "-t", "rsa", "-b", "4096", "-N", "", "-f", "/home/u/.ssh/id_rsa"],
     [("KG502", "")]),
    ("clustered", ["ssh-keygen", "-qt", "rsa", "-N", "", "-qf", "/var/tmp/k"],
     [("KG501", "/var/tmp/k"), ("KG502", "")]),
    ("glued-values", ["ssh-keygen", "-f/tmp/k", "-Nsecret"], [("KG501", "/tmp/k"), ("KG503", "secret")]),
    ("print-public", ["ssh-keygen", "-y", "-f", "/tmp/id"], []),
    ("fingerprint", ["ssh-keygen", "-lf", "/tmp/id.pub"], []),
    ("remove-known-host", ["ssh-keygen", "-R", "host", "-f", "/tmp/known_hosts"], []),
    ("sign-certificate", ["ssh-keygen", "-s", "ca", "-I", "id", "-n", "alice", "/tmp/user.pub"], []),
    ("change-passphrase-literals", ["ssh-keygen", "-p", "-P", "old", "-N", "new", "-f", "k"],
     [("KG503", "new"), ("KG503", "old")]),
    ("remove-passphrase", ["ssh-keygen", "-p", "-P", "", "-N", "", "-f", "k"], [("KG502", "")]),
    ("temp-hole-path", ["ssh-keygen", "-f", A(TMPDIR, "/id_rsa"), "-N", ""],
     [("KG501", "{tmpdir}/id_rsa"), ("KG502", "")]),
    ("no-file-prompts", ["ssh-keygen", "-t", "ed25519"], []),
]


@pytest.mark.parametrize("argv,expected", [c[1:] for c in SSH_CASES], ids=[c[0] for c in SSH_CASES])
def test_ssh_keygen(argv, expected):
    assert found(argv) == sorted(expected)


# ------------------------------------------------------------------------------------------
# certtool

CERTTOOL_CASES = [
    ("privkey-temp", ["certtool", "--generate-privkey", "--outfile", "/tmp/k.pem"],
     [("KG501", "/tmp/k.pem"), ("KG502", "/tmp/k.pem")]),
    ("privkey-equals-abbrev-short", ["certtool", "-p", "--outf=/var/tmp/k.pem", "--pkcs8", "--password", "x"],
     [("KG501", "/var/tmp/k.pem"), ("KG503", "x")]),
    ("privkey-pkcs8-safe", ["certtool", "--generate-privkey", "--pkcs8", "--outfile", "/etc/keys/k.pem"], []),
    ("privkey-abbreviated-mode", ["certtool", "--generate-pri", "--key-type", "ed25519", "--outfile", "/tmp/k"],
     [("KG501", "/tmp/k"), ("KG502", "/tmp/k")]),
    ("ambiguous-abbreviation", ["certtool", "--generate-p", "--outfile", "/tmp/k"], []),  # privkey or proxy
    ("self-signed-cert-in-tmp",
     ["certtool", "--generate-self-signed", "--load-privkey", "k.pem", "--template", "t.cfg", "--outfile",
      "/tmp/cert.pem"], []),
    ("to-p12", ["certtool", "--to-p12", "--load-privkey", "k.pem", "--load-certificate", "c.pem", "--password",
                "pw", "--outfile", "/tmp/b.p12"],
     [("KG501", "/tmp/b.p12"), ("KG503", "pw")]),
    ("to-p12-certificates-only", ["certtool", "--to-p12", "--load-certificate", "c.pem", "--password", "pw",
                                  "--outfile", "/tmp/b.p12"],
     [("KG503", "pw")]),
    ("null-password", ["certtool", "--generate-privkey", "--pkcs8", "--null-password", "--outfile", "k.pem"],
     [("KG502", "--null-password")]),
]


@pytest.mark.parametrize("argv,expected", [c[1:] for c in CERTTOOL_CASES], ids=[c[0] for c in CERTTOOL_CASES])
def test_certtool(argv, expected):
    assert found(argv) == sorted(expected)


# ------------------------------------------------------------------------------------------
# wrappers and shell strings

WRAPPER_CASES = [
    ("sudo-user", ["sudo", "-u", "root", "openssl", "genrsa", "-out", "/tmp/k", "2048"],
     [("KG501", "/tmp/k"), ("KG502", "/tmp/k")]),
    ("env-assignment-passphrase",
     ["env", "PW=hunter2", "openssl", "genrsa", "-aes256", "-passout", "env:PW", "-out", "k.pem"],
     [("KG503", "PW=hunter2")]),
    ("env-assignment-other-var",
     ["env", "LANG=C", "openssl", "genrsa", "-aes256", "-passout", "env:PW", "-out", "k.pem"], []),
    ("timeout", ["timeout", "30", "ssh-keygen", "-f", "/tmp/k", "-N", ""], [("KG501", "/tmp/k"), ("KG502", "")]),
    ("timeout-signal-nohup-nice",
     ["nohup", "nice", "-n", "10", "timeout", "-s", "KILL", "5m", "step", "crypto", "keypair", "p", "/tmp/k"],
     [("KG501", "/tmp/k")]),
    ("sh-c", ["sh", "-c", "openssl req -x509 -nodes -newkey rsa:2048 -keyout /tmp/k -out c.pem"],
     [("KG501", "/tmp/k"), ("KG502", "-nodes")]),
    ("bash-lc-sudo-step", ["bash", "-lc", "sudo step crypto keypair p.pem '/tmp/my key.pem'"],
     [("KG501", "/tmp/my key.pem")]),
    ("bash-o-pipefail", ["bash", "-o", "pipefail", "-c", "openssl genrsa -aes256 -out /tmp/k | cat"],
     [("KG501", "/tmp/k")]),
    ("su-user-c", ["su", "deploy", "-c", "ssh-keygen -q -N '' -f /tmp/k"], [("KG501", "/tmp/k"), ("KG502", "")]),
    ("sh-script-then-c-is-script-argument", ["sh", "x.sh", "-c", "openssl genrsa -aes256 -out /tmp/k"], []),
    ("ssh-remote-string", ["ssh", "-i", "id", "-p", "22", "root@h", "openssl genrsa -aes256 -out /tmp/k 2048"],
     [("KG501", "/tmp/k")]),
    ("ssh-remote-words", ["ssh", "h", "step", "crypto", "keypair", "p", "/tmp/k", "--password-file", "f"],
     [("KG501", "/tmp/k")]),
    ("ssh-no-command", ["ssh", "-N", "-L", "1:a:2", "h"], []),
    ("not-a-tool", ["cp", "key.pem", "/tmp/"], []),
    ("sh-script-file", ["sh", "gen.sh", "/tmp/k"], []),
    ("unknown-executable", [UNKNOWN, "genrsa", "-out", "/tmp/k"], []),
]


@pytest.mark.parametrize("argv,expected", [c[1:] for c in WRAPPER_CASES], ids=[c[0] for c in WRAPPER_CASES])
def test_wrappers(argv, expected):
    assert found(argv) == sorted(expected)


SHELL_CASES = [
    ("and-list-tmpdir", "cd /srv && openssl genrsa -out $TMPDIR/k.pem 2048",
     [("KG501", "$TMPDIR/k.pem"), ("KG502", "$TMPDIR/k.pem")]),
    ("braced-tmpdir-default", "openssl genrsa -aes256 -out ${TMPDIR:-/tmp}/k.pem",
     [("KG501", "${TMPDIR:-/tmp}/k.pem")]),
    ("tmpl-is-not-tmp", "openssl genrsa -aes256 -out $TMPL/k.pem", []),
    ("pipe-to-tee", "openssl genrsa 2048 | tee /srv/k", []),
    ("redirect-stdout", "openssl genrsa 2048 > /tmp/k.pem",
     [("KG501", "/tmp/k.pem"), ("KG502", "/tmp/k.pem")]),
    ("redirect-stdout-glued-append", "openssl genrsa -aes256 2048 >>/var/tmp/k.pem", [("KG501", "/var/tmp/k.pem")]),
    ("redirect-both-to-file", "openssl genrsa -aes256 2048 >& /tmp/k.pem", [("KG501", "/tmp/k.pem")]),
    ("redirect-dup-to-stderr", "openssl genrsa -aes256 2048 >&2", []),
    ("redirect-outside-sh-c", ("sh -c 'openssl genrsa -aes256 2048' > /tmp/k.pem",), [("KG501", "/tmp/k.pem")]),
    ("redirect-stderr-only", "openssl genrsa -aes256 2048 2> /tmp/err.log > key.pem", []),
    ("single-quotes", "ssh-keygen -t ed25519 -N '' -f '/tmp/my key'", [("KG501", "/tmp/my key"), ("KG502", "")]),
    ("double-quotes-escapes",
     'openssl req -newkey rsa:2048 -keyout "/tmp/k \\"x\\".pem" -passout pass:"s3 cr3t" -out r.csr',
     [("KG501", '/tmp/k "x".pem'), ("KG503", "pass:s3 cr3t")]),
    ("fstring-holes",
     ("openssl genrsa -aes256 -passout pass:", PW, " -out ", TMPDIR, "/k.pem 2048"),
     [("KG501", "{tmpdir}/k.pem"), ("KG503", "pass:{pw}")]),
    ("mktemp-substitution", "openssl genrsa -aes256 -out $(mktemp -d)/k.pem", [("KG501", "$(mktemp)/k.pem")]),
    ("quoted-mktemp", 'openssl genrsa -out "$(mktemp)" 2048', [("KG501", "$(mktemp)"), ("KG502", "$(mktemp)")]),
    ("shell-variable-passphrase", "ssh-keygen -t ed25519 -N \"$PASSPHRASE\" -f ~/.ssh/id",
     [("KG503", "$PASSPHRASE")]),
    ("last-out-wins", "openssl genrsa -out /tmp/a -out /srv/b -aes256", []),
    ("cd-tmp-relative-key", "cd /tmp && openssl genrsa -aes256 -out k.pem", [("KG501", "k.pem")]),
    ("cd-tmp-then-cd-back", "cd /tmp && cd /srv/keys && openssl genrsa -aes256 -out k.pem", []),
    ("cd-tmp-then-subdir", "cd $TMPDIR; cd work; ssh-keygen -q -N '' -f id", [("KG501", "id"), ("KG502", "")]),
    ("cd-tmp-absolute-key", "cd /tmp && openssl genrsa -aes256 -out /srv/k.pem", []),
    ("comment", "openssl genrsa -aes256 -out key.pem # -out /tmp/x", []),
    ("exec", "exec openssl genrsa -out /tmp/k 2048", [("KG501", "/tmp/k"), ("KG502", "/tmp/k")]),
    ("semicolon-second-command", "umask 077; ssh-keygen -q -N '' -f /dev/shm/id",
     [("KG501", "/dev/shm/id"), ("KG502", "")]),
    ("assignment-from-shell-variable", "PW=$SECRET openssl genrsa -aes256 -passout env:PW -out k.pem", []),
    ("assignment-literal", "PW=s3cret openssl genrsa -aes256 -passout env:PW -out k.pem", [("KG503", "PW=s3cret")]),
    ("nested-sh-c", "sh -c \"openssl ecparam -genkey -name prime256v1 -out /tmp/ec.pem\"",
     [("KG501", "/tmp/ec.pem"), ("KG502", "/tmp/ec.pem")]),
    ("line-continuation", "openssl req -new -newkey rsa:2048 \\\n  -nodes -keyout /tmp/k -out r.csr",
     [("KG501", "/tmp/k"), ("KG502", "-nodes")]),
]


@pytest.mark.parametrize("command,expected", [c[1:] for c in SHELL_CASES], ids=[c[0] for c in SHELL_CASES])
def test_shell_strings(command, expected):
    assert found_shell(command) == sorted(expected)


@pytest.mark.parametrize("command,expected", [c[1:] for c in SHELL_CASES], ids=[c[0] for c in SHELL_CASES])
def test_classify_shell_matches_sh_c(command, expected):
    pieces = command if isinstance(command, tuple) else (command,)
    issues = classify_shell(pieces, ref="call")
    assert sorted((i.code, i.arg.display()) for i in issues) == sorted(expected)
    assert all(i.index == 0 and i.arg.ref == "call" for i in issues)


# ------------------------------------------------------------------------------------------
# unknown tails: never invent findings from what the engine could not see

TAIL_CASES = [
    ("genrsa-out-known", ["openssl", "genrsa", "-out", "/tmp/k"], [("KG501", "/tmp/k")]),  # no implicit KG502
    ("rsa-pubout-may-follow", ["openssl", "rsa", "-in", "k", "-out", "/tmp/x"], []),
    ("rsa-after-positional-closed", ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "/tmp/k"],
     [("KG501", "/tmp/k"), ("KG502", "-nodes")]),
    ("step-kms-may-follow", ["step", "crypto", "keypair", "/tmp/p", "/tmp/k"], []),
    ("ssh-keygen-y-may-follow", ["ssh-keygen", "-f", "/tmp/k"], []),
    ("passphrase-stays", ["ssh-keygen", "-N", "secret"], [("KG503", "secret")]),
    ("value-missing", ["openssl", "genrsa", "-aes256", "-passout"], []),
]


@pytest.mark.parametrize("argv,expected", [c[1:] for c in TAIL_CASES], ids=[c[0] for c in TAIL_CASES])
def test_unknown_tail(argv, expected):
    assert found(argv, unknown_tail=True) == sorted(expected)


# ------------------------------------------------------------------------------------------
# messages, locations and facts for the engine


def test_issue_fields_and_message():
    script = Arg(("openssl req -newkey rsa:2048 -nodes -keyout /tmp/server.key -out /tmp/server.csr",), ref="node")
    issues = classify_command([Arg.literal("sh"), Arg.literal("-c"), script])
    kg501 = next(i for i in issues if i.code == "KG501")
    assert kg501.tool == "openssl"
    assert kg501.index == 2
    assert kg501.arg.ref == "node"
    assert kg501.message == (
        "`openssl req -keyout` writes the private key to /tmp/server.key, a temporary location")
    assert "0700" in kg501.fix


def test_passphrase_is_masked_in_message():
    issues = classify_command(to_args(["openssl", "genrsa", "-aes256", "-passout", "pass:hunter2", "-out", "k"]))
    assert [i.code for i in issues] == ["KG503"]
    assert "hunter2" not in issues[0].message
    assert "pass:***" in issues[0].message
    assert "file:" in issues[0].fix


def test_shell_variable_passphrase_message_names_the_variable():
    (issue,) = classify_shell('openssl genrsa -aes256 -passout "pass:$KEY_PW" -out k.pem')
    assert issue.code == "KG503" and "(pass:$KEY_PW)" in issue.message


@pytest.mark.parametrize("argv,cwd,expected", [
    (["openssl", "genrsa", "-aes256", "-out", "k.pem"], A(TMPDIR), [("KG501", "k.pem")]),
    (["openssl", "genrsa", "-aes256", "-out", "/srv/k.pem"], A(TMPDIR), []),
    (["step", "crypto", "keypair", "p.pub", "keys/k.key"], A("/var/tmp/work"), [("KG501", "keys/k.key")]),
    (["step", "crypto", "keypair", "p.pub", "k.key"], A("/srv/app"), []),
    (["openssl", "genrsa", "-aes256", "-out", "k.pem"], A(UNKNOWN), []),
])
def test_working_directory(argv, cwd, expected):
    issues = classify_command(to_args(argv), cwd=cwd)
    assert sorted((i.code, i.arg.display()) for i in issues) == expected
    assert all("in the working directory" in i.message for i in issues)


def test_index_points_at_top_level_element():
    argv = to_args(["sudo", "openssl", "genrsa", "-out", "/tmp/k", "-aes256"])
    (issue,) = classify_command(argv)
    assert issue.index == 4 and issue.arg is argv[4]


def test_command_info_stdout_and_env():
    report = analyze_command(to_args(["openssl", "genrsa", "-aes256", "-passout", "env:KEY_PW", "2048"]))
    (info,) = report.commands
    assert info.tool == "openssl" and info.command == "openssl genrsa"
    assert info.key_to_stdout is True
    assert info.key_outputs == ()
    assert info.passphrase_env == ("KEY_PW",)


def test_command_info_key_outputs():
    report = analyze_command(to_args(["ssh-keygen", "-f", "/home/u/.ssh/id", "-N", ""]))
    (info,) = report.commands
    assert [a.text for a in info.key_outputs] == ["/home/u/.ssh/id"]
    assert info.key_to_stdout is False


def test_public_output_is_not_key_output():
    report = analyze_command(to_args(["openssl", "req", "-new", "-key", "k.pem", "-out", "r.csr"]))
    assert report.commands[0].key_outputs == () and report.commands[0].key_to_stdout is False


# ------------------------------------------------------------------------------------------
# command_secret_args (KG402) and deduplication with KG503


def test_secret_args_key_hole():
    argv = to_args(["curl", "-d", KEY, "https://example.com"])
    assert command_secret_args(argv) == [argv[2]]


def test_secret_args_pem_literal():
    argv = to_args(["echo", "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----"])
    assert command_secret_args(argv) == [argv[1]]


def test_secret_args_not_duplicated_with_kg503():
    argv = to_args(["openssl", "genrsa", "-aes256", "-passout", A("pass:", PW), "-out", "k.pem"])
    report = analyze_command(argv)
    assert [i.code for i in report.issues] == ["KG503"]
    assert report.secret_args == ()


def test_secret_args_passphrase_to_other_program():
    argv = to_args(["mysql", "-u", "root", A("--password=", PW)])
    assert command_secret_args(argv) == [argv[3]]


def test_secret_args_plain_holes_are_not_secret():
    assert command_secret_args(to_args(["cp", TMPDIR, UNKNOWN])) == []


def test_secret_args_shell_string_with_unknown_command():
    report = analyze_shell(("cd /srv; ", UNKNOWN, " --data ", KEY, "; openssl genrsa -aes256 -out k"), ref="c")
    assert [a.pieces for a in report.secret_args] == [(KEY,)]
    assert report.issues == ()


def test_secret_args_inside_shell_string():
    script = Arg(("echo ", KEY, " | nc host 9"), ref="call")
    secrets = command_secret_args([Arg.literal("sh"), Arg.literal("-c"), script])
    assert len(secrets) == 1
    assert secrets[0].pieces == (KEY,) and secrets[0].ref == "call"


# ------------------------------------------------------------------------------------------
# Arg and the shell splitter


@pytest.mark.parametrize("arg,temp", [
    (A("/tmp/k.pem"), True),
    (A("/tmp"), True),
    (A("/tmpfoo/k"), False),
    (A("/var/tmp/x"), True),
    (A("/dev/shm/x"), True),
    (A("/dev/stdout"), False),
    (A("$TMPDIR/k"), True),
    (A("${TMPDIR}/k"), True),
    (A("$TMPL/k"), False),
    (A("%TEMP%\\k.pem"), True),
    (A("C:\\Windows\\Temp\\k.pem"), True),
    (A("/etc/ssl/private/k.pem"), False),
    (A("~/.ssh/id_ed25519"), False),
    (A(TMPDIR, "/k"), True),
    (A(UNKNOWN, "/", TMPDIR), True),
    (A("/home/u/", TMPDIR), False),
    (A(UNKNOWN, "/k"), False),
    (A("/tmp/", UNKNOWN), True),
])
def test_is_temp(arg, temp):
    assert arg.is_temp is temp


def test_arg_text_prefix():
    arg = A("-out=", UNKNOWN, ".pem")
    assert arg.text is None and arg.prefix == "-out=" and arg.holes == (UNKNOWN,)
    assert A("a", "b").pieces == ("ab",) and A("ab").text == "ab"
    assert arg.drop(5).pieces == (UNKNOWN, ".pem")


def words(command):
    return [a.display() for a in split_shell(command)]


@pytest.mark.parametrize("command,expected", [
    ("openssl genrsa -out k.pem 2048", ["openssl", "genrsa", "-out", "k.pem", "2048"]),
    ("ssh-keygen -N '' -f k", ["ssh-keygen", "-N", "", "-f", "k"]),
    ('ssh-keygen -N "" -f k', ["ssh-keygen", "-N", "", "-f", "k"]),
    ("a 'b c'\"d e\" f\\ g", ["a", "b cd e", "f g"]),
    ("a 'it'\\''s'", ["a", "it's"]),
    ('a "x\\$y\\\\z"', ["a", "x$y\\z"]),
    ("echo a; echo b", ["echo", "a"]),
    ("VAR=1 cmd", ["VAR=1", "cmd"]),
    ("", []),
])
def test_split_shell(command, expected):
    assert words(command) == expected


def test_split_shell_commands_operators_and_redirects():
    commands = split_shell_commands("a x && b || c | d & e; (f) 2>&1; g > /tmp/o 2>/dev/null")
    shown = [[(w.redirect, w.display()) for w in c] for c in commands]
    assert shown == [
        [(None, "a"), (None, "x")], [(None, "b")], [(None, "c")], [(None, "d")], [(None, "e")], [(None, "f")],
        [("2>&", "1")],
        [(None, "g"), (">", "/tmp/o"), ("2>", "/dev/null")],
    ]


def test_split_shell_holes_stay_in_words():
    (cmd,) = split_shell_commands(("openssl genrsa -out '", TMPDIR, "/k.pem' -passout pass:", PW), ref="n")
    assert [w.pieces for w in cmd[2:]] == [("-out",), (TMPDIR, "/k.pem"), ("-passout",), ("pass:", PW)]
    assert all(w.ref == "n" for w in cmd)


def test_split_shell_substitution_is_split_too():
    commands = split_shell_commands("echo $(openssl genrsa -out /tmp/k 2048)")
    assert [w.display() for w in commands[1]] == ["openssl", "genrsa", "-out", "/tmp/k", "2048"]
    assert commands[0][1].holes and not commands[0][1].is_temp


# ------------------------------------------------------------------------------------------
# the grammar file


def test_packaged_grammar_loads_every_tool():
    grammar = load_grammar()
    assert {t.name for t in grammar.tools} == {"step", "openssl", "ssh-keygen", "certtool", "wg", "mkcert",
                                               "age-keygen", "keytool", "nebula-cert", "minisign", "gpg", "cfssljson"}
    assert grammar.tool_for("gpg2").name == "gpg"
    assert grammar.tool_for("step-cli").name == "step"
    assert grammar.tool_for("keytool").name == "keytool"
    assert load_grammar() is grammar  # cached


def _bad_grammar(tmp_path: Path, command_row: str) -> Path:
    text = DEFAULT_PATH.read_text()
    path = tmp_path / "tools.toml"
    path.write_text(text + "\n[[command]]\n" + command_row)
    return path


@pytest.mark.parametrize("row,message", [
    ('tool = "openssl"\nwords = ["x"]\nkye_options = ["-out"]\n', "unknown key 'kye_options'"),
    ('tool = "nosuch"\n', "tool 'nosuch' has no [[tool]] row"),
    ('tool = "openssl"\nkey_options = ["-out"]\n', "neither value_options nor flag_options"),
    ('tool = "openssl"\nflag_options = ["-out"]\nkey_options = ["-out"]\n', "must take a value"),
    ('tool = "openssl"\nunknown_options = "maybe"\n', "unknown_options 'maybe'"),
    ('tool = "openssl"\nvalue_options = ["out"]\n', "is not an option name"),
    ('tool = "openssl"\nkey_positionals = [-1]\n', "key_positionals"),
    ('tool = "openssl"\nstdout_key = "yes"\n', "'stdout_key' must be bool"),
])
def test_bad_rows_fail_with_file_and_index(tmp_path, row, message):
    path = _bad_grammar(tmp_path, row)
    count = len(load_grammar().commands)
    with pytest.raises(ToolGrammarError) as info:
        load_grammar(str(path))
    assert str(path) in str(info.value)
    assert f"command[{count}]" in str(info.value)
    assert message in str(info.value)


def test_grammar_is_a_parameter(tmp_path):
    text = DEFAULT_PATH.read_text().replace('posix = ["/tmp/",', 'posix = ["/scratch/", "/tmp/",')
    path = tmp_path / "tools.toml"
    path.write_text(text)
    custom = load_grammar(str(path))
    argv = to_args(["openssl", "genrsa", "-aes256", "-out", "/scratch/k.pem"])
    assert classify_command(argv) == []
    assert [i.code for i in classify_command(argv, grammar=custom)] == ["KG501"]


def test_wg_genkey_prints_a_key_and_pubkey_does_not():
    grammar = load_grammar()
    wg = grammar.tool_for("wg")
    assert wg is not None and wg.name == "wg"
    rows = {c.words: c for c in grammar.commands_of("wg")}
    assert rows[("genkey",)].stdout_key and rows[("genpsk",)].stdout_key
    assert ("pubkey",) not in rows
