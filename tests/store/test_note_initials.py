"""Initials for other members' names in a draft, through the store: who may, and what is written.

The fixture's evening group (Avery Testperson T001, Blake Sampleton T002, Casey Placeholder
T003; the facilitator is Casey Counselor). Every name is invented.
"""

from __future__ import annotations

import pytest

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.notes import NoteBook
from facilitator.store.running import start_session
from facilitator.store.staff import add_staff


def members(data, running):
    snapshot = data.snapshot()
    return [snapshot.clients[c] for c in running.record().participants]


@pytest.fixture
def drafted(clinic):
    running = start_session(clinic, "Evening IOP")
    running.mark("T001", Status.PRESENT)
    running.mark("T002", Status.PRESENT)
    book = NoteBook(clinic, running.file)
    book.save_draft("T001", "Avery sat with Blake Sampleton; Casey Counselor led; casey was away.\n")
    return running, book


def test_the_draft_is_rewritten_once_and_audited_as_a_draft_edit(clinic, drafted):
    running, book = drafted
    staff = [s.display_name for s in clinic.snapshot().staff.values()]
    note = book.members_as_initials("T001", members(clinic, running), staff)
    assert note.body == "Avery sat with B.S.; Casey Counselor led; C.P. was away.\n"
    assert running.file.notes()["T001"].body == note.body
    _, _, last = list(clinic.audit.entries())[-1]
    assert (last["action"], last["record"]) == ("note.draft", running.session_id)
    assert "Blake" not in str(last) and "Sampleton" not in str(last)


def test_a_supervisor_or_another_counselor_cannot_and_nothing_is_written(clinic, drafted):
    running, _ = drafted
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    add_staff(clinic, "coun2", "Robin Othercounselor", "counselor")
    before = running.file.path.read_bytes()
    for user in ("sup1", "coun2"):
        other = open_clinic(clinic.root, user=user, clock=clinic.clock)
        with pytest.raises(PermissionDenied):
            NoteBook(other, running.file).members_as_initials("T001", members(clinic, running))
    assert running.file.path.read_bytes() == before


def test_no_draft_or_a_client_not_on_the_list_is_one_clear_sentence(clinic, drafted):
    running, book = drafted
    before = running.file.path.read_bytes()
    with pytest.raises(InputError, match="no drafted note"):
        book.members_as_initials("T002", members(clinic, running))
    snapshot = clinic.snapshot()
    with pytest.raises(InputError, match="not on this session's list"):
        book.members_as_initials("T001", [snapshot.clients["T002"]])
    assert running.file.path.read_bytes() == before
