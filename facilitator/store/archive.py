"""Backups as one tar (#21): written to a new file or to standard output, checked and restored
only through folders this process made itself.

The rule: no facilitator command writes into a folder it did not create. A backup file is
made new (``O_CREAT|O_EXCL|O_NOFOLLOW``) in a folder reached from ``/`` one component at a
time without following a link, each owned by this account or root and open to no other
account's writes (``trusted_dir``), so nobody else can swap a link into the path meanwhile.
``verify --archive`` and ``restore`` extract into a folder they make (0700), screening every
member first (``screen``: names, types, modes, a member count, member and total sizes) and
extracting with ``tarfile``'s ``data`` filter (PEP 706) as well.

A backup's members: regular files (0600) and folders (0700), relative names, uid/gid 0 and
no owner names, the files' mtimes kept. The copy is taken as ``backup`` always took it (the
clinic file's lock held throughout, each file under its own lock, the audit log last, files
written meanwhile taken again: ``integrity.settle_backup``) into a private temp folder, then
streamed as a tar and removed.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from facilitator.core.errors import InputError, StoreProblem, printable
from facilitator.store.checks import MAX_AUDIT_FILE_BYTES, regular_files, walk_names
from facilitator.store.datadir import DataDir
from facilitator.store.files import file_type, locked

MAX_MEMBERS = 50_000                  # ten times a five-year clinic's files (tests/bench/README.md)
MAX_MEMBER_BYTES = MAX_AUDIT_FILE_BYTES   # the largest file the store ever reads (256 MB)
MAX_TOTAL_BYTES = 8 * 2**30           # about fifty times a five-year clinic (170 MB)
ARCHIVE_FILE_MODE, ARCHIVE_DIR_MODE = 0o600, 0o700
_CHUNK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


# -- folders nobody else can change ---------------------------------------------------------------
def _open_component(parent: int, name: str, shown: str, field: str) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except FileNotFoundError:
        raise InputError(f"the folder {shown} does not exist; nothing was written", field=field) from None
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.ENOTDIR):
            raise InputError(f"{shown} is not a folder (or was replaced by a link while it was "
                             f"checked); nothing was written", field=field) from None
        raise


def _check_owner(fd: int, shown: str, field: str) -> None:
    info = os.fstat(fd)
    me = os.geteuid()
    if info.st_uid not in (0, me):
        raise InputError(f"the folder {shown} belongs to another account, which could swap a link "
                         f"into it; facilitator writes only where no other account can; nothing "
                         f"was written", field=field)
    if info.st_mode & 0o022 and not info.st_mode & stat.S_ISVTX:
        raise InputError(f"the folder {shown} can be changed by other accounts (mode "
                         f"{stat.S_IMODE(info.st_mode):o}); facilitator writes only where no other "
                         f"account can; nothing was written", field=field)


MAX_LINKS = 40


def _next_link(candidate: str, hops: int, field: str) -> str:
    """The target of the link ``candidate``, if this account or root made it."""
    if hops > MAX_LINKS:
        raise InputError(f"{printable(candidate)} goes through more than {MAX_LINKS} links; nothing "
                         f"was written", field=field)
    if os.lstat(candidate).st_uid not in (0, os.geteuid()):
        raise InputError(f"{printable(candidate)} is a link another account made, which could lead "
                         f"anywhere; nothing was written", field=field)
    return os.readlink(candidate)


def resolve_links(path: Path, field: str) -> str:
    """``path`` made absolute with its links resolved, like ``os.path.realpath``, but refusing
    a link that belongs to another account (which could point it at this account's files)."""
    pending = list(reversed(Path(os.path.abspath(path)).parts[1:]))
    resolved, hops = "/", 0
    while pending:
        name = pending.pop()
        if name in ("", "."):
            continue
        if name == "..":
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, name)
        try:
            is_link = stat.S_ISLNK(os.lstat(candidate).st_mode)
        except FileNotFoundError:
            raise InputError(f"the folder {printable(candidate)} does not exist; nothing was written",
                             field=field) from None
        if not is_link:
            resolved = candidate
            continue
        hops += 1
        target = _next_link(candidate, hops, field)
        if target.startswith("/"):
            resolved = "/"
        pending.extend(reversed([part for part in target.split("/") if part]))
    return resolved


