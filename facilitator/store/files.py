"""Atomic, permission-keeping file writes and per-file locks.

Every write: serialise, write a temp file in the same directory, fsync,
``os.replace``, fsync the directory.

A data directory is its OS account's alone (issue #21): its top folder is 0700
(``TOP_DIR_MODE``, set by whatever creates it: ``init``, ``demo``, a laptop's first sync,
``restore``), so no other account can reach anything inside. Inside it, whatever the
writer's umask, new files are 0640 and folders 0750; a replaced file keeps its mode and
group. There is no shared mode: ``store.ownership`` names a clinic left on the old
group-shared model and refuses to open it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.core.errors import InputError, StoreProblem

if TYPE_CHECKING:
    from filelock import FileLock

FILE_MODE = 0o640
DIR_MODE = 0o750
TOP_DIR_MODE = 0o700      # the clinic's own folder: nothing for any other account
LOCK_TIMEOUT_SECONDS = 15.0
TEMP_SUFFIX = ".tmp"


class DamagedFile(StoreProblem):
    """A data file that cannot be read as what it should be. It is never overwritten."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return (f"{self.path} is damaged: {self.reason}; it was left untouched. "
                f"Restore it from a backup, then run `facilitator verify`.")


class StoreBusy(StoreProblem):
    """Another process held a file's lock for too long."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is locked by another facilitator process; try again in a moment.")
        self.path = path


class NotSaved(StoreProblem, OSError):
    """A write the operating system refused (a full or read-only disk, a permission): the change
    was not saved, and the data and the audit log are as they were (``store.commit``). Still an
    ``OSError`` with the cause's errno; the sentence names the file (a path of ids, no names)."""

    def __init__(self, path: str | Path, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror, str(path))
        self.path = str(path)
        self.cause = cause

    def __str__(self) -> str:
        if self.errno in (errno.ENOSPC, errno.EDQUOT):
            return (f"The disk is full, so this change to {self.path} was not saved: the data and the "
                    f"audit log are as they were. Free some space and try again.")
        if self.errno in (errno.EACCES, errno.EPERM):
            return (f"Permission denied for {self.path}, so this change was not saved; check the data "
                    f"directory's owner and mode.")
        if self.errno == errno.EROFS:
            return f"{self.path} is on a read-only disk, so this change was not saved."
        reason = (self.strerror or "it failed").lower()
        return f"Could not write {self.path} ({reason}), so this change was not saved."


# The operating system's refusals of a write that ``DataDir.change`` reports as ``NotSaved``.
NOT_SAVED_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                              errno.EIO, errno.EFBIG})


