"""One way to write (issue #23): no data file is written without its audit entry.

The low-level writers (``DataFile.transaction``, ``store.commit.write_data_file``) refuse outside
a ``DataDir.change`` with ``UnauditedWrite``, a programming error, before a byte is written; the
files the audit deliberately leaves out (pins.json, witnesses.json, a laptop's sync state) have
their own writer, which writes nothing else. A clinic walked through every public store write
then passes ``verify``: each data file's bytes are its newest audit entry's. All data invented.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, time
from pathlib import Path

import pytest

from facilitator.core.agenda import AgendaClock
from facilitator.core.hours import OtherHours
from facilitator.core.roster import Client, Group
from facilitator.core.rules import Status
from facilitator.store import otherhours, pins, recovery
from facilitator.store.commit import (
    UnauditedWrite,
    bound_relative,
    file_sha256,
    last_bound_entry,
    write_data_file,
    write_side_file,
)
from facilitator.store.corrections import correct_attendance
from facilitator.store.datadir import DataDir
from facilitator.store.groups import add_closure, set_schedule
from facilitator.store.integrity import bound_files
from facilitator.store.maintenance import verify
from facilitator.store.notes import NoteBook
from facilitator.store.pins import PinStore
from facilitator.store.running import correct_end, start_session
from facilitator.store.settings import change_settings
from facilitator.store.staff import add_staff, rename, set_role
from facilitator.store.storage import DataFile, SideDataFile
from tests.conftest import CHICAGO, make_test_clinic
from tests.store._support import bare_binding, header

SESSION = "2026-11-25-1800-evening-iop"


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for a folder): what "nothing written" means."""
    return {p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes())
            for p in sorted(root.rglob("*"))}


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHICAGO)


# -- the writers refuse -----------------------------------------------------------------------

def test_a_transaction_outside_a_change_raises_and_leaves_every_byte_as_it_was(clinic: DataDir) -> None:
    before = tree(clinic.root)
    with pytest.raises(UnauditedWrite, match="no DataDir.change is open"):
        with clinic.clinic_file.transaction() as db:
            db.table("groups").insert({"name": "Probe"})
    new = clinic.session_file(SESSION)
    with pytest.raises(UnauditedWrite):
        with new.transaction(create=True) as db:
            db.table("header").insert({"session_id": SESSION})
    with pytest.raises(UnauditedWrite):
        new.create(header(SESSION))
    assert tree(clinic.root) == before            # no file, no folder, no lock file, no entry
    assert verify(clinic) == []


def test_write_data_file_refuses_outside_a_change_and_for_another_clinic(clinic: DataDir, tmp_path: Path) -> None:
    other = make_test_clinic(tmp_path / "other")
    raw = clinic.clinic_file.path.read_bytes()
    before, theirs = tree(clinic.root), tree(other.root)
    with pytest.raises(UnauditedWrite):
        write_data_file(clinic.clinic_file.path, raw)
    with clinic.change("test.probe", always=False), pytest.raises(UnauditedWrite, match="not a data file"):
        write_data_file(other.clinic_file.path, raw)     # a change of this clinic binds only its own files
    with clinic.change("test.probe", always=False), pytest.raises(UnauditedWrite, match="not a data file"):
        write_data_file(clinic.root / "pins.json", raw)  # not a file the audit binds
    with clinic.change("test.probe", always=False), pytest.raises(UnauditedWrite):
        with other.clinic_file.transaction() as db:
            db.table("groups").insert({"name": "Probe"})
    assert tree(clinic.root) == before and tree(other.root) == theirs


@pytest.mark.parametrize("rel", ["clinic.json", "hours/2026-11.json", "recovery/T001.json",
                                 "records/2026/11/pins.json", "hours/pins.json", "recovery/sync.json",
                                 "audit/2026-11.jsonl", "audit/witnesses.json", "plans.json", "notes.txt",
                                 "../pins.json", "plans/../clinic.json", "audit/devices/zz/2026-11.jsonl"])
def test_the_side_writer_writes_only_the_files_outside_the_audit(clinic: DataDir, rel: str) -> None:
    before = tree(clinic.root)
    with pytest.raises(UnauditedWrite, match="not a file kept outside the audit log"):
        write_side_file(clinic.root, clinic.root / rel, b"{}")
    with pytest.raises(UnauditedWrite):
        with SideDataFile(clinic.root, clinic.root / rel, "pins").transaction(create=True) as db:
            db.table("pins").insert({"user": "counselor1"})
    assert tree(clinic.root) == before


def test_pins_and_witnesses_are_written_outside_the_chain_and_verify_stays_clean(clinic: DataDir) -> None:
    from facilitator.store.audit import record_witness
    pins.set_first_pin(clinic, "2468", "2468")
    assert PinStore(clinic.root, clinic.clock).has_pin("counselor1")
    record_witness(clinic.root, "self", clinic.audit.head(), by="self", at=clinic.now())
    assert (clinic.root / "witnesses.json").exists()
    assert [e for e in entries(clinic) if e.get("file") in ("pins.json", "witnesses.json")] == []
    assert verify(clinic) == []


