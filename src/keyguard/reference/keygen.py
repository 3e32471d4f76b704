"""The compliant pattern for generating a private key and storing it for the first time.

keyguard's findings point here as the fix. Every defence below answers a scenario of the threat
analysis ("Insecure Key Storage during Generation", sections 4.1 and 5):

* the key is generated in memory and never written to the system temp directory (5.1);
* its serialization lives in a :class:`LockedBuffer`: private anonymous pages, ``mlock``-ed so
  they are not swapped out, excluded from core dumps, zeroed on every exit path (5.2);
* the immutable ``bytes`` that ``cryptography`` hands back is wiped too, best effort (5.2);
* the file is created in its final directory with ``O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC`` and
  mode ``0o600`` in the creating syscall, written, ``fsync``-ed and renamed into place; any
  failure removes the partial file (5.3);
* it can be encrypted at rest with a passphrase that never passes through argv or the
  environment (5.4);
* :func:`no_core_dumps` keeps the key out of core files while it exists (5.2).

What Python cannot promise is written down in ``docs/reference-keygen.md``: copies made inside
OpenSSL or the interpreter, memory the GC moves or frees without clearing, and swap when
``mlock`` is refused. This module must never import the analyzer (``keyguard.analysis``,
``keyguard.api``, ``keyguard.rules``): it is the thing the analyzer points at, not a client.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import mmap
import os
import stat
import sys
import warnings
from typing import Iterator, Optional, Union

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

__all__ = [
    "KEY_TYPES",
    "KeyMaterialNotLockedWarning",
    "LockedBuffer",
    "UnsafeDirectoryError",
    "generate_and_store",
    "generate_private_key",
    "no_core_dumps",
    "read_passphrase_fd",
    "read_passphrase_file",
    "read_passphrase_tty",
    "serialize_private_key",
    "wipe",
    "wipe_bytes_best_effort",
    "write_private_key_file",
]

#: The key types this module generates, with the parameters it uses for each.
KEY_TYPES = ("ed25519", "ecdsa-p256", "ecdsa-p384", "rsa-3072", "rsa-4096")

#: Upper bound for a passphrase read from a file, a descriptor or a terminal.
MAX_PASSPHRASE = 4096

Buffer = Union["LockedBuffer", bytearray, memoryview]


class KeyMaterialNotLockedWarning(RuntimeWarning):
    """``mlock`` was refused (``RLIMIT_MEMLOCK``, no ``CAP_IPC_LOCK``, or no ``mlock`` at all).

    The buffer still works and is still wiped, but its pages may be written to swap.
    """


class UnsafeDirectoryError(PermissionError):
    """The target directory can be changed by other users, so a key file there is not safe."""


# --------------------------------------------------------------------------- libc access


def _load_libc() -> Optional[ctypes.CDLL]:
    """Return libc with errno capture, or None where there is no C library to ask."""
    if os.name != "posix":
        return None
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()


def _libc_call(name: str, *args: int) -> int:
    """Call a libc function taking integer arguments; return 0 or the errno it failed with."""
    if _LIBC is None or not hasattr(_LIBC, name):
        return errno.ENOSYS
    func = getattr(_LIBC, name)
    func.restype = ctypes.c_int
    if func(*args) == 0:
        return 0
    return ctypes.get_errno() or errno.EINVAL


def _mlock(address: int, length: int) -> int:
    return _libc_call("mlock", ctypes.c_void_p(address), ctypes.c_size_t(length))


def _munlock(address: int, length: int) -> int:
    return _libc_call("munlock", ctypes.c_void_p(address), ctypes.c_size_t(length))


def _warn_not_locked() -> None:
    """Say that key material is not locked, and which limit to raise (nothing about the key)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_MEMLOCK)[0]
        limit = "unlimited" if soft == resource.RLIM_INFINITY else f"{soft} bytes"
    except (ImportError, AttributeError, OSError):
        limit = "unknown"
    warnings.warn(
        KeyMaterialNotLockedWarning(
            f"mlock refused (RLIMIT_MEMLOCK is {limit}): key material may be swapped to disk;"
            " raise RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK"
        ),
        stacklevel=3,
    )


# --------------------------------------------------------------------------- wiping


