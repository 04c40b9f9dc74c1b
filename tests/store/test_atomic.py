"""Atomic writes keep mode and group, new files are private whatever the umask, a failed
write (a full disk) leaves the old file and no temp file, and transactions are all-or-nothing."""

from __future__ import annotations

import errno
import grp
import json
import os
import stat
import time
from datetime import date
from pathlib import Path

import pytest

from facilitator.core.roster import Client
from facilitator.store import files
from facilitator.store.files import DIR_MODE, FILE_MODE, atomic_write, make_dirs
from facilitator.store.storage import DataFile
from tests.store._support import ITEMS, bare_binding, make_clinic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def temps(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.tmp"))


@pytest.fixture
def items(tmp_path: Path):
    """A plain data file of the storage-mechanics tests, written in a bare binding (_support)."""
    with bare_binding(tmp_path):
        yield DataFile(tmp_path / ITEMS, "test")


@pytest.fixture
def umask_zero():
    old = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(old)


def test_replace_keeps_the_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "clinic.json"
    atomic_write(path, b"one")
    os.chmod(path, 0o660)
    atomic_write(path, b"two")
    assert path.read_bytes() == b"two" and mode(path) == 0o660


def other_group() -> int | None:
    """A group this process may give its files: any group as root, else a supplementary one."""
    mine = os.getgid()
    if os.geteuid() == 0:
        return next((g.gr_gid for g in grp.getgrall() if g.gr_gid != mine), None)
    return next((g for g in os.getgroups() if g != mine), None)


def test_replace_keeps_the_files_group(tmp_path: Path) -> None:
    gid = other_group()
    if gid is None:
        pytest.skip("this account has no second group to give a file")
    path = tmp_path / "clinic.json"
    atomic_write(path, b"one")
    os.chown(path, -1, gid)
    atomic_write(path, b"two")
    assert path.read_bytes() == b"two" and path.stat().st_gid == gid


def test_new_files_and_dirs_are_private_even_with_umask_zero(tmp_path: Path, umask_zero) -> None:
    directory = tmp_path / "a" / "b" / "c"
    make_dirs(directory)
    for d in (tmp_path / "a", tmp_path / "a" / "b", directory):
        assert mode(d) == DIR_MODE == 0o750
    atomic_write(directory / "new.json", b"{}")
    assert mode(directory / "new.json") == FILE_MODE == 0o640
    data = make_clinic(tmp_path / "clinic")              # a whole clinic made under umask 0
    assert mode(data.root) == 0o700                      # the account's alone: no one else enters
    for path in data.root.rglob("*"):
        assert mode(path) & 0o007 == 0, path             # nothing readable by other accounts
        if path.is_dir():
            assert mode(path) == 0o750, path
        elif not path.name.startswith("."):
            assert mode(path) == 0o640, path


@pytest.mark.parametrize("failing", ["fsync", "write"])
def test_full_disk_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch, failing: str) -> None:
    path = tmp_path / "clinic.json"
    atomic_write(path, b"the previous content")
    os.chmod(path, 0o660)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failing == "fsync":
        monkeypatch.setattr(files.os, "fsync", full)
    else:                                                  # the disk fills after 4 KB of the new file
        real_fdopen = os.fdopen

        class FillsUp:
            def __init__(self, handle):
                self.handle = handle

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()

            def write(self, data):
                self.handle.write(data[:4096])
                self.handle.flush()
                full()

        monkeypatch.setattr(files.os, "fdopen", lambda fd, *a, **k: FillsUp(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError) as raised:
        atomic_write(path, b"x" * 100_000)
    monkeypatch.undo()
    assert raised.value.errno == errno.ENOSPC
    assert path.read_bytes() == b"the previous content" and mode(path) == 0o660
    assert temps(tmp_path) == []


def test_full_disk_through_a_transaction_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    data = make_clinic(tmp_path / "clinic")
    before = data.clinic_file.path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(OSError):
        data.import_roster([Client("Z100", "Lee", "Fullsdisk", "IOP", 9.0, date(2026, 11, 1))])
    monkeypatch.undo()
    assert data.clinic_file.path.read_bytes() == before
    assert temps(data.root) == []


def test_a_transaction_that_raises_writes_nothing(items: DataFile) -> None:
    file = items
    with file.transaction(create=True) as db:
        db.table("items").insert({"n": 1})
    raw, generation = file.path.read_bytes(), file.generation()
    with pytest.raises(RuntimeError):
        with file.transaction() as db:
            db.table("items").insert({"n": 2})
            db.table("items").truncate()
            raise RuntimeError("changed my mind")
    assert file.path.read_bytes() == raw and file.generation() == generation == 1


def test_failed_create_leaves_no_file(items: DataFile) -> None:
    file = items
    with pytest.raises(RuntimeError):
        with file.transaction(create=True) as db:
            db.table("items").insert({"n": 1})
            raise RuntimeError("no")
    assert not file.exists()


def test_generation_bumps_once_per_transaction(items: DataFile) -> None:
    file = items
    with file.transaction(create=True) as db:
        db.table("items").insert_multiple({"n": n} for n in range(3))
    assert file.generation() == 1
    with file.transaction() as db:
        for n in range(5):
            db.table("items").insert({"n": n})
        db.table("other").insert({"x": 1})
        db.table("items").update({"seen": True})
    assert file.generation() == 2
    with file.transaction() as db:                         # a read-only transaction writes nothing
        assert len(db.table("items").all()) == 8
    assert file.generation() == 2


def test_generation_tells_a_rewrite_within_one_timestamp_tick(items: DataFile) -> None:
    """The trap stat-based change checks fall into: same size, same mtime, different data."""
    file = items
    with file.transaction(create=True) as db:
        db.table("items").insert({"v": "a"})
    first = file.path.stat()
    with file.transaction() as db:
        db.table("items").update({"v": "b"})
    os.utime(file.path, ns=(first.st_atime_ns, first.st_mtime_ns))   # as if in the same tick
    second = file.path.stat()
    assert (second.st_size, second.st_mtime_ns) == (first.st_size, first.st_mtime_ns)
    assert file.generation() == 2 and file.tables()["items"][0]["v"] == "b"


def test_readers_never_see_a_torn_file_while_one_is_written(items: DataFile) -> None:
    """A reader racing a writer (threads here; the processes case is test_concurrency) only ever
    sees whole files: the old one or the new one."""
    import threading
    file = items
    with file.transaction(create=True) as db:
        db.table("items").insert({"blob": "x" * 200_000})
    stop = threading.Event()
    errors: list[BaseException] = []

    def read_forever() -> None:
        while not stop.is_set():
            try:
                json.loads(file.path.read_bytes())
            except BaseException as err:  # noqa: BLE001
                errors.append(err)
                return

    reader = threading.Thread(target=read_forever)
    reader.start()
    deadline = time.monotonic() + 1.0
    n = 0
    while time.monotonic() < deadline:
        n += 1
        with file.transaction() as db:
            db.table("items").update({"blob": str(n) * 200_000})
    stop.set()
    reader.join()
    assert errors == [] and n > 5

