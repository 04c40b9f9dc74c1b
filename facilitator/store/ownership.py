"""A data directory is its OS account's alone (issue #21).

The clinic's top folder is 0700 and everything under it belongs to the folder's owner: on a
host that is the service account, on a laptop the counselor's own account. No other account
can read, write or plant anything there, so no colleague can rewrite a record and keep the
audit chain whole (only root can, which a head kept elsewhere catches: docs/SECURITY.md).

``shared_clinic`` finds a clinic left on the old group-shared model (git's
``--shared=group``: a setgid or group-writable top folder), which ``DataDir.open`` refuses in
one sentence naming the command that moves it (``facilitator host adopt``, as root); nothing
here ever changes a mode. ``ownership_problems`` is ``verify``'s walk: the top folder open
to another account, and any path under it owned by another account, a link, a FIFO or a
device.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from collections.abc import Iterator
from pathlib import Path

from facilitator.core.errors import Refusal

ADOPT = "facilitator host adopt --data {root} --service-user facilitator"


class SharedClinic(Refusal):
    """A clinic on the old group-shared model: every member of its group could rewrite it."""

    def __init__(self, root: Path, group: str) -> None:
        super().__init__(
            f"{root} is a clinic shared with the group {group}, which lets every member rewrite any "
            f"record, so facilitator will not use it and changed nothing; as root, run "
            f"`{ADOPT.format(root=root)}` to give it to one service account.")
        self.root = Path(root)
        self.group = group


def shared_clinic(root: Path) -> str | None:
    """The group of ``root`` if it is a clinic folder on the group-shared model (setgid, or
    writable by its group), else None."""
    try:
        top = os.stat(root)
    except FileNotFoundError:
        return None
    if top.st_mode & stat.S_ISGID or top.st_mode & stat.S_IWGRP:
        return group_name(top.st_gid)
    return None


class WritableByAll(Refusal):
    """A clinic folder every account may write in: anyone could replace its files."""

    def __init__(self, root: Path) -> None:
        super().__init__(f"{root} can be written by every account on this machine, so anyone could "
                         f"replace its records and facilitator will not use it; nothing was changed: "
                         f"as its owner, run `chmod 700 {root}`.")
        self.root = Path(root)


class NotYours(Refusal):
    """A clinic folder this account cannot enter: another account's alone."""

    def __init__(self, root: Path, owner: str) -> None:
        super().__init__(f"{root} is the clinic of the account {owner}, and only that account may "
                         f"open it; nothing was read or written.")
        self.root = Path(root)


def refuse_unusable(root: Path) -> None:
    """Before a clinic is opened: ``SharedClinic`` for one on the group-shared model,
    ``WritableByAll`` for one any account may write in, ``NotYours`` for another account's
    (nothing under it can be reached). A folder with no clinic.json is left to ``NotAClinic``."""
    try:
        os.stat(Path(root) / "clinic.json")
    except PermissionError:
        _refuse_open_to_others(root)
        raise NotYours(root, account_name(os.stat(root).st_uid)) from None
    except OSError:
        return
    _refuse_open_to_others(root)


def _refuse_open_to_others(root: Path) -> None:
    group = shared_clinic(root)
    if group is not None:
        raise SharedClinic(root, group)
    if os.stat(root).st_mode & stat.S_IWOTH:
        raise WritableByAll(root)


def ownership_problems(root: Path) -> list[str]:
    """One sentence per thing in the clinic folder that another account could use: the top
    folder open to its group or others, a parent folder another account may change, a path
    owned by another account than the top folder's, a file others may read, and any symbolic
    link, FIFO, socket or device."""
    root = Path(root)
    top = os.stat(root)
    problems = _top_problems(str(root), top)
    for path in _tree_names(str(root)):     # strings: a Path per file was most of this walk's time
        found = os.lstat(path)
        problem = _path_problem(path, found, top.st_uid)
        if problem is not None:
            problems.append(problem)
    return problems


def _top_problems(root: str, top: os.stat_result) -> list[str]:
    problems = []
    mode = stat.S_IMODE(top.st_mode)
    if mode & 0o077:
        problems.append(f"{root} can be entered by other accounts on this machine (mode {mode:o}); a "
                        f"data directory is its own account's alone: run `chmod 700 {root}`.")
    parent = _parent_problem(os.path.dirname(os.path.abspath(root)), top.st_uid)
    if parent is not None:
        problems.append(parent)
    return problems


def _parent_problem(parent: str, owner: int) -> str | None:
    """Whoever may rename entries in the clinic folder's parent could move the whole clinic away
    and put another in its place: only root or the clinic's account may (or a sticky folder)."""
    found = os.stat(parent)
    loose = found.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not found.st_mode & stat.S_ISVTX
    if found.st_uid in (0, owner) and not loose:
        return None
    return (f"{parent}, the folder that holds the clinic, can be changed by another account than "
            f"root or {account_name(owner)} (owner {account_name(found.st_uid)}, mode "
            f"{stat.S_IMODE(found.st_mode):o}), which could move the clinic away and put another in "
            f"its place: make it root's or {account_name(owner)}'s, writable by its owner only.")


def _path_problem(path: str, found: os.stat_result, owner: int) -> str | None:
    if stat.S_ISLNK(found.st_mode):
        return f"{path} is a symbolic link; a clinic folder holds none, remove it."
    if not (stat.S_ISDIR(found.st_mode) or stat.S_ISREG(found.st_mode)):
        return f"{path} is not a regular file or folder; remove it."
    if found.st_uid != owner:
        return (f"{path} belongs to the account {account_name(found.st_uid)}, not to "
                f"{account_name(owner)} whose clinic this is; find out who put it there, then give "
                f"it back (as root, chown {account_name(owner)}) or remove it.")
    mode = stat.S_IMODE(found.st_mode)
    if stat.S_ISREG(found.st_mode) and mode & 0o007:
        return (f"{path} can be read by any account that reaches it (mode {mode:o}); run "
                f"`chmod o-rwx` on it.")
    return None


def _tree_names(root: str) -> Iterator[str]:
    """Every folder and file under ``root`` (not itself), never following a link."""
    join = os.path.join
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs) + sorted(files):
            yield join(folder, name)


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def account_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
