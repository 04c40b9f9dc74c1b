"""Participation words belong to the block in which they were made (issue #20, case 5).

Hand-worked: a three-block session; Avery's goal 2 is linked to Check-in (block 0) and
"gave constructive feedback" was ticked in Process group (block 2). Goal 2 was addressed
in Check-in, where Avery gave no feedback: the note must not say that she did there.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.errors import InputError
from facilitator.core.notes import draft_note
from facilitator.core.recovery import RecoveryPlan, add_goal
from facilitator.core.roster import Client
from facilitator.core.rules import BlockKind, Status
from facilitator.core.session import AttendanceEntry, BlockRun, SessionHeader, SessionRecord

CHI = ZoneInfo("America/Chicago")


def at(h: int, m: int = 0) -> datetime:
    return datetime(2026, 11, 19, h, m, tzinfo=CHI)


AVERY = Client("c1", "Avery", "Testperson", "IOP", 9.0, date(2026, 9, 1))
JORDAN = Client("c2", "Jordan", "Sampleton", "IOP", 9.0, date(2026, 9, 1))
CLIENTS = {"c1": AVERY, "c2": JORDAN}


def record(entry: AttendanceEntry) -> SessionRecord:
    header = SessionHeader(session_id="2026-11-19-1800-evening-iop", group="Evening IOP",
                           day=date(2026, 11, 19), scheduled_start=at(18), scheduled_end=at(19, 30),
                           facilitators=("cal",), actual_start=at(18), actual_end=at(19, 30))
    blocks = (BlockRun(0, BlockKind.CHECK_IN, "Check-in", 20, True, at(18), at(18, 20)),
              BlockRun(1, BlockKind.SKILL_BUILDING, "Refusal skills", 40, True, at(18, 20), at(19)),
              BlockRun(2, BlockKind.RELAPSE_PREVENTION, "Process group", 30, True, at(19), at(19, 30)))
    return SessionRecord(header=header, blocks=blocks, attendance={"c1": entry}, roster=("c1",))


def plan() -> RecoveryPlan:
    p = RecoveryPlan(client_id="c1", started=date(2026, 11, 1))
    for text in ("Get my license back", "Say no when coworkers offer"):
        p = add_goal(p, text, objectives=(), target=None, day=date(2026, 11, 2))
    return p


def note(entry: AttendanceEntry) -> str:
    return draft_note(record(entry), AVERY, clients=CLIENTS, group_type="IOP", topic="Refusal",
                      facilitators=("Cal",), plan=plan())


def goal_line(text: str, number: int) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"- Goal {number},"))


def test_a_pick_in_a_later_block_is_not_credited_to_an_earlier_blocks_goal() -> None:
    entry = AttendanceEntry("c1", Status.PRESENT, block_picks=(("feedback", 2),), goal_links=((2, 0),))
    text = note(entry)
    assert goal_line(text, 2) == '- Goal 2, "Say no when coworkers offer": addressed in Check-in.'
    # the draft still says what she did, and where
    assert ("Participation and response: Avery gave constructive feedback to peers "
            "(in Process group).") in text


def test_a_pick_in_the_linked_block_is_credited_and_says_which_block() -> None:
    entry = AttendanceEntry("c1", Status.PRESENT, block_picks=(("feedback", 2), ("practised", 1)),
                            goal_links=((2, 1),))
    assert goal_line(note(entry), 2) == (
        '- Goal 2, "Say no when coworkers offer": addressed in Refusal skills; '
        "Avery practised the skill taught in session (in Refusal skills).")


def test_a_goal_linked_to_the_whole_session_takes_every_block_s_picks_each_named() -> None:
    entry = AttendanceEntry("c1", Status.PRESENT, block_picks=(("feedback", 2), ("practised", 1)),
                            goal_links=((1, None),))
    assert goal_line(note(entry), 1) == (
        '- Goal 1, "Get my license back": addressed in the session; '
        "Avery practised the skill taught in session (in Refusal skills) "
        "and gave constructive feedback to peers (in Process group).")


def test_the_same_word_in_two_blocks_names_both() -> None:
    entry = AttendanceEntry("c1", Status.PRESENT, block_picks=(("shared", 0), ("shared", 2)))
    assert ("Avery shared personal experience related to the topic (in Check-in and Process group)."
            in note(entry))


def test_old_records_picks_with_no_block_are_the_sessions_as_before() -> None:
    """Files written before picks had blocks: every pick is the session's, drafted as it was."""
    old = AttendanceEntry.from_dict({"client_id": "c1", "status": "present", "arrived": None,
                                     "left": None, "picks": ["practised"], "text": "",
                                     "goal_links": [[2, 0]]})
    assert old.block_picks == () and old.picks == ("practised",)
    text = note(old)
    assert goal_line(text, 2) == ('- Goal 2, "Say no when coworkers offer": addressed in Check-in; '
                                  "Avery practised the skill taught in session.")
    assert "Participation and response: Avery practised the skill taught in session.\n" in text


