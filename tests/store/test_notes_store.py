"""Notes through the store: roles, signing, co-signing, tamper detection by verify."""

from __future__ import annotations

import json
from datetime import date

import pytest

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.maintenance import verify
from facilitator.store.notes import NoteBook, review_queue
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff


@pytest.fixture
def held(clinic):
    session = start_session(clinic, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    session.mark("T002", Status.PRESENT)
    session.mark("T003", Status.ABSENT)
    return session


def test_draft_sign_then_edit_is_refused_and_addendum_is_kept(held, fake_clock):
    book = NoteBook(held.data, held.file)
    book.save_draft("T001", "Engaged; named two triggers.")
    signed = book.sign("T001")
    assert signed.signed_by == "counselor1" and signed.content_hash
    with pytest.raises(InputError, match="signed and locked"):
        book.save_draft("T001", "rewritten")
    fake_clock.advance(minutes=30)
    book.add_addendum("T001", "Correction: three triggers.")
    stored = held.file.notes()["T001"]
    assert stored.body == "Engaged; named two triggers."
    assert [a.body for a in stored.addenda] == ["Correction: three triggers."]


def test_supervisor_cosigns_but_cannot_write(held):
    book = NoteBook(held.data, held.file)
    book.save_draft("T001", "Engaged.")
    book.sign("T001")
    add_staff(held.data, "sup1", "Sam Supervisor", "supervisor")
    supervisor = NoteBook(open_clinic(held.data.root, user="sup1", clock=held.data.clock), held.file)
    with pytest.raises(PermissionDenied):
        supervisor.save_draft("T002", "A supervisor's text")
    assert "T002" not in held.file.notes()
    assert supervisor.cosign("T001").cosigned_by == "sup1"
    actions = [e["action"] for _, _, e in held.data.audit.entries()]
    assert "denied" in actions and actions[-1] == "note.cosign"


def test_review_queue_lists_missing_and_uncosigned_oldest_first(held):
    book = NoteBook(held.data, held.file)
    book.save_draft("T001", "Engaged.")
    book.sign("T001")
    items, problems = review_queue(held.data, date(2026, 11, 1), date(2026, 11, 30))
    assert problems == []
    states = {(i.client_id, i.state) for i in items}
    # T003 was absent: no note is owed.
    assert states == {("T001", "unsigned-cosign"), ("T002", "missing")}


def test_verify_catches_a_hand_edited_signed_note(held):
    book = NoteBook(held.data, held.file)
    book.save_draft("T001", "Engaged.")
    book.sign("T001")
    assert verify(held.data) == []
    raw = json.loads(held.file.path.read_text())
    doc = next(iter(raw["notes"].values()))
    doc["body"] = "Engaged and cooperative."
    held.file.path.write_text(json.dumps(raw))
    problems = verify(held.data)
    # Two findings: the note's own hash, and the file no longer matching its audit entry.
    assert len(problems) == 2
    assert "the note for T001" in problems[0] and "Engaged" not in " ".join(problems)
    assert "not what the audit log last recorded" in problems[1] and "note.sign" in problems[1]
