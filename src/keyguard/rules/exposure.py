"""KG4xx: key material sent where other processes or people can read it.

Logs, command lines, environment variables, shared memory, plain sockets and
pickles all outlive the key-generation step or are visible to other
processes (threat analysis 4.1 "Insecure Inter-Process Communication", 4.2).
KG404 covers the key written to disk without encryption.

Only metadata and documentation live here; detection is added by the engine.
"""

from __future__ import annotations

from keyguard.rules.base import Rule

from typing import Iterable

from keyguard import labels as L
from keyguard.analysis.context import AnalysisContext, mode_of
from keyguard.analysis.events import Event
from keyguard.rules.report import Hit
from keyguard.rules.support import after, at_call_site, confidence, data_of, named_guess_only


class KeyLogged(Rule):
    r"""Key material is passed to logging, `print`, warnings or an exception message.

    ## What it does
    Finds key material that reaches `logging` calls, `print`, `warnings.warn`,
    `sys.stdout`/`sys.stderr` writes (and a Django management command's
    `self.stdout`/`self.stderr`), `pprint`, exception messages (the arguments
    of any exception raised, a library's such as Django's `CommandError` or
    FastAPI's `HTTPException(detail=...)` included), exit messages
    (`sys.exit(msg)`, argparse `parser.error(msg)`), an Ansible module's
    `warn`/`log`/`fail_json`/`exit_json`, or code that renders the local
    variables of a traceback. structlog and loguru loggers count as `logging`;
    with loguru's `opt(lazy=True)` a lambda argument counts by what it returns.

    ## Why is this bad?
    Log output is copied to files, journald, log shippers, CI logs, terminals
    and support tickets, and is kept for a long time with far weaker access
    control than a key file. A key that reaches a log is effectively published
    to everyone who can read any of those places (threat analysis 4.2,
    insiders and malicious software; 4.3, impersonation and decryption once the
    key is known). Debug statements added "temporarily" during key generation
    are a classic source of such leaks.

    ## Example
    ```python
    import logging

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    log = logging.getLogger(__name__)

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    log.debug("generated key:\n%s", pem.decode())
    ```

    ## Use instead
    Log something that identifies the key without revealing it, such as a
    fingerprint of the *public* key:
    ```python
    import hashlib
    import logging

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    log = logging.getLogger(__name__)

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    spki = key.public_key().public_bytes(
        encoding=serialization.Encoding.DER,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    log.info("generated RSA-3072 key, SPKI sha256=%s", hashlib.sha256(spki).hexdigest())
    ```

    ## Fix
    No autofix: removing a log statement is a decision for the author.

    ## Options
    None.

    ## References
    - [CWE-532: Insertion of Sensitive Information into Log File](https://cwe.mitre.org/data/definitions/532.html)
    - [CWE-312: Cleartext Storage of Sensitive Information](https://cwe.mitre.org/data/definitions/312.html)
    - [OWASP Logging Cheat Sheet: data to exclude](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude)
    - Threat analysis "Insecure Key Storage during Generation", 4.2 (Attack Vectors and Scenarios), 4.3 (Impact Assessment)
    """

    code = "KG401"
    name = "key-logged"
    severity = "high"
    cwe = ("CWE-532", "CWE-312")
    fix_title = "Log a public-key fingerprint instead of the private key"
    autofix = False

    kinds = ("sink",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        if ev.values.get("sink") not in ("log", "exception"):
            return
        data = data_of(ev)
        if not data.is_key:
            return
        if ev.values.get("sink") == "exception" and named_guess_only(data):
            return  # raise ValueError(f"bad key type {kind}"): parsed from a parameter named like a key
        org = data.key_origin()
        where = ("an exception message" if ev.values.get("sink") == "exception"
                 else ev.describe if ev.describe.startswith(("a ", "an ")) else f"`{ev.describe}`")
        yield Hit(self.code, ev.node, ev.module, f"{{source}} is passed to {where}", org, confidence(ev, org))


class KeyInArgvOrEnv(Rule):
    r"""Key material or a key passphrase is put on a command line or in the environment.

    ## What it does
    Finds key material or a key passphrase passed as a `subprocess` argument
    (`run`, `call`, `check_call`, `check_output`, `Popen`), through `os.system`
    or `os.exec*`/`os.spawn*`, stored in `os.environ` or `os.putenv`, or given
    to a child in `env=`; also the command and `environment=` of a container
    started with the docker SDK (`client.containers.run/create`,
    `container.exec_run`), which `docker inspect` shows.

    ## Why is this bad?
    A command line is visible to every local user through `ps` and
    `/proc/<pid>/cmdline`, and is recorded by shell history, audit logs
    (`execve` auditing), process accounting and crash reports. The environment
    is readable through `/proc/<pid>/environ` by the same user and by root, is
    inherited by every child process and is often dumped in debug output and
    error reports. Both turn an in-process secret into an inter-process one
    (threat analysis 4.1, "Insecure Inter-Process Communication", and 4.2).

    ## Example
    ```python
    import subprocess

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode()
    subprocess.run(["vault", "kv", "put", "secret/signing", f"key={pem}"], check=True)
    ```

    ## Use instead
    Pass the secret on the child's standard input (a pipe private to the two
    processes); most tools accept `-` or a file descriptor for this:
    ```python
    import subprocess

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    subprocess.run(["vault", "kv", "put", "secret/signing", "key=-"], input=pem, check=True)
    ```
    For passphrases, see `keyguard.reference.keygen.read_passphrase_fd()` and
    `read_passphrase_file()`.

    ## Fix
    No autofix: how the receiving program can read the secret (stdin, a file
    descriptor, a file) depends on that program.

    ## Options
    None.

    ## References
    - [CWE-214: Invocation of Process Using Visible Sensitive Information](https://cwe.mitre.org/data/definitions/214.html)
    - [CWE-526: Cleartext Storage of Sensitive Information in an Environment Variable](https://cwe.mitre.org/data/definitions/526.html)
    - [proc(5): /proc/pid/cmdline and /proc/pid/environ](https://man7.org/linux/man-pages/man5/proc.5.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Insecure Inter-Process Communication), 4.2
    """

    code = "KG402"
    name = "key-in-argv-or-env"
    severity = "high"
    cwe = ("CWE-214", "CWE-526")
    fix_title = "Pass the secret on stdin, a file descriptor or an owner-only file"
    autofix = False

    kinds = ("sink", "exec-secret")

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        if ev.kind == "sink":
            if ev.values.get("sink") != "env":
                return
            data = data_of(ev)
            if not (data.is_key or data.has(L.PASSPHRASE)):
                return
            org = data.key_origin() or data.origin(L.PASSPHRASE)
            what = "{source}" if data.is_key else "a key passphrase ({source})"
            yield Hit(self.code, ev.node, ev.module, f"{what} is put in the process environment",
                      org, confidence(ev, org))
        else:
            data = data_of(ev)
            if data.is_key and named_guess_only(data) and not data.has(L.PASSPHRASE):
                return  # ssh -i private_key: a parameter named like a key is a path here as often as not
            org = data.key_origin() or data.origin(L.PASSPHRASE)
            where = ev.values.get("where", "command line")
            what = "{source}" if data.is_key else "a key passphrase ({source})"
            hit = Hit(self.code, ev.node, ev.module, f"{what} is put on a process {where} (`{ev.describe}`)",
                      org, confidence(ev, org))
            yield at_call_site(hit, ev, ev.values.get("site"), f"the process is started by `{ev.describe}`")


class KeyOverInsecureIpc(Rule):
    r"""Key material is sent over plain HTTP, a plain socket, shared memory, a pickle or a shared FIFO.

    ## What it does
    Finds key material sent through `multiprocessing.shared_memory`, a shared
    `mmap`, a socket that is not wrapped in TLS (a `socketserver` handler's
    `self.request`, `self.connection` or `self.wfile` included, unless the
    module wraps the server's socket in TLS, and the `writer` an
    `asyncio.start_server` callback is given, unless `ssl=` is passed to
    `start_server`), an HTTP request to an `http://`
    URL (`requests`, `httpx`, `aiohttp`, `urllib`, `urllib3`, and
    `http.client.HTTPConnection`), `pickle`/`marshal` files, or named pipes
    (FIFOs) in shared directories. A pickle file is written either by
    `pickle.dump(key, f)` or by writing the bytes of `pickle.dumps(key)` (or
    `marshal.dumps`) to a file later (`f.write(data)`, `Path.write_bytes`), or
    by storing it in a `shelve` shelf (`db[name] = pem`). A
    `multiprocessing.connection.Client(address)` is a socket too (its `authkey`
    authenticates the peer but does not encrypt). `multiprocessing` queues,
    `Pipe()` ends and manager proxies are not reported: they reach the
    program's own processes over anonymous pipes or a socket in a private
    folder.

    A request given a URL is reported only when the URL is known to start with
    `http://`: a constant, a module constant, or an f-string, `+`, `%` or
    `str.format` whose text starts with the scheme (`f"http://{host}/keys"`).
    A URL whose scheme is not known (a parameter, a configuration value,
    `f"{scheme}://..."`) is not reported. An `HTTPConnection` is plain
    whatever its host. Requests to a loopback host (`localhost`,
    `127.0.0.0/8`, `[::1]`) are not reported: other users of the machine
    cannot capture loopback traffic without root.

    ## Why is this bad?
    These channels are readable by more than the two intended endpoints:
    shared-memory segments live under `/dev/shm` with a predictable name and
    survive a crash, plain TCP (and plain HTTP on top of it) can be captured
    on the host or anywhere on the network path, including by proxies and
    load balancers that log request bodies, pickle files are ordinary files
    that persist, and a FIFO in a shared directory can be opened by anyone
    allowed to open it first. The threat analysis names this scenario
    explicitly (4.1, "Insecure Inter-Process Communication": "shared memory
    without proper access control, unencrypted sockets").

    ## Example
    ```python
    import socket

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    with socket.create_connection(("keystore.internal", 9000)) as sock:
        sock.sendall(pem)
    ```

    ```python
    import requests

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    requests.post("http://keystore.internal/keys", data=pem, timeout=10)
    ```

    ## Use instead
    ```python
    import socket
    import ssl

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    context = ssl.create_default_context()  # verifies the server's certificate and host name
    with socket.create_connection(("keystore.internal", 9000)) as raw:
        with context.wrap_socket(raw, server_hostname="keystore.internal") as sock:
            sock.sendall(pem)
    ```

    ```python
    import requests

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    # https:// with certificate verification (requests verifies by default; never verify=False)
    requests.post("https://keystore.internal/keys", data=pem, timeout=10)
    ```
    Better still, generate the key where it is used (or inside an HSM) so it
    never has to travel.

    ## Fix
    No autofix.

    ## Options
    None.

    ## References
    - [CWE-319: Cleartext Transmission of Sensitive Information](https://cwe.mitre.org/data/definitions/319.html)
    - [CWE-668: Exposure of Resource to Wrong Sphere](https://cwe.mitre.org/data/definitions/668.html)
    - [Python `ssl` security considerations](https://docs.python.org/3/library/ssl.html#security-considerations)
    - [Requests: SSL certificate verification](https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Insecure Inter-Process Communication), 4.2
    """

    code = "KG403"
    name = "key-over-insecure-ipc"
    severity = "high"
    cwe = ("CWE-319", "CWE-668")
    fix_title = "Send the key only over an authenticated, encrypted channel such as TLS"
    autofix = False

    kinds = ("sink", "write")

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        if ev.kind == "write":
            # data = pickle.dumps(key); fh.write(data): the same pickle/marshal file as pickle.dump(key, fh)
            data = data_of(ev)
            org = data.key_origin()
            if data.has(L.PICKLED) and org is not None:
                yield Hit(self.code, ev.node, ev.module,
                          f"{{source}} is sent through a pickle/marshal file (pickled by {data.origin(L.PICKLED).description}, "  # type: ignore[union-attr]
                          f"written by `{ev.describe}`)", org, confidence(ev, org))
            return
        if ev.values.get("sink") != "ipc":
            return
        data = data_of(ev)
        if not data.is_key:
            return
        org = data.key_origin()
        yield Hit(self.code, ev.node, ev.module, f"{{source}} is sent through {ev.describe}",
                  org, confidence(ev, org))

    def finish(self, ctx: AnalysisContext) -> Iterable[Hit]:
        """Named pipes (``os.mkfifo``) in a shared directory or open to group/other: a key
        written into one can be read by whoever opens the pipe first."""
        for trace in ctx.traces.values():
            for ev in trace:
                if ev.kind != "fifo":
                    continue
                path = ev.value("path")
                ids = ctx.file_ids(path)
                if not ids or path is None:
                    continue
                mode = mode_of(ev.value("mode"))
                mode = 0o666 if mode is None and ev.value("mode") is None else mode
                shared = path.has(L.SHARED_TEMP)  # (directly in /tmp: mkdtemp() folders are private)
                if not (shared or (mode is not None and mode & 0o066)):
                    continue
                where = "in a shared temporary directory" if shared else f"with mode {oct(mode or 0)}"
                for w in after(trace, ev):
                    if w.kind == "write" and data_of(w).is_key and ctx.file_ids(w.value("target")) & ids:
                        org = data_of(w).key_origin()
                        yield Hit(self.code, w.node, w.module,
                                  f"{{source}} is sent through a named pipe (`{ev.describe}`) {where}",
                                  org, confidence(w, org))


class UnencryptedKeyAtRest(Rule):
    r"""A private key is serialized without encryption and written to disk.

    ## What it does
    Finds private keys serialized without a passphrase, such as
    `NoEncryption()` in cryptography, `dump_privatekey` without a cipher in
    pyOpenSSL, `export_key()` without `passphrase` in PyCryptodome, or paramiko's
    `write_private_key_file` without `password`, when the result is written to
    a file.

    ## Why is this bad?
    File permissions protect a key only while the operating system enforces
    them. Backups, disk images, snapshots, a stolen disk and root on the host
    bypass them (threat analysis 4.2, insiders and physical access). An
    encrypted key stays useless without the passphrase (mitigation 5.4, "Encrypt
    Temporary Storage Locations", applied to the key itself). The rule is off by
    default because many deployments deliberately store keys unencrypted, relying on
    disk encryption or an HSM, or a service that must start unattended.

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    fd = os.open("server.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
    finally:
        os.close(fd)
    ```

    ## Use instead
    ```python
    from keyguard.reference.keygen import generate_and_store, read_passphrase_file

    with read_passphrase_file("/run/secrets/key-passphrase") as passphrase:  # LockedBuffer, wiped on exit
        public_key = generate_and_store("server.key", key_type="rsa-3072", passphrase=passphrase)
    ```

    ## Fix
    No autofix: a passphrase has to come from somewhere the code cannot invent.

    ## Options
    Off by default (strict): enable it with `--strict`, `strict = true` under
    `[tool.keyguard]`, or by selecting `KG404` explicitly.

    ## References
    - [CWE-311: Missing Encryption of Sensitive Data](https://cwe.mitre.org/data/definitions/311.html)
    - [CWE-312: Cleartext Storage of Sensitive Information](https://cwe.mitre.org/data/definitions/312.html)
    - [cryptography: `BestAvailableEncryption`](https://cryptography.io/en/latest/hazmat/primitives/asymmetric/serialization/#cryptography.hazmat.primitives.serialization.BestAvailableEncryption)
    - Threat analysis "Insecure Key Storage during Generation", 4.2, 5.4 (Encrypt Temporary Storage Locations)
    """

    code = "KG404"
    name = "unencrypted-key-at-rest"
    severity = "medium"
    cwe = ("CWE-311", "CWE-312")
    fix_title = "Encrypt the private key with a passphrase read from a file or descriptor"
    autofix = False

    kinds = ("write",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        data = data_of(ev)
        if not (data.is_key and data.has(L.UNENCRYPTED)):
            return
        org = data.origin(L.UNENCRYPTED)
        yield Hit(self.code, ev.node, ev.module, "private key serialized without encryption ({source}) is written to disk",
                  org, confidence(ev, org))
