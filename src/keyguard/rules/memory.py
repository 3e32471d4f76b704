"""KG3xx: key material left in process memory longer than needed.

Python cannot wipe ``bytes`` or ``str``: they are immutable, may be interned
or copied by the allocator, and live until the garbage collector reuses their
memory.  Memory can be swapped to disk or end up in a core dump (threat
analysis 4.1 "Memory Swapping" and "Insufficient Memory Protection",
mitigation 5.2).  These rules ask for key material to live in wipeable
buffers (``bytearray``, ideally an mlocked ``LockedBuffer``) that are zeroed
on every path.

Only metadata and documentation live here; detection is added by the engine.
"""

from __future__ import annotations

from keyguard.rules.base import Rule


class KeyBufferNotZeroized(Rule):
    r"""A mutable buffer that held key material is not wiped on every path.

    ## What it does
    Finds a `bytearray`, `memoryview`, `ctypes` buffer or `mmap` that received
    key material and is not overwritten with zeros on every path out of its
    scope, exceptions included (a wipe in a `finally:` clause or a context
    manager that wipes on exit counts; a wipe after code that can raise does
    not).

    ## Why is this bad?
    A mutable buffer is the only place in Python where a key *can* be erased;
    forgetting to erase it throws that advantage away. The freed memory keeps
    the key until it is reused, and meanwhile it can be swapped to disk, copied
    into a core dump or crash report, or read by a debugger or by an attacker
    with access to process memory (threat analysis 4.1, "Insufficient Memory
    Protection" and "Memory Swapping"). Mitigation 5.2 asks to zero buffers
    "immediately after use" and to lock their pages against swapping.

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519


    def export_seed(path: str) -> None:
        key = ed25519.Ed25519PrivateKey.generate()
        seed = bytearray(
            key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, seed)
        finally:
            os.close(fd)
        # seed goes out of scope still holding the key


    export_seed("signing.seed")
    ```

    ## Use instead
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from keyguard.reference.keygen import wipe


    def export_seed(path: str) -> None:
        key = ed25519.Ed25519PrivateKey.generate()
        seed = bytearray(
            key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, seed)
            finally:
                os.close(fd)
        finally:
            wipe(seed)  # zeroed on every path, exceptions included


    export_seed("signing.seed")
    ```
    `keyguard.reference.keygen.serialize_private_key()` returns a
    `LockedBuffer`, a context manager that also `mlock`s the pages and wipes
    them when the `with` block ends.

    ## Fix
    No autofix: where the buffer's lifetime ends is a design decision.

    ## Options
    None.

    ## References
    - [CWE-244: Improper Clearing of Heap Memory Before Release ('Heap Inspection')](https://cwe.mitre.org/data/definitions/244.html)
    - [CWE-226: Sensitive Information in Resource Not Removed Before Reuse](https://cwe.mitre.org/data/definitions/226.html)
    - [mlock(2)](https://man7.org/linux/man-pages/man2/mlock.2.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Insufficient Memory Protection, Memory Swapping), 5.2
    """

    code = "KG301"
    name = "key-buffer-not-zeroized"
    default = "on"
    severity = "medium"
    cwe = ("CWE-244", "CWE-226")
    fix_title = "Wipe the buffer in a finally: block or use a LockedBuffer context manager"
    autofix = False


