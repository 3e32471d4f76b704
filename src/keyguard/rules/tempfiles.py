"""KG1xx: private keys on temporary file systems.

A temporary directory is shared by every account on the machine, is often a
``tmpfs`` that can be swapped, and is where attackers look first (threat
analysis 4.1, "Temporary File Exposure").  These rules find key material that
reaches such a location, names created with a race, and temporary key files
that are not removed (or not wiped) on every path.

Only metadata and documentation live here; detection is added by the engine.
"""

from __future__ import annotations

from keyguard.rules.base import Rule

from typing import Iterable

from keyguard import labels as L
from keyguard.analysis.context import AnalysisContext
from keyguard.analysis.events import Event
from keyguard.rules.report import Hit
from keyguard.rules.support import after, before, confidence, data_of, target_desc


class KeyInTempfile(Rule):
    r"""Key material is written to a temporary file or into a temporary directory.

    ## What it does
    Finds private key material (a generated or loaded private key, its
    serialization, a PEM literal or a key-generation tool's output) written to
    a temporary location: a `tempfile.NamedTemporaryFile`, `TemporaryFile`,
    `SpooledTemporaryFile` or `mkstemp` handle or descriptor, or a path built
    from `tempfile.gettempdir()`, `mkdtemp()`, `TemporaryDirectory()`, `/tmp`,
    `/var/tmp`, `/dev/shm` or `%TEMP%`. A zip or tar archive in such a place
    that a key is added to (`ZipFile.writestr`, `TarFile.addfile`, `add` of a
    key file), a file `shutil.copyfileobj` copies a key into, and a file a
    shared `mmap.mmap(fd, n)` maps (`mm[:] = der`, `mm.write(der)` write into
    the file; the mapping itself is KG403) count too. pytest's `tmp_path`,
    `tmpdir` and `tmp_path_factory` folders in tests and fixtures are
    temporary locations as well: like `mkdtemp()` they are private to the
    user, but the key stays on disk after the run (pytest keeps the last three
    base folders). Test keys are throwaway by design; a project that does not
    want its tests checked ignores them per file
    (`per-file-ignores = {"tests/**" = ["KG101"]}`).

    ## Why is this bad?
    The temporary directory is the first place an attacker with local access
    looks, and the most common way a key leaks while it is being generated
    (threat analysis 4.1, "Temporary File Exposure"). `/tmp` is shared by every
    account, names in it are predictable or guessable, other processes with
    elevated privileges or a malicious insider (4.2) can read the file before it
    is deleted, and even after deletion the bytes can survive in swap (when
    `/tmp` is a `tmpfs`), in file-system journals and in backups. A private
    key never needs a temporary copy: generate it in memory and write it once,
    to its final location, with owner-only permissions (mitigation 5.1,
    "Minimize Temporary Storage of Private Keys").

    ## Example
    ```python
    import tempfile

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    with tempfile.NamedTemporaryFile(suffix=".pem", delete=False) as f:
        f.write(pem)
    ```

    ## Use instead
    Generate the key in memory and write it once, straight to its final
    location, with `keyguard.reference.keygen`:
    ```python
    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("ecdsa-p256")
    with serialize_private_key(key) as pem:  # mlocked buffer, wiped when the block ends
        write_private_key_file("server.key", pem)  # O_EXCL|O_NOFOLLOW, 0o600, fsync, os.replace
    ```

    ## Fix
    No autofix: the right destination of the key is a design decision that a
    codemod cannot make.

    ## Options
    None.

    ## References
    - [CWE-377: Insecure Temporary File](https://cwe.mitre.org/data/definitions/377.html)
    - [CWE-312: Cleartext Storage of Sensitive Information](https://cwe.mitre.org/data/definitions/312.html)
    - [Python `tempfile` documentation](https://docs.python.org/3/library/tempfile.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Temporary File Exposure), 5.1
    """

    code = "KG101"
    name = "key-in-tempfile"
    severity = "high"
    cwe = ("CWE-377", "CWE-312")
    fix_title = "Write the key directly to its final location with owner-only permissions"
    autofix = False

    kinds = ("write", "copy")

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        if ev.kind == "write":
            data, target = data_of(ev), ev.value("target")
            if data.is_key and ctx.is_temp(target) and not _into_fifo(ctx, ev, target):
                org = data.key_origin()
                yield Hit(self.code, ev.node, ev.module,
                          f"{{source}} is written to a temporary location ({target_desc(ctx, ev, target)})",
                          org, confidence(ev, org))
        else:
            src, dst = ev.value("src"), ev.value("dst")
            if src is not None and ctx.is_key_file(src) and ctx.is_temp(dst) and dst is not None:
                yield Hit(self.code, ev.node, ev.module,
                          f"a private key file is copied to a temporary location by `{ev.describe}`",
                          None, confidence(ev, None))


