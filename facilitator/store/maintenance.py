"""verify and backup: the checks and copies audits and restores rely on."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.permissions import allowed
from facilitator.store.audit import AuditLog
from facilitator.store.checks import AuditShapes, check_files, regular_files
from facilitator.store.datadir import DataDir, NotStaff
from facilitator.store.files import (
    FILE_MODE,
    TEMP_SUFFIX,
    TOP_DIR_MODE,
    DamagedFile,
    claim_top_dir,
    fsync_dir,
    locked,
    make_dirs,
)
from facilitator.store.integrity import Replay, settle_backup, verify_integrity, vouched_records


def data_files(root: Path) -> Iterator[Path]:
    """Every data file of a clinic directory, skipping locks and temp files, and never a
    symlink, FIFO or device, nor anything reached through a symlink (``checks.walk``)."""
    yield from regular_files(root)


def verify(data: DataDir, *, full: bool = False, parallel: bool | None = None) -> list[str]:
    """Every problem found, one sentence each; an empty list means all is well.

    A session file whose bytes are those its last audit entry vouches for as strictly read
    (``store.admission``) is hashed, not parsed again; ``full`` reads every file strictly.
    ``parallel``: check the audit chain partly in a forked child while the files are read
    (``store.chain``; None: when the log is long and there is a second core)."""
    from facilitator.store.chain import ChainCheck
    from facilitator.store.checks import hash_records, special_files
    from facilitator.store.integrity import bound_files
    problems: list[str] = []
    damaged: set[Path] = set()    # named once as damaged, not again as differing from the audit
    data.finish_interrupted()     # a write killed after its audit entry is completed first
    # The chain, in one pass: each line parsed once, for its hash and link, its shape and the
    # file bindings it records; begun first, so that a child can check part of it meanwhile.
    chain = ChainCheck(data.audit._files(), parallel)
    # Meanwhile, everything that does not need the log: each session file read and hashed,
    # the walks for special files, permissions, temp files and the files the log must bind.
    hashed = None if full else hash_records(data)
    specials = special_files(data.root)
    permissions = permission_problems(data.root)
    temps = sorted(data.root.rglob(f".*{TEMP_SUFFIX}"))
    files = bound_files(data.root, {str(path): path for path in hashed or ()})
    run = chain.result()
    replay = Replay.of_run(data.audit, run.last, run.bound_any)
    shapes = AuditShapes()
    shapes.problems.extend(run.shape_problems)
    shapes.seen.update(run.seen)
    chain_problems = [f"audit log {brk}." for brk in run.breaks]
    devices = data.audit.directory / "devices"   # laptops' own chains, pushed by sync
    for device in sorted(devices.iterdir()) if devices.is_dir() else ():
        for brk in AuditLog(device).verify(inspect=shapes):
            chain_problems.append(f"audit log of device {device.name}: {brk}.")
    try:
        data.snapshot()
    except DamagedFile as err:
        problems.append(str(err))
        damaged.add(err.path)
    digests: dict[Path, str] = {}  # each session file hashed from the bytes parsed, not read again
    vouched = {} if full or damaged else vouched_records(data, replay)
    problems.extend(check_files(data, damaged, audit_shapes=shapes, digests=digests, vouched=vouched,
                                hashed=hashed, specials=specials))
    from facilitator.store.recovery import all_plans
    problems.extend(str(err) for err in all_plans(data)[1])
    for path in temps:
        problems.append(f"{path} is a temp file left by an interrupted write; it is never read "
                        f"and is safe to delete (opening the clinic removes those of the last "
                        f"two months' records and outside records/).")
    problems.extend(chain_problems)
    problems.extend(permissions)
    problems.extend(verify_integrity(data, skip=damaged, replay=replay, digests=digests, files=files))
    return problems


def permission_problems(root: Path) -> list[str]:
    """Everything in the clinic folder that another account could use, one sentence each;
    see ``store.ownership``."""
    from facilitator.store.ownership import ownership_problems
    return ownership_problems(root)


def backup(data: DataDir, dest: Path) -> int:
    """Copy the clinic to ``dest`` (new or empty), each file under its lock. Returns files copied.
    Supervisors and admins only (``backup``); audited "clinic.backup" with the count.

    Files are copied as they are, damaged or not: `verify` on the copy tells.

    The clinic file's lock is held throughout, so no roster or settings change
    lands mid-copy; each session file is copied whole under its own lock; the
    audit log is copied last, under its lock, so it covers every copied change; a file
    changed between its copy and the log's (its entry is written first) is copied again.
    """
    data.require("backup")           # supervisors and admins; a refusal is audited
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty; back up into a new or empty directory.")
    claim_top_dir(dest, field="DEST")     # a copy of the clinic: this account's alone (0700), like it
    copied = 0
    audit_files = []
    with locked(data.clinic_file.path):
        for path in data_files(data.root):
            relative = path.relative_to(data.root)
            if relative.parts[0] == "audit":
                audit_files.append(path)
                continue
            lock = contextlib.nullcontext() if path == data.clinic_file.path else locked(path)
            with lock:
                _copy(path, dest / relative)
            copied += 1
        with locked(data.audit.directory / "log"):
            for path in audit_files:
                _copy(path, dest / path.relative_to(data.root))
                copied += 1
        settle_backup(data, dest, _copy)      # files written since their copy: copied again
    data.record_audit("clinic.backup", "clinic", {"files": copied})
    return copied


def _copy(source: Path, target: Path) -> None:
    make_dirs(target.parent)
    shutil.copy2(source, target, follow_symlinks=False)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())
    fsync_dir(target.parent)


# -- restore: a whole backup, its data and its log together, into a new directory --------------
# Deliberately outside ``DataDir.change``: it writes a new clinic whose every file is the
# backup's, log included, so the copy's log binds its files as the backup's did (``verify``
# then reads every file strictly) and nothing is written into the backup itself.

def may_restore(src: Path, user: str) -> None:
    """Refuse unless ``user`` is an active supervisor or admin of the backed-up clinic in
    ``src`` (``NotStaff``, ``PermissionDenied``). Read-only: nothing is written into the
    backup, not even a refusal in its audit log."""
    snapshot = DataDir(src, user=user).snapshot()
    member = snapshot.staff.get(user)
    if member is None or not member.active:
        raise NotStaff(user, snapshot.settings.name)
    if not allowed(member.role, "backup"):
        raise PermissionDenied(f"{user} is a {member.role}; only a supervisor or admin may restore a clinic.")

def _backup_files(src: Path) -> Iterator[Path]:
    """A backup's data files (lock and temp files, which start with '.', left out)."""
    for path in sorted(src.rglob("*")):
        relative = path.relative_to(src)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_symlink():
            raise InputError(f"{path} is a symbolic link, which no facilitator backup holds; "
                             f"nothing was restored", field="SRC")
        if path.is_file():
            yield path