def trusted_dir(path: Path, field: str) -> int:
    """A descriptor of the folder ``path`` (its links resolved first, none of another
    account's), reached again from ``/`` one component at a time with ``O_NOFOLLOW``, every
    component owned by this account or root and writable by no one else (a sticky folder
    such as /tmp excepted): no other account can swap a link into it meanwhile. Raises
    ``InputError``."""
    resolved = resolve_links(path, field)
    fd = os.open("/", _DIR_FLAGS)
    try:
        _check_owner(fd, "/", field)
        walked = ""
        for name in Path(resolved).parts[1:]:
            walked += "/" + name
            shown = printable(walked)
            child = _open_component(fd, name, shown, field)
            os.close(fd)
            fd = child
            _check_owner(fd, shown, field)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _leaf_name(path: Path, field: str) -> str:
    name = Path(path).name
    if name in ("", ".", ".."):
        raise InputError(f"{printable(str(path))} names no file or folder", field=field)
    return name


def create_new_file(path: Path, field: str) -> tuple[BinaryIO, int, str]:
    """``path`` made new (0600) in a trusted folder: the open file, the folder's descriptor and
    the name (to remove it again if the backup fails). Refused if anything is there already."""
    name = _leaf_name(path, field)
    parent = trusted_dir(Path(path).parent, field)
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     ARCHIVE_FILE_MODE, dir_fd=parent)
    except FileExistsError:
        os.close(parent)
        raise InputError(f"{printable(str(path))} already exists; a backup is written only to a new "
                         f"file (nothing was written)", field=field) from None
    except BaseException:
        os.close(parent)
        raise
    return os.fdopen(fd, "wb"), parent, name


# -- backup -------------------------------------------------------------------------------------
def _copy_regular(source: Path, target: Path) -> None:
    """Copy ``source``, a regular file (never through a link), to ``target`` in the private
    staging folder, keeping its mtime."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return
        target.parent.mkdir(mode=ARCHIVE_DIR_MODE, parents=True, exist_ok=True)
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC,
                      ARCHIVE_FILE_MODE)
        try:
            while chunk := os.read(fd, _CHUNK):
                os.write(out, chunk)
        finally:
            os.close(out)
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    finally:
        os.close(fd)


def _copy_or_skip(source: Path, target: Path) -> None:
    try:
        _copy_regular(source, target)
    except OSError as err:
        if err.errno not in (errno.ELOOP, errno.ENOENT, errno.ENXIO):
            raise                   # a link, a vanished file or a socket: not a data file


def take_copy(data: DataDir, staging: Path) -> int:
    """The clinic's data files copied into ``staging`` as ``backup`` always took them."""
    from facilitator.store.integrity import settle_backup
    copied, audit_files = 0, []
    with locked(data.clinic_file.path):
        for path in regular_files(data.root):
            relative = path.relative_to(data.root)
            if relative.parts[0] == "audit":
                audit_files.append(path)
                continue
            if path == data.clinic_file.path:
                _copy_or_skip(path, staging / relative)
            else:
                with locked(path):
                    _copy_or_skip(path, staging / relative)
            copied += 1
        with locked(data.audit.directory / "log"):
            for path in audit_files:
                _copy_or_skip(path, staging / path.relative_to(data.root))
                copied += 1
        settle_backup(data, staging, _copy_or_skip)
    return copied