def _into_fifo(ctx: AnalysisContext, ev: Event, target) -> bool:
    """The write goes into a named pipe made before it (os.mkfifo("/tmp/keyd.fifo")): nothing
    is stored in the temporary directory; the hand-over through the pipe is KG403's."""
    ids = ctx.file_ids(target)
    if not ids:
        return False
    trace = ctx.traces.get(ev.trace, ())
    return any(e.kind == "fifo" and ctx.file_ids(e.value("path")) & ids for e in before(trace, ev))


class InsecureMktemp(Rule):
    r"""`tempfile.mktemp()` returns a name that another process can create first.

    ## What it does
    Finds any call of `tempfile.mktemp()`, whatever the name is used for.

    ## Why is this bad?
    `mktemp()` only returns a name that did not exist when it was checked; the
    file is created later, by the caller. Between the check and the creation
    another local user can create that name, typically as a symlink to a file
    of their choice or as a file they own and can read (a time-of-check to
    time-of-use race). In key-generation code this turns the temporary file
    into an exposure channel (threat analysis 4.1, "Temporary File Exposure",
    and 4.2, local attackers and malicious software). The function has been
    deprecated since Python 2.3 for this reason. `mkstemp()` creates the file
    atomically with `O_CREAT|O_EXCL` and mode `0o600`, so nobody else can own
    or pre-create it.

    ## Example
    ```python
    import tempfile

    # an OpenSSL request configuration, written to a "fresh" temporary name
    config_path = tempfile.mktemp(suffix=".cnf")
    with open(config_path, "w") as f:
        f.write("[req]\nprompt = no\ndistinguished_name = dn\n[dn]\nCN = example.test\n")
    ```

    ## Use instead
    ```python
    import os
    import tempfile

    fd, config_path = tempfile.mkstemp(suffix=".cnf")  # created atomically, mode 0o600
    try:
        with os.fdopen(fd, "w") as f:
            f.write("[req]\nprompt = no\ndistinguished_name = dn\n[dn]\nCN = example.test\n")
        # ... run the tool that reads config_path ...
    finally:
        os.unlink(config_path)
    ```
    Never put the private key itself in a temporary file (KG101).

    ## Fix
    An autofix exists (`keyguard fix`): `name = tempfile.mktemp(...)` becomes
    `fd, name = tempfile.mkstemp(...)` followed by `os.close(fd)`, keeping the
    `suffix`, `prefix` and `dir` arguments. It is **unsafe**: the file now
    exists (empty, mode `0o600`) when the name is returned, which breaks code
    that needs the name to be absent, e.g. `os.mkdir`/`os.mkfifo` on it, an
    `O_EXCL` open, or a tool that refuses or asks before overwriting an
    existing output file (`ssh-keygen -f` asks "Overwrite (y/n)?"). Review the
    diff before applying it.

    ## Options
    None.

    ## References
    - [CWE-377: Insecure Temporary File](https://cwe.mitre.org/data/definitions/377.html)
    - [CWE-367: Time-of-check Time-of-use (TOCTOU) Race Condition](https://cwe.mitre.org/data/definitions/367.html)
    - [Python `tempfile.mktemp` (deprecated)](https://docs.python.org/3/library/tempfile.html#tempfile.mktemp)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Temporary File Exposure), 4.2
    """

    code = "KG102"
    name = "insecure-mktemp"
    severity = "medium"
    cwe = ("CWE-377", "CWE-367")
    fix_title = "Create the file atomically with tempfile.mkstemp() instead of tempfile.mktemp()"
    autofix = True

    kinds = ("mktemp",)

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        yield Hit(self.code, ev.node, ev.module,
                  f"`{ev.describe}()` returns a name another process can create first; use mkstemp()")


