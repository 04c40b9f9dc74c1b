"""Every state the log binds passed the strict reader, so verify may take a file on its hash.

A write reads a session file leniently and writes every other document back as it found it.
Before issue 12's last step, a field planted by hand travelled into a file the log then vouched
for. Now every bound write is admitted by the strict reader first (``store.admission``): the
planted field makes the write fail, naming the file, and the log never vouches for it. These
are the attacker's tests of that guarantee, and of what ``verify`` still reads strictly.
Names and ids invented.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from facilitator.store import admission
from facilitator.store.commit import file_sha256, last_bound_entry
from facilitator.store.files import DamagedFile
from facilitator.store.maintenance import verify
from facilitator.store.running import start_session
from tests.store._support import make_clinic


def _rewrite(path: Path, edit) -> None:
    doc = json.loads(path.read_bytes())
    edit(doc)
    path.write_bytes(json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())


def _plant_naive_arrival(client_id: str):
    def edit(doc: dict) -> None:
        entry = next(e for e in doc["attendance"].values() if e["client_id"] == client_id)
        entry["arrived"] = "2026-11-23T18:10:00"            # no time zone
    return edit


def _entries_for(root: Path, rel: str) -> int:
    return sum(line.count(json.dumps(rel).encode()) for p in (root / "audit").glob("*.jsonl")
               for line in p.read_bytes().splitlines())


@pytest.fixture
def running(tmp_path: Path):
    admission.forget()
    data = make_clinic(tmp_path / "clinic")
    session = start_session(data, "Evening A")
    session.mark("Z001", Status.PRESENT)
    session.mark("Z002", Status.PRESENT)
    return session


@pytest.mark.parametrize("fresh_process", [False, True], ids=["same process", "new process"])
def test_a_planted_field_makes_the_next_mark_refuse_and_verify_name_it(running, fresh_process) -> None:
    data, path = running.data, running.file.path
    root, rel = data.root, path.relative_to(data.root).as_posix()
    _rewrite(path, _plant_naive_arrival("Z001"))
    planted, entries = path.read_bytes(), _entries_for(root, rel)
    if fresh_process:
        admission.forget()                # nothing remembered: the whole file is read strictly

    with pytest.raises(DamagedFile) as refused:
        running.mark("Z002", Status.ABSENT)    # a document the planted field is not in

    assert refused.value.path == path and "field 'arrived' is a time without a time zone" in str(refused.value)
    assert path.read_bytes() == planted and _entries_for(root, rel) == entries   # nothing written or logged
    assert file_sha256(path) != last_bound_entry(root / "audit", rel)["sha256"]
    problems = verify(data)
    assert [p for p in problems if str(path) in p] == [f"{DamagedFile(path, str(refused.value.reason))}"], problems


def test_an_edited_signed_note_makes_the_next_mark_refuse(running) -> None:
    from facilitator.store.notes import NoteBook
    book = NoteBook(running.data, running.file)
    book.save_draft("Z001", "Invented words for a test.")
    book.sign("Z001")
    _rewrite(running.file.path, lambda doc: next(n for n in doc["notes"].values()
                                                 if n["client_id"] == "Z001").update(body="Other words."))
    with pytest.raises(DamagedFile, match="the note for Z001"):
        running.mark("Z002", Status.ABSENT)


def test_a_remembered_file_still_has_each_changed_document_read_strictly(running) -> None:
    """The cheap path (this process admitted the bytes on disk): the changed document is read."""
    data, file = running.data, running.file
    before = file.path.read_bytes()
    with pytest.raises(DamagedFile, match="client id 'Z999', which is not in clinic.json"), \
            data.change("attendance.import", file.session_id):
        file.put_attendance(AttendanceEntry(client_id="Z999", status=Status.PRESENT))
    assert file.path.read_bytes() == before
    running.mark("Z001", Status.ABSENT)                      # a good change still goes through
    assert verify(data) == []


def test_a_document_equal_to_an_admitted_one_but_not_the_same_json_is_read_again(running) -> None:
    """The memory of admitted documents compares exact JSON: ``true`` equals ``1`` in Python,
    and a goal number written as ``true`` would pass a ``==`` check that the reader refuses."""
    data, file = running.data, running.file
    with data.change("participation.goal-link", file.session_id):
        file.put_attendance(AttendanceEntry(client_id="Z001", status=Status.PRESENT, goal_links=((1, None),)))
    before = file.path.read_bytes()
    with pytest.raises(DamagedFile, match="wrong shape"), data.change("participation.goal-link", file.session_id):
        file.put_attendance(AttendanceEntry(client_id="Z001", status=Status.PRESENT, goal_links=((True, None),)))
    assert file.path.read_bytes() == before and verify(data) == []


def test_a_bare_write_between_marks_costs_only_the_documents_it_changed(running) -> None:
    """A write in a bare binding, no strict reader (the benchmark's bare update) leaves other
    documents as this process admitted them; the mark after it still admits the one it changes,
    and refuses it if bad."""
    from tests.store._support import bare_binding
    data, file = running.data, running.file
    with bare_binding(data.root):
        file.update_attendance("Z002", lambda old: AttendanceEntry("Z002", Status.ABSENT))   # not admitted
    running.mark("Z001", Status.ABSENT)
    with pytest.raises(DamagedFile, match="client id 'Z999'"), data.change("attendance.import", file.session_id):
        file.put_attendance(AttendanceEntry(client_id="Z999", status=Status.PRESENT))


def test_verify_reads_strictly_a_file_whose_entry_does_not_vouch_for_a_strict_read(running) -> None:
    """A file bound by an older facilitator (or `audit baseline`): its entry has no ``strict``,
    so a planted field the old lenient write carried into it is still named."""
    data, path = running.data, running.file.path
    rel = path.relative_to(data.root).as_posix()
    _rewrite(path, _plant_naive_arrival("Z001"))
    data.audit.append(at=data.now(), user=data.user, action="attendance.mark", record=running.session_id,
                      file=rel, sha256=file_sha256(path))
    problems = verify(data)
    assert [p for p in problems if str(path) in p] and all("field 'arrived'" in p for p in problems), problems


def test_a_forged_strict_entry_hides_a_planted_field_from_verify_but_not_from_verify_full(running) -> None:
    """What taking files on their hash trusts: the log. Someone who can append a well-formed entry
    (the chain has no key) can vouch for any bytes; `verify --full` reads every file anyway, and
    every report still refuses the file, naming it."""
    data, path = running.data, running.file.path
    rel = path.relative_to(data.root).as_posix()
    _rewrite(path, _plant_naive_arrival("Z001"))
    data.audit.append(at=data.now(), user=data.user, action="attendance.mark", record=running.session_id,
                      file=rel, sha256=file_sha256(path), strict=admission.STRICT_VERSION)
    assert verify(data) == []
    problems = verify(data, full=True)
    assert len(problems) == 1 and str(path) in problems[0] and "field 'arrived'" in problems[0], problems
    day = date.fromisoformat(running.session_id[:10])
    assert [p.path for p in data.sessions_between(day, day).problems] == [path]


def test_no_write_drops_a_client_or_a_staff_account_from_clinic_json(running) -> None:
    data = running.data
    before = data.clinic_file.path.read_bytes()
    from tinydb import Query
    for table, query in (("clients", Query().client_id == "Z001"), ("staff", Query().user == data.user)):
        with pytest.raises(DamagedFile, match="would drop"), data.change("roster.import", "clients"), \
                data.clinic_file.transaction() as db:
            db.table(table).remove(query)
        assert data.clinic_file.path.read_bytes() == before


def test_a_hand_edited_clinic_json_makes_verify_read_every_record(running) -> None:
    """Records are taken on their hash only while clinic.json is what its last entry says: here a
    client is cut out of it by hand, and the session naming that client is named too."""
    data, path = running.data, running.file.path
    _rewrite(data.clinic_file.path, lambda doc: doc["clients"].pop(next(
        k for k, c in doc["clients"].items() if c["client_id"] == "Z001")))
    problems = verify(data)
    assert any("clinic.json" in p and "not what the audit log last recorded" in p for p in problems), problems
    assert any(str(path) in p and "client id 'Z001', which is not in clinic.json" in p for p in problems), problems


def _unknown_client(doc: dict) -> None:
    """A roster line for a client id clinic.json does not have: the shape checks sync runs on a
    record's tables pass it; only the strict reader's reference check refuses it."""
    doc["roster"][str(len(doc["roster"]) + 1)] = {"client_id": "Z999"}


def test_a_record_pulled_by_sync_naming_an_unknown_client_is_refused(running) -> None:
    """A laptop's pull (``sync.files.write_record`` in the ``sync.pull`` change): the host's copy
    was edited by hand; the laptop refuses it, naming the file, and writes nothing."""
    from facilitator.store.records import KIND
    from facilitator.store.storage import parse_file_bytes
    from facilitator.sync import files as store_sync
    from facilitator.sync.merge import ordered_tables
    data, path = running.data, running.file.path
    rel = path.relative_to(data.root).as_posix()
    doc = parse_file_bytes(path, path.read_bytes(), KIND)
    _unknown_client(doc)
    tables = ordered_tables(doc)
    before = path.read_bytes()
    with pytest.raises(DamagedFile) as refused, data.change("sync.pull", None, always=False):
        store_sync.write_record(data.root, rel, tables, "(merge)", lambda current: tables)
    assert refused.value.path == path and "client id 'Z999', which is not in clinic.json" in str(refused.value)
    assert path.read_bytes() == before and verify(data) == []


def test_a_pushed_change_onto_a_host_file_edited_by_hand_is_refused(running) -> None:
    """On the host (``sync.apply`` in the ``sync.receive`` change): the host's file was edited by
    hand; applying a laptop's change would bind the edit, so it is refused, naming the file."""
    from facilitator.store.records import KIND
    from facilitator.store.storage import parse_file_bytes
    from facilitator.sync.apply import apply_record_changes
    from facilitator.sync.merge import record_parts, short_hash
    data, path = running.data, running.file.path
    rel = path.relative_to(data.root).as_posix()
    _rewrite(path, _unknown_client)
    planted = path.read_bytes()
    parts = record_parts(parse_file_bytes(path, planted, KIND))
    entry = dict(parts["att:Z002"], status="absent")
    with pytest.raises(DamagedFile) as refused, data.change("sync.receive", None, always=False):
        apply_record_changes(data, rel, [{"part": "att:Z002", "was": short_hash(parts["att:Z002"]),
                                          "value": entry}])
    assert refused.value.path == path and "client id 'Z999'" in str(refused.value)
    assert path.read_bytes() == planted


def test_data_orjson_will_not_dump_is_dumped_and_admitted_as_before(running) -> None:
    """An integer beyond 64 bits: orjson refuses it, the json module dumps the file, and the
    admission parses those bytes (the strict reader then decides, here refusing the field)."""
    from facilitator.store.storage import dump_data_by
    raw, by_orjson = dump_data_by({"t": {"1": {"n": 2**70}}})
    assert not by_orjson and json.loads(raw) == {"t": {"1": {"n": 2**70}}}
    data, file = running.data, running.file
    before = file.path.read_bytes()
    with pytest.raises(DamagedFile, match=str(file.path.name)), data.change("test", file.session_id), \
            file.transaction() as db:
        db.table("blocks").insert({"position": 2**70})
    assert file.path.read_bytes() == before