def _address_of(buf: Union[bytearray, memoryview, mmap.mmap]) -> "tuple[int, int, ctypes.Array]":
    """Return (address, length, ctypes view) of a writable contiguous buffer.

    The ctypes view holds a buffer export: while it lives, a bytearray cannot be resized (and so
    cannot be moved by ``realloc``, which would leave an unwiped copy behind).
    """
    view = memoryview(buf).cast("B")
    length = view.nbytes
    if view.readonly:
        raise TypeError("cannot wipe a read-only buffer")
    carray = (ctypes.c_char * length).from_buffer(view)
    return ctypes.addressof(carray), length, carray


def wipe(buf: Buffer) -> None:
    """Overwrite a bytearray, memoryview or :class:`LockedBuffer` with zeros, in place.

    ``ctypes.memset`` is a foreign call on the buffer's own address: unlike ``buf[:] = ...`` it
    cannot allocate a new object, and no compiler can drop it as a dead store.
    """
    if isinstance(buf, LockedBuffer):
        buf.wipe()
        return
    if len(buf) == 0:
        return
    address, length, carray = _address_of(buf)
    try:
        ctypes.memset(address, 0, length)
    finally:
        del carray


def _bytes_data_offset() -> Optional[int]:
    """Offset of the character data inside a CPython ``bytes`` object, verified on a probe.

    Returns None on interpreters where the layout is not the one checked here (PyPy, GraalPy):
    there the immutable-object helpers below do nothing rather than write to a wrong address.
    """
    if sys.implementation.name != "cpython":
        return None
    offset = bytes.__basicsize__ - 1  # PyBytesObject.ob_sval, after the header and the hash
    probe = bytes(range(65, 91))  # public, made at run time, never shared
    if ctypes.string_at(id(probe) + offset, len(probe)) != probe:
        return None
    return offset


_BYTES_OFFSET = _bytes_data_offset()


def wipe_bytes_best_effort(data: bytes) -> bool:
    """Zero the buffer of an immutable ``bytes`` object in place. CPython only; best effort.

    ``cryptography`` returns serialized keys as ``bytes``, which Python never clears: the memory
    is freed and reused later with the key still in it. Overwriting it through its address
    removes *this* copy. It cannot reach copies made earlier (inside OpenSSL, or by code that
    sliced or concatenated the object), and the object reads as zeros afterwards, so call this
    only on objects that nothing else uses: fresh results of a library call, never literals,
    interned or shared values. Objects of length 0 or 1 are skipped (CPython shares those).

    Returns True when the memory was overwritten, False when it could not be (not CPython, or
    a shared object).
    """
    if _BYTES_OFFSET is None or type(data) is not bytes or len(data) < 2:
        return False
    ctypes.memset(id(data) + _BYTES_OFFSET, 0, len(data))
    return True


@contextlib.contextmanager
def _borrowed_bytes(buf: Buffer) -> Iterator[bytes]:
    """Lend the content of a wipeable buffer as ``bytes`` to an API that accepts nothing else.

    ``BestAvailableEncryption`` insists on ``bytes``. Rather than ``bytes(buf)`` (an immutable
    copy that outlives its use), this makes a fresh zero-filled object, copies the secret into
    it through ``ctypes`` and zeroes it again in ``finally``. The lender must not keep a
    reference beyond the ``with`` block; copies the library makes of it are out of reach.
    """
    view = buf.view if isinstance(buf, LockedBuffer) else memoryview(buf).cast("B")
    length = view.nbytes
    if length < 2 or _BYTES_OFFSET is None:
        raise ValueError("a passphrase needs at least 2 bytes and CPython's bytes layout")
    lent = bytes(length)  # a fresh object for length >= 2: never a shared singleton
    source = (ctypes.c_char * length).from_buffer(view) if not view.readonly else None
    if source is None:
        raise TypeError("the passphrase buffer must be writable, so that it can be wiped")
    try:
        ctypes.memmove(id(lent) + _BYTES_OFFSET, ctypes.addressof(source), length)
        yield lent
    finally:
        wipe_bytes_best_effort(lent)
        del source


# --------------------------------------------------------------------------- LockedBuffer


