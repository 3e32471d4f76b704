"""``keyguard keygen`` through its own argparse parser, ``python -m`` and a real terminal."""

from __future__ import annotations

import argparse
import os
import pty
import stat
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from cryptography.hazmat.primitives import serialization

from keyguard.reference import cli

SRC = str(Path(cli.__file__).parents[2])


def _parse(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="keyguard")
    subparsers = parser.add_subparsers(dest="command", required=True)
    cli.add_parser(subparsers)
    return parser.parse_args(argv)


def _public_pem_of(private_pem: bytes, password: object = None) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=password)  # type: ignore[arg-type]
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_keygen_writes_a_private_key_and_prints_only_the_public_key(
    key_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = key_dir / "id.pem"
    args = _parse(
        [
            "keygen",
            "--type",
            "ecdsa-p384",
            "--out",
            str(out),
            "--public-out",
            str(key_dir / "id.pub"),
        ]
    )
    assert args.func is cli.run
    assert cli.run(args) == 0
    captured = capsys.readouterr()
    private_pem = out.read_bytes()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in captured.out + captured.err
    assert captured.out.encode() == _public_pem_of(private_pem)
    assert (key_dir / "id.pub").read_bytes() == captured.out.encode()


def test_keygen_passphrase_from_fd(key_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"pipe passphrase\n")
    os.close(write_end)
    try:
        code = cli.run(
            _parse(["keygen", "--out", str(key_dir / "k.pem"), "--passphrase-fd", str(read_end)])
        )
    finally:
        os.close(read_end)
    assert code == 0
    data = (key_dir / "k.pem").read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert capsys.readouterr().out.encode() == _public_pem_of(data, bytearray(b"pipe passphrase"))


def test_keygen_passphrase_from_file(
    key_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "pass.txt"
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"file passphrase\n")
    os.close(fd)
    code = cli.run(
        _parse(
            [
                "keygen",
                "--type",
                "rsa-3072",
                "--out",
                str(key_dir / "k.pem"),
                "--passphrase-file",
                str(secret),
            ]
        )
    )
    assert code == 0
    data = (key_dir / "k.pem").read_bytes()
    assert capsys.readouterr().out.encode() == _public_pem_of(data, bytearray(b"file passphrase"))


def test_passphrase_as_argument_value_is_refused(
    key_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _parse(["keygen", "--out", str(key_dir / "k.pem"), "--passphrase", "hunter2"])
    assert exit_info.value.code == 2
    assert "never taken as an argument value" in capsys.readouterr().err
    assert list(key_dir.iterdir()) == []


def test_existing_key_is_kept_unless_forced(
    key_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = key_dir / "k.pem"
    assert cli.run(_parse(["keygen", "--out", str(out)])) == 0
    first = out.read_bytes()
    assert cli.run(_parse(["keygen", "--out", str(out)])) == 1
    assert "--force" in capsys.readouterr().err
    assert out.read_bytes() == first
    assert cli.run(_parse(["keygen", "--out", str(out), "--force"])) == 0
    assert out.read_bytes() != first


def test_unsafe_directory_is_a_failure(key_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.chmod(key_dir, 0o777)
    assert cli.run(_parse(["keygen", "--out", str(key_dir / "k.pem")])) == 1
    assert "writable by other users" in capsys.readouterr().err


def test_unreadable_passphrase_file_is_a_usage_error(
    key_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.run(
        _parse(
            ["keygen", "--out", str(key_dir / "k.pem"), "--passphrase-file", str(key_dir / "none")]
        )
    )
    assert code == 2
    assert list(key_dir.iterdir()) == []


def test_python_dash_m_entry_point(key_dir: Path) -> None:
    out = key_dir / "m.pem"
    result = subprocess.run(
        [sys.executable, "-m", "keyguard.reference.cli", "keygen", "--out", str(out)],
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=SRC),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == _public_pem_of(out.read_bytes())


def test_encrypt_without_a_terminal_is_a_usage_error(key_dir: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keyguard.reference.cli",
            "keygen",
            "--encrypt",
            "--out",
            str(key_dir / "k.pem"),
        ],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
        env=dict(os.environ, PYTHONPATH=SRC),
        check=False,
    )
    assert result.returncode == 2
    assert b"cannot read the passphrase" in result.stderr
    assert list(key_dir.iterdir()) == []


def _run_on_terminal(argv: List[str], answers: List[bytes]) -> "tuple[int, bytes]":
    """Run the CLI in a child whose controlling terminal is a pty; type ``answers`` at prompts."""
    pid, master = pty.fork()
    if pid == 0:  # child
        os.environ["PYTHONPATH"] = SRC
        os.execv(sys.executable, [sys.executable, "-m", "keyguard.reference.cli", *argv])
    screen = bytearray()
    pending = list(answers)
    try:
        while True:
            try:
                chunk = os.read(master, 1024)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            screen.extend(chunk)
            # Answer only when a prompt is the last thing shown: the child turns echo off (and
            # discards type-ahead) before it writes the prompt, so earlier input would be lost.
            if pending and screen.endswith(b": "):
                os.write(master, pending.pop(0) + b"\n")
    finally:
        os.close(master)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), bytes(screen)


def test_encrypt_prompts_twice_without_echo(key_dir: Path) -> None:
    out = key_dir / "tty.pem"
    code, screen = _run_on_terminal(
        ["keygen", "--encrypt", "--out", str(out)], [b"tty secret", b"tty secret"]
    )
    assert code == 0, screen
    assert b"Passphrase for the new key:" in screen and b"Same passphrase again:" in screen
    assert b"tty secret" not in screen  # echo was off
    data = out.read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    _public_pem_of(data, bytearray(b"tty secret"))


def test_encrypt_with_mismatched_passphrases_writes_nothing(key_dir: Path) -> None:
    code, screen = _run_on_terminal(
        ["keygen", "--encrypt", "--out", str(key_dir / "k.pem")], [b"one secret", b"two secret"]
    )
    assert code == 2, screen
    assert b"do not match" in screen
    assert list(key_dir.iterdir()) == []
