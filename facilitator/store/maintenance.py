"""verify, and who may restore: the checks audits and restores rely on (backups and restore
themselves: ``store.archive``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from facilitator.core.errors import PermissionDenied
from facilitator.core.permissions import allowed
from facilitator.store.audit import AuditLog
from facilitator.store.checks import AuditShapes, check_files, regular_files
from facilitator.store.datadir import DataDir, NotStaff
from facilitator.store.files import TEMP_SUFFIX, DamagedFile
from facilitator.store.integrity import Replay, verify_integrity, vouched_records


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


# -- restore: who may (the rest is store.archive) ----------------------------------------------
# Restore is deliberately outside ``DataDir.change``: it writes a new clinic whose every file
# is the backup's, log included, so the copy's log binds its files as the backup's did
# (``verify`` then reads every file strictly) and nothing is written into the archive.

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