class ImmutableKeyCopy(Rule):
    r"""Key material held in a wipeable buffer is copied into an immutable object.

    ## What it does
    Finds key material that lives in a wipeable buffer (`bytearray`,
    `memoryview`, `LockedBuffer`, `mmap`) being copied into an object that can
    never be wiped: `bytes(buf)`, `.decode()`, `str()`, f-strings and
    `%`/`format` formatting, `.hex()`, `base64`/`binascii` encoders.

    ## Why is this bad?
    Wiping the buffer afterwards no longer erases the key: the immutable copy
    survives, unreachable and unwipeable, until the allocator happens to reuse
    its memory, and it can be swapped or dumped meanwhile (threat analysis 4.1,
    "Insufficient Memory Protection"; mitigation 5.2). Such copies are usually
    made only to change the representation, which the wipeable buffer or the
    library call could have accepted directly.

    ## Example
    ```python
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from keyguard.reference.keygen import wipe

    key = ed25519.Ed25519PrivateKey.generate()
    seed = bytearray(
        key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    )
    try:
        encoded = base64.b64encode(seed)  # an immutable copy that wipe() cannot reach
        fd = os.open("signing.seed", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, encoded)
        finally:
            os.close(fd)
    finally:
        wipe(seed)
    ```

    ## Use instead
    PEM is already text: serialize into a wipeable buffer and write that
    buffer as it is.
    ```python
    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("ed25519")
    with serialize_private_key(key) as pem:  # LockedBuffer: mlocked, wiped when the block ends
        write_private_key_file("signing.pem", pem)
    ```
    Most APIs accept a buffer directly: `os.write`, `file.write`, `hashlib`,
    `hmac` and cryptography's `load_pem_private_key` take a `bytearray` or
    `memoryview`, so no `bytes(...)` copy is needed.

    ## Fix
    No autofix.

    ## Options
    None.

    ## References
    - [CWE-316: Cleartext Storage of Sensitive Information in Memory](https://cwe.mitre.org/data/definitions/316.html)
    - [CWE-226: Sensitive Information in Resource Not Removed Before Reuse](https://cwe.mitre.org/data/definitions/226.html)
    - [Python buffer protocol](https://docs.python.org/3/c-api/buffer.html)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Insufficient Memory Protection), 5.2
    """

    code = "KG302"
    name = "immutable-key-copy"
    default = "on"
    severity = "medium"
    cwe = ("CWE-316", "CWE-226")
    fix_title = "Keep the key in the wipeable buffer and pass the buffer itself"
    autofix = False


class KeyInImmutableObject(Rule):
    r"""Key material is created directly as `bytes` or `str` where a wipeable path exists.

    ## What it does
    Finds private key serializations stored straight into immutable objects,
    e.g. `pem = key.private_bytes(...)` or `export_key()`, when a wipeable
    alternative exists (`keyguard.reference.keygen.serialize_private_key`, or
    reading into a `bytearray` with `readinto`).

    ## Why is this bad?
    A `bytes` or `str` object holding a key cannot be erased: it stays in the
    heap until its memory is reused, and can be swapped to disk or written to a
    core dump (threat analysis 4.1, "Memory Swapping" and "Insufficient Memory
    Protection"; mitigation 5.2). Many libraries only return `bytes`, so the
    rule is off by default: it is for code bases that want every copy of a key
    to be wipeable. `keyguard.reference.keygen.serialize_private_key()` copies
    cryptography's `bytes` into a locked buffer at once and overwrites the
    `bytes` object in place (best effort), so the key lives on only in memory
    that is wiped when the `with` block ends.

    ## Example
    ```python
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(  # bytes: can never be wiped
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
    from keyguard.reference.keygen import generate_private_key, serialize_private_key, write_private_key_file

    key = generate_private_key("ecdsa-p256")
    with serialize_private_key(key) as pem:  # LockedBuffer: mlocked, wiped when the block ends
        write_private_key_file("server.key", pem)
    ```

    ## Fix
    No autofix.

    ## Options
    Off by default (strict): enable it with `--strict`, `strict = true` under
    `[tool.keyguard]`, or by selecting `KG303` explicitly.

    ## References
    - [CWE-316: Cleartext Storage of Sensitive Information in Memory](https://cwe.mitre.org/data/definitions/316.html)
    - [cryptography: key serialization](https://cryptography.io/en/latest/hazmat/primitives/asymmetric/serialization/)
    - Threat analysis "Insecure Key Storage during Generation", 4.1 (Memory Swapping, Insufficient Memory Protection), 5.2
    """

    code = "KG303"
    name = "key-in-immutable-object"
    default = "strict"
    severity = "low"
    cwe = ("CWE-316",)
    fix_title = "Serialize the key into a wipeable buffer (LockedBuffer) instead of bytes or str"
    autofix = False
