"""The service account's ``~/.ssh/authorized_keys`` (issue #21): one line per key of every
staff member, each bound to the forced command ``facilitator-ssh --staff USER --data DIR``.

Written by facilitator only, from the staff list, after every staff change, and only when the
process runs as the clinic's ``service_user`` (the host); on a laptop or a single-user clinic
nothing is written. Deactivated members keep their lines: the entry refuses them itself (and
answers their laptop's sync with "deactivated", so the laptop locks its copy).
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from facilitator.core.errors import InputError
from facilitator.core.sshkeys import authorized_keys_line
from facilitator.store.files import fsync_dir, locked

if TYPE_CHECKING:
    from facilitator.core.clinic import Staff
    from facilitator.store.datadir import DataDir

HEADER = ("# Written by facilitator from the clinic's staff list (facilitator staff key add/remove);\n"
          "# edits made here are lost at the next staff change.\n")


def authorized_keys_text(staff: list[Staff], entry: str, data: str) -> str:
    """The whole file: the header, then every key of every member (by account, then as listed)."""
    lines = [authorized_keys_line(key, member.user, entry, data)
             for member in sorted(staff, key=lambda m: m.user) for key in member.keys]
    return HEADER + "".join(line + "\n" for line in lines)


def _ssh_dir(home: Path) -> Path:
    """``~/.ssh``, made 0700 if missing; a link or anything but a folder is refused."""
    folder = home / ".ssh"
    try:
        found = folder.lstat()
    except FileNotFoundError:
        folder.mkdir(mode=0o700)
        found = folder.lstat()
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid():
        raise InputError("is not a folder of the service account; nothing was written", file=str(folder))
    if stat.S_IMODE(found.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to a new 0600 file beside ``path``, fsync it, rename it over ``path``."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("ascii"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_authorized_keys(data: DataDir, *, account: tuple[str, Path] | None = None) -> Path | None:
    """Rewrite the process's OS account's ``~/.ssh/authorized_keys`` (0600, ``.ssh`` 0700)
    from the staff list when the clinic's ``service_user`` is that account; else write
    nothing and return None. ``account``: (name, home) in place of the password database's
    entry for the effective uid (never $HOME), for tests that must not write root's own."""
    snapshot = data.snapshot()
    settings = snapshot.settings
    if account is None:
        found = pwd.getpwuid(os.geteuid())
        account = (found.pw_name, Path(found.pw_dir))
    name, home = account
    if settings.service_user is None or settings.service_user != name or settings.ssh_entry is None:
        return None
    path = _ssh_dir(home) / "authorized_keys"
    # Two staff changes at once: each reads the staff list under this lock, after its own
    # commit, so the last one to write wrote what both committed.
    with locked(path):
        latest = data.snapshot()
        entry = latest.settings.ssh_entry or settings.ssh_entry
        _replace(path, authorized_keys_text(list(latest.staff.values()), entry, str(Path(data.root).resolve())))
    return path
