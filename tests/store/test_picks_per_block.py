"""A participation word is stored with the block it was made in (issue #20, case 5)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from facilitator.core.errors import InputError
from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from facilitator.store.running import start_session
from tests.conftest import CHICAGO


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 23, hh, mm, tzinfo=CHICAGO)


def stored_entry(session, client_id: str) -> dict:
    data = json.loads(session.file.path.read_text())
    return next(doc for doc in data["attendance"].values() if doc["client_id"] == client_id)


def test_a_word_made_in_a_block_is_written_with_that_block(clinic, fake_clock):
    session = start_session(clinic, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    session.set_participation("T001", ("engaged",), "", block=None)      # before the agenda ran
    session.set_participation("T001", ("engaged", "feedback"), "Spoke up.", block=2)
    doc = stored_entry(session, "T001")
    assert doc["picks"] == ["engaged"] and doc["block_picks"] == [["feedback", 2]]
    entry = session.record().attendance["T001"]
    assert entry.picks_in(0) == ("engaged",) and entry.picks_in(2) == ("engaged", "feedback")
    # unticked in block 2: gone from block 2 only
    session.set_participation("T001", ("engaged", "feedback"), "Spoke up.", block=0)
    session.set_participation("T001", ("engaged",), "Spoke up.", block=2)
    entry = session.record().attendance["T001"]
    assert entry.block_picks == (("feedback", 0),) and entry.picks == ("engaged",)


def test_the_audit_names_the_block_and_a_count_never_the_words(clinic):
    session = start_session(clinic, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    session.set_participation("T001", ("disruptive",), "Private words here", block=1)
    audit = "".join(p.read_text() for p in (clinic.root / "audit").glob("*.jsonl"))
    line = [json.loads(x) for x in audit.splitlines() if "participation.save" in x][-1]
    assert line["detail"] == {"picks": 1, "block": 1}
    assert "disruptive" not in audit and "Private" not in audit


@pytest.mark.parametrize("block", [99, -1])
def test_a_block_the_agenda_does_not_have_is_refused_and_nothing_is_written(clinic, block):
    session = start_session(clinic, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    before = session.file.path.read_bytes()
    with pytest.raises(InputError) as caught:
        session.set_participation("T001", ("engaged",), "", block=block)
    assert caught.value.field == "block" and "no block" in str(caught.value)
    assert session.file.path.read_bytes() == before


def test_a_file_written_before_words_had_blocks_reads_as_the_sessions(clinic):
    """Forward-only: an entry with ``picks`` and no ``block_picks`` is read as it always was."""
    session = start_session(clinic, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    session.set_participation("T001", ("engaged", "shared"), "")
    doc = stored_entry(session, "T001")
    assert "block_picks" not in doc                  # bytes as an older version wrote them
    entry = AttendanceEntry.from_dict(doc)
    assert entry.picks == ("engaged", "shared") and entry.picks_in(3) == ("engaged", "shared")


def test_unticking_a_blocks_last_word_leaves_no_word_behind(clinic):
    """The entry is written whole: a field left out when empty must not keep its old value."""
    session = start_session(clinic, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    session.set_participation("T001", ("feedback",), "", block=1)
    session.set_participation("T001", (), "", block=1)
    assert session.record().attendance["T001"].all_picks == ()
    assert "block_picks" not in stored_entry(session, "T001")


def test_unlinking_the_last_goal_leaves_no_link_behind(clinic):
    from facilitator.store import recovery
    recovery.add(clinic, "T001", "Invented goal", objectives=())
    session = start_session(clinic, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    session.link_goal("T001", 1, None)
    session.link_goal("T001", 1, None)          # pressed again: unlinked
    assert session.record().attendance["T001"].goal_links == ()
    assert "goal_links" not in stored_entry(session, "T001")


def test_words_follow_their_block_through_b_and_an_inserted_break(clinic, fake_clock):
    """b gives the undone block's words to the block resumed; i renumbers the blocks after the
    current one and what was made in them moves with them; each in the agenda's one write."""
    from facilitator.core.agenda import AgendaClock
    from facilitator.store import recovery
    recovery.add(clinic, "T001", "Invented goal", objectives=())
    fake_clock.set(at(18, 0))
    session = start_session(clinic, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).start(now))
    fake_clock.set(at(18, 20))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).next(now))      # block 1 runs
    session.set_participation("T001", ("shared",), "", block=1)
    session.link_goal("T001", 1, 1)
    fake_clock.set(at(18, 30))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).next(now))      # block 2 runs
    session.set_participation("T001", ("feedback",), "", block=2)
    fake_clock.set(at(18, 35))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).back(now))      # b: block 1 again
    entry = session.record().attendance["T001"]
    assert entry.block_picks == (("shared", 1), ("feedback", 1))   # b: block 2's word was block 1's
    assert entry.goal_links == ((1, 1),) and entry.updated_at == at(18, 35)
    session.set_participation("T001", ("quiet",), "", block=3)     # as a pushed file may hold
    later = session.record().blocks[3].title
    fake_clock.set(at(18, 40))
    session.update_agenda(lambda blocks, now: AgendaClock(blocks).insert_break(now))
    record = session.record()
    entry = record.attendance["T001"]
    assert record.blocks[2].title == "Break" and record.blocks[4].title == later
    assert entry.block_picks == (("shared", 1), ("feedback", 1), ("quiet", 4))
    assert entry.goal_links == ((1, 1),) and entry.updated_at == at(18, 40)
    audit = "".join(p.read_text() for p in (clinic.root / "audit").glob("*.jsonl"))
    assert "feedback" not in audit and "shared" not in audit
