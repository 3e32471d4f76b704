"""Proofs, not claims, for keyguard.reference.keygen: files, failures, memory, round trips."""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import warnings
from pathlib import Path
from typing import Callable, Dict, List

import pytest
from cryptography.hazmat.primitives import serialization

from keyguard.reference import keygen
from keyguard.reference.keygen import KeyMaterialNotLockedWarning, LockedBuffer

LINUX = sys.platform.startswith("linux")
SECRET = b"test bytes standing in for key material (not a key)\n"


def vm_locked_kib() -> int:
    """The process's locked memory (VmLck) in KiB, from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmLck:"):
                return int(line.split()[1])
    raise RuntimeError("no VmLck line")


def _public_der(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --------------------------------------------------------------------------- file creation


@pytest.fixture
def umask_zero() -> object:
    """Run the test with umask(0): the mode must come from the creating syscall alone."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_key_file_is_0600_before_first_byte_under_umask_zero(
    key_dir: Path, umask_zero: object, monkeypatch: pytest.MonkeyPatch, audit_events: List
) -> None:
    target = key_dir / "id_ed25519.pem"
    seen: List[os.stat_result] = []
    real_write = os.write

    def spying_write(fd: int, data: object) -> int:
        if not seen:
            seen.append(os.fstat(fd))  # through the descriptor, before any byte is written
        return real_write(fd, data)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "write", spying_write)
    audit_events.clear()
    keygen.generate_and_store(target, "ed25519")
    monkeypatch.undo()

    assert len(seen) == 1
    first = seen[0]
    assert stat.S_ISREG(first.st_mode)
    assert first.st_size == 0
    assert stat.S_IMODE(first.st_mode) == 0o600
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")

    creating = [args for event, args in audit_events if event == "open" and args[2] & os.O_CREAT]
    assert len(creating) == 1, creating
    flags = creating[0][2]
    for flag in (os.O_CREAT, os.O_EXCL, os.O_NOFOLLOW, os.O_CLOEXEC, os.O_WRONLY):
        assert flags & flag == flag
    assert not [e for e, _ in audit_events if e in ("os.chmod", "os.chown")]
    renames = [args for event, args in audit_events if event == "os.rename"]
    assert len(renames) == 1 and renames[0][0] == creating[0][0] and renames[0][1] == target.name


def test_nothing_under_the_system_temp_directory_is_touched(
    tmp_path: Path, key_dir: Path, monkeypatch: pytest.MonkeyPatch, audit_events: List
) -> None:
    canary = tmp_path / "system-tmp"
    canary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(canary))
    monkeypatch.setenv("TMPDIR", str(canary))
    passphrase = LockedBuffer.copy_of(bytearray(b"a long passphrase"))
    with passphrase:
        audit_events.clear()  # only what generation itself does
        keygen.generate_and_store(key_dir / "k.pem", "ecdsa-p256", passphrase)
        events = list(audit_events)
    assert any(event == "os.rename" for event, _ in events)
    temp_roots = [str(canary), "/tmp", "/var/tmp", "/dev/shm", tempfile.gettempdir()]
    for event, args in events:
        if event.startswith("tempfile."):
            pytest.fail(f"tempfile used: {event}{args}")
        if event in ("open", "os.rename", "os.remove", "os.mkdir") and isinstance(args[0], str):
            path = args[0]
            if not os.path.isabs(path):
                assert os.sep not in path  # relative to the checked directory's descriptor
                continue
            if path.startswith(str(key_dir)):
                continue
            assert not any(path.startswith(root) for root in temp_roots), (event, path)
    assert list(canary.iterdir()) == []


@pytest.mark.parametrize("kind", ["symlink", "file", "dangling-symlink"])
def test_existing_target_is_refused_without_following(
    key_dir: Path, tmp_path: Path, kind: str
) -> None:
    victim = tmp_path / "victim"
    target = key_dir / "key.pem"
    if kind == "symlink":
        victim.write_bytes(b"victim content")
        target.symlink_to(victim)
    elif kind == "dangling-symlink":
        target.symlink_to(victim)
    else:
        target.write_bytes(b"pre-created by someone")
    with pytest.raises(FileExistsError):
        keygen.generate_and_store(target, "ed25519")
    if kind == "symlink":
        assert victim.read_bytes() == b"victim content"
        assert target.is_symlink()
    elif kind == "dangling-symlink":
        assert not victim.exists()
        assert target.is_symlink()
    else:
        assert target.read_bytes() == b"pre-created by someone"
    assert sorted(p.name for p in key_dir.iterdir()) == ["key.pem"]