class TempfileCleanupNotGuaranteed(Rule):
    r"""A temporary file that held key material is not removed on every path.

    ## What it does
    Finds temporary files that received key material and are not deleted on
    every path through the code, exceptions included: `NamedTemporaryFile(delete=False)`,
    `mkstemp()` whose file is unlinked outside a `finally:` block or a context
    manager, or never unlinked at all; a `mkdtemp()` folder a key-generation
    tool wrote a private key into (`openssl genrsa -out {dir}/k.pem`) that is
    not removed in a `finally:` block too. A file staged in the shared temporary
    directory and moved into place (`os.replace`, `shutil.move`) outside a
    `finally:` block counts too: a failure before the move leaves it behind.
    (Staging next to the destination, `mkstemp(dir=final_dir)`, is the
    atomic-write idiom and is not reported.) A key file the code names itself
    in the shared temporary folder (`"/tmp/app_" + uuid + ".key"`) and removes
    outside a `finally:` block is reported at that removal.

    ## Why is this bad?
    If the key-generation step fails (the tool exits non-zero, the network
    call raises, the process is interrupted) the `os.unlink()` written after it
    is skipped and the key stays in the shared temporary directory
    indefinitely, where it can be read by other processes, copied into backups
    and recovered long after the program ended (threat analysis 4.1,
    "Temporary File Exposure"; mitigation 5.3 asks to "ensure proper error
    handling to guarantee cleanup even if key generation fails").

    ## Example
    ```python
    import os
    import subprocess
    import tempfile

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, key_path = tempfile.mkstemp(suffix=".pem")
    os.write(fd, pem)
    os.close(fd)
    subprocess.run(
        ["openssl", "req", "-new", "-key", key_path, "-subj", "/CN=example.test", "-out", "server.csr"],
        check=True,
    )
    os.unlink(key_path)  # skipped when openssl fails
    ```

    ## Use instead
    Avoid the temporary file: build the request in-process and store the key
    once, in its final location.
    ```python
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("rsa-3072")
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.test")]))
        .sign(key, hashes.SHA256())
    )
    with open("server.csr", "wb") as f:  # a CSR is public material
        f.write(csr.public_bytes(serialization.Encoding.PEM))
    with serialize_private_key(key) as pem:
        write_private_key_file("server.key", pem)
    ```
    When a tool really needs the key as a file, keep the temporary file inside
    a `with tempfile.NamedTemporaryFile() as f:` block (the default
    `delete=True`) or remove it in a `finally:` clause.

    ## Fix
    No autofix: where the cleanup belongs depends on the surrounding control
    flow.

    ## Options
    None.

    ## References
    - [CWE-459: Incomplete Cleanup](https://cwe.mitre.org/data/definitions/459.html)
    - [CWE-377: Insecure Temporary File](https://cwe.mitre.org/data/definitions/377.html)
    - [Python `tempfile.NamedTemporaryFile`](https://docs.python.org/3/library/tempfile.html#tempfile.NamedTemporaryFile)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Temporary File Exposure), 5.3
    """

    code = "KG103"
    name = "tempfile-cleanup-not-guaranteed"
    severity = "high"
    cwe = ("CWE-459", "CWE-377")
    fix_title = "Remove the temporary file in a finally: block or use a context manager that deletes it"
    autofix = False

    kinds = ()

    def finish(self, ctx: AnalysisContext) -> Iterable[Hit]:
        for trace in ctx.traces.values():
            for ev in trace:
                if ev.kind != "temp-create":
                    continue
                handle = ev.value("handle")
                if handle is None:
                    continue
                if handle.file is not None and handle.file.temp_delete is not False:
                    continue  # NamedTemporaryFile(delete=True): removed on close
                if handle.kind == "temp-dir":
                    continue  # TemporaryDirectory cleans up itself
                ids = ctx.file_ids(handle)

                def inside(target: object) -> bool:
                    got = ctx.file_ids(target)  # type: ignore[arg-type]
                    return bool(got & ids) or any(ids & ctx.ancestors(i) for i in got)

                # key writes into the file (or the mkdtemp() folder): from Python, or by a
                # key-generation tool given a path in it (openssl genrsa -out {work}/k.pem)
                writes = [(w, data_of(w).key_origin()) for w in after(trace, ev)
                          if (w.kind == "write" and data_of(w).is_key and inside(w.value("target")))
                          or (w.kind == "exec" and any(inside(o) for o in w.values.get("key_outputs") or ()))]
                if not writes:
                    continue
                # renamed into place (atomic write): the temporary name no longer exists - on every
                # path when the rename is in a finally: block, or when the file was staged next to
                # its destination rather than in the shared temporary directory (an exception
                # before the rename leaves it only where the key was going anyway)
                shared = bool(ev.values.get("shared"))
                removed = any(
                    (r.kind == "remove" and r.in_finally and (ctx.file_ids(r.value("path")) & ids))
                    or (r.kind == "copy" and r.describe.endswith(("replace", "rename", "move"))
                        and (r.in_finally or not shared)
                        and ctx.file_ids(r.value("src")) & ids)
                    for r in after(trace, ev)
                )
                if removed:
                    continue
                first = writes[0][0]
                org = writes[0][1] if first.kind == "write" else first.values.get("key_origin")
                renamed = any(r.kind == "copy" and r.describe.endswith(("replace", "rename", "move"))
                              and ctx.file_ids(r.value("src")) & ids for r in after(trace, ev))
                why = ("it is moved into place outside a finally: block, so a failure before the move leaves it"
                       if renamed else "no removal in a finally: block")
                yield Hit(self.code, ev.node, ev.module,
                          f"temporary file from `{ev.describe}` holds {{source}} but is not removed on every "
                          f"path ({why})", org, confidence(first, org))
        yield from self._named_temp_files(ctx)

    def _named_temp_files(self, ctx: AnalysisContext) -> Iterable[Hit]:
        """A key file the code itself creates in the shared temporary folder under a name of its own
        ('/tmp/pritunl_' + uuid + '.key', os.path.join(tempfile.gettempdir(), name)) and removes
        later, but not in a finally: block (one it never removes stays there by design: KG101)."""
        for trace in ctx.traces.values():
            made = set()
            for ev in trace:
                if ev.kind == "temp-create" and ev.value("handle") is not None:
                    made |= ctx.file_ids(ev.value("handle"))
            for ev in trace:
                if ev.kind != "open":
                    continue
                handle, path = ev.value("handle"), ev.value("path")
                if handle is None or handle.file is None or handle.file.creation not in ("default", "mode") \
                        or path is None or not path.has(L.SHARED_TEMP):
                    continue
                ids = ctx.file_ids(handle)
                if not ids or ids & made:
                    continue  # a tempfile-made file opened again: judged with its temp-create above
                writes = [w for w in after(trace, ev)
                          if w.kind == "write" and data_of(w).is_key and ctx.file_ids(w.value("target")) & ids]
                removes = [r for r in after(trace, ev)
                           if r.kind == "remove" and ctx.file_ids(r.value("path")) & ids]
                if not writes or not removes or any(r.in_finally for r in removes):
                    continue
                org = data_of(writes[0]).key_origin()
                yield Hit(self.code, removes[0].node, removes[0].module,
                          f"key file made by `{ev.describe}` in the shared temporary folder holds {{source}} but "
                          f"is removed outside a finally: block (a failure before the removal leaves it there)",
                          org, confidence(writes[0], org))


