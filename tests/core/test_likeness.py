"""The individualization check, on hand-worked drafts (ratios worked out in the comments)."""

from __future__ import annotations

import pytest

from facilitator.core.likeness import READS_LIKE_AT, individual_part, reads_like, similarity
from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from tests.core.test_notes import AVERY, JORDAN, MORGAN, SAM, draft, record


def _two(avery: AttendanceEntry, jordan: AttendanceEntry):
    rec = record(c1=avery, c2=jordan)
    return {"c1": (AVERY, draft(AVERY, rec)), "c2": (JORDAN, draft(JORDAN, rec))}


def test_same_picks_and_no_text_read_alike_both_ways() -> None:
    notes = _two(AttendanceEntry("c1", Status.PRESENT, picks=("engaged", "shared")),
                 AttendanceEntry("c2", Status.PRESENT, picks=("shared", "engaged")))
    found = reads_like(notes)
    assert found["c1"].other_id == "c2" and found["c2"].other_id == "c1"
    assert found["c1"].ratio == 1.0      # only the names differ, and names are masked


def test_one_pick_of_three_different_is_not_flagged() -> None:
    # 23 words against 24; the first 18 match in order: 2*18/47 = 0.766
    notes = _two(AttendanceEntry("c1", Status.PRESENT, picks=("engaged", "shared", "feedback")),
                 AttendanceEntry("c2", Status.PRESENT, picks=("engaged", "shared", "supportive")))
    a, b = (individual_part(body, client) for client, body in notes.values())
    assert (len(a), len(b)) == (23, 24)
    assert similarity(a, b) == pytest.approx(36 / 47)
    assert reads_like(notes) == {}


def test_a_one_line_counselor_note_individualizes_the_same_picks() -> None:
    # 17 words against 17 + "Counselor notes:" and 7 words = 26: 2*17/43 = 0.791
    notes = _two(AttendanceEntry("c1", Status.PRESENT, picks=("engaged", "shared")),
                 AttendanceEntry("c2", Status.PRESENT, picks=("engaged", "shared"),
                                 text="Named her sister's wedding as a trigger."))
    assert reads_like(notes) == {}
    a, b = (individual_part(body, client) for client, body in notes.values())
    assert similarity(a, b) == pytest.approx(34 / 43)
    assert 34 / 43 < READS_LIKE_AT


def test_drafts_with_nothing_recorded_say_so_and_are_flagged() -> None:
    notes = _two(AttendanceEntry("c1", Status.PRESENT), AttendanceEntry("c2", Status.PRESENT))
    for _, body in notes.values():
        assert ("Participation and response: No participation or counselor notes were "
                "recorded for this session.") in body
        assert "was engaged" not in body
    assert set(reads_like(notes)) == {"c1", "c2"}


def test_shared_parts_do_not_count_only_the_clients_own() -> None:
    # Same picks, but different attendance (late vs present): the attendance line is not the
    # individual part, so the notes still read alike.
    notes = _two(AttendanceEntry("c1", Status.LATE, arrived=record().header.start.replace(minute=20),
                                 picks=("quiet",)),
                 AttendanceEntry("c2", Status.PRESENT, picks=("quiet",)))
    assert reads_like(notes)["c1"].other_id == "c2"


def test_a_body_rewritten_without_headings_is_compared_whole() -> None:
    body = "Client: Avery Testperson\nAvery spoke about the weekend and made a plan.\n"
    other = "Client: Jordan Sampleton\nJordan spoke about the weekend and made a plan.\n"
    found = reads_like({"c1": (AVERY, body), "c2": (JORDAN, other)})
    assert found["c1"].ratio == 1.0


def test_the_most_alike_other_is_named() -> None:
    rec = record(c1=AttendanceEntry("c1", Status.PRESENT, picks=("engaged", "shared", "feedback")),
                 c2=AttendanceEntry("c2", Status.PRESENT, picks=("engaged",)),
                 c3=AttendanceEntry("c3", Status.PRESENT, picks=("engaged", "shared", "feedback")),
                 c5=AttendanceEntry("c5", Status.PRESENT, picks=("engaged", "shared")))
    notes = {c.client_id: (c, draft(c, rec)) for c in (AVERY, JORDAN, SAM, MORGAN)}
    found = reads_like(notes)
    assert found["c1"].other_id == "c3" and found["c3"].other_id == "c1"
    assert "c2" not in found