def test_overwrite_replaces_a_symlink_instead_of_following_it(
    key_dir: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"victim content")
    target = key_dir / "key.pem"
    target.symlink_to(victim)
    keygen.generate_and_store(target, "ed25519", overwrite=True)
    assert victim.read_bytes() == b"victim content"
    assert not target.is_symlink()
    assert stat.S_IMODE(target.lstat().st_mode) == 0o600


@pytest.mark.parametrize("kind", ["symlink", "file"])
def test_taken_sibling_name_is_refused_without_following(
    key_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(keygen, "_sibling_name", lambda name: f".{name}.predicted")
    sibling = key_dir / ".key.pem.predicted"
    victim = tmp_path / "victim"
    if kind == "symlink":
        sibling.symlink_to(victim)  # an attacker hoping we write the key through it
    else:
        sibling.write_bytes(b"planted")
    with pytest.raises(FileExistsError):
        keygen.generate_and_store(key_dir / "key.pem", "ed25519")
    assert not victim.exists()
    assert not (key_dir / "key.pem").exists()
    if kind == "file":
        assert sibling.read_bytes() == b"planted"


def _fail_once(real: Callable, exc: BaseException) -> Callable:
    state: Dict[str, bool] = {"done": False}

    def fake(*args: object, **kwargs: object) -> object:
        if not state["done"]:
            state["done"] = True
            raise exc
        return real(*args, **kwargs)

    return fake


def _partial_write_then_fail(real: Callable) -> Callable:
    calls: List[int] = []

    def fake(fd: int, data: memoryview) -> int:
        calls.append(fd)
        if len(calls) == 1:
            return real(fd, data[:10])  # a short write: 10 key bytes reach the file
        raise OSError(errno.ENOSPC, "No space left on device")

    return fake


@pytest.mark.parametrize(
    "name, make",
    [
        ("write", lambda real: _fail_once(real, OSError(errno.ENOSPC, "No space left"))),
        ("write", _partial_write_then_fail),
        ("write", lambda real: _fail_once(real, KeyboardInterrupt())),
        ("fsync", lambda real: _fail_once(real, OSError(errno.EIO, "I/O error"))),
        ("replace", lambda real: _fail_once(real, OSError(errno.EXDEV, "cross-device"))),
    ],
    ids=["write", "short-write", "interrupt", "fsync", "replace"],
)
def test_injected_failure_leaves_neither_key_nor_sibling(
    key_dir: Path, monkeypatch: pytest.MonkeyPatch, name: str, make: Callable
) -> None:
    partial_sizes: List[int] = []
    real_unlink = os.unlink

    def watching_unlink(path: object, *args: object, **kwargs: object) -> None:
        dir_fd = kwargs.get("dir_fd")
        info = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)  # type: ignore[arg-type]
        partial_sizes.append(info.st_size)
        with open(os.open(path, os.O_RDONLY, dir_fd=dir_fd), "rb") as handle:  # type: ignore[arg-type]
            assert handle.read().strip(b"\0") == b""  # overwritten before removal
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, name, make(getattr(os, name)))
    monkeypatch.setattr(os, "unlink", watching_unlink)
    with pytest.raises((OSError, KeyboardInterrupt)):
        keygen.generate_and_store(key_dir / "key.pem", "ecdsa-p256")
    monkeypatch.undo()
    assert list(key_dir.iterdir()) == []
    assert len(partial_sizes) == 1


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_directory_writable_by_others_is_refused(key_dir: Path, mode: int) -> None:
    os.chmod(key_dir, mode)
    with pytest.raises(keygen.UnsafeDirectoryError):
        keygen.write_private_key_file(key_dir / "k.pem", bytearray(SECRET))
    assert list(key_dir.iterdir()) == []


def test_sticky_shared_directory_is_accepted(key_dir: Path) -> None:
    os.chmod(key_dir, 0o1777)
    keygen.write_private_key_file(key_dir / "k.pem", bytearray(SECRET))
    assert (key_dir / "k.pem").read_bytes() == SECRET


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_directory_owned_by_another_user_is_refused(key_dir: Path) -> None:
    os.chown(key_dir, 65534, 65534)
    with pytest.raises(keygen.UnsafeDirectoryError):
        keygen.write_private_key_file(key_dir / "k.pem", bytearray(SECRET))


def test_writer_accepts_a_locked_buffer_and_writes_exactly_its_bytes(key_dir: Path) -> None:
    with LockedBuffer.copy_of(bytearray(SECRET)) as buf:
        keygen.write_private_key_file(key_dir / "k.pem", buf)
    assert (key_dir / "k.pem").read_bytes() == SECRET


