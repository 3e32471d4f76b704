"""KG2xx: key files other accounts can read, or can redirect.

A private key file must be readable by its owner only *from the first
syscall that creates it*.  Permissions that depend on the process umask,
explicit group/other bits, a ``chmod`` after the key was written (the
paramiko CVE-2022-24302 pattern), a permissive ``umask`` and creation that
follows symlinks all open a window in which another local account can read
the key (threat analysis 4.2 and 4.4, "Application Key Generation Logic").

Only metadata and documentation live here; detection is added by the engine.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional

import libcst as cst

from keyguard import labels as L
from keyguard.analysis.context import AnalysisContext, mask_floor, mode_of
from keyguard.analysis.events import Event
from keyguard.analysis.values import worst_mode
from keyguard.rules.base import Rule
from keyguard.rules.report import Hit
from keyguard.rules.support import (
    after,
    at_call_site,
    before,
    confidence,
    data_of,
    octal,
    permissive,
    restrictive,
    target_desc,
    umask_permissive,
)


def _creation(ev: Event) -> Optional[str]:
    """How the file a key write goes to was created (see FileInfo.creation)."""
    explicit = ev.values.get("creation")
    if explicit:
        return str(explicit)
    target = ev.value("target")
    if target is not None and target.file is not None:
        return target.file.creation
    return None


def _module_umasks(ctx: AnalysisContext) -> Dict[str, int]:
    """Module -> the umask a module sets at import time (``os.umask(0o077)`` at the top of a
    script), in force for its functions, which run after the import."""
    out: Dict[str, int] = {}
    for e in ctx.events:
        if e.kind == "umask" and e.values.get("module_level"):
            mode = mask_floor(e.value("mode"))
            if mode is None:
                out.pop(e.module, None)
            else:
                out[e.module] = mode
    return out


def _umask_in_force(trace: List[Event], ev: Event, at_import: Optional[int] = None) -> Optional[int]:
    mask = at_import
    for e in before(trace, ev):
        if e.kind == "umask" and not (e.values.get("at_exit") and e.depth > ev.depth):
            # (a @contextmanager that restores the umask after its yield does so when the with
            # around the write exits: `with private_umask(): write(...)`; `old | 0o077` masks at
            # least those bits whatever old was)
            mask = mask_floor(e.value("mode"))
    return mask


def _entry_class(trace: List[Event]) -> Optional[cst.ClassDef]:
    """The module-level class whose method the trace's activation is (the top of its own
    events, the least deep ones)."""
    if not trace:
        return None
    depth = min(e.depth for e in trace)
    for e in trace:
        if e.depth == depth:
            return e.top if type(e.top) is cst.ClassDef else None
    return None


def _safely_created_before(ctx: AnalysisContext, trace: List[Event], ev: Event, ids) -> bool:
    """The file was created earlier with an explicit owner-only mode (touch(mode=0o600), os.open(..., 0o600)),
    or with an explicit permissive one, which KG202 reports at the touch (touch(mode=0o644))."""
    for e in before(trace, ev):
        if e.kind == "temp-create":
            # tempfile.mkstemp / NamedTemporaryFile create their file with mode 0o600 (in a folder
            # the caller chose with dir=, else it is KG101's): opened again with open(path, "wb")
            # or shutil.copyfile, the existing file keeps its mode
            h = e.value("handle")
            if h is not None and h.kind in (L.FD, L.FILE_HANDLE) and ctx.file_ids(h) & ids:
                return True
        if e.kind == "touch" and ctx.file_ids(e.value("path")) & ids and (
                restrictive(mode_of(e.value("mode"))) or permissive(mode_of(e.value("mode")))):
            return True
        if e.kind == "open":
            h = e.value("handle")
            if h is not None and h.file is not None and h.file.creation == "mode" and restrictive(h.file.mode) \
                    and ctx.file_ids(h) & ids:
                return True
    return False


def _later_chmod(ctx: AnalysisContext, trace: List[Event], ev: Event, ids) -> Optional[Event]:
    """A chmod of the key's file after the file was created (before or after the key write).

    Both leave a window: before the chmod the file has umask permissions, and an fd opened in
    that window stays valid afterwards (CVE-2022-24302: paramiko chmod-ed after open, then wrote).
    """
    target = ev.value("target")
    created = ev.seq
    if target is not None and target.file is not None and target.file.node is not None:
        for e in before(trace, ev):
            if e.kind == "open" and e.node is target.file.node:
                created = e.seq
    for e in before(trace, ev):
        if e.kind == "touch" and e.seq < created and ctx.file_ids(e.value("path")) & ids:
            created = e.seq  # path.touch(); path.chmod(0o600); path.write_bytes(key): created by the touch
            break
    for e in trace:
        if e.seq > created and e.kind == "chmod" and ctx.file_ids(e.value("path")) & ids:
            return e
    return None


def default_permission_writes(ctx: AnalysisContext) -> Iterable[tuple]:
    """(trace, write event, file ids) of key writes into files created with umask-dependent permissions."""
    module_masks = _module_umasks(ctx)
    for trace in ctx.traces.values():
        for ev in trace:
            if ev.kind != "write" or not data_of(ev).is_key:
                continue
            target = ev.value("target")
            if ctx.is_temp(target) or _creation(ev) != "default":
                continue
            ids = ctx.file_ids(target)
            if _safely_created_before(ctx, trace, ev, ids):
                continue
            in_function = type(ev.top) in (cst.FunctionDef, cst.ClassDef)
            mask = _umask_in_force(trace, ev, module_masks.get(ev.module) if in_function else None)
            if mask is not None and (mask & 0o077) == 0o077:
                continue  # os.umask(0o077) in force: the file is created owner-only
            yield trace, ev, ids


class KeyFileDefaultPermissions(Rule):
    r"""Key material is written to a file created with umask-dependent permissions.

    ## What it does
    Finds key material written to a file that was created without an explicit
    owner-only mode: `open(path, "w"/"wb"/"x"/"a")`, `io.open`,
    `Path.write_bytes/write_text/open`, `os.open(path, flags)` without a mode
    argument, and `shutil.copy*` of a key file; a zip or tar archive a key is
    added to and the destination of `shutil.copyfileobj` from a key file are
    created the same way. A write that some callers of a helper aim at a
    temporary location is reported once, as KG101.

    ## Why is this bad?
    These calls create the file with mode `0o666` minus the process umask. The
    usual umask `0o022` gives `0o644`: every account on the machine can read
    the private key. The umask is inherited from whoever started the process (a
    shell, a container runtime, systemd, a CI runner), so the same code is
    safe on one machine and leaks the key on another. This is the "overly
    permissive" storage that threat analysis 4.1 and 4.2 describe (local users,
    malicious software and insiders reading the key) and the pitfall of
    application key-generation logic named in 4.4.

    ## Example
    ```python
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    with open("server.key", "wb") as f:
        f.write(pem)
    ```

    ## Use instead
    ```python
    from keyguard.reference.keygen import generate_and_store

    public_key = generate_and_store("server.key", key_type="rsa-3072")  # file created 0o600
    ```
    or, keeping `open()`, create the file with an explicit mode (this is what
    the autofix writes):
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa


    def _private_opener(path, flags):
        # the mode applies when the file is created: nobody else can ever open it
        return os.open(path, flags, 0o600)


    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    with open("server.key", "wb", opener=_private_opener) as f:
        f.write(pem)
    ```

    ## Fix
    An autofix exists (`keyguard fix`) for `open(path, "w"/"wb"/"x"/"xb")`: it
    adds `opener=` with a module-level helper that calls
    `os.open(path, flags, 0o600)` (and imports `os` if needed). It is **safe**:
    the file's contents and the open mode are unchanged; only a newly created
    file gets mode `0o600` instead of the umask-dependent default. A file that
    already exists keeps its mode, so check old deployments (`chmod 600`).

    ## Options
    None.

    ## References
    - [CWE-276: Incorrect Default Permissions](https://cwe.mitre.org/data/definitions/276.html)
    - [CWE-732: Incorrect Permission Assignment for Critical Resource](https://cwe.mitre.org/data/definitions/732.html)
    - [Python `open()` and its `opener` argument](https://docs.python.org/3/library/functions.html#open)
    - [Python `os.open`](https://docs.python.org/3/library/os.html#os.open)
    - Threat analysis "Insecure Key Storage during Generation", 4.1, 4.2, 4.4 (Application Key Generation Logic)
    """

    code = "KG201"
    name = "key-file-default-permissions"
    severity = "high"
    cwe = ("CWE-276", "CWE-732")
    fix_title = "Create the key file with mode 0o600 from the first syscall"
    autofix = True

    kinds = ()

    def finish(self, ctx: AnalysisContext) -> Iterable[Hit]:
        for trace, ev, ids in default_permission_writes(ctx):
            chmod = _later_chmod(ctx, trace, ev, ids)
            if chmod is not None and not permissive(mode_of(chmod.value("mode"))):
                continue  # reported as KG203
            # (a permissive chmod is KG202; the umask window before it remains: making the chmod
            # 0o600 would leave a KG203, so the creation is reported now)
            org = data_of(ev).key_origin()
            target = ev.value("target")
            yield Hit(self.code, ev.node, ev.module,
                      f"{{source}} is written to a file created with umask-dependent permissions "
                      f"({target_desc(ctx, ev, target)})", org, confidence(ev, org))
        # shutil.copy*/copyfile of a key file creates the copy under the umask
        for ev in ctx.by_kind("copy"):
            if not ev.describe.endswith(("copy", "copy2", "copyfile")):
                continue
            src, dst = ev.value("src"), ev.value("dst")
            if src is not None and ctx.is_key_file(src) and not ctx.is_temp(dst) \
                    and not _safely_created_before(ctx, ctx.traces.get(ev.trace, []), ev, ctx.file_ids(dst)):
                yield Hit(self.code, ev.node, ev.module,
                          f"a private key file is copied by `{ev.describe}`; the copy is created with "
                          "umask-dependent permissions", None, confidence(ev, None))


class KeyFilePermissiveMode(Rule):
    r"""A key file or key directory is given group or other access.

    ## What it does
    Finds modes that grant any group or other permission bit to a file or
    directory that holds key material: the mode argument of `os.open`,
    `os.chmod`, `os.fchmod`, `os.lchmod`, `Path.chmod`, `Path.touch` (the file
    the key is then written to), `os.mkdir`, `os.makedirs` and `Path.mkdir`,
    written in octal, decimal or as `stat.S_I*` combinations.

    ## Why is this bad?
    A private key must be readable by its owner only. A group or world bit
    lets every member of that group, every local user, or any compromised
    service running under another account read the key (threat analysis 4.1,
    "overly permissive" permissions, and 4.2, local privilege escalation,
    malicious software, insiders). On a key directory, group/other write lets
    another account replace or redirect the key file, and read/execute lets it
    list and reach the files inside.

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    fd = os.open("server.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    ```

    ## Use instead
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    fd = os.open("server.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    ```
    `keyguard.reference.keygen.write_private_key_file(path, data)` does the
    same and also refuses symlinks, fsyncs and replaces atomically.

    ## Fix
    An autofix exists (`keyguard fix`): a constant mode is replaced by `0o600`
    for files and `0o700` for directories (owner bits kept, group/other bits
    dropped). It is **safe** for the key's confidentiality, which is the
    purpose of the change, but it does remove access: if a service running in
    another account is meant to read the key through its group, give it its
    own copy or suppress the finding with a reason
    (`# keyguard: ignore[KG202] -- read by the ssl-cert group`).

    ## Options
    None.

    ## References
    - [CWE-732: Incorrect Permission Assignment for Critical Resource](https://cwe.mitre.org/data/definitions/732.html)
    - [Python `os.chmod`](https://docs.python.org/3/library/os.html#os.chmod) and [`stat` constants](https://docs.python.org/3/library/stat.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1, 4.2 (Attack Vectors and Scenarios)
    """

    code = "KG202"
    name = "key-file-permissive-mode"
    severity = "high"
    cwe = ("CWE-732",)
    fix_title = "Use mode 0o600 for key files and 0o700 for key directories"
    autofix = True

    kinds = ("chmod", "open", "mkdir", "touch")

    def check(self, ev: Event, ctx: AnalysisContext) -> Iterable[Hit]:
        if ev.kind == "touch":
            # Path.touch(mode=0o644) creates the file the key is then written to with that mode
            path, mode = ev.value("path"), mode_of(ev.value("mode"))
            if permissive(mode) and ctx.is_key_file(path):
                yield Hit(self.code, ev.node, ev.module,
                          f"private key file created by `{ev.describe}` with mode {octal(mode)}, "
                          "readable by group/other", None, confidence(ev, None))
        elif ev.kind == "chmod":
            path, mode = ev.value("path"), worst_mode(ev.value("mode"))
            if not permissive(mode):
                return
            # (a key-generation tool's output too: ssh-keygen -f path, then os.chmod(path, 0o640))
            if ctx.is_key_file(path) or ctx.file_ids(path) & ctx.tool_key_file_ids:
                yield Hit(self.code, ev.node, ev.module,
                          f"`{ev.describe}` gives group/other access ({octal(mode)}) to a private key file",
                          None, confidence(ev, None))
            elif ctx.is_key_dir(path):
                yield Hit(self.code, ev.node, ev.module,
                          f"`{ev.describe}` gives group/other access ({octal(mode)}) to a directory holding private keys",
                          None, confidence(ev, None))
        elif ev.kind == "open":
            handle = ev.value("handle")
            if handle is None or handle.file is None or handle.file.creation != "mode":
                return
            if not permissive(handle.file.mode):
                return
            if ctx.is_key_file(handle):
                yield Hit(self.code, ev.node, ev.module,
                          f"private key file created by `{ev.describe}` with mode {octal(handle.file.mode)}, "
                          "readable by group/other", None, confidence(ev, None))
        elif ev.kind == "mkdir":
            path, mode = ev.value("path"), worst_mode(ev.value("mode"))
            if permissive(mode) and ctx.is_key_dir(path):
                yield Hit(self.code, ev.node, ev.module,
                          f"key directory created by `{ev.describe}` with mode {octal(mode)}, open to group/other",
                          None, confidence(ev, None))


class PermissionsTightenedAfterWrite(Rule):
    r"""Key material is written before the file's permissions are restricted.

    ## What it does
    Finds a `chmod` (`os.chmod`, `os.fchmod`, `Path.chmod`) that restricts a
    key file *after* key material was written to it, or after the file was
    created with default permissions. The finding is at the `chmod`, and it
    replaces KG201 for that write (one finding per problem: the file was
    created with umask-dependent permissions and fixed too late). A `chmod`
    that leaves group/other access is KG202 instead, beside the KG201.

    ## Why is this bad?
    Between the creation of the file and the `chmod` the key sits in a file
    that other accounts can open, and a descriptor opened during that window
    stays valid after the `chmod`: the reader keeps reading the key. This is
    exactly CVE-2022-24302, a race in paramiko's `write_private_key_file`
    (fixed in 2.10.1 by creating the file with `os.open(..., 0o600)`). The
    window is short but an attacker can wait for it with inotify (threat
    analysis 4.1, a brief "vulnerability window", and 4.2, local attackers and
    malicious software).

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.OpenSSH,
        encryption_algorithm=serialization.NoEncryption(),
    )
    with open("id_ed25519", "wb") as f:
        f.write(pem)
    os.chmod("id_ed25519", 0o600)
    ```

    ## Use instead
    ```python
    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("ed25519")
    with serialize_private_key(key) as pem:
        write_private_key_file("id_ed25519", pem)  # mode 0o600 from the creating open()
    ```
    With the standard library only: `os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)`
    and write through that descriptor.

    ## Fix
    No autofix: moving the mode into the creating call changes code between
    the open and the chmod; the KG201 fix (`opener=` with `0o600`) covers the
    common `open()` case, after which the `chmod` is redundant.

    ## Options
    None.

    ## References
    - [CVE-2022-24302](https://nvd.nist.gov/vuln/detail/CVE-2022-24302): paramiko `write_private_key_file` chmod-after-write race
    - [CWE-362: Concurrent Execution using Shared Resource with Improper Synchronization ('Race Condition')](https://cwe.mitre.org/data/definitions/362.html)
    - [CWE-732: Incorrect Permission Assignment for Critical Resource](https://cwe.mitre.org/data/definitions/732.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Threat Description Elaboration), 4.2
    """

    code = "KG203"
    name = "permissions-tightened-after-write"
    severity = "high"
    cwe = ("CWE-362", "CWE-732")
    fix_title = "Create the key file with mode 0o600 instead of chmod-ing it after the write"
    autofix = False

    kinds = ()

    def finish(self, ctx: AnalysisContext) -> Iterable[Hit]:
        for trace, ev, ids in default_permission_writes(ctx):
            chmod = _later_chmod(ctx, trace, ev, ids)
            if chmod is None or permissive(mode_of(chmod.value("mode"))):
                continue
            org = data_of(ev).key_origin()
            if chmod.seq < ev.seq:
                # os.open(path, flags) ... os.fchmod(fd, 0o600) ... os.write(fd, key): no key in the
                # file before the chmod, but a descriptor opened in the window reads it later
                message = (f"permissions restricted by `{chmod.describe}` only after the file for {{source}} was "
                           "created with umask-dependent permissions; a process that opened it in between "
                           "reads the key written later")
            else:
                message = (f"permissions restricted by `{chmod.describe}` only after {{source}} was written to "
                           "the file; it was readable under the umask in between")
            yield Hit(self.code, chmod.node, chmod.module, message, org, confidence(ev, org),
                      steps=((ev.node, ev.module, "key written with umask-dependent permissions"),))


class PermissiveUmask(Rule):
    r"""`os.umask()` leaves group or other access in code that writes key material.

    ## What it does
    Finds `os.umask(mask)` where the mask does not remove all group and other
    permission bits (anything other than a superset of `0o077`, e.g. `0`,
    `0o002`, `0o022`) in a module or function that writes key material. When
    the mask is a helper's parameter (`def set_umask(m): os.umask(m)`, a
    `@contextmanager def umask(mask)` used as `with umask(0o002):`), the
    finding is at the caller's call that passes it.

    ## Why is this bad?
    The umask decides the permissions of every file and directory created
    without an explicit mode afterwards, in this thread and in every child
    process (key-generation tools included). `os.umask(0)`, common in daemon
    start-up code, makes `open(path, "wb")` create world-readable and
    world-writable files; `0o022` still makes them world-readable. A key
    written under such a umask is exposed to every local account (threat
    analysis 4.1 and 4.2).

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    os.umask(0)  # daemon start-up: "let the files decide"
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    with open("server.key", "wb") as f:
        f.write(pem)
    ```

    ## Use instead
    ```python
    import os

    from keyguard.reference.keygen import generate_and_store

    old_umask = os.umask(0o077)  # anything created from here on: owner only
    try:
        os.makedirs("keys", mode=0o700, exist_ok=True)
        public_key = generate_and_store("keys/server.key", key_type="ecdsa-p256")
    finally:
        os.umask(old_umask)
    ```

    ## Fix
    An autofix exists (`keyguard fix`) for a constant `os.umask(0)`: it becomes
    `os.umask(0o077)`. It is **unsafe**: the umask is process-wide, so files
    other than keys created afterwards (sockets, logs, shared data meant for a
    group) become owner-only too. Review the diff before applying it.

    ## Options
    None.

    ## References
    - [CWE-276: Incorrect Default Permissions](https://cwe.mitre.org/data/definitions/276.html)
    - [CWE-732: Incorrect Permission Assignment for Critical Resource](https://cwe.mitre.org/data/definitions/732.html)
    - [Python `os.umask`](https://docs.python.org/3/library/os.html#os.umask), [umask(2)](https://man7.org/linux/man-pages/man2/umask.2.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1, 4.2
    """

    code = "KG204"
    name = "permissive-umask"
    severity = "high"
    cwe = ("CWE-276", "CWE-732")
    fix_title = "Set os.umask(0o077) before creating key files"
    autofix = True

    kinds = ()

    def finish(self, ctx: AnalysisContext) -> Iterable[Hit]:
        module_level_writes = {}
        for w in ctx.key_writes:
            module_level_writes.setdefault(w.module, w)
        class_writes: Dict[int, Event] = {}
        for trace, w, _ids in default_permission_writes(ctx):
            cls = _entry_class(trace)
            if cls is not None:
                class_writes.setdefault(id(cls), w)
        for trace in ctx.traces.values():
            for ev in trace:
                if ev.kind != "umask" or ev.values.get("restore") or not umask_permissive(mode_of(ev.value("mode"))):
                    continue  # (a with exiting restores the umask its @contextmanager set: reported there)
                write = None
                in_force = True
                for e in after(trace, ev):
                    if e.kind == "umask" and e.values.get("at_exit") and e.depth >= ev.depth:
                        continue  # (a @contextmanager's restore after its yield: done when its with exits)
                    if e.kind == "umask":
                        in_force = False
                        break
                    if e.kind == "write" and data_of(e).is_key and not ctx.is_temp(e.value("target")):
                        write = e
                        break
                if write is None and ev.depth == 0 and not ev.context and self._module_level(ctx, ev):
                    write = module_level_writes.get(ev.module)
                if write is None and in_force and "finally" not in ev.context \
                        and ev.depth == min(e.depth for e in trace):
                    # a method leaving a permissive umask set (os.umask(0o002) in __init__ or a
                    # daemonize() step) while another method of the class writes a key into a file
                    # created under the umask
                    cls = _entry_class(trace)
                    cand = class_writes.get(id(cls)) if cls is not None else None
                    if cand is not None and cand.trace != ev.trace:
                        write = cand
                if write is None:
                    continue
                org = data_of(write).key_origin()
                mask = mode_of(ev.value("mode"))
                hit = Hit(self.code, ev.node, ev.module,
                          f"`{ev.describe}({octal(mask)})` leaves group/other access on files created while "
                          f"{{source}} is written", org, confidence(ev, org),
                          steps=((write.node, write.module, "key written under the permissive umask"),))
                # a helper's parameter (`set_umask(0o022)`, `with umask(0o002):`): the caller decided it
                yield at_call_site(hit, ev, ev.values.get("site"), f"`{ev.describe}` sets the umask the call passed")

    @staticmethod
    def _module_level(ctx: AnalysisContext, ev: Event) -> bool:
        tree = ctx.trees.get(ev.module)
        if tree is None:
            return False
        for stmt in tree.body:
            for node in getattr(stmt, "body", ()):
                if getattr(node, "value", None) is ev.node:
                    return True
        return False


class KeyFileFollowsSymlink(Rule):
    r"""A key file is created in a shared or predictable location without `O_EXCL`/`O_NOFOLLOW`.

    ## What it does
    Finds key files opened for writing without both `O_EXCL` (fail if the name
    exists) and `O_NOFOLLOW` (fail if it is a symlink) when the directory is
    shared with other accounts or the name is predictable, including
    `open(path, "wb")` and `os.open(path, os.O_CREAT | os.O_TRUNC | ...)`.

    ## Why is this bad?
    An account that can create entries in the directory can plant a symlink at
    the predictable name, so the key is written into a file of the attacker's
    choosing, or pre-create the file itself: `O_CREAT` without `O_EXCL` reuses
    the existing file and keeps its owner and mode, so the attacker can read
    the key even though the program asked for `0o600` (threat analysis 4.1 and
    4.2; the same class of attack as the `mktemp` race, KG102).

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    fd = os.open("/var/tmp/deploy/host.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
    finally:
        os.close(fd)
    ```

    ## Use instead
    ```python
    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("ed25519")
    with serialize_private_key(key) as pem:
        # a fresh sibling created with O_CREAT|O_EXCL|O_NOFOLLOW and 0o600, then os.replace()d into
        # place; a directory other users can write to (and not sticky) is refused outright
        write_private_key_file("/srv/shared/keys/host.key", pem)
    ```
    With the standard library only, add `os.O_EXCL | os.O_NOFOLLOW` to the
    flags (and keep key directories owner-only, KG202).

    ## Fix
    No autofix: adding `O_EXCL` makes the call fail when the file exists, which
    the surrounding code has to handle.

    ## Options
    Off by default (strict): enable it with `--strict`, `strict = true` under
    `[tool.keyguard]`, or by selecting `KG205` explicitly.

    ## References
    - [CWE-59: Improper Link Resolution Before File Access ('Link Following')](https://cwe.mitre.org/data/definitions/59.html)
    - [CWE-367: Time-of-check Time-of-use (TOCTOU) Race Condition](https://cwe.mitre.org/data/definitions/367.html)
    - [open(2): O_EXCL, O_NOFOLLOW](https://man7.org/linux/man-pages/man2/open.2.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1, 4.2
    """

    code = "KG205"
    name = "key-file-follows-symlink"
    severity = "medium"
    cwe = ("CWE-59", "CWE-367")
    fix_title = "Create the key file with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0o600"
    autofix = False

    kinds = ()

    def finish(self, ctx: AnalysisContext) -> Iterable[Hit]:
        for ev in ctx.key_writes:
            target = ev.value("target")
            if target is not None and target.file is None and ev.values.get("creation") == "default" \
                    and ctx.is_shared_temp(target):
                org = data_of(ev).key_origin()  # Path("/tmp/k").write_bytes(): open(O_CREAT|O_TRUNC), follows links
                yield Hit(self.code, ev.node, ev.module,
                          f"key file for {{source}} is created by `{ev.describe}` in a shared location without "
                          "O_EXCL/O_NOFOLLOW: a planted symlink or file redirects the key", org, confidence(ev, org))
                continue
            if target is None or target.file is None or target.file.node is None:
                continue
            info = target.file
            if info.creation not in ("default", "mode") or info.excl:
                continue
            path = info.path
            # a fixed name in a directory every user can write to: /tmp, /var/tmp, /dev/shm ...
            if path is None or not ctx.is_shared_temp(path):
                continue
            org = data_of(ev).key_origin()
            yield Hit(self.code, info.node, ev.module,
                      f"key file for {{source}} is created by `{info.description}` in a shared or predictable "
                      "location without O_EXCL/O_NOFOLLOW: a planted symlink or file redirects the key",
                      org, confidence(ev, org))
