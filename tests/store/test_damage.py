"""A damaged file is reported clearly, naming it, and never overwritten; old schemas migrate
forward, newer ones are refused."""

from __future__ import annotations

import json
import os
from datetime import date, time
from pathlib import Path

import pytest

from facilitator.cli import main
from facilitator.core.roster import Group
from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from facilitator.store import storage
from facilitator.store.datadir import DataDir
from facilitator.store.files import DamagedFile
from facilitator.store.identity import os_user
from facilitator.store.storage import META, DataFile, read_file
from tests.store._support import ITEMS, bare_binding, clock, make_clinic, new_session

ROSTER = ("client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups\n"
          "Z009,Jordan,Inventedname,IOP,,2026-11-01,,Evening A\n")


def damage(kind: str, path: Path) -> bytes:
    raw = path.read_bytes()
    new = {"empty": b"", "truncated": raw[: len(raw) // 2], "garbage": os.urandom(300),
           "not-tables": json.dumps({META: {"1": {"schema": 1, "kind": "clinic"}}, "clients": [1, 2]}).encode(),
           "no-header": json.dumps({"clients": {}}).encode()}[kind]
    path.write_bytes(new)
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return new


@pytest.fixture
def root(tmp_path: Path) -> Path:
    make_clinic(tmp_path / "clinic")
    return tmp_path / "clinic"


@pytest.mark.parametrize("kind", ["empty", "truncated", "garbage", "not-tables", "no-header"])
def test_damaged_clinic_file_is_named_and_left_untouched(root: Path, kind: str, capsys, tmp_path: Path) -> None:
    clinic = root / "clinic.json"
    damaged = damage(kind, clinic)
    before = clinic.stat()

    with pytest.raises(DamagedFile) as opened:
        DataDir.open(root, user=os_user(), clock=clock)
    message = str(opened.value)
    assert str(clinic) in message and "damaged" in message and "untouched" in message
    assert opened.value.path == clinic

    data = DataDir(root, user=os_user(), clock=clock)
    with pytest.raises(DamagedFile):
        data.snapshot()
    with pytest.raises(DamagedFile):                       # a write is refused before it writes
        data.add_group(Group(name="Other", days=(1,), start=time(10), minutes=60))
    with pytest.raises(DamagedFile):                       # even a raw transaction cannot overwrite it
        with data.change("test.raw", "clinic"), data.clinic_file.transaction() as db:
            db.table("groups").insert({"name": "sneaky"})

    capsys.readouterr()
    assert main(["verify", "--data", str(root)]) == 1
    out, err = capsys.readouterr()
    assert str(clinic) in err and err.count("\n") == 1 and "Traceback" not in err

    csv = tmp_path / "roster.csv"
    csv.write_text(ROSTER)
    assert main(["roster", "import", str(csv), "--data", str(root)]) == 1
    out, err = capsys.readouterr()
    assert str(clinic) in err and err.count("\n") == 1 and "Traceback" not in err

    assert clinic.read_bytes() == damaged
    after = clinic.stat()
    assert (after.st_mtime_ns, after.st_size, after.st_ino) == (before.st_mtime_ns, before.st_size, before.st_ino)
    assert not list(root.glob(".clinic.json.*.tmp"))


def test_damaged_session_record_is_reported_and_the_others_still_served(root: Path) -> None:
    data = DataDir.open(root, user=os_user(), clock=clock)
    with data.change("attendance.mark"):
        good = [new_session(data.records_dir, f"2026-11-{d}-1800-evening-a") for d in (23, 25, 26)]
        for file in good:
            file.put_attendance(AttendanceEntry("Z001", Status.PRESENT))
    bad = good[1].path
    bad.write_bytes(bad.read_bytes()[:40])

    scan = data.sessions_between(date(2026, 11, 1), date(2026, 11, 30))
    assert [r.header.session_id for r in scan.records] == [good[0].session_id, good[2].session_id]
    assert [p.path for p in scan.problems] == [bad]
    assert str(bad) in str(scan.problems[0])
    with pytest.raises(DamagedFile), data.change("attendance.mark", good[1].session_id):
        good[1].put_attendance(AttendanceEntry("Z002", Status.PRESENT))
    assert len(bad.read_bytes()) == 40


def test_file_from_a_newer_schema_is_refused_and_kept(root: Path) -> None:
    clinic = root / "clinic.json"
    data = json.loads(clinic.read_bytes())
    data[META]["1"]["schema"] = storage.SCHEMA + 1
    clinic.write_text(json.dumps(data))
    raw = clinic.read_bytes()
    with pytest.raises(DamagedFile, match="newer facilitator"):
        read_file(clinic)
    with pytest.raises(DamagedFile, match="newer facilitator"):
        with DataDir(root, user=os_user(), clock=clock).change("test.raw", "clinic"), \
                DataFile(clinic, "clinic").transaction() as db:
            db.table("groups").insert({"name": "x"})
    assert clinic.read_bytes() == raw


def test_file_of_the_wrong_kind_is_refused(root: Path) -> None:
    session = new_session(root / "records", "2026-11-23-1800-evening-a")
    with pytest.raises(DamagedFile, match="'session' data, not 'clinic'"):
        read_file(session.path, "clinic")


def test_old_schema_migrates_on_read_and_is_written_forward(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / ITEMS
    path.parent.mkdir()
    old = {META: {"1": {"schema": 1, "kind": "test", "generation": 4}},
           "items": {"1": {"name": "first"}, "2": {"name": "second"}}}
    path.write_text(json.dumps(old))

    def one_to_two(data: dict) -> dict:
        for doc in data["items"].values():
            doc["label"] = doc.pop("name").upper()
        return data

    monkeypatch.setattr(storage, "SCHEMA", 2)
    monkeypatch.setattr(storage, "MIGRATIONS", {1: one_to_two})
    file = DataFile(path, "test")

    assert file.tables()["items"] == [{"label": "FIRST", "_id": 1}, {"label": "SECOND", "_id": 2}]
    assert json.loads(path.read_bytes()) == old               # reading never writes

    with bare_binding(tmp_path), file.transaction() as db:
        db.table("items").insert({"label": "THIRD"})
    written = json.loads(path.read_bytes())
    assert written[META]["1"] == {"schema": 2, "kind": "test", "generation": 5}
    assert written["items"] == {"1": {"label": "FIRST"}, "2": {"label": "SECOND"}, "3": {"label": "THIRD"}}
    assert file.tables()["items"][2] == {"label": "THIRD", "_id": 3}   # schema 2 now: no migration runs


def test_schema_without_a_migration_is_damage_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text(json.dumps({META: {"1": {"schema": 0, "kind": "test"}}, "items": {}}))
    with pytest.raises(DamagedFile, match="schema 0"):
        read_file(path)