class LockedBuffer:
    """A fixed-size buffer for key material: locked in RAM, kept out of core dumps, wiped on exit.

    Use it as a context manager; the memory is zeroed in ``__exit__`` on every path, exceptions
    included, and then unmapped. It owns private anonymous pages (``mmap``) rather than a
    ``bytearray``, for three reasons: ``munlock`` works on whole pages, so a buffer sharing a
    page with other objects could unlock them or be unlocked by them; the pages can be marked
    ``MADV_DONTDUMP``; and they are never moved by ``realloc``, which would leave a copy behind.

    ``mlock`` is refused when ``RLIMIT_MEMLOCK`` is too small for a process without
    ``CAP_IPC_LOCK``: the buffer then falls back to ordinary memory and emits
    :class:`KeyMaterialNotLockedWarning` (and :attr:`locked` is False).

    Read and write through :attr:`view`, a writable ``memoryview`` of exactly ``len(buf)`` bytes
    that APIs such as ``os.write``, ``os.readv`` and ``load_pem_private_key`` accept without
    copying into ``bytes``.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("size must be >= 0")
        self._size = size
        self._capacity = max(mmap.PAGESIZE, -(-size // mmap.PAGESIZE) * mmap.PAGESIZE)
        # A private anonymous mapping: its own pages, zero-filled by the kernel, never shared
        # with a child unless it forks, and never backed by a file.
        if os.name == "posix":
            private = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
            self._map = mmap.mmap(-1, self._capacity, flags=private)
        else:  # Windows: an anonymous pagefile-backed section; not locked (warning below)
            self._map = mmap.mmap(-1, self._capacity)
        self._carray = (ctypes.c_char * self._capacity).from_buffer(self._map)
        self._address = ctypes.addressof(self._carray)
        self._closed = False
        if hasattr(mmap, "MADV_DONTDUMP"):
            self._map.madvise(mmap.MADV_DONTDUMP)  # the pages stay out of core files
        # mlock fails with ENOMEM/EPERM/EAGAIN when RLIMIT_MEMLOCK is exhausted and the process
        # lacks CAP_IPC_LOCK, and with ENOSYS where there is no mlock: all mean "not locked".
        self.locked = _mlock(self._address, self._capacity) == 0
        if not self.locked:
            _warn_not_locked()
        self._view: Optional[memoryview] = memoryview(self._map)[:size]

    # -- access -------------------------------------------------------------------------

    @property
    def view(self) -> memoryview:
        """A writable view of the buffer's ``len(self)`` bytes (no copy)."""
        if self._view is None:
            raise ValueError("the LockedBuffer is closed")
        return self._view

    @property
    def address(self) -> int:
        """The address of the first byte, for callers that check the wipe through ``ctypes``."""
        return self._address

    @property
    def capacity(self) -> int:
        """The number of bytes mapped (whole pages), all of which are locked and wiped."""
        return self._capacity

    @property
    def closed(self) -> bool:
        """True once the buffer has been wiped and released."""
        return self._closed

    def __len__(self) -> int:
        return self._size

    def truncate(self, size: int) -> None:
        """Shorten the visible part to ``size`` bytes (the rest stays mapped, and is wiped)."""
        if not 0 <= size <= self._size:
            raise ValueError("truncate can only shorten the buffer")
        if self._view is None:
            raise ValueError("the LockedBuffer is closed")
        old = self._view
        self._view = old[:size]
        old.release()
        self._size = size

    # -- life cycle ---------------------------------------------------------------------

    def wipe(self) -> None:
        """Zero every mapped byte now (the buffer stays usable)."""
        if not self._closed:
            ctypes.memset(self._address, 0, self._capacity)

    def close(self) -> None:
        """Wipe, unlock and unmap. Safe to call more than once.

        If some caller still holds a view of the buffer the mapping cannot be unmapped; it is
        left in place, already zeroed, and released when the last view goes.
        """
        if self._closed:
            return
        try:
            self.wipe()
        finally:
            self._closed = True
            if self.locked:
                _munlock(self._address, self._capacity)
            view, self._view = self._view, None
            del self._carray
            with contextlib.suppress(BufferError):  # a caller still exports the memory
                if view is not None:
                    view.release()
                self._map.close()

    def __enter__(self) -> "LockedBuffer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # A forgotten buffer is still wiped when collected; the context manager is the real
        # guarantee, because CPython gives no promise about when (or whether) __del__ runs.
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self) -> str:
        # Never show the content: only what is safe to log.
        state = "closed" if self._closed else ("locked" if self.locked else "unlocked")
        return f"<LockedBuffer {self._size} bytes, {state}>"

    @classmethod
    def copy_of(cls, source: Union[bytes, bytearray, memoryview]) -> "LockedBuffer":
        """A new LockedBuffer holding a copy of ``source`` (the caller wipes the source)."""
        view = memoryview(source).cast("B")
        buf = cls(view.nbytes)
        try:
            buf.view[:] = view
        except BaseException:
            buf.close()
            raise
        return buf


