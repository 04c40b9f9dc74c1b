"""In the session screen, a participation word lands in the block running when it is ticked
(issue #20, case 5): the words pane shows that block's words, and a goal linked to an
earlier block is not credited a word from a later one."""

from __future__ import annotations

from datetime import datetime

from facilitator.core.rules import PARTICIPATION_PICKS, Status
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, stored
from tests.tui.session_helpers import start

SIZE = (80, 24)
T0 = datetime(2026, 11, 23, 18, 0, tzinfo=CHICAGO)
KEY = {i: key for i, (key, _) in enumerate(PARTICIPATION_PICKS)}     # "1" is index 0


async def test_a_digit_during_block_2_lands_in_block_2(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        cid = screen.table.highlighted_id
        running.mark(cid, Status.PRESENT)
        await pilot.press("n")                      # the agenda starts: block 1, Check-in
        fake_clock.advance(minutes=20)
        await pilot.press("n")                      # block 2
        await stored(pilot)
        assert running.record().blocks[1].started_at is not None
        await pilot.press("tab", "4")               # on the words bar: word 4 ticked now
        await stored(pilot)
        entry = running.record().attendance[cid]
        assert entry.block_picks == ((KEY[3], 1),) and entry.picks == ()
        # the bar shows block 2's words; in block 3 it starts empty, and a digit typed there
        # (digits tick words only in the participation pane, #20) lands in block 3
        assert screen.query_one("#picks").picks == (KEY[3],)
        fake_clock.advance(minutes=30)
        await pilot.press("shift+tab", "n")
        screen.tick()
        await pilot.pause()
        assert screen.query_one("#picks").picks == ()
        await pilot.press("tab", "1")
        await stored(pilot)
        entry = running.record().attendance[cid]
        assert entry.block_picks == ((KEY[3], 1), (KEY[0], 2))


async def test_a_word_before_the_agenda_starts_is_the_sessions(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        cid = pilot.app.screen.table.highlighted_id
        running.mark(cid, Status.PRESENT)
        # before the agenda starts a digit ticks nothing (#20 case 7); the cursor and space do
        await pilot.press("tab", "right", "space")
        await stored(pilot)
        entry = running.record().attendance[cid]
        assert entry.picks == (KEY[1],) and entry.block_picks == ()


async def test_the_drafted_note_credits_a_goal_only_its_blocks_words(clinic, fake_clock):
    """Keys only: goal 2 linked in Check-in, "gave constructive feedback" ticked in block 2;
    the note written at the end names the block and does not credit the goal with it."""
    from datetime import date

    from facilitator.core.rules import PARTICIPATION_PHRASES
    from facilitator.store import recovery
    from facilitator.tui.goals import GoalLinkModal
    from facilitator.tui.session_end import EndSessionScreen
    from tests.tui.helpers import wait_until
    from tests.tui.session_helpers import cursor_to

    recovery.add(clinic, "T001", "Get my license back", objectives=(), target=date(2027, 3, 1))
    recovery.add(clinic, "T001", "Say no when coworkers offer a drink", objectives=())
    fake_clock.set(T0)
    feedback = next(i for i, (k, _) in enumerate(PARTICIPATION_PICKS) if k == "feedback")
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter", "P", "n")          # start; all present; Check-in runs
        await cursor_to(pilot, "T001")
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, GoalLinkModal))
        await pilot.press("2")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, GoalLinkModal))
        fake_clock.advance(minutes=20)
        await pilot.press("n", "tab", "1234567890duo"[feedback], "escape")  # block 2; feedback ticked in the pane
        await stored(pilot)
        record = pilot.app.screen.running.record()
        title = record.blocks[1].title
        assert record.attendance["T001"].block_picks == (("feedback", 1),)
        await pilot.press("E", "y")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndSessionScreen))
        running = pilot.app.screen.running
        await wait_until(pilot, lambda: "T001" in running.file.notes())
        body = running.file.notes()["T001"].body
    phrase = PARTICIPATION_PHRASES["feedback"]
    assert f"Avery {phrase} (in {title})." in body
    goal = next(line for line in body.splitlines() if line.startswith("- Goal 2,"))
    assert goal == f'- Goal 2, "Say no when coworkers offer a drink": addressed in {record.blocks[0].title}.'


async def test_b_after_a_mistaken_n_gives_the_word_to_the_block_really_running(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        cid = screen.table.highlighted_id
        running.mark(cid, Status.PRESENT)
        await pilot.press("n")                      # Check-in
        fake_clock.advance(minutes=5)
        await pilot.press("n", "tab", "3", "escape")  # n by mistake; word 3 ticked "in block 2"
        await stored(pilot)
        assert running.record().attendance[cid].block_picks == ((KEY[2], 1),)
        await pilot.press("b")                      # undone: Check-in was running all along
        await stored(pilot)
        entry = running.record().attendance[cid]
        assert entry.block_picks == ((KEY[2], 0),)
        screen.tick()
        await pilot.pause()
        assert screen.query_one("#picks").picks == (KEY[2],)