def test_picks_in_view_of_a_block_and_of_the_session() -> None:
    entry = AttendanceEntry("c1", Status.PRESENT, picks=("engaged",),
                            block_picks=(("feedback", 2), ("shared", 0), ("feedback", 0)))
    assert entry.picks_in(0) == ("engaged", "shared", "feedback")
    assert entry.picks_in(1) == ("engaged",)
    assert entry.picks_in(None) == ("engaged", "feedback", "shared")
    assert entry.all_picks == ("engaged", "feedback", "shared")


def test_with_block_picks_sets_one_blocks_words_and_leaves_the_others() -> None:
    entry = AttendanceEntry("c1", Status.PRESENT, picks=("engaged",),
                            block_picks=(("feedback", 2), ("shared", 0)))
    # in block 2: untick "engaged" (the session's, so it goes), tick "quiet"
    changed = entry.with_block_picks(2, ("feedback", "quiet"))
    assert changed.picks == ()
    assert changed.block_picks == (("shared", 0), ("feedback", 2), ("quiet", 2))
    # before the agenda starts (no block): the session's own words, all blocks' shown
    unticked = changed.with_block_picks(None, ("shared",))
    assert unticked.picks == () and unticked.block_picks == (("shared", 0),)
    added = unticked.with_block_picks(None, ("shared", "engaged"))
    assert added.picks == ("engaged",) and added.block_picks == (("shared", 0),)


def test_block_picks_round_trip_and_old_files_are_unchanged() -> None:
    entry = AttendanceEntry("c1", Status.PRESENT, picks=("engaged",), block_picks=(("feedback", 2),))
    assert entry.to_dict()["block_picks"] == [["feedback", 2]]
    assert AttendanceEntry.from_dict(entry.to_dict()) == entry
    assert "block_picks" not in AttendanceEntry("c1", Status.PRESENT, picks=("engaged",)).to_dict()


@pytest.mark.parametrize("bad", [
    "feedback:2", [["feedback"]], [["feedback", -1]], [["feedback", "2"]], [["feedback", True]],
    [[2, "feedback"]], [["feedback", None]], [["x" * 500, 1]], [["feedback", 2, 3]],
    [["feedback", 2]] * 2000,
])
def test_block_picks_are_read_strictly_with_the_field_named(bad) -> None:
    data = AttendanceEntry("c1", Status.PRESENT).to_dict()
    with pytest.raises(InputError) as caught:
        AttendanceEntry.from_dict({**data, "block_picks": bad})
    assert caught.value.field == "block_picks"


def test_likeness_still_sees_the_words() -> None:
    """Two clients with the same words in the same blocks still read alike (core/likeness.py)."""
    a = AttendanceEntry("c1", Status.PRESENT, block_picks=(("feedback", 2),))
    b = replace(a, client_id="c2")
    rec = replace(record(a), attendance={"c1": a, "c2": b}, roster=("c1", "c2"))
    first = draft_note(rec, AVERY, clients=CLIENTS, group_type="IOP", topic="t", facilitators=())
    second = draft_note(rec, JORDAN, clients=CLIENTS, group_type="IOP", topic="t", facilitators=())
    assert first.replace("Avery", "X").split("Participation")[1] == \
        second.replace("Jordan", "X").split("Participation")[1]