# --------------------------------------------------------------------------- process hardening


_PR_GET_DUMPABLE = 3
_PR_SET_DUMPABLE = 4


def _prctl(option: int, arg: int) -> int:
    """Linux ``prctl(option, arg, 0, 0, 0)``; the arguments are unsigned longs for the kernel."""
    if _LIBC is None:
        return -1
    prctl = _LIBC.prctl
    prctl.restype = ctypes.c_int
    zero = ctypes.c_ulong(0)
    return int(prctl(ctypes.c_int(option), ctypes.c_ulong(arg), zero, zero, zero))


@contextlib.contextmanager
def no_core_dumps() -> Iterator[None]:
    """Keep key material out of core files while the block runs; restore the settings after.

    Sets the soft ``RLIMIT_CORE`` to 0 (the hard limit is left alone, so the old soft limit can
    be restored without privileges) and, on Linux, ``PR_SET_DUMPABLE`` to 0, which also stops
    processes of the same user from attaching with ``ptrace`` or reading ``/proc/<pid>/mem``.
    Both are process-wide: other threads are covered too, and must not change them meanwhile.
    """
    try:
        import resource
    except ImportError:  # not POSIX: nothing to harden with
        yield
        return
    old_core = resource.getrlimit(resource.RLIMIT_CORE)
    old_dumpable: Optional[int] = None
    if sys.platform.startswith("linux") and _LIBC is not None:
        value = _prctl(_PR_GET_DUMPABLE, 0)
        if value >= 0:
            old_dumpable = value
    resource.setrlimit(resource.RLIMIT_CORE, (0, old_core[1]))
    try:
        if old_dumpable is not None:
            _prctl(_PR_SET_DUMPABLE, 0)
        yield
    finally:
        if old_dumpable is not None:
            _prctl(_PR_SET_DUMPABLE, old_dumpable)
        resource.setrlimit(resource.RLIMIT_CORE, old_core)


# --------------------------------------------------------------------------- generation


def generate_private_key(
    key_type: str,
) -> Union[ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]:
    """Generate a private key in memory (OpenSSL's CSPRNG) for one of :data:`KEY_TYPES`.

    RSA keys use ``e = 65537`` and at least 3072 bits; EC keys use NIST P-256 or P-384.
    OpenSSL clears the private components when the key object is freed.
    """
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "ecdsa-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if key_type == "rsa-3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if key_type == "rsa-4096":
        return rsa.generate_private_key(public_exponent=65537, key_size=4096)
    raise ValueError(f"unknown key type {key_type!r}; choose one of {', '.join(KEY_TYPES)}")


def serialize_private_key(
    key: Union[ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey],
    passphrase: Optional[Buffer] = None,
    *,
    private_format: serialization.PrivateFormat = serialization.PrivateFormat.PKCS8,
) -> LockedBuffer:
    """Serialize ``key`` as PEM (PKCS#8 unless ``private_format`` says otherwise, e.g.
    ``PrivateFormat.OpenSSH``) into a new :class:`LockedBuffer` (the caller closes it).

    With a ``passphrase`` (a LockedBuffer, bytearray or writable memoryview; never ``str``)
    the PEM is encrypted with ``BestAvailableEncryption``. The ``bytes`` object returned by
    ``cryptography`` is wiped as soon as it has been copied into locked memory.
    """
    with contextlib.ExitStack() as stack:
        if passphrase is None:
            encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
        else:
            # The borrowed bytes are zeroed when this block ends, right after serialization.
            secret = stack.enter_context(_borrowed_bytes(passphrase))
            encryption = serialization.BestAvailableEncryption(secret)
        # cryptography offers no way to serialize into a caller's buffer: this bytes object is
        # the one unavoidable immutable copy, wiped right below once it is in locked memory.
        pem = key.private_bytes(  # keyguard: ignore[KG303] - no wipeable API exists; wiped below
            serialization.Encoding.PEM, private_format, encryption
        )
    try:
        return LockedBuffer.copy_of(pem)
    finally:
        wipe_bytes_best_effort(pem)
        del pem


