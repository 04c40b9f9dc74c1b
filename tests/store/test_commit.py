"""One change, one fact (store.commit): a data write and its audit entry commit together.

Each crash window is hit exactly, in a real forked process killed at that point:
- after the temp file, before the audit entry: nothing changed, nothing logged;
- after the audit entry, before the rename: the next open completes the write.
And a full disk (a real 1 MiB tmpfs, the real `facilitator` command): what the user is
told matches what happened, and a retry logs the change once.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from facilitator.core.hours import OtherHours
from facilitator.core.imports import AttendanceRow
from facilitator.core.rules import Status
from facilitator.errors import explain
from facilitator.store import commit, otherhours
from facilitator.store.audit import AuditLog
from facilitator.store.datadir import DataDir
from facilitator.store.files import NotSaved
from facilitator.store.identity import os_user
from facilitator.store.maintenance import verify
from tests.store._support import clock, make_clinic

BIN = Path(sys.executable).parent / "facilitator"
HOURS = OtherHours("Z001", date(2026, 11, 20), 50, "individual")


def actions(root: Path) -> list[str]:
    return [e["action"] for _, _, e in AuditLog(root / "audit").entries()]


def die_in_child(root: Path, where: str) -> None:
    """Log an hours entry in a forked child that SIGKILLs itself at ``where``."""
    pid = os.fork()
    if pid == 0:
        try:
            if where == "before-entry":
                AuditLog.append = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
            else:
                real = os.replace

                def replace(src, dst):
                    if str(dst).endswith("2026-11.json"):
                        os.kill(os.getpid(), signal.SIGKILL)
                    real(src, dst)
                os.replace = replace
            otherhours.log(DataDir(root, user=os_user(), clock=clock), HOURS)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def test_a_kill_after_the_entry_and_before_the_rename_is_completed_at_the_next_open(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    make_clinic(root)
    die_in_child(root, "after-entry")
    hours = root / "hours" / "2026-11.json"
    assert not hours.exists() and actions(root)[-1] == "hours.add"
    (temp,) = (root / "hours").glob(".*.tmp")
    entry = list(AuditLog(root / "audit").entries())[-1][2]
    assert entry["file"] == "hours/2026-11.json" and entry["sha256"] == commit.file_sha256(temp)

    data = DataDir.open(root, user=os_user(), clock=clock)        # the next user opens the clinic
    assert commit.file_sha256(hours) == entry["sha256"] and not list((root / "hours").glob(".*.tmp"))
    found, problems = otherhours.between(root / "hours", date(2026, 11, 1), date(2026, 11, 30))
    assert [e for _, e in found] == [HOURS] and problems == []
    assert verify(data) == []


def test_a_kill_before_the_entry_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    make_clinic(root)
    before = actions(root)
    die_in_child(root, "before-entry")
    assert actions(root) == before and not (root / "hours" / "2026-11.json").exists()
    assert list((root / "hours").glob(".*.tmp"))                  # whole, but never logged
    data = DataDir.open(root, user=os_user(), clock=clock)
    assert not list((root / "hours").glob(".*.tmp"))              # swept, not completed
    assert verify(data) == [] and actions(root) == before


def test_a_rename_that_fails_after_its_entry_is_logged_as_undone(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "clinic"
    data = make_clinic(root)
    otherhours.log(data, HOURS)
    hours = root / "hours" / "2026-11.json"
    saved = hours.read_bytes()
    real = os.replace

    def replace(src, dst):
        if str(dst) == str(hours):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        otherhours.log(data, OtherHours("Z002", date(2026, 11, 21), 30, "family"))
    monkeypatch.undo()
    assert hours.read_bytes() == saved and actions(root)[-2:] == ["hours.add", "write.undone"]
    assert verify(data) == []


def test_an_import_stopped_by_a_full_disk_saves_none_of_its_sessions(tmp_path: Path, monkeypatch) -> None:
    """An import is one commit (issue #20): the disk filling up at its second session's file
    leaves none of its three sessions, no entry, no temp file; the same import then goes whole."""
    root = tmp_path / "clinic"
    data = make_clinic(root)
    rows = [AttendanceRow(n, day, "Evening A", "Z001", Status.PRESENT, None, None)
            for n, day in enumerate((date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 5)), start=2)]
    real = commit.write_temp
    calls = []

    def fill_up(path, raw):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, raw)
    monkeypatch.setattr(commit, "write_temp", fill_up)
    with pytest.raises(OSError) as raised:
        data.import_attendance(rows)
    monkeypatch.undo()
    # One commit: nothing of it saved, and said so naming a file by its path (ids, no names).
    assert isinstance(raised.value, NotSaved) and len(calls) == 2
    assert str(raised.value).startswith("The disk is full, so this change to records/2026/11/")
    assert actions(root).count("attendance.import") == 0 and list((root / "records").rglob("*.json")) == []
    assert list((root / "records").rglob(".*.tmp")) == []
    assert verify(data) == []
    assert data.import_attendance(rows) == (3, 3)
    assert verify(data) == [] and actions(root).count("attendance.import") == 3


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as err:
            assert err.errno == errno.ENOSPC
    return filler


def test_a_full_disk_saves_nothing_says_so_and_a_retry_logs_once(small_disk: Path) -> None:
    root = small_disk / "clinic"
    make_clinic(root)
    audit_before = {p.name: p.read_bytes() for p in (root / "audit").glob("*.jsonl")}
    argv = [str(BIN), "hours", "add", "Z001", "--date", "2026-11-20", "--minutes", "50",
            "--kind", "individual", "--data", str(root)]
    filler = fill(small_disk)

    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("The disk is full, so this change to hours/2026-11.json was not saved: the data "
                           "and the audit log "
                           "are as they were. Free some space and try again.\n")
    assert not (root / "hours" / "2026-11.json").exists()             # what it said: not saved
    assert {p.name: p.read_bytes() for p in (root / "audit").glob("*.jsonl")} == audit_before
    check = subprocess.run([str(BIN), "verify", "--data", str(root)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout               # verify works on a full disk too

    filler.unlink()
    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert actions(root).count("hours.add") == 1
    entries = json.loads((root / "hours" / "2026-11.json").read_bytes())["entries"]
    assert len(entries) == 1
    check = subprocess.run([str(BIN), "verify", "--data", str(root)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_an_audit_append_that_fails_leaves_the_data_file_as_it_was(tmp_path: Path, monkeypatch) -> None:
    """The review's case: the hours entry saved, its audit line not, the user told "not saved"."""
    root = tmp_path / "clinic"
    data = make_clinic(root)
    otherhours.log(data, HOURS)
    hours = root / "hours" / "2026-11.json"
    saved, before = hours.read_bytes(), actions(root)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(AuditLog, "append", disk_full)
    with pytest.raises(OSError) as raised:
        otherhours.log(data, OtherHours("Z002", date(2026, 11, 21), 30, "family"))
    monkeypatch.undo()
    assert "was not saved" in explain(raised.value)[1]
    assert hours.read_bytes() == saved and actions(root) == before and not list(hours.parent.glob(".*.tmp"))
    assert verify(data) == []