def _member(staging: Path, path: str, info: os.stat_result) -> tarfile.TarInfo:
    member = tarfile.TarInfo(os.path.relpath(path, staging))
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    member.mtime = int(info.st_mtime)
    if stat.S_ISDIR(info.st_mode):
        member.type, member.mode = tarfile.DIRTYPE, ARCHIVE_DIR_MODE
    else:
        member.type, member.mode, member.size = tarfile.REGTYPE, ARCHIVE_FILE_MODE, info.st_size
    return member


def write_tar(staging: Path, out: BinaryIO) -> int:
    """Stream the staged copy as a tar; returns the files written."""
    files = 0
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for path, info in walk_names(str(staging)):
            member = _member(staging, path, info)
            if member.isdir():
                tar.addfile(member)
                continue
            if not member.isreg():
                continue
            with open(path, "rb") as handle:
                tar.addfile(member, handle)
            files += 1
    out.flush()
    return files


class BackupCut(StoreProblem):
    """The reader of a backup written to a pipe went away before it was whole."""

    def __init__(self) -> None:
        super().__init__("The backup's reader closed the pipe before the archive was whole; that "
                         "copy is incomplete and no backup was recorded.")


def backup_archive(data: DataDir, out: BinaryIO) -> int:
    """Write a consistent tar of the clinic to ``out``. Supervisors and admins (``backup``);
    audited "clinic.backup" with the count of files, once the archive is whole. Returns the
    files written."""
    data.require("backup")           # supervisors and admins; a refusal is audited
    staging = Path(tempfile.mkdtemp(prefix="facilitator-backup-"))    # 0700, this process's own
    try:
        take_copy(data, staging)
        files = write_tar(staging, out)
    except BrokenPipeError:
        raise BackupCut() from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    data.record_audit("clinic.backup", "clinic", {"files": files})
    return files


# -- reading an archive: every member screened before it is extracted ----------------------------
@dataclass
class Tally:
    """What the members read so far add up to, against the caps."""
    label: str
    members: int = 0
    total: int = 0
    names: set[str] = field(default_factory=set)
    file_names: set[str] = field(default_factory=set)
    files: int = 0


def _refuse(tally: Tally, member: tarfile.TarInfo, why: str) -> InputError:
    return InputError(f"{tally.label}: member {printable(member.name)!r} {why}; nothing was "
                      f"extracted (a facilitator backup holds only regular files and folders "
                      f"under relative names)", field="ARCHIVE")


def _kind_problem(member: tarfile.TarInfo) -> str | None:
    if member.issym() or member.islnk():
        return "is a link"
    if member.ischr() or member.isblk():
        return "is a device"
    if member.isfifo():
        return "is a FIFO (named pipe)"
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE):
        return "is neither a regular file nor a folder"
    if member.mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX):
        return "has a setuid, setgid or sticky bit"
    return None


def _name_problem(member: tarfile.TarInfo, tally: Tally) -> str | None:
    name = member.name
    if not name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute name"
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        return "climbs out of the archive with '..'"
    if not name.isprintable() or "\\" in name:
        return "has a control character or backslash in its name"
    if any(part.startswith(".") for part in parts):
        return "is a hidden file, which no backup holds"
    key = "/".join(parts)
    if key in tally.names:
        return "comes twice"
    if any("/".join(parts[:i]) in tally.file_names for i in range(1, len(parts))):
        return "is under a name that is a file in the archive"
    tally.names.add(key)
    if member.isreg():
        tally.file_names.add(key)
    return None


def screen(member: tarfile.TarInfo, tally: Tally) -> None:
    """Refuse ``member`` (``InputError`` naming it) unless a facilitator backup could hold it."""
    tally.members += 1
    if tally.members > MAX_MEMBERS:
        raise _refuse(tally, member, f"is one more than the {MAX_MEMBERS} members a backup may have")
    problem = _kind_problem(member) or _name_problem(member, tally)
    if problem:
        raise _refuse(tally, member, problem)
    if member.size > MAX_MEMBER_BYTES:
        raise _refuse(tally, member, f"is {member.size} bytes, over the {MAX_MEMBER_BYTES} a file "
                                     f"may have")
    tally.total += member.size
    if tally.total > MAX_TOTAL_BYTES:
        raise _refuse(tally, member, f"takes the archive over the {MAX_TOTAL_BYTES} bytes a backup "
                                     f"may hold")
    tally.files += member.isreg()