class NotRegularFile(StoreProblem, OSError):
    """A path that is a symlink, FIFO, device, socket or directory where a file should be."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path} is {what}, not a regular file")
        self.path = Path(path)
        self.what = what


class TooLarge(StoreProblem, OSError):
    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(f"{path} is larger than {limit} bytes")
        self.path = Path(path)
        self.limit = limit


def file_type(mode: int) -> str:
    """What a stat mode is, in words."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def read_regular(path: Path, *, limit: int, follow: bool = False) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Opened with O_NONBLOCK (a FIFO never blocks the open) and, unless ``follow``,
    O_NOFOLLOW (a symlink is refused, never followed); then ``fstat`` must say a regular
    file, so a FIFO, a device (/dev/zero) or a directory is never read. At most
    ``limit`` + 1 bytes are ever read, even if the file grows meanwhile.
    Raises FileNotFoundError, NotRegularFile, TooLarge or OSError.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if err.errno == errno.ELOOP and not follow:
            raise NotRegularFile(path, "a symbolic link") from None
        if err.errno == errno.ENXIO:     # a socket or an unconnected device
            raise NotRegularFile(path, "a special file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(path, file_type(info.st_mode))
        if info.st_size > limit:
            raise TooLarge(path, limit)
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise TooLarge(path, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


class LockFileRefused(StoreProblem):
    """A lock file that is not one of ours: a symbolic link, a folder, a pipe, or unopenable."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path} {what}, so facilitator will not use it as a lock file and "
                         f"wrote nothing; someone replaced it: tell the clinic admin, and remove "
                         f"it (the next write makes a proper one).")
        self.path = Path(path)


def make_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents, each 0750 whatever the umask (a folder that
    exists already is left as it is)."""
    missing = []
    current = Path(path)
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(directory, DIR_MODE)      # mkdir's mode is cut by the umask


def make_top_dir(root: Path) -> bool:
    """Create a data directory's top folder (and its missing parents, 0750), 0700 whatever the
    umask. Returns whether it was made; an existing one is left as it is (its owner's choice,
    which ``verify`` names if it lets another account in)."""
    root = Path(root)
    if root.exists():
        return False
    make_dirs(root.parent)
    try:
        root.mkdir(mode=TOP_DIR_MODE)
    except FileExistsError:
        return False
    os.chmod(root, TOP_DIR_MODE)
    return True


def claim_top_dir(root: Path, *, field: str) -> None:
    """A data directory's top folder for a new clinic or copy: made 0700 (``make_top_dir``), or
    an existing (empty) folder set 0700, this account's alone from now on. One of another
    account is refused (``InputError`` naming ``field``): it could never be this account's alone."""
    if make_top_dir(root):
        return
    try:
        os.chmod(root, TOP_DIR_MODE)
    except PermissionError:
        raise InputError(f"{root} belongs to another account, so it cannot be this account's alone "
                         f"as a clinic folder must be; nothing was made: choose a new directory",
                         field=field) from None


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, before_replace: Callable[[], None] | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or new file, never a mix.

    On any failure (a full disk, a kill) the previous file is intact and the
    temp file is removed (or, after a kill, swept by ``sweep_temp_files``).
    ``before_replace`` runs once the temp file is whole and durable, just before the
    rename (``store.commit`` appends the audit entry there); if it raises, nothing is replaced.
    """
    path = Path(path)
    directory = path.parent
    tmp = write_temp(path, data)
    try:
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(directory)


def write_temp(path: Path, data: bytes) -> str:
    """A whole, fsynced temp file beside ``path`` holding ``data``, with the mode ``path`` has
    (or a new file's); ``atomic_write`` renames it over ``path``, ``store.commit.together``
    later. On any failure nothing is left behind (after a kill, the sweep removes it)."""
    path = Path(path)
    directory = path.parent
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if current is not None:
            os.chmod(tmp, stat.S_IMODE(current.st_mode))
            if current.st_gid != os.stat(tmp).st_gid:
                with contextlib.suppress(PermissionError):
                    os.chown(tmp, -1, current.st_gid)
        else:
            os.chmod(tmp, FILE_MODE)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp


def lock_path(path: Path) -> Path:
    return path.parent / f".{path.name}.lock"


def check_lock_file(lock: Path) -> None:
    """Refuse a lock file that is not a regular file (a symbolic link to someone's file, or a
    pipe or folder that blocks every writer: only the clinic's own account or root can put one
    there, but the program never follows or waits on one)."""
    try:
        found = os.lstat(lock)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(found.st_mode):
        raise LockFileRefused(lock, "is a symbolic link")
    if not stat.S_ISREG(found.st_mode):
        raise LockFileRefused(lock, "is not a regular file")


def _file_lock(lock: Path, timeout: float, **kwargs: Any) -> FileLock:
    # filelock is imported here, not at the top: reading needs no lock, and importing it
    # was a large part of the app's start-up beyond bare Textual (tests/bench/README.md).
    from filelock import FileLock
    check_lock_file(lock)
    return FileLock(lock, timeout=timeout, mode=FILE_MODE, thread_local=False,
                    **kwargs)


def _acquire(lock: FileLock, path: Path) -> None:
    from filelock import Timeout
    lock_file = Path(lock.lock_file)
    try:
        lock.acquire()
    except Timeout:
        raise StoreBusy(path) from None
    except OSError as err:
        # filelock opens with O_NOFOLLOW: a link swapped in after our check ends here (ELOOP).
        check_lock_file(lock_file)
        if isinstance(err, PermissionError):
            raise LockFileRefused(lock_file, "cannot be opened for writing by this account") from None
        raise


# Lock files this process holds for a change spanning several files (``holding``): ``locked``
# on one of them inside that block is already held, not taken again (a second lock of the
# same file from this process would wait for itself).
_HELD: ContextVar[frozenset[str]] = ContextVar("facilitator_held_locks", default=frozenset())


@contextlib.contextmanager
def holding(paths: Iterable[Path], timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold several files' locks at once, taken in path order (so two such blocks never wait
    for each other), for a change that must commit them together (``store.commit.together``)."""
    wanted = sorted({str(Path(p).absolute()) for p in paths})
    with contextlib.ExitStack() as stack:
        for path in wanted:
            stack.enter_context(locked(Path(path), timeout))
        token = _HELD.set(_HELD.get() | {str(lock_path(Path(p))) for p in wanted})
        try:
            yield
        finally:
            _HELD.reset(token)


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold ``path``'s advisory lock (a sibling ``.NAME.lock`` file)."""
    held = _HELD.get()
    if held and str(lock_path(Path(path).absolute())) in held:
        yield                      # this process holds it for a change spanning several files
        return
    # A short retry interval: filelock polls, and 50 ms (its default) is a whole key-press budget.
    lock = _file_lock(lock_path(path), timeout, poll_interval=0.005)
    _acquire(lock, path)
    try:
        yield
    finally:
        lock.release()


def audit_month_names(directory: Path) -> list[str]:
    """The audit log's month files' names, oldest first (regular files only: a FIFO or
    symlink named like a month is never opened; it would hang or leak a read, and verify
    names it). Plain strings: making and sorting a ``Path`` per month file cost more than
    the rest of an append once a clinic had five years of them (benchmark figure 2)."""
    try:
        with os.scandir(directory) as entries:
            return sorted(e.name for e in entries
                          if e.name.endswith(".jsonl") and e.is_file(follow_symlinks=False))
    except FileNotFoundError:
        return []


def last_line_torn(path: Path) -> bool:
    """Whether ``path`` ends without a newline: an append was killed mid-line."""
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return False
        handle.seek(size - 1)
        return handle.read(1) != b"\n"


def _recent_temp_files(root: Path, record_months: int) -> Iterator[Path]:
    """Temp files outside ``records/`` and in its newest ``record_months`` month folders."""
    pattern = f".*{TEMP_SUFFIX}"
    yield from root.glob(pattern)
    for entry in os.scandir(root):
        if entry.is_dir() and entry.name != "records":
            yield from Path(entry.path).rglob(pattern)
    records = root / "records"
    if not records.is_dir():
        return
    years = sorted((e.name for e in os.scandir(records) if e.is_dir() and e.name.isdigit()), reverse=True)
    months: list[Path] = []
    for year in years:                       # newest first; stop once enough months are found
        if len(months) >= record_months:
            break
        months += sorted((records / year / e.name for e in os.scandir(records / year)
                          if e.is_dir() and e.name.isdigit()), reverse=True)
    for folder in months[:max(record_months, 0)]:
        yield from folder.glob(pattern)


def sweep_temp_files(root: Path, *, record_months: int | None = None) -> list[Path]:
    """Remove temp files left by killed writers: those whose target's lock is free.

    ``record_months=N`` looks in ``records/`` only in the newest N month folders, where
    nearly every write lands (and everywhere else, which is small): opening a clinic does
    that, so its cost does not grow with years of history (walking five years of session
    files took 15-20 ms of every start, benchmark figure 1). A temp file left elsewhere
    is never read; ``verify`` names it. ``None`` looks everywhere.
    """
    removed = []
    root = Path(root)
    candidates = (root.rglob(f".*{TEMP_SUFFIX}") if record_months is None
                  else _recent_temp_files(root, record_months))
    for tmp in candidates:
        name = tmp.name[1:].rsplit(".", 2)[0]
        target = tmp.parent / name
        try:
            lock = _file_lock(lock_path(target), 0)
            _acquire(lock, target)
        except (StoreBusy, LockFileRefused):
            continue
        try:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                removed.append(tmp)
        finally:
            lock.release()
    return removed
