"""A clinic folder shared by a staff group, on git's ``--shared=group`` model.

``share(root, group)`` makes the clinic's top folder belong to ``group`` with mode 2770
(setgid); from then on ``files.make_dirs``, ``atomic_write``, the lock files and the audit
log make everything under it group-owned and group-writable, whatever each writer's umask.
``fix_permissions`` converts an existing clinic; ``permission_problems`` names every path
whose group or mode is wrong (``facilitator verify`` reports them).
"""

from __future__ import annotations

import grp
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from facilitator.core.errors import InputError
from facilitator.store.files import SHARED_DIR_MODE, SHARED_FILE_MODE, is_shared


def group_id(group: str) -> int:
    """The id of an existing group, or ``InputError`` naming it."""
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise InputError(f"there is no group named {group!r} on this machine; create it first "
                         f"(groupadd {group})", field="--group") from None


def _set(path: Path, gid: int, mode: int) -> None:
    found = os.lstat(path)
    if found.st_gid == gid and stat.S_IMODE(found.st_mode) == mode:
        return                   # e.g. made by root with `install -d -g GROUP -m 2770`
    try:
        os.chown(path, -1, gid, follow_symlinks=False)
        os.chmod(path, mode)
    except PermissionError:
        raise InputError(f"cannot give {path} to the group (gid {gid}): only its owner, who must "
                         f"be a member of the group, or root can; nothing else was changed there",
                         field="--group") from None


def share(root: Path, group: str) -> None:
    """Make the clinic's top folder ``group``'s, setgid and group-writable (it must exist)."""
    _set(Path(root), group_id(group), SHARED_DIR_MODE)


def _tree(root: Path) -> Iterator[Path]:
    """Every folder and file under ``root`` (itself first), never following a link."""
    yield root
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs) + sorted(files):
            yield Path(folder) / name


def _tree_names(root: str) -> Iterator[str]:
    """``_tree``'s paths as strings (the same order)."""
    yield root
    join = os.path.join
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs) + sorted(files):
            yield join(folder, name)


def fix_permissions(root: Path, group: str) -> int:
    """Convert a clinic to a shared one (or repair it): every folder 2770 and every file
    0660, all of ``group``. Symbolic links are left alone (``verify`` names them).
    Returns how many paths were changed."""
    root = Path(root)
    gid = group_id(group)
    changed = 0
    for path in _tree(root):
        found = os.lstat(path)
        if stat.S_ISDIR(found.st_mode):
            wanted = SHARED_DIR_MODE
        elif stat.S_ISREG(found.st_mode):
            wanted = SHARED_FILE_MODE
        else:
            continue
        if found.st_gid != gid or stat.S_IMODE(found.st_mode) != wanted:
            _set(path, gid, wanted)
            changed += 1
    return changed


def permission_problems(root: Path) -> list[str]:
    """One sentence per path whose group or mode is not the clinic's model.

    Shared clinic (its folder is setgid): every folder 2770 and every file 0660, all of
    the top folder's group. Private clinic: no file open to others. A symbolic link, pipe or
    device anywhere under the clinic is named too.
    """
    root = Path(root)
    problems: list[str] = []
    top = os.stat(root)
    shared = is_shared(root)
    group = _group_name(top.st_gid)
    fix = f"run `facilitator fix-permissions --group {group}`" if shared else "run chmod o-rwx on it"
    for path in _tree_names(str(root)):     # strings: a Path per file was most of this walk's time
        found = os.lstat(path)
        mode = stat.S_IMODE(found.st_mode)
        if stat.S_ISLNK(found.st_mode):
            problems.append(f"{path} is a symbolic link; a clinic folder holds none, remove it.")
            continue
        if not (stat.S_ISDIR(found.st_mode) or stat.S_ISREG(found.st_mode)):
            problems.append(f"{path} is not a regular file or folder; remove it.")
            continue
        kind = "folder" if stat.S_ISDIR(found.st_mode) else "file"
        if shared:
            wanted = SHARED_DIR_MODE if kind == "folder" else SHARED_FILE_MODE
            if found.st_gid != top.st_gid:
                problems.append(f"{path} belongs to group {_group_name(found.st_gid)}, not the "
                                f"clinic's group {group}; {fix}.")
            elif mode != wanted:
                problems.append(f"{path} has mode {mode:o}, not {wanted:o} as every {kind} of a "
                                f"shared clinic; {fix}.")
        elif kind == "file" and mode & 0o007:
            problems.append(f"{path} can be read by any account on this machine (mode {mode:o}); "
                            f"{fix}.")
    return problems


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)

