"""backup: one tar that verifies, file for file, even while another process keeps writing.

The archive's members are regular files (0600) and folders (0700) under relative names,
uid/gid 0 and no owner names, mtimes kept (``store.archive``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time
from datetime import date
from datetime import time as clock_time
from pathlib import Path

import pytest

from facilitator.core.errors import PermissionDenied
from facilitator.core.imports import AttendanceRow
from facilitator.core.rules import Status
from facilitator.store.archive import backup_archive, extract, verify_archive
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.maintenance import data_files
from tests.store._support import REPO, clock, make_clinic


def relative_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in data_files(root)}


def as_backed_up(root: Path) -> dict[str, bytes]:
    """The clinic's files as the backup took them: the "clinic.backup" entry the store
    appends once the copy is whole (the last line of the log) left out."""
    files = relative_files(root)
    month = max(name for name in files if name.startswith("audit/"))
    *kept, last = files[month].splitlines(keepends=True)
    assert b'"action": "clinic.backup"' in last
    return {**files, month: b"".join(kept)}


def archive_files(raw: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isreg()}  # type: ignore[union-attr]


def backup_bytes(data: DataDir) -> bytes:
    out = io.BytesIO()
    backup_archive(data, out)
    return out.getvalue()


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    data = make_clinic(tmp_path / "clinic")
    data.import_attendance([
        AttendanceRow(line=2, day=date(2026, 11, d), group="Evening A", client_id="Z001",
                      status=Status.PRESENT, arrived=clock_time(18, 0), left=None) for d in (2, 4, 5)])
    return data


def test_the_archive_holds_the_clinics_files_as_plain_members(data: DataDir) -> None:
    raw = backup_bytes(data)
    original = as_backed_up(data.root)
    assert archive_files(raw) == original
    assert any(name.startswith("records/") for name in original) and "clinic.json" in original
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        members = tar.getmembers()
    assert {m.name for m in members if m.isdir()} >= {"audit", "records"}
    for member in members:
        assert member.isreg() or member.isdir(), member.name
        assert not member.name.startswith(("/", ".")) and ".." not in member.name.split("/")
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", "")
        assert member.mode == (0o700 if member.isdir() else 0o600), member.name
        if member.isreg():
            assert member.mtime == int(os.stat(data.root / member.name).st_mtime), member.name
    entries = [line for line in (data.root / "audit").glob("*.jsonl")]
    assert entries and b'"files": %d' % len(original) in sorted(entries)[-1].read_bytes().splitlines()[-1]


def test_the_archive_verifies_and_extracts_to_the_same_files(data: DataDir, tmp_path: Path) -> None:
    raw = backup_bytes(data)
    assert verify_archive(io.BytesIO(raw), "clinic.tar", os_user()) == []
    into = tmp_path / "out"
    into.mkdir()
    assert extract(io.BytesIO(raw), into, "clinic.tar") == len(as_backed_up(data.root))
    assert relative_files(into) == as_backed_up(data.root)


def test_a_counselor_may_not_back_up(data: DataDir) -> None:
    from facilitator.store.staff import add_staff
    add_staff(data, "cnsl", "Casey Counselor", "counselor")
    counselor = DataDir(data.root, user="cnsl", clock=clock)
    out = io.BytesIO()
    with pytest.raises(PermissionDenied):
        backup_archive(counselor, out)
    assert out.getvalue() == b""


@pytest.mark.slow
def test_backup_while_another_process_writes(data: DataDir, tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-m", "tests.store._workers", "busy", str(data.root), str(stop)],
                              cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        assert writer.stdout.readline() == "ready\n"
        writer.stdin.write("go\n")
        writer.stdin.flush()
        start = data.clinic_file.generation()
        copies = []
        deadline = time.monotonic() + 120                   # a bound for a stuck writer, not a figure
        # Back up until at least five archives exist and the writer has landed more than ten
        # writes meanwhile: polled, so a busy machine makes the test slower, never wrong.
        while len(copies) < 5 or data.clinic_file.generation() - start <= 10:
            assert time.monotonic() < deadline, "the writer hardly wrote; the test proved nothing"
            copies.append(backup_bytes(data))
            time.sleep(0.05)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    assert int(out) > 10, "the writer hardly wrote; the test proved nothing"
    generations = []
    for n, raw in enumerate(copies):
        assert verify_archive(io.BytesIO(raw), f"copy-{n}", os_user()) == [], n
        into = tmp_path / f"copy-{n}"
        into.mkdir()
        extract(io.BytesIO(raw), into, f"copy-{n}")
        generations.append(DataDir(into, user=os_user(), clock=clock).clinic_file.generation())
    assert generations == sorted(generations) and generations[0] < generations[-1]   # writes landed between


def test_a_write_between_a_files_copy_and_the_logs_copy_is_taken_again(data: DataDir, monkeypatch) -> None:
    """The audit entry lands before the file changes (store.commit), so a backup that took
    a record and then the log would hold an entry newer than its copy of the record."""
    from facilitator.store import archive
    from facilitator.store.running import start_session
    running = start_session(data, "Evening A")
    running.mark("Z001", Status.PRESENT)
    real, fired = archive.locked, []

    def locked(path, *args, **kwargs):
        if Path(path).name == "log" and not fired:     # the records are copied; the log is next
            fired.append(True)
            running.mark("Z002", Status.ABSENT)
        return real(path, *args, **kwargs)
    monkeypatch.setattr(archive, "locked", locked)
    raw = backup_bytes(data)
    assert fired
    assert verify_archive(io.BytesIO(raw), "clinic.tar", os_user()) == []
    assert archive_files(raw) == as_backed_up(data.root)


def test_a_link_or_fifo_in_the_clinic_is_never_archived(data: DataDir, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not the clinic's")
    (data.root / "records" / "link.json").symlink_to(secret)
    os.mkfifo(data.root / "plans-fifo")
    raw = backup_bytes(data)
    assert "records/link.json" not in archive_files(raw) and "plans-fifo" not in archive_files(raw)
    assert b"not the clinic's" not in raw


def test_anyone_holding_an_archive_may_check_it(data: DataDir) -> None:
    """`verify --archive` needs no clinic: an account that is no staff member of it checks it."""
    raw = backup_bytes(data)
    assert verify_archive(io.BytesIO(raw), "clinic.tar", "not-on-staff") == []