# --------------------------------------------------------------------------- memory


def _read_zeros(address: int, length: int) -> bool:
    return ctypes.string_at(address, length) == bytes(length)


def test_locked_buffer_is_wiped_when_the_context_exits() -> None:
    with LockedBuffer(len(SECRET)) as buf:
        buf.view[:] = SECRET
        # A second export keeps the pages mapped after close, so they can be read back.
        probe = (ctypes.c_char * buf.capacity).from_buffer(buf.view.obj)
        assert ctypes.string_at(buf.address, len(SECRET)) == SECRET
    assert buf.closed
    assert _read_zeros(ctypes.addressof(probe), buf.capacity)
    del probe


def test_locked_buffer_is_wiped_when_an_exception_escapes() -> None:
    with pytest.raises(RuntimeError):
        with LockedBuffer(len(SECRET)) as buf:
            buf.view[:] = SECRET
            probe = (ctypes.c_char * buf.capacity).from_buffer(buf.view.obj)
            raise RuntimeError("failure while the key is in memory")
    assert _read_zeros(ctypes.addressof(probe), buf.capacity)
    del probe


@pytest.mark.skipif(not LINUX, reason="/proc/self/maps is Linux")
def test_locked_buffer_pages_are_unmapped_after_exit() -> None:
    with LockedBuffer(64) as buf:
        address = buf.address
        assert _mapping_contains(address)
    assert not _mapping_contains(address)


def _mapping_contains(address: int) -> bool:
    with open("/proc/self/maps", encoding="ascii") as maps:
        for line in maps:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            if start <= address < end:
                return True
    return False


@pytest.mark.skipif(not LINUX, reason="VmLck is reported by Linux")
def test_locked_buffer_is_locked_while_alive_or_warns() -> None:
    before = vm_locked_kib()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        buf = LockedBuffer(3 * 4096 + 1)
    try:
        during = vm_locked_kib()
        if buf.locked:
            assert during - before >= buf.capacity // 1024
            assert not [w for w in caught if issubclass(w.category, KeyMaterialNotLockedWarning)]
        else:
            assert [w for w in caught if issubclass(w.category, KeyMaterialNotLockedWarning)]
    finally:
        buf.close()
    assert vm_locked_kib() == before


def test_mlock_refusal_warns_and_still_wipes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keygen, "_mlock", lambda address, length: errno.EPERM)
    with pytest.warns(KeyMaterialNotLockedWarning, match="RLIMIT_MEMLOCK"):
        buf = LockedBuffer(32)
    with buf:
        assert not buf.locked
        buf.view[:] = SECRET[:32]
        probe = (ctypes.c_char * buf.capacity).from_buffer(buf.view.obj)
    assert _read_zeros(ctypes.addressof(probe), buf.capacity)
    del probe


@pytest.mark.skipif(not LINUX, reason="RLIMIT_MEMLOCK semantics checked on Linux")
def test_real_rlimit_memlock_refusal_falls_back_with_warning() -> None:
    """A process without CAP_IPC_LOCK and RLIMIT_MEMLOCK=0 really gets the fallback."""
    script = textwrap.dedent(
        """
        import resource, warnings
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
        from keyguard.reference.keygen import LockedBuffer, KeyMaterialNotLockedWarning
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with LockedBuffer(16) as buf:
                buf.view[:] = b"0123456789abcdef"
                print("locked" if buf.locked else "unlocked")
        print(sum(issubclass(w.category, KeyMaterialNotLockedWarning) for w in caught))
        """
    )
    command = [sys.executable, "-c", script]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root keeps CAP_IPC_LOCK without setpriv to drop it")
        command = [setpriv, "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock", *command]
    env = dict(os.environ, PYTHONPATH=str(Path(keygen.__file__).parents[2]))
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert result.stdout.split() == ["unlocked", "1"], result.stderr


def test_wipe_zeroes_a_bytearray_in_place() -> None:
    data = bytearray(SECRET)
    address = ctypes.addressof((ctypes.c_char * len(data)).from_buffer(data))
    keygen.wipe(data)
    assert data == bytearray(len(SECRET))
    assert _read_zeros(address, len(SECRET))


def test_wipe_zeroes_a_memoryview_slice_only() -> None:
    data = bytearray(b"AAAABBBBCCCC")
    keygen.wipe(memoryview(data)[4:8])
    assert data == bytearray(b"AAAA\0\0\0\0CCCC")


