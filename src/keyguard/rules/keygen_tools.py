"""KG5xx: key-generation tools (`step`, `openssl`, `ssh-keygen`, `certtool`) run insecurely from code.

The threat analysis centres on the `step` CLI (4.4): the tool itself may be
careful, but the calling code chooses where the key goes, whether it is
encrypted and how the passphrase travels.  These rules look at the argument
lists given to `subprocess`, `os.system` and `os.popen`.

Only metadata and documentation live here; detection is added by the engine.
"""

from __future__ import annotations

from keyguard.rules.base import Rule

from typing import Iterable

from keyguard.analysis.context import AnalysisContext
from keyguard.analysis.events import Event
from keyguard.rules.report import Hit
from keyguard.rules.support import at_call_site


def tool_hits(rule: Rule, ev: Event) -> Iterable[Hit]:
    issue = ev.values["issue"]
    if issue.code != rule.code:
        return
    hit = Hit(rule.code, ev.node, ev.module, issue.message, None, ev.confidence, fix=issue.fix or None)
    # (a helper running its caller's command line: reported at the caller's call)
    yield at_call_site(hit, ev, ev.values.get("site"), f"the command is run by `{ev.describe}`")


class KeygenToolTempOutput(Rule):
    r"""A key-generation tool is told to write the private key to a temporary location.

    ## What it does
    Finds `step crypto keypair`, `step certificate create`, `openssl genrsa`,
    `openssl genpkey`, `openssl req -keyout`, `openssl ecparam -genkey`,
    `ssh-keygen`, `certtool`, `wg genkey`/`wg genpsk` (a shell redirect),
    Java's `keytool -genkeypair`/`-importkeystore`, `mkcert`, `age-keygen`,
    `nebula-cert`, `minisign -G`, GnuPG (`gpg --quick-gen-key` with its
    `--homedir` keyring, `gpg --export-secret-keys --output`) and cfssl's
    `cfssljson` (`BASENAME-key.pem`)
    run through `subprocess`, `os.system`, `os.popen` or a command runner
    (Fabric/Invoke `run`, the `sh` and `plumbum` libraries, SaltStack
    `cmd.run`) with the private key's output path in a temporary location
    (`tempfile.gettempdir()`, `mkdtemp()`, `TemporaryDirectory()`, `/tmp`,
    `/var/tmp`, `/dev/shm`, `%TEMP%`).

    ## Why is this bad?
    The tool writes the key to the shared temporary file system, where it
    lingers until someone moves or deletes it, and predictable names there can
    be pre-created or symlinked by other users. This is the central scenario of
    the threat analysis: "the `step` CLI or application logic might temporarily
    write the private key to a file in the operating system's temporary
    directory" (4.1, "Temporary File Exposure"; 4.4, "`step` CLI").

    ## Example
    ```python
    import os
    import subprocess
    import tempfile

    key_path = os.path.join(tempfile.gettempdir(), "app.key")
    pub_path = os.path.join(tempfile.gettempdir(), "app.pub")
    subprocess.run(
        [
            "step", "crypto", "keypair", pub_path, key_path,
            "--kty", "OKP", "--crv", "Ed25519",
            "--password-file", "/run/secrets/key-passphrase",
        ],
        check=True,
    )
    ```

    ## Use instead
    Have the tool write straight to the key's final, owner-only directory:
    ```python
    import os
    import subprocess

    key_dir = os.path.expanduser("~/.config/myapp/keys")
    os.makedirs(key_dir, mode=0o700, exist_ok=True)
    subprocess.run(
        [
            "step", "crypto", "keypair",
            os.path.join(key_dir, "app.pub"), os.path.join(key_dir, "app.key"),
            "--kty", "OKP", "--crv", "Ed25519",
            "--password-file", "/run/secrets/key-passphrase",
        ],
        check=True,
    )
    ```
    or generate in-process with `keyguard.reference.keygen.generate_and_store()`.

    ## Fix
    No autofix: the final location of the key is the caller's choice.

    ## Options
    None.

    ## References
    - [CWE-377: Insecure Temporary File](https://cwe.mitre.org/data/definitions/377.html)
    - [CWE-312: Cleartext Storage of Sensitive Information](https://cwe.mitre.org/data/definitions/312.html)
    - [step crypto keypair](https://smallstep.com/docs/step-cli/reference/crypto/keypair/), [openssl-genpkey(1)](https://docs.openssl.org/master/man1/openssl-genpkey/), [ssh-keygen(1)](https://man.openbsd.org/ssh-keygen)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Temporary File Exposure), 4.4 (`step` CLI), 5.1
    """

    code = "KG501"
    name = "keygen-tool-temp-output"
    severity = "high"
    cwe = ("CWE-377", "CWE-312")
    fix_title = "Have the tool write the key directly to its final owner-only directory"
    autofix = False

    kinds = ("tool-issue",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        return tool_hits(self, ev)


class KeygenToolUnencryptedKey(Rule):
    r"""A key-generation tool is asked to write the private key without encryption.

    ## What it does
    Finds the options that make key-generation tools write an unencrypted key:
    `step ... --no-password --insecure`, `openssl req` (or `pkcs12`) with
    `-nodes` / `-noenc`, `ssh-keygen -N ''` and `gpg --passphrase ''` (a key
    generated with an empty passphrase).

    ## Why is this bad?
    The key file is then protected only by its permissions: backups, disk
    images, a stolen disk or root on the host expose it (threat analysis 4.2;
    mitigation 5.4 recommends encryption where storage cannot be avoided).
    `step` even requires `--insecure` next to `--no-password` to make that
    choice explicit. The rule is off by default because services that must
    start unattended often keep unencrypted keys on purpose.

    ## Example
    ```python
    import subprocess

    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes",
            "-keyout", "server.key", "-out", "server.crt",
            "-subj", "/CN=example.test", "-days", "365",
        ],
        check=True,
    )
    ```

    ## Use instead
    ```python
    import subprocess

    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:3072",
            "-passout", "file:/run/secrets/key-passphrase",  # key encrypted; passphrase read from a file
            "-keyout", "server.key", "-out", "server.crt",
            "-subj", "/CN=example.test", "-days", "365",
        ],
        check=True,
    )
    ```

    ## Fix
    No autofix: the passphrase source has to be chosen by the author.

    ## Options
    Off by default (strict): enable it with `--strict`, `strict = true` under
    `[tool.keyguard]`, or by selecting `KG502` explicitly.

    ## References
    - [CWE-311: Missing Encryption of Sensitive Data](https://cwe.mitre.org/data/definitions/311.html)
    - [CWE-312: Cleartext Storage of Sensitive Information](https://cwe.mitre.org/data/definitions/312.html)
    - [openssl-req(1): -noenc, -passout](https://docs.openssl.org/master/man1/openssl-req/), [openssl-passphrase-options(1)](https://docs.openssl.org/master/man1/openssl-passphrase-options/)
    - Threat analysis "Insecure Key Storage during Generation", 4.2, 4.4 (`step` CLI), 5.4
    """

    code = "KG502"
    name = "keygen-tool-unencrypted-key"
    severity = "medium"
    cwe = ("CWE-311", "CWE-312")
    fix_title = "Have the tool encrypt the key with a passphrase read from a file or descriptor"
    autofix = False

    kinds = ("tool-issue",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        return tool_hits(self, ev)


class KeygenToolSecretInArgv(Rule):
    r"""A passphrase or key is passed on a key-generation tool's command line.

    ## What it does
    Finds passphrases and keys given to key-generation tools as arguments:
    `openssl ... -passout pass:...` / `-passin pass:...` / `-pass pass:...`,
    `step ... --password <literal>` and similar, `ssh-keygen -N <passphrase>`
    or `-P <passphrase>`, `keytool -storepass <password>`/`-keypass <password>`,
    `gpg --passphrase <passphrase>` when it generates or exports a secret key.

    ## Why is this bad?
    Every local user can read a process's arguments through `ps` and
    `/proc/<pid>/cmdline` while the tool runs, and audit logs, process
    accounting and shell history record them. The passphrase that protects the
    key then travels next to it (threat analysis 4.1, "Insecure Inter-Process
    Communication"; 4.2). The tools have file and descriptor alternatives for
    exactly this reason (`pass:` is documented by OpenSSL as insecure).

    ## Example
    ```python
    import os
    import subprocess

    passphrase = os.environ["KEY_PASSPHRASE"]
    subprocess.run(
        [
            "openssl", "genrsa", "-aes256",
            "-passout", f"pass:{passphrase}",
            "-out", "server.key", "3072",
        ],
        check=True,
    )
    ```

    ## Use instead
    ```python
    import subprocess

    subprocess.run(
        [
            "openssl", "genrsa", "-aes256",
            "-passout", "file:/run/secrets/key-passphrase",  # or "fd:N" / "stdin"
            "-out", "server.key", "3072",
        ],
        check=True,
    )
    ```
    `step` takes `--password-file`; for `ssh-keygen`, generate in-process with
    `keyguard.reference.keygen` and a passphrase from `read_passphrase_fd()`.

    ## Fix
    No autofix: where the passphrase file or descriptor comes from is the
    author's choice.

    ## Options
    None.

    ## References
    - [CWE-214: Invocation of Process Using Visible Sensitive Information](https://cwe.mitre.org/data/definitions/214.html)
    - [CWE-522: Insufficiently Protected Credentials](https://cwe.mitre.org/data/definitions/522.html)
    - [openssl-passphrase-options(1)](https://docs.openssl.org/master/man1/openssl-passphrase-options/), [step `--password-file`](https://smallstep.com/docs/step-cli/reference/crypto/keypair/)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Insecure Inter-Process Communication), 4.2
    """

    code = "KG503"
    name = "keygen-tool-secret-in-argv"
    severity = "high"
    cwe = ("CWE-214", "CWE-522")
    fix_title = "Pass the passphrase through a file, a file descriptor or stdin"
    autofix = False

    kinds = ("tool-issue",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        return tool_hits(self, ev)