# --------------------------------------------------------------------------- storage


def _check_directory(dir_fd: int, directory: str) -> None:
    """Refuse a directory in which another user could replace or pre-create our file.

    Other users must not be able to write to it, unless the sticky bit is set (then they can
    add names, which ``O_EXCL`` refuses, but not rename or delete ours); and its owner must be
    us or root, since the owner can always replace entries.
    """
    info = os.fstat(dir_fd)
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(directory)
    if info.st_uid not in (0, os.geteuid()):
        raise UnsafeDirectoryError(
            f"{directory} is owned by uid {info.st_uid}, who could replace the key file"
        )
    writable_by_others = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if writable_by_others and not info.st_mode & stat.S_ISVTX:
        raise UnsafeDirectoryError(
            f"{directory} is writable by other users and not sticky: they could swap the key file"
        )


def _sibling_name(target_name: str) -> str:
    """A fresh, unpredictable name beside the target for the file being written."""
    return f".{target_name}.{os.urandom(8).hex()}.partial"


def write_private_key_file(
    path: Union[str, "os.PathLike[str]"],
    data: Buffer,
    *,
    overwrite: bool = False,
) -> None:
    """Write key material to ``path`` so that no other user can ever read it, atomically.

    The file is created beside the target (never in the system temp directory) with
    ``O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC`` and mode ``0o600`` in that same ``open`` call, so
    its permissions never depend on the umask and there is no window before a ``chmod``. It is
    written, ``fsync``-ed, renamed over the target with ``os.replace`` and the directory is
    ``fsync``-ed. On any failure the partial file is overwritten with zeros and removed.

    The directory is opened once and every later step is relative to that descriptor, so the
    directory that was checked (:class:`UnsafeDirectoryError`) is the one written to. An
    existing target (file or symlink) is refused unless ``overwrite`` is true; a name taken at
    the sibling is refused (``FileExistsError``); symlinks are never followed.
    """
    target = os.path.abspath(os.fspath(path))
    directory, name = os.path.split(target)
    view = data.view if isinstance(data, LockedBuffer) else memoryview(data).cast("B")
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _check_directory(dir_fd, directory)
        if not overwrite:
            try:
                os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                pass
            else:
                raise FileExistsError(errno.EEXIST, "refusing to replace an existing file", target)
        sibling = _sibling_name(name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(sibling, flags, 0o600, dir_fd=dir_fd)
        written = 0
        renamed = False
        try:
            info = os.fstat(fd)
            if info.st_mode & 0o077 or info.st_nlink != 1:
                raise PermissionError(f"new key file {sibling} is not private: {info.st_mode:o}")
            while written < len(view):
                written += os.write(fd, view[written:])
            os.fsync(fd)
            os.replace(sibling, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            renamed = True
            os.fsync(dir_fd)
        except BaseException:
            if not renamed:
                _discard_partial(fd, written, sibling, dir_fd)
            raise
        finally:
            os.close(fd)
    finally:
        os.close(dir_fd)


def _discard_partial(fd: int, written: int, sibling: str, dir_fd: int) -> None:
    """Overwrite what was written with zeros, then remove the partial file (best effort).

    Overwriting helps on ordinary file systems; copy-on-write file systems and SSD wear
    levelling may keep the old blocks, which is why the key is never written unencrypted to a
    place the caller did not choose.
    """
    with contextlib.suppress(OSError):
        zeros = bytes(min(written, 1 << 16))
        offset = 0
        while offset < written:
            offset += os.pwrite(fd, zeros[: written - offset], offset)
        os.fsync(fd)
    with contextlib.suppress(OSError):
        os.unlink(sibling, dir_fd=dir_fd)


def generate_and_store(
    path: Union[str, "os.PathLike[str]"],
    key_type: str = "ed25519",
    passphrase: Optional[Buffer] = None,
    *,
    overwrite: bool = False,
    harden: bool = True,
) -> Union[ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey, rsa.RSAPublicKey]:
    """Generate a private key, store it at ``path`` and return only its PUBLIC key.

    The whole window runs under :func:`no_core_dumps` (unless ``harden`` is false); the PEM
    lives only in a :class:`LockedBuffer` that is wiped whatever happens; the file is written by
    :func:`write_private_key_file`. With ``passphrase`` the key is encrypted at rest.
    """
    hardening = no_core_dumps() if harden else contextlib.nullcontext()
    with hardening:
        key = generate_private_key(key_type)
        with serialize_private_key(key, passphrase) as pem:
            write_private_key_file(path, pem, overwrite=overwrite)
        public = key.public_key()
        del key  # drop the last reference now: OpenSSL clears the private key when freed
    return public


# --------------------------------------------------------------------------- passphrases


def _read_line_into(fd: int, buf: LockedBuffer) -> None:
    """Read up to the first newline (or EOF) from ``fd`` straight into ``buf``, then trim."""
    view = buf.view
    used = 0
    while used < len(view):
        count = os.readv(fd, [view[used:]])
        if count == 0:
            break
        newline = _find_newline(view, used, used + count)
        used += count
        if newline >= 0:
            used = newline
            break
    else:
        raise ValueError(f"passphrase longer than {MAX_PASSPHRASE} bytes")
    if used > 0 and view[used - 1] == 0x0D:  # a CRLF line ending
        used -= 1
    buf.truncate(used)
    if used == 0:
        raise ValueError("empty passphrase")


def _find_newline(view: memoryview, start: int, end: int) -> int:
    """Index of the first ``\\n`` in ``view[start:end]``, or -1 (no copy of the bytes)."""
    for index in range(start, end):
        if view[index] == 0x0A:
            return index
    return -1


def read_passphrase_fd(fd: int) -> LockedBuffer:
    """Read a passphrase (its first line) from an open descriptor into a LockedBuffer.

    For ``--passphrase-fd``: a parent passes a pipe, the secret never appears in argv or the
    environment. The descriptor is not closed (its owner closes it).
    """
    buf = LockedBuffer(MAX_PASSPHRASE + 1)
    try:
        _read_line_into(fd, buf)
    except BaseException:
        buf.close()
        raise
    return buf


def read_passphrase_file(path: Union[str, "os.PathLike[str]"]) -> LockedBuffer:
    """Read a passphrase (its first line) from a file into a LockedBuffer.

    Symlinks are followed (secret managers and Kubernetes mount secrets as symlinks), but the
    result must be a regular file; one readable by group or others gets a warning.
    """
    fd = os.open(os.fspath(path), os.O_RDONLY | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{os.fspath(path)} is not a regular file")
        if info.st_mode & 0o077:
            warnings.warn(
                f"passphrase file {os.fspath(path)} is accessible to other users"
                f" (mode {stat.S_IMODE(info.st_mode):o})",
                RuntimeWarning,
                stacklevel=2,
            )
        return read_passphrase_fd(fd)
    finally:
        os.close(fd)


def read_passphrase_tty(prompt: str = "Passphrase: ", tty_fd: Optional[int] = None) -> LockedBuffer:
    """Prompt on the terminal with echo off and read the answer into a LockedBuffer.

    ``getpass`` returns a ``str`` that can never be wiped; this reads the bytes directly into
    locked memory instead. ``tty_fd`` defaults to ``/dev/tty`` (so it works with redirected
    standard streams); the terminal settings are restored on every path.
    """
    import termios

    own_fd = tty_fd is None
    fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC) if tty_fd is None else tty_fd
    try:
        old = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~termios.ECHO
        # Echo goes off (discarding type-ahead) before the prompt asks for anything.
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
        os.write(fd, prompt.encode())
        try:
            return read_passphrase_fd(fd)
        finally:
            termios.tcsetattr(fd, termios.TCSAFLUSH, old)
            os.write(fd, b"\n")
    finally:
        if own_fd:
            os.close(fd)