def test_wipe_refuses_read_only_buffers() -> None:
    with pytest.raises(TypeError):
        keygen.wipe(memoryview(b"immutable"))


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython object layout")
def test_wipe_bytes_best_effort_clears_a_fresh_bytes_object() -> None:
    data = bytes(bytearray(SECRET))  # a fresh object, like private_bytes() returns
    address = id(data) + bytes.__basicsize__ - 1
    assert keygen.wipe_bytes_best_effort(data) is True
    assert data == bytes(len(SECRET))
    assert _read_zeros(address, len(SECRET))


def test_wipe_bytes_best_effort_skips_shared_objects() -> None:
    assert keygen.wipe_bytes_best_effort(b"") is False
    assert keygen.wipe_bytes_best_effort(b"x") is False
    assert b"x" == bytes([120])


def test_serialize_wipes_the_intermediate_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    wiped: List[bool] = []
    real = keygen.wipe_bytes_best_effort

    def recording(data: bytes) -> bool:
        result = real(data)
        wiped.append(result and data == bytes(len(data)))
        return result

    monkeypatch.setattr(keygen, "wipe_bytes_best_effort", recording)
    key = keygen.generate_private_key("ed25519")
    with keygen.serialize_private_key(key) as pem:
        assert pem.locked
        assert bytes(pem.view).startswith(b"-----BEGIN PRIVATE KEY-----")
    assert wiped == [True]


def test_locked_buffer_repr_never_shows_content() -> None:
    with LockedBuffer.copy_of(bytearray(b"secretsecret")) as buf:
        assert "secret" not in repr(buf)


def test_closed_buffer_refuses_access() -> None:
    buf = LockedBuffer(8)
    buf.close()
    buf.close()  # idempotent
    with pytest.raises(ValueError):
        _ = buf.view


# --------------------------------------------------------------------------- hardening


def _dumpable() -> int:
    libc = ctypes.CDLL(None)
    return int(libc.prctl(3, 0, 0, 0, 0))


def test_no_core_dumps_sets_and_restores_limits() -> None:
    before = resource.getrlimit(resource.RLIMIT_CORE)
    dumpable_before = _dumpable() if LINUX else None
    with keygen.no_core_dumps():
        assert resource.getrlimit(resource.RLIMIT_CORE)[0] == 0
        assert resource.getrlimit(resource.RLIMIT_CORE)[1] == before[1]
        if LINUX:
            assert _dumpable() == 0
    assert resource.getrlimit(resource.RLIMIT_CORE) == before
    if LINUX:
        assert _dumpable() == dumpable_before


def test_no_core_dumps_restores_after_an_exception() -> None:
    before = resource.getrlimit(resource.RLIMIT_CORE)
    dumpable_before = _dumpable() if LINUX else None
    with pytest.raises(ValueError):
        with keygen.no_core_dumps():
            raise ValueError("boom")
    assert resource.getrlimit(resource.RLIMIT_CORE) == before
    if LINUX:
        assert _dumpable() == dumpable_before


def test_generate_and_store_runs_hardened(key_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    observed: List[int] = []
    real = keygen.write_private_key_file

    def observing(*args: object, **kwargs: object) -> None:
        observed.append(resource.getrlimit(resource.RLIMIT_CORE)[0])
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(keygen, "write_private_key_file", observing)
    keygen.generate_and_store(key_dir / "k.pem")
    assert observed == [0]


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("key_type", keygen.KEY_TYPES)
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_round_trip(key_dir: Path, key_type: str, encrypted: bool) -> None:
    target = key_dir / f"{key_type}.pem"
    with LockedBuffer.copy_of(bytearray(b"correct horse battery staple")) as passphrase:
        public = keygen.generate_and_store(target, key_type, passphrase if encrypted else None)
        data = bytearray(target.read_bytes())
        try:
            if encrypted:
                assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
                with pytest.raises((TypeError, ValueError)):
                    serialization.load_pem_private_key(data, password=None)
                with pytest.raises(ValueError):
                    serialization.load_pem_private_key(data, password=bytearray(b"wrong"))
            loaded = serialization.load_pem_private_key(
                data, password=passphrase.view if encrypted else None
            )
        finally:
            keygen.wipe(data)
    assert _public_der(loaded.public_key()) == _public_der(public)
    assert not hasattr(public, "private_bytes")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_key_sizes_and_curves() -> None:
    assert keygen.generate_private_key("rsa-3072").key_size == 3072
    assert keygen.generate_private_key("rsa-3072").public_key().public_numbers().e == 65537
    assert keygen.generate_private_key("ecdsa-p384").curve.name == "secp384r1"
    with pytest.raises(ValueError, match="unknown key type"):
        keygen.generate_private_key("rsa-1024")


def test_passphrase_must_be_a_wipeable_buffer() -> None:
    key = keygen.generate_private_key("ed25519")
    with pytest.raises(TypeError):
        keygen.serialize_private_key(key, memoryview(b"read-only passphrase"))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- passphrase input


def _pipe_with(content: bytes) -> int:
    read_end, write_end = os.pipe()
    os.write(write_end, content)
    os.close(write_end)
    return read_end


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"hunter2hunter2\n", b"hunter2hunter2"),
        (b"hunter2hunter2\r\nsecond line", b"hunter2hunter2"),
        (b"no newline at all", b"no newline at all"),
    ],
)
def test_read_passphrase_fd(content: bytes, expected: bytes) -> None:
    fd = _pipe_with(content)
    try:
        with keygen.read_passphrase_fd(fd) as buf:
            assert buf.view == expected
            assert buf.locked
    finally:
        os.close(fd)


