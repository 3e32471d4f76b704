"""``keyguard keygen``: generate a private key and store it the compliant way.

    keyguard keygen --type ed25519 --out key.pem [--encrypt]
                    [--passphrase-file FILE | --passphrase-fd N] [--public-out FILE] [--force]

The passphrase comes from a terminal prompt (echo off, read into locked memory), a file or an
inherited descriptor; never from an argument value or the environment, where ``ps``,
``/proc/<pid>/cmdline`` and ``/proc/<pid>/environ`` would show it. Only the public key is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import sys
from typing import Any, List, Optional

from cryptography.hazmat.primitives import serialization

from keyguard.reference import keygen

__all__ = ["add_parser", "build_parser", "main", "run"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class _RefusePassphraseArgument(argparse.Action):
    """``--passphrase VALUE`` exists only to explain why it is refused."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option: Any = None
    ) -> None:
        parser.error(
            "a passphrase is never taken as an argument value (other users can read the command"
            " line); use the prompt (--encrypt), --passphrase-file FILE or --passphrase-fd N"
        )


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``keygen`` subcommand to an ``argparse`` subparsers object and return it."""
    parser = subparsers.add_parser(
        "keygen",
        help="generate a private key and store it safely (the pattern keyguard recommends)",
        description=(
            "Generate a private key in memory and write it to --out with mode 0600 from creation,"
            " atomically, never through the temp directory; optionally encrypted."
        ),
    )
    configure_parser(parser)
    return parser


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Declare the ``keygen`` options on ``parser``."""
    parser.add_argument(
        "--type",
        dest="key_type",
        choices=keygen.KEY_TYPES,
        default="ed25519",
        help="key type (default: ed25519)",
    )
    parser.add_argument("--out", required=True, help="where to write the private key (PKCS#8 PEM)")
    parser.add_argument(
        "--encrypt", action="store_true", help="encrypt the key; prompt for a passphrase"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the passphrase from FILE (implies --encrypt)",
    )
    source.add_argument(
        "--passphrase-fd",
        metavar="N",
        type=int,
        help="read the passphrase from descriptor N (implies --encrypt)",
    )
    source.add_argument(
        "--passphrase", nargs="?", action=_RefusePassphraseArgument, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--public-out", metavar="FILE", help="also write the public key (PEM) to FILE"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing key file")
    parser.set_defaults(func=run)


def _passphrase(args: argparse.Namespace) -> Optional[keygen.LockedBuffer]:
    """The passphrase the user chose to give, in locked memory, or None for no encryption."""
    if args.passphrase_fd is not None:
        return keygen.read_passphrase_fd(args.passphrase_fd)
    if args.passphrase_file is not None:
        return keygen.read_passphrase_file(args.passphrase_file)
    if not args.encrypt:
        return None
    first = keygen.read_passphrase_tty("Passphrase for the new key: ")
    try:
        with keygen.read_passphrase_tty("Same passphrase again: ") as second:
            if not hmac.compare_digest(first.view, second.view):
                raise ValueError("the passphrases do not match")
    except BaseException:
        first.close()
        raise
    return first


def run(args: argparse.Namespace) -> int:
    """Carry out ``keyguard keygen`` for parsed ``args``; return the exit status."""
    try:
        passphrase = _passphrase(args)
    except (OSError, ValueError) as error:
        print(f"keyguard keygen: cannot read the passphrase: {error}", file=sys.stderr)
        return EXIT_USAGE
    with contextlib.ExitStack() as stack:
        if passphrase is not None:
            stack.enter_context(passphrase)  # wiped when this block ends, whatever happens
        try:
            public = keygen.generate_and_store(
                args.out, args.key_type, passphrase, overwrite=args.force
            )
        except FileExistsError:
            print(f"keyguard keygen: {args.out} exists; use --force to replace it", file=sys.stderr)
            return EXIT_FAILURE
        except OSError as error:
            print(f"keyguard keygen: cannot write {args.out}: {error}", file=sys.stderr)
            return EXIT_FAILURE
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if args.public_out:
        with open(args.public_out, "wb") as handle:  # public material: ordinary file is fine
            handle.write(pem)
    sys.stdout.write(pem.decode("ascii"))
    state = "encrypted" if passphrase is not None else "unencrypted"
    print(
        f"keyguard keygen: wrote {args.key_type} private key to {args.out} ({state}, mode 0600)",
        file=sys.stderr,
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """A standalone parser (``python -m keyguard.reference.cli keygen ...``)."""
    parser = argparse.ArgumentParser(prog="keyguard")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_parser(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point for ``python -m keyguard.reference.cli``."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
