"""backup: a copy that verifies, file for file, even while another process keeps writing."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from datetime import time as clock_time
from pathlib import Path

import pytest

from facilitator.cli import main
from facilitator.core.imports import AttendanceRow
from facilitator.core.rules import Status
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.maintenance import backup, data_files, verify
from tests.store._support import REPO, clock, make_clinic


def relative_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in data_files(root)}


def as_backed_up(root: Path) -> dict[str, bytes]:
    """The clinic's files as the backup copied them: the "clinic.backup" entry the store
    appends once the copy is whole (the last line of the log) left out."""
    files = relative_files(root)
    month = max(name for name in files if name.startswith("audit/"))
    *kept, last = files[month].splitlines(keepends=True)
    assert b'"action": "clinic.backup"' in last
    return {**files, month: b"".join(kept)}


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    data = make_clinic(tmp_path / "clinic")
    data.import_attendance([
        AttendanceRow(line=2, day=date(2026, 11, d), group="Evening A", client_id="Z001",
                      status=Status.PRESENT, arrived=clock_time(18, 0), left=None) for d in (2, 4, 5)])
    return data


def test_backup_into_a_new_dir_is_the_same_files_and_verifies(data: DataDir, tmp_path: Path, capsys) -> None:
    dest = tmp_path / "backup" / "2026-11-23"
    count = backup(data, dest)
    original = as_backed_up(data.root)
    assert relative_files(dest) == original and count == len(original)
    assert any(name.startswith("records/") for name in original) and "clinic.json" in original
    assert not [p for p in dest.rglob(".*")]                 # no locks or temp files copied
    copy = DataDir(dest, user=os_user(), clock=clock)
    assert verify(copy) == []
    capsys.readouterr()
    assert main(["verify", "--data", str(dest)]) == 0, capsys.readouterr()


def test_backup_into_a_non_empty_dir_is_refused(data: DataDir, tmp_path: Path) -> None:
    dest = tmp_path / "full"
    dest.mkdir()
    (dest / "something.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not empty"):
        backup(data, dest)
    assert [p.name for p in dest.iterdir()] == ["something.txt"]


def test_cli_backup_then_verify_the_copy(data: DataDir, tmp_path: Path, capsys) -> None:
    dest = tmp_path / "copy"
    capsys.readouterr()
    assert main(["backup", str(dest), "--data", str(data.root)]) == 0, capsys.readouterr()
    assert main(["verify", "--data", str(dest)]) == 0, capsys.readouterr()
    assert main(["backup", str(dest), "--data", str(data.root)]) == 2
    assert "not empty" in capsys.readouterr().err


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
        # Back up until at least five copies exist and the writer has landed more than ten
        # writes meanwhile: polled, so a busy machine makes the test slower, never wrong.
        while len(copies) < 5 or data.clinic_file.generation() - start <= 10:
            assert time.monotonic() < deadline, "the writer hardly wrote; the test proved nothing"
            dest = tmp_path / f"backup-{len(copies)}"
            backup(data, dest)
            copies.append(dest)
            time.sleep(0.05)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=30)
    assert writer.returncode == 0, err
    assert int(out) > 10, "the writer hardly wrote; the test proved nothing"
    generations = []
    for dest in copies:
        copy = DataDir(dest, user=os_user(), clock=clock)
        assert verify(copy) == [], dest
        generations.append(copy.clinic_file.generation())
    assert generations == sorted(generations) and generations[0] < generations[-1]   # writes landed between
    assert verify(DataDir(data.root, user=os_user(), clock=clock)) == []


def test_a_write_between_a_files_copy_and_the_logs_copy_is_copied_again(data: DataDir, tmp_path: Path,
                                                                        monkeypatch) -> None:
    """The audit entry lands before the file changes (store.commit), so a backup that copied
    a record and then the log would hold an entry newer than its copy of the record."""
    from facilitator.store import maintenance
    from facilitator.store.running import start_session
    running = start_session(data, "Evening A")
    running.mark("Z001", Status.PRESENT)
    real, fired = maintenance.locked, []

    def locked(path, *args, **kwargs):
        if Path(path).name == "log" and not fired:     # the records are copied; the log is next
            fired.append(True)
            running.mark("Z002", Status.ABSENT)
        return real(path, *args, **kwargs)
    monkeypatch.setattr(maintenance, "locked", locked)
    dest = tmp_path / "backup"
    backup(data, dest)
    assert fired
    assert verify(DataDir(dest, user=os_user(), clock=clock)) == []
    assert relative_files(dest) == as_backed_up(data.root)