# -- every public write, then verify ----------------------------------------------------------

def entries(data: DataDir) -> list[dict]:
    return [json.loads(line) for path in sorted((data.root / "audit").glob("*.jsonl"))
            for line in path.read_text().splitlines()]


def walk_every_write(data: DataDir, clock) -> None:
    """Each public store function that writes a data file, once, as the app and the CLI call them."""
    add_staff(data, "counselor2", "Second Counselor", "counselor")
    set_role(data, "counselor2", "supervisor")
    rename(data, "counselor2", "Second Supervisor")
    change_settings(data, end_grace_minutes=20)
    data.add_group(Group(name="Probe Group", days=(1,), start=time(10), minutes=60, first_day=date(2026, 11, 1)))
    set_schedule(data, "Probe Group", date(2026, 12, 1), days=(3,))
    add_closure(data, date(2026, 12, 24), "Invented closure")
    data.import_roster([Client("T900", "Invented", "Walker", "IOP", 9.0, date(2026, 11, 1), groups=("Evening IOP",))])
    clock.set(at(25, 18, 0))
    session = start_session(data, "Evening IOP")
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).start(now))
    session.mark("T001", Status.PRESENT)
    clock.set(at(25, 18, 20))
    session.mark("T002", Status.LATE)
    session.set_time("T002", "arrived", "6:15p")
    session.set_participation("T001", (), "Invented words about the group.")
    session.set_block_note(1, "Invented block note.")
    book = NoteBook(data, session.file)
    book.save_draft("T001", "Invented draft.")
    book.sign("T001")
    book.add_addendum("T001", "Invented addendum.")
    clock.set(at(25, 21, 5))
    session.end()
    correct_attendance(data, session.session_id, "T003", status="absent", reason="invented correction")
    correct_end(data, session.session_id, "20:55", "invented end correction")
    ref = otherhours.log(data, OtherHours("T001", date(2026, 11, 24), 50, "individual"))
    otherhours.log(data, OtherHours("T002", date(2026, 11, 24), 40, "family"))
    day, short, entry_id = otherhours.parse_ref(ref)
    assert otherhours.unlog(data, day, entry_id, short=short) is not None
    recovery.add(data, "T001", "Invented goal words.")
    recovery.set_goal_status(data, "T001:1", "met")
    recovery.review(data, "T001")


def test_after_every_public_write_each_data_file_is_its_newest_entry(clinic: DataDir, fake_clock) -> None:
    walk_every_write(clinic, fake_clock)
    files = bound_files(clinic.root)
    assert {"clinic.json", "hours/2026-11.json", "recovery/T001.json",
            f"records/2026/11/{SESSION}.json"} <= set(files)
    for rel, path in files.items():
        entry = last_bound_entry(clinic.audit.directory, rel)
        assert entry is not None and entry["sha256"] == file_sha256(path), rel
    assert verify(clinic) == []


def test_the_check_can_fail_a_write_in_a_bare_binding_is_named(clinic: DataDir, fake_clock) -> None:
    """The walk's check is not vacuous: one write with no entry (a bare binding, as only the
    storage tests use) and verify names that file."""
    walk_every_write(clinic, fake_clock)
    path = clinic.session_file(SESSION).path
    with bare_binding(clinic.root):
        clinic.session_file(SESSION).put_attendance(
            clinic.session_record(clinic.session_file(SESSION)).attendance["T001"])
    problems = verify(clinic)
    assert len(problems) == 1 and str(path) in problems[0] and "not what the audit log last recorded" in problems[0]


def test_a_data_file_path_is_bound_wherever_the_clinic_is(tmp_path: Path) -> None:
    root = tmp_path / "records" / "2026" / "11"          # a clinic in a folder named like a record's
    assert bound_relative(root, root / "clinic.json") == "clinic.json"
    assert bound_relative(root, tmp_path / "clinic.json") is None
    os.makedirs(root)
    data = make_test_clinic(root)
    pins.set_first_pin(data, "1357", "1357")                # pins.json at its root is still a side file
    assert (root / "pins.json").exists() and verify(data) == []


def test_a_plain_data_file_without_a_change_is_refused_even_as_a_new_file(tmp_path: Path) -> None:
    file = DataFile(tmp_path / "hours" / "2026-11.json", "other-hours")
    with pytest.raises(UnauditedWrite):
        with file.transaction(create=True) as db:
            db.table("entries").insert({"minutes": 1})
    assert list(tmp_path.iterdir()) == []


def test_only_the_commit_module_calls_the_raw_file_writer() -> None:
    """``files.atomic_write`` and ``write_temp`` write any path: only ``store.commit`` (behind the
    refusals above) may call them, so a new writer elsewhere fails here, not at ``verify``."""
    import facilitator
    package = Path(facilitator.__file__).parent
    callers = sorted(path.relative_to(package).as_posix() for path in package.rglob("*.py")
                     if any(f"{name}(" in path.read_text() for name in ("atomic_write", "write_temp")))
    assert callers == ["store/commit.py", "store/files.py"]