def restore(src: Path, dest: Path) -> int:
    """Copy backup ``src`` into new or empty ``dest`` (all or nothing). Returns files copied.

    Files keep their mode less any world bits (so 0640 stays 0640); folders are 0750, the
    clinic's own 0700.
    The copy is built in a hidden sibling directory and renamed into place, so a failure
    (a full disk) leaves ``dest`` as it was.
    """
    files = list(_backup_files(src))
    make_dirs(dest.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.restore-", dir=dest.parent))
    try:
        os.chmod(staging, TOP_DIR_MODE)      # the clinic's folder: this account's alone
        for path in files:
            target = staging / path.relative_to(src)
            make_dirs(target.parent)
            source_stat = path.stat()
            shutil.copyfile(path, target)
            os.chmod(target, (stat.S_IMODE(source_stat.st_mode) & 0o770) or FILE_MODE)
            os.utime(target, ns=(source_stat.st_atime_ns, source_stat.st_mtime_ns))
            with open(target, "rb") as handle:
                os.fsync(handle.fileno())
        for sub in ("records", "plans", "audit"):  # a backup holds files only, not empty folders
            make_dirs(staging / sub)
        for directory in sorted((p for p in staging.rglob("*") if p.is_dir()), reverse=True):
            fsync_dir(directory)
        fsync_dir(staging)
        if dest.exists():
            dest.rmdir()  # checked empty by the caller
        os.rename(staging, dest)
        fsync_dir(dest.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(files)
