"""`staff key add/remove/list` and `staff add --key` (issue #21): staff members' SSH keys.

A key is given as a file (an ``id_ed25519.pub``) or ``-`` for standard input (over ssh:
``ssh facilitator@HOST staff key add mrivera - < mrivera.pub``); a key to remove may also be
named by its fingerprint as ``staff key list`` and ``ssh-keygen -l`` show it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facilitator.cli.output import staff_keys
from facilitator.cli.parser import data_dir_of
from facilitator.core.errors import InputError
from facilitator.store.clinic import open_clinic

STDIN = "standard input"
MAX_KEY_FILE = 64 * 1024


def _key_bytes(path: Path) -> bytes:
    from facilitator.store.files import NotRegularFile, TooLarge, read_regular
    try:
        return read_regular(path, limit=MAX_KEY_FILE, follow=True)
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except (NotRegularFile, TooLarge) as err:
        raise InputError(f"cannot be read as a key file ({err.args[0].removeprefix(str(path) + ' ')})",
                         file=str(path)) from None
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror})", file=str(path)) from None


def key_text(argument: str) -> tuple[str, str]:
    """The text of a public key given as FILE or ``-``, and the name its errors use."""
    if argument == "-":
        raw, name = sys.stdin.buffer.read(MAX_KEY_FILE + 1), STDIN
        if len(raw) > MAX_KEY_FILE:
            raise InputError("is too large to be a public key", file=name)
    else:
        raw, name = _key_bytes(Path(argument)), argument
    try:
        return raw.decode("utf-8-sig"), name      # a BOM (Notepad) is not part of the key
    except UnicodeDecodeError:
        raise InputError("is not text (a public key is one line of text)", file=name) from None


def parsed_key(argument: str) -> str:
    """The key a FILE or ``-`` holds, as stored (``TYPE BASE64``); errors name the file."""
    from facilitator.core.sshkeys import parse_public_key
    text, name = key_text(argument)
    try:
        return parse_public_key(text)
    except InputError as err:
        raise InputError(err.message, file=name) from None


def cmd_key(args: argparse.Namespace) -> int:
    from facilitator.core.sshkeys import fingerprint
    from facilitator.store import staff
    data = open_clinic(data_dir_of(args))
    if args.key_action == "list":
        return _list(data, args.user)
    if args.key_action == "add":
        key = staff.add_key(data, args.user, parsed_key(args.key))
        print(f"Added the key {fingerprint(key)} to {args.user}.")
        return 0
    which = args.key if args.key.startswith("SHA256:") else parsed_key(args.key)
    key = staff.remove_key(data, args.user, which)
    print(f"Removed the key {fingerprint(key)} from {args.user}.")
    return 0


def key_rows(members: list, user: str | None) -> list[tuple[str, str, str]]:
    from facilitator.core.sshkeys import fingerprint
    from facilitator.core.sshkeys import key_type as type_of
    return [(m.user, type_of(k), fingerprint(k)) for m in members if user in (None, m.user) for k in m.keys]


def _list(data, user: str | None) -> int:
    members = sorted(data.snapshot().staff.values(), key=lambda m: m.user)
    if user is not None and user not in {m.user for m in members}:
        raise InputError(f"{user} is not a staff member", field="USER")
    rows = key_rows(members, user)
    if not rows:
        print(f"{user or 'No staff member'} has no key yet (facilitator staff key add USER FILE.pub).")
        return 0
    sys.stdout.write(staff_keys(rows))
    return 0