def test_a_block_title_naming_another_member_is_redacted_and_an_unknown_block_is_numbered() -> None:
    entry = AttendanceEntry("c1", Status.PRESENT, block_picks=(("shared", 1), ("feedback", 7)),
                            goal_links=((1, 1),))
    rec = record(entry)
    rec = replace(rec, blocks=(rec.blocks[0], rec.blocks[1].with_changes(title="Jordan Sampleton's story"),
                               rec.blocks[2]))
    text = draft_note(rec, AVERY, clients=CLIENTS, group_type="IOP", topic="t", facilitators=(),
                      plan=plan())
    assert "Jordan" not in text and "Sampleton" not in text
    assert "Avery shared personal experience related to the topic (in J.S.'s story)." in text
    assert "Avery gave constructive feedback to peers (in block 8)." in text
    assert goal_line(text, 1).endswith("addressed in J.S.'s story; Avery shared personal experience "
                                       "related to the topic (in J.S.'s story).")


# --- words and goal links follow their block when the agenda changes shape -------------------

def test_b_undoing_a_mistaken_next_gives_its_words_to_the_block_that_was_really_running() -> None:
    from facilitator.core.agenda import AgendaClock
    from facilitator.core.session import attributions_moved
    blocks = record(AttendanceEntry("c1", Status.PRESENT)).blocks[:2]
    running = (blocks[0].with_changes(ended_at=None), blocks[1].with_changes(started_at=None, ended_at=None))
    mistaken = AgendaClock(running).next(at(18, 5))       # n pressed by mistake at 18:05
    back = AgendaClock(mistaken).back(at(18, 6))          # b a minute later
    assert attributions_moved(mistaken, back) == {1: 0}
    entry = AttendanceEntry("c1", Status.PRESENT, picks=("engaged",),
                            block_picks=(("feedback", 1), ("feedback", 0), ("shared", 1)),
                            goal_links=((2, 1), (1, None)))
    moved = entry.with_blocks_moved({1: 0})
    assert moved.block_picks == (("shared", 0), ("feedback", 0)) and moved.picks == ("engaged",)
    assert moved.goal_links == ((2, 0), (1, None))


def test_a_break_inserted_renumbers_the_later_blocks_and_their_words_follow() -> None:
    from facilitator.core.agenda import AgendaClock
    from facilitator.core.session import attributions_moved
    blocks = record(AttendanceEntry("c1", Status.PRESENT)).blocks
    # block 1 runs; block 2 already ran once and was undone with b? no: nothing in 2 yet,
    # but a word made there (a file from a laptop) must still follow its block
    running = (blocks[0], blocks[1].with_changes(ended_at=None),
               blocks[2].with_changes(started_at=None, ended_at=None))
    with_break = AgendaClock(running).insert_break(at(18, 40))
    assert [b.title for b in with_break] == ["Check-in", "Refusal skills", "Break", "Process group"]
    assert attributions_moved(running, with_break) == {2: 3}
    entry = AttendanceEntry("c1", Status.PRESENT, block_picks=(("feedback", 2), ("shared", 1)),
                            goal_links=((1, 2),))
    moved = entry.with_blocks_moved({2: 3})
    assert moved.block_picks == (("shared", 1), ("feedback", 3)) and moved.goal_links == ((1, 3),)


def test_an_ordinary_agenda_step_moves_nothing() -> None:
    from facilitator.core.agenda import AgendaClock
    from facilitator.core.session import attributions_moved
    blocks = record(AttendanceEntry("c1", Status.PRESENT)).blocks
    running = (blocks[0].with_changes(ended_at=None),
               *(b.with_changes(started_at=None, ended_at=None) for b in blocks[1:]))
    for step in (lambda c: c.next(at(18, 5)), lambda c: c.pause(at(18, 5)), lambda c: c.skip(at(18, 5)),
                 lambda c: c.extend(at(18, 5))):
        assert attributions_moved(running, step(AgendaClock(running))) == {}
    entry = AttendanceEntry("c1", Status.PRESENT, block_picks=(("feedback", 2),))
    assert entry.with_blocks_moved({}) is entry