@pytest.mark.parametrize("content", [b"", b"\n", b"x" * (keygen.MAX_PASSPHRASE + 1)])
def test_read_passphrase_fd_refuses_empty_or_oversized(content: bytes) -> None:
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_end, content), os.close(write_end)))
    writer.start()
    try:
        with pytest.raises(ValueError):
            keygen.read_passphrase_fd(read_end)
    finally:
        writer.join()
        os.close(read_end)


def test_read_passphrase_file(tmp_path: Path) -> None:
    path = tmp_path / "pass"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"from a file\n")
    os.close(fd)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with keygen.read_passphrase_file(path) as buf:
            assert buf.view == b"from a file"
    os.chmod(path, 0o644)
    with pytest.warns(RuntimeWarning, match="accessible to other users"):
        keygen.read_passphrase_file(path).close()
    with pytest.raises(ValueError, match="regular file"):
        keygen.read_passphrase_file(tmp_path)


def test_read_passphrase_tty_reads_without_echo() -> None:
    master, slave = os.openpty()
    shown = bytearray()

    def typist() -> None:
        while b"Passphrase: " not in shown:
            shown.extend(os.read(master, 100))
        os.write(master, b"typed secret\n")
        while not shown.endswith(b"\n"):
            shown.extend(os.read(master, 100))

    thread = threading.Thread(target=typist)
    thread.start()
    try:
        with keygen.read_passphrase_tty(tty_fd=slave) as buf:
            assert buf.view == b"typed secret"
    finally:
        thread.join()
        os.close(master)
        os.close(slave)
    assert b"typed secret" not in shown


# --------------------------------------------------------------------------- everything wiped


def _track_buffers(monkeypatch: pytest.MonkeyPatch) -> List[LockedBuffer]:
    created: List[LockedBuffer] = []
    real_init = LockedBuffer.__init__

    def tracking_init(self: LockedBuffer, size: int) -> None:
        real_init(self, size)
        created.append(self)

    monkeypatch.setattr(LockedBuffer, "__init__", tracking_init)
    return created


def test_generate_and_store_closes_every_buffer(
    key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = _track_buffers(monkeypatch)
    keygen.generate_and_store(key_dir / "k.pem", "rsa-3072")
    assert len(created) == 1
    assert all(buf.closed for buf in created)


def test_buffers_are_closed_when_storing_fails(
    key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = _track_buffers(monkeypatch)
    monkeypatch.setattr(os, "fsync", _fail_once(os.fsync, OSError(errno.EIO, "I/O error")))
    with pytest.raises(OSError):
        keygen.generate_and_store(key_dir / "k.pem", "ed25519")
    assert created and all(buf.closed for buf in created)


def test_borrowed_passphrase_bytes_are_zeroed_after_serialization(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lent: List[bytes] = []
    real = serialization.BestAvailableEncryption

    def capturing(password: bytes) -> serialization.KeySerializationEncryption:
        lent.append(password)
        return real(password)

    monkeypatch.setattr(serialization, "BestAvailableEncryption", capturing)
    key = keygen.generate_private_key("ecdsa-p256")
    with LockedBuffer.copy_of(bytearray(b"borrowed passphrase")) as passphrase:
        with keygen.serialize_private_key(key, passphrase) as pem:
            assert bytes(pem.view).startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert passphrase.view == b"borrowed passphrase"  # the caller's buffer is untouched
    assert len(lent) == 1 and type(lent[0]) is bytes
    assert lent[0] == bytes(len(b"borrowed passphrase"))  # zeroed once serialization ended
