"""In the session screen, a participation word lands in the block running when it is ticked
(issue #20, case 5): the words pane shows that block's words, and a goal linked to an
earlier block is not credited a word from a later one."""

from __future__ import annotations

from datetime import datetime

from facilitator.core.rules import PARTICIPATION_PICKS, Status
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app
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
        assert running.record().blocks[1].started_at is not None
        await pilot.press("tab", "4")               # on the words bar: word 4 ticked now
        entry = running.record().attendance[cid]
        assert entry.block_picks == ((KEY[3], 1),) and entry.picks == ()
        # the bar shows block 2's words; back in block 1 (b undoes next) it shows none
        assert screen.query_one("#picks").picks == (KEY[3],)
        await pilot.press("shift+tab", "b")
        screen.tick()
        await pilot.pause()
        assert screen.query_one("#picks").picks == ()
        await pilot.press("1")                      # from the list: word 1, in block 1
        entry = running.record().attendance[cid]
        assert entry.block_picks == ((KEY[0], 0), (KEY[3], 1))


async def test_a_word_before_the_agenda_starts_is_the_sessions(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        cid = pilot.app.screen.table.highlighted_id
        running.mark(cid, Status.PRESENT)
        await pilot.press("tab", "2")
        entry = running.record().attendance[cid]
        assert entry.picks == (KEY[1],) and entry.block_picks == ()