def _screened(tar: tarfile.TarFile, tally: Tally) -> Iterator[tarfile.TarInfo]:
    for member in tar:
        screen(member, tally)
        yield member


def open_archive_file(path: Path) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, never through a final link and
    never waiting on a FIFO. Raises ``InputError``."""
    shown = printable(str(path))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(f"{shown} does not exist", field="ARCHIVE") from None
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.ENXIO):
            raise InputError(f"{shown} is a link or a special file, not an archive", field="ARCHIVE") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(f"{shown} is {file_type(info.st_mode)}, not an archive", field="ARCHIVE")
    return os.fdopen(fd, "rb")


def _seekable(source: BinaryIO) -> bool:
    try:
        return source.seekable() and stat.S_ISREG(os.fstat(source.fileno()).st_mode)
    except (OSError, ValueError):
        return False


# PEP 706's ``data`` filter is in Python 3.11.4 and later; Debian 12's system Python (3.11.2)
# lacks it. ``screen`` refuses everything the filter would (and more: any link, any device,
# hidden names), so without it the screened members are extracted as they are, and
# ``_settle_modes`` sets every mode after.
FILTER: dict[str, str] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def _extract_all(source: BinaryIO, into: Path, tally: Tally) -> None:
    if _seekable(source):
        # Every header first (the data is skipped, so a sparse 10 GB member costs nothing),
        # then the members, each again through the data filter.
        with tarfile.open(fileobj=source, mode="r:") as tar:
            members = list(_screened(tar, tally))
            tar.extractall(into, members=members, **FILTER)  # type: ignore[arg-type]
    else:
        # A pipe: each member screened as its header arrives, before its data is read.
        with tarfile.open(fileobj=source, mode="r|") as tar:
            tar.extractall(into, members=_screened(tar, tally), **FILTER)  # type: ignore[arg-type]


def _settle_modes(root: Path, label: str) -> None:
    """Folders 0700 and files 0600, as a backup holds them (the data filter leaves folders to
    the umask); anything else (none can be there) refuses the archive."""
    os.chmod(root, ARCHIVE_DIR_MODE)
    for path, info in walk_names(str(root)):
        if stat.S_ISDIR(info.st_mode):
            os.chmod(path, ARCHIVE_DIR_MODE)
        elif stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
            os.chmod(path, ARCHIVE_FILE_MODE)
        else:
            raise InputError(f"{label}: {printable(os.path.relpath(path, root))} came out as "
                             f"{file_type(info.st_mode)}; nothing was kept", field="ARCHIVE")


def extract(source: BinaryIO, into: Path, label: str) -> int:
    """Extract the archive read from ``source`` into ``into``, a folder this process made,
    every member screened first; returns the files. ``label`` names the archive in refusals.
    Raises ``InputError`` for a hostile, damaged or foreign archive (the caller removes ``into``)."""
    tally = Tally(label)
    try:
        _extract_all(source, into, tally)
    except getattr(tarfile, "FilterError", ()) as err:
        name = printable(err.tarinfo.name)
        raise InputError(f"{label}: member {name!r} was refused by the data filter ({err}); nothing "
                         f"was extracted", field="ARCHIVE") from None
    except (tarfile.TarError, EOFError) as err:
        raise InputError(f"{label} is not a tar archive facilitator can read ({err}); a backup is "
                         f"an uncompressed tar", field="ARCHIVE") from None
    _settle_modes(into, label)
    if not (into / "clinic.json").is_file():
        raise InputError(f"{label} is not a facilitator backup (it has no clinic.json)", field="ARCHIVE")
    return tally.files


def _as_named(problems: list[str], where: Path, label: str) -> list[str]:
    return [p.replace(f"{where}/", f"{label}:").replace(str(where), label) for p in problems]


def verify_archive(source: BinaryIO, label: str, user: str, head: str | None = None) -> list[str]:
    """Every problem ``verify --full`` finds in the archive, its paths named inside it
    (``clinic.tar:records/…``). Extracted into a private temp folder, removed after."""
    from facilitator.store.integrity import check_head
    from facilitator.store.maintenance import verify
    scratch = Path(tempfile.mkdtemp(prefix="facilitator-verify-"))     # 0700, this process's own
    try:
        clinic = scratch / "clinic"
        clinic.mkdir(mode=ARCHIVE_DIR_MODE)
        extract(source, clinic, label)
        data = DataDir(clinic, user=user)
        problems = verify(data, full=True)
        if head is not None:
            try:
                problems += check_head(data, head)
            except ValueError as err:
                raise InputError(str(err), field="--head") from None
        return _as_named(problems, clinic, label)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# -- restore --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Restore:
    """What ``restore`` was asked: the archive, the new folder, who acts, who will own it."""
    source: BinaryIO
    label: str
    dest: Path
    user: str                                   # the staff member recorded in the audit entry
    owner: tuple[int, int] | None = None        # uid and gid every path is given (root only)
    detail: dict[str, object] = field(default_factory=dict)


@dataclass
class Restored:
    files: int
    problems: list[str]


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give every path under ``root``, then ``root``, to uid:gid, deepest first, never following
    a link (there are none: ``extract`` refused them); a folder is given away only after
    everything in it, so its new owner never holds a folder this process still works in."""
    for path, _info in reversed(list(walk_names(str(root)))):
        os.chown(path, uid, gid, follow_symlinks=False)
    os.chown(root, uid, gid, follow_symlinks=False)