class KeyFileRemovedWithoutWipe(Rule):
    r"""A file that held key material is removed without being overwritten first.

    ## What it does
    Finds `os.remove()`, `os.unlink()`, `Path.unlink()` and `shutil.rmtree()`
    of a file that received key material when no overwrite of the file's
    contents precedes the removal.

    ## Why is this bad?
    Unlinking only removes the directory entry: the key's bytes stay in the
    freed disk blocks until they are reused, and can be recovered by anyone who
    can read the raw device, a disk image, a snapshot or a backup (threat
    analysis 4.1, remnants after deletion, and 4.2, physical access).
    Mitigation 5.3 asks for "secure file deletion methods that overwrite file
    contents before unlinking". Overwriting is best effort: on copy-on-write
    and journaling file systems and on SSDs the old blocks may survive anyway,
    which is why the first choice is never to write the key to a staging file
    (KG101) and to keep it encrypted at rest (KG404).

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open("staging.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
    finally:
        os.close(fd)
    # ... the enrolment step reads staging.key ...
    os.remove("staging.key")
    ```

    ## Use instead
    ```python
    import os

    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("ed25519")
    with serialize_private_key(key) as pem:
        write_private_key_file("staging.key", pem)
    # ... the enrolment step reads staging.key ...
    with open("staging.key", "r+b") as f:  # overwrite in place, then flush to the device
        f.write(b"\0" * os.fstat(f.fileno()).st_size)
        f.flush()
        os.fsync(f.fileno())
    os.remove("staging.key")
    ```

    ## Fix
    No autofix.

    ## Options
    Off by default (strict): enable it with `--strict`, `strict = true` under
    `[tool.keyguard]`, or by selecting `KG104` explicitly.

    ## References
    - [CWE-226: Sensitive Information in Resource Not Removed Before Reuse](https://cwe.mitre.org/data/definitions/226.html)
    - [CWE-459: Incomplete Cleanup](https://cwe.mitre.org/data/definitions/459.html)
    - [shred(1)](https://man7.org/linux/man-pages/man1/shred.1.html) (and its caveats on journaling file systems)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Temporary File Exposure), 5.3
    """

    code = "KG104"
    name = "key-file-removed-without-wipe"
    severity = "medium"
    cwe = ("CWE-226", "CWE-459")
    fix_title = "Overwrite the key file's contents and fsync before removing it"
    autofix = False

    kinds = ()

    def finish(self, ctx: AnalysisContext) -> Iterable[Hit]:
        for trace in ctx.traces.values():
            for ev in trace:
                if ev.kind != "remove":
                    continue
                ids = ctx.file_ids(ev.value("path"))
                if not ids:
                    continue
                key_writes = [w for w in before(trace, ev) if w.kind == "write" and data_of(w).is_key
                              and (ctx.file_ids(w.value("target")) & ids
                                   # shutil.rmtree() of a folder that holds the key file
                                   or (ev.describe.endswith("rmtree")
                                       and any(ids & ctx.ancestors(i) for i in ctx.file_ids(w.value("target")))))]
                if not key_writes:
                    continue
                last = key_writes[-1]
                wiped = any(
                    (w.kind == "write" and not data_of(w).is_key and ctx.file_ids(w.value("target")) & ids)
                    or (w.kind == "exec" and "shred" in (ctx.code_of(w.node, w.module) or ""))
                    for w in trace if last.seq < w.seq < ev.seq
                )
                if wiped:
                    continue
                org = data_of(last).key_origin()
                yield Hit(self.code, ev.node, ev.module,
                          f"a file that held {{source}} is removed by `{ev.describe}` without being overwritten first",
                          org, confidence(ev, org))
