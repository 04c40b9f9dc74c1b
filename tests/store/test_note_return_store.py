"""Returning a signed note for correction through the store (#20): who may, what is audited,
what billing says while it is returned, and the re-signature by its signer only.

The session (tests/tui/test_session_end.run_short_session): Mon 23 Nov 2026, Evening IOP,
18:00-21:00, T001 present, T002 late 18:10, T003 absent; counselor1 (an admin) facilitated.
Worked by hand for T001's billing row (one session that day): the note signed at 21:05 ->
note_signed True; returned by supervisor1 at 21:30 -> False (a returned note's signature does
not stand); re-signed by counselor1 at 22:00 -> True again. The minutes do not move (170, the
plan's 180 less its 10-minute break) because a return changes the note, not the attendance.
Every name is invented.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.store.clinic import open_clinic
from facilitator.store.maintenance import verify
from facilitator.store.notes import NoteBook, review_queue
from facilitator.store.reports import billing_days
from facilitator.store.staff import add_staff
from tests.cli.conftest import tree_bytes
from tests.tui.test_session_end import run_short_session

DAY = date(2026, 11, 23)
REASON = "Goals part is missing; T001 said more than this"


@pytest.fixture
def signed(clinic, fake_clock):
    running = run_short_session(clinic, fake_clock)          # ends 21:00, clock 21:02
    add_staff(clinic, "supervisor1", "Invented Supervisor", "supervisor")
    add_staff(clinic, "counselor2", "Invented Other", "counselor")
    book = NoteBook(clinic, running.file)
    book.save_draft("T001", "Avery took part. Plan: continue.")
    fake_clock.set(fake_clock.now.replace(hour=21, minute=5))
    book.sign("T001")
    return running


def as_user(clinic, user: str, clock):
    return open_clinic(clinic.root, user=user, clock=clock)


def billed(data) -> tuple[int, bool]:
    rows, problems = billing_days(data, DAY, DAY)
    assert problems == []
    (row,) = [r for r in rows if r.client_id == "T001"]
    return row.minutes, row.note_signed


def test_return_then_re_sign_and_billing_follows(clinic, fake_clock, signed):
    assert billed(clinic) == (170, True)
    fake_clock.set(fake_clock.now.replace(hour=21, minute=30))
    supervisor = NoteBook(as_user(clinic, "supervisor1", fake_clock), signed.file)
    note = supervisor.return_note("T001", REASON)
    assert note.returned is not None and note.returned.by == "supervisor1"
    assert billed(clinic) == (170, False)
    items, _ = review_queue(clinic, DAY, DAY)
    (item,) = [i for i in items if i.client_id == "T001"]
    assert (item.state, item.returned_to, item.reason) == ("returned", "counselor1", REASON)

    fake_clock.set(fake_clock.now.replace(hour=21, minute=50))
    book = NoteBook(clinic, signed.file)
    book.save_draft("T001", "Avery took part. Goals: goal 1 addressed. Plan: continue.")
    stored = signed.file.notes()["T001"]
    assert stored.body == "Avery took part. Plan: continue." and stored.correction
    assert billed(clinic) == (170, False)
    fake_clock.set(fake_clock.now.replace(hour=22, minute=0))
    again = book.sign("T001")
    assert again.body.startswith("Avery took part. Goals") and again.earlier[0].signed_at.hour == 21
    assert billed(clinic) == (170, True)
    raw = json.loads(signed.file.path.read_text())
    doc = next(d for d in raw["notes"].values() if d["client_id"] == "T001")
    assert "returned" not in doc and "correction" not in doc      # gone, not left by an upsert
    items, _ = review_queue(clinic, DAY, DAY)
    assert [i.state for i in items if i.client_id == "T001"] == ["unsigned-cosign"]
    assert verify(clinic) == []


def test_the_audit_carries_ids_never_the_reason(clinic, fake_clock, signed):
    fake_clock.advance(minutes=30)
    NoteBook(as_user(clinic, "supervisor1", fake_clock), signed.file).return_note("T001", REASON)
    fake_clock.advance(minutes=30)
    NoteBook(clinic, signed.file).sign("T001")
    entries = [e for _, _, e in clinic.audit.entries()]
    returned = [e for e in entries if e["action"] == "note.return"]
    resigned = [e for e in entries if e["action"] == "note.resign"]
    assert len(returned) == 1 and len(resigned) == 1
    assert returned[0]["user"] == "supervisor1" and returned[0]["detail"] == {"client": "T001"}
    assert resigned[0]["user"] == "counselor1" and resigned[0]["detail"] == {"client": "T001"}
    log = "".join(p.read_text() for p in (clinic.root / "audit").glob("*.jsonl"))
    assert "Goals part" not in log and "Avery" not in log


def test_who_may_return_and_who_may_re_sign(clinic, fake_clock, signed):
    fake_clock.advance(minutes=30)
    counselor2 = NoteBook(as_user(clinic, "counselor2", fake_clock), signed.file)
    before = tree_bytes(clinic.root)
    with pytest.raises(PermissionDenied, match="return notes"):
        counselor2.return_note("T001", REASON)
    changed = {k for k, v in tree_bytes(clinic.root).items() if before.get(k) != v}
    assert all(k.startswith("audit/") for k in changed)
    supervisor = NoteBook(as_user(clinic, "supervisor1", fake_clock), signed.file)
    with pytest.raises(InputError, match="reason"):
        supervisor.return_note("T001", "  \n ")
    with pytest.raises(InputError, match="no note"):
        supervisor.return_note("T003", REASON)
    with pytest.raises(InputError, match="only a signed note"):
        NoteBook(clinic, signed.file).save_draft("T002", "A draft.")
        supervisor.return_note("T002", REASON)
    supervisor.return_note("T001", REASON)
    with pytest.raises(InputError, match="already returned"):
        supervisor.return_note("T001", REASON)
    # an admin who did not sign it may neither correct nor re-sign it
    add_staff(clinic, "admin2", "Invented Admin", "admin")
    admin2 = NoteBook(as_user(clinic, "admin2", fake_clock), signed.file)
    before = tree_bytes(clinic.root)
    with pytest.raises(PermissionDenied, match="counselor1"):
        admin2.save_draft("T001", "Someone else's words.")
    with pytest.raises(PermissionDenied, match="counselor1"):
        admin2.sign("T001")
    changed = {k for k, v in tree_bytes(clinic.root).items() if before.get(k) != v}
    assert all(k.startswith("audit/") for k in changed)
    with pytest.raises(InputError, match="returned"):
        supervisor.cosign("T001")


def test_an_attendance_correction_on_a_returned_note_is_an_addendum_to_the_returned_text(
        clinic, fake_clock, signed):
    from facilitator.store.corrections import ADDENDUM, correct_attendance
    fake_clock.advance(minutes=30)
    NoteBook(as_user(clinic, "supervisor1", fake_clock), signed.file).return_note("T001", REASON)
    fake_clock.advance(minutes=5)
    done = correct_attendance(clinic, signed.session_id, "T001", status="late", arrived="18:20",
                              reason="sign-in sheet")
    assert done.note == ADDENDUM
    note = signed.file.notes()["T001"]
    assert note.returned is not None and len(note.addenda) == 1
    assert billed(clinic) == (150, False)          # 170 less the 20 minutes before 18:20
    assert verify(clinic) == []


def test_verify_names_a_hand_edited_earlier_version_by_ids_only(clinic, fake_clock, signed):
    fake_clock.advance(minutes=30)
    NoteBook(as_user(clinic, "supervisor1", fake_clock), signed.file).return_note("T001", REASON)
    fake_clock.advance(minutes=30)
    NoteBook(clinic, signed.file).save_draft("T001", "Avery took part. Goals: goal 1. Plan: continue.")
    NoteBook(clinic, signed.file).sign("T001")
    assert verify(clinic) == []
    raw = json.loads(signed.file.path.read_text())
    doc = next(d for d in raw["notes"].values() if d["client_id"] == "T001")
    doc["earlier"][0]["body"] = "Avery did not take part."
    signed.file.path.write_text(json.dumps(raw))
    problems = verify(clinic)
    assert any("the note for T001: earlier version 1: the note body or its signature was changed" in p
               for p in problems)
    assert "Avery" not in " ".join(problems)