def _claim(parent: int, name: str, dest: Path) -> None:
    try:
        os.mkdir(name, ARCHIVE_DIR_MODE, dir_fd=parent)
    except FileExistsError:
        raise InputError(f"{printable(str(dest))} already exists; restore makes a new folder itself "
                         f"(nothing was changed)", field="--data") from None


def _restore_into(job: Restore, staging: Path) -> Restored:
    from facilitator.store.maintenance import may_restore, verify
    files = extract(job.source, staging, job.label)
    for sub in ("records", "plans", "audit"):      # a backup holds no empty folders
        (staging / sub).mkdir(mode=ARCHIVE_DIR_MODE, exist_ok=True)
    may_restore(staging, job.user)
    data = DataDir(staging, user=job.user)
    problems = verify(data, full=True)        # a copy from elsewhere: every file read strictly
    if not problems:
        data.record_audit("clinic.restore", "clinic", {"files": files, **job.detail})
    if job.owner is not None:
        chown_tree(staging, *job.owner)
    return Restored(files, _as_named(problems, staging, str(job.dest)))


def restore_archive(job: Restore) -> Restored:
    """Make ``job.dest`` (which must not exist) and a staging folder beside it, both 0700 in
    a trusted folder; extract, check the acting user may restore this clinic, verify it in
    full, audit "clinic.restore" (only if verify passes), give it to the owner, and rename it
    into place. A refusal or failure removes both folders; a copy verify finds problems in is
    kept for inspection, without the entry."""
    name = _leaf_name(job.dest, "--data")
    parent = trusted_dir(job.dest.parent, "--data")
    try:
        _claim(parent, name, job.dest)
        staging_name = f".{name}.restore-{os.urandom(4).hex()}"
        staging = Path(resolve_links(job.dest.parent, "--data")) / staging_name
        try:
            os.mkdir(staging_name, ARCHIVE_DIR_MODE, dir_fd=parent)
            restored = _restore_into(job, staging)
            os.rename(staging_name, name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            os.rmdir(name, dir_fd=parent)
            raise
        os.fsync(parent)
        return restored
    finally:
        os.close(parent)
