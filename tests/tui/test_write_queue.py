"""Screen writes run off the event loop, one at a time, in key order (tui/writes.py, issue #23).

The session file's lock is held for real by another process (a plain ``filelock`` holder, as
another account's write, a laptop's sync, ``verify`` or a backup would hold it). While it is
held the screen must answer every key: what it shows moves with the keys, and the writes
wait in the queue (the file unchanged). Once released, the marks are stored in key order,
each with the time of its key. Every name here is invented.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from textual.widgets import Input

from facilitator.core.rules import Status
from facilitator.store import files
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, wait_until
from tests.tui.session_helpers import row_order, start
from tests.tui.store_failure import DAMAGED
from tests.tui.test_session_end import recorded_notifications

SIZE = (80, 24)

# Takes the lock, says "held", and lets go when told (a line on stdin).
HOLDER = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1], thread_local=False)
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
lock.release()
print("released", flush=True)
"""


class HeldLock:
    """The lock of ``path`` held by another process until ``release``."""

    def __init__(self, path: Path) -> None:
        args = [sys.executable, "-c", HOLDER, str(files.lock_path(path))]
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline() == "held\n"

    def release(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        if self.process.poll() is None:
            self.process.stdin.write("\n")
            self.process.stdin.flush()
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0

    def __enter__(self) -> HeldLock:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=CHICAGO)


def marks_logged(root: Path) -> list[str]:
    """The statuses of the audit log's attendance marks, in the order they were stored."""
    found = []
    for month in sorted((root / "audit").glob("*.jsonl")):
        for line in month.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("action") == "attendance.mark":
                found.append(entry["detail"]["status"])
    return found


async def test_a_held_lock_leaves_the_screen_answering_and_the_marks_in_key_order(clinic, fake_clock):
    running = start(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app, screen = pilot.app, pilot.app.screen
        first, second, third = row_order(screen)[:3]
        assert screen.table.highlighted_id == first
        with HeldLock(running.file.path) as held:
            fake_clock.set(at(18, 10))
            await pilot.press("l")                       # first: late, at 18:10
            assert screen.table.highlighted_id == second  # the cursor moved on: the key was answered
            assert app.writes.pending == 1
            fake_clock.set(at(18, 20))
            await pilot.press("e")                       # second: left early, at 18:20
            assert screen.table.highlighted_id == third
            fake_clock.set(at(18, 25))
            await pilot.press("x")                       # third: excused
            await pilot.press("up", "up")
            assert screen.table.highlighted_id == first  # the cursor answers ↑ too
            fake_clock.set(at(18, 30))
            await pilot.press("a")                       # first again: absent, after its late mark
            await pilot.press("up")                      # and typing in the participation pane
            text = screen.query_one("#client-text", Input)
            text.focus()
            await pilot.press(*"calm")
            assert text.value == "calm"                  # shown as typed, the lock still held
            assert app.writes.pending >= 4
            assert running.record().attendance == {}     # nothing could be stored yet
            fake_clock.set(at(18, 40))                   # released well after the keys
            held.release()
        await app.writes.idle()
        stored = running.record().attendance
        assert marks_logged(clinic.root) == ["late", "left_early", "excused", "absent"]
        assert stored[first].status is Status.ABSENT     # the later mark of the same client won
        assert stored[second].status is Status.LEFT_EARLY and stored[second].left == at(18, 20)
        assert stored[third].status is Status.EXCUSED
        # the screen shows what was stored, read after the writes
        rows = {row.client_id: row.status for row in screen.table.shown}
        assert rows[first] is Status.ABSENT and rows[second] is Status.LEFT_EARLY


async def test_a_late_mark_keeps_the_time_of_its_key(clinic, fake_clock):
    running = start(clinic)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        first = pilot.app.screen.table.highlighted_id
        with HeldLock(running.file.path) as held:
            fake_clock.set(at(18, 12))
            await pilot.press("l")
            fake_clock.set(at(18, 50))
            held.release()
        await pilot.app.writes.idle()
    assert running.record().attendance[first].arrived == at(18, 12)


async def test_a_damaged_file_in_the_queue_is_reported_once_and_the_later_writes_go_on(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(18, 5))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app, screen = pilot.app, pilot.app.screen
        said = recorded_notifications(app)
        order = row_order(screen)
        good = running.file.path.read_bytes()
        with HeldLock(running.file.path) as held:
            await pilot.press("p", "p", "p")             # three marks queued behind the lock
            assert app.writes.pending == 3
            running.file.path.write_bytes(DAMAGED)       # the file is damaged meanwhile
            held.release()
        await app.writes.idle()
        damaged = [text for text in said if "is damaged" in text]
        assert len(damaged) == 1, said                   # one sentence for the three refusals
        assert running.file.path.read_bytes() == DAMAGED  # never overwritten
        assert app.is_running and app.screen is screen
        assert screen.table.highlighted_id == order[2]
        running.file.path.write_bytes(good)              # restored, as from a backup
        await pilot.press("p")                           # the next key's write runs
        await app.writes.idle()
        stored = running.record().attendance
        assert list(stored) == [order[2]] and stored[order[2]].status is Status.PRESENT
        assert not [text for text in said if "is damaged" in text][1:]


async def test_a_refused_write_in_the_queue_leaves_the_ones_after_it(clinic, fake_clock):
    """A mark the store refuses (left early before the session started) is shown; the
    marks asked before and after it are stored."""
    running = start(clinic)
    fake_clock.set(at(17, 56))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app, screen = pilot.app, pilot.app.screen
        said = recorded_notifications(app)
        order = row_order(screen)
        with HeldLock(running.file.path) as held:
            await pilot.press("p", "e", "x")
            held.release()
        await app.writes.idle()
        stored = running.record().attendance
        assert stored[order[0]].status is Status.PRESENT
        assert order[1] not in stored and len(said) == 1, said
        assert stored[order[2]].status is Status.EXCUSED


async def test_quitting_with_writes_queued_stores_them(clinic, fake_clock):
    running = start(clinic)
    fake_clock.set(at(18, 5))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app, screen = pilot.app, pilot.app.screen
        order = row_order(screen)
        with HeldLock(running.file.path) as held:
            await pilot.press("p", "h", "up", "up")
            screen.query_one("#client-text", Input).focus()
            await pilot.press(*"quiet")                  # typed, not yet autosaved
            assert app.writes.pending >= 2 and running.record().attendance == {}   # + an autosave, if its timer fired
            # let go from another thread while the app is blocked quitting
            # (a daemon thread that sleeps: under the clock pass a threading.Timer's timed wait
            # never returns with libfaketime's monotonic clock (#390), and its thread kept the
            # xdist worker from exiting: CI hung at the end of the clock pass)
            threading.Thread(target=lambda: (time.sleep(0.5), held.release()), daemon=True).start()
            app.exit()                                   # as ctrl+q, q or a hang-up end it
            assert app.writes.wait_stored(0)             # exit returned once all had run
    stored = running.record().attendance
    assert stored[order[0]].status is Status.PRESENT and stored[order[0]].text == "quiet"
    assert stored[order[1]].status is Status.TELEHEALTH


async def test_the_queue_runs_on_while_the_lock_screen_is_up(clinic, fake_clock):
    """The lock (ctrl+l, or idle minutes) saves what was typed and covers the screen; it
    drops no queued write, and the typing it saved is queued after the marks."""
    from facilitator.tui.lock import LockScreen
    running = start(clinic)
    fake_clock.set(at(18, 5))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app, screen = pilot.app, pilot.app.screen
        first = screen.table.highlighted_id
        with HeldLock(running.file.path) as held:
            await pilot.press("p", "up")
            screen.query_one("#client-text", Input).focus()
            await pilot.press(*"steady")
            app.idle_lock.lock_now("manual")
            assert await wait_until(pilot, lambda: isinstance(app.screen, LockScreen))
            assert app.writes.pending >= 2 and running.record().attendance == {}   # + an autosave, if its timer fired
            held.release()
        await app.writes.idle()
    entry = running.record().attendance[first]
    assert entry.status is Status.PRESENT and entry.text == "steady"


async def test_the_note_editor_keeps_taking_typing_while_its_save_waits_and_signs_after_it(clinic, fake_clock):
    """The draft's autosave waits behind a held lock; the editor answers every key meanwhile
    (the text grows as typed); ctrl+s then y signs what was typed, after the save."""
    from facilitator.tui.note_editor import NoteEditorScreen
    from facilitator.tui.widgets.confirm import ConfirmScreen
    from tests.tui.test_session_end import open_end_screen, run_short_session
    running = run_short_session(clinic, fake_clock)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        await open_end_screen(pilot, running)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, NoteEditorScreen))
        editor = app.screen
        client = editor.client_id
        editor.area.move_cursor(editor.area.document.end)
        with HeldLock(running.file.path) as held:
            await pilot.press(*"Named two supports.")
            editor.save()                                # the autosave, now: queued behind the lock
            await pilot.press(*" Calm.")
            assert editor.area.text.endswith("Named two supports. Calm.")
            assert app.writes.pending >= 1 and app.screen is editor   # + an autosave, if its timer fired
            await pilot.press("ctrl+s")                  # saves the rest, then asks
            held.release()
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), seconds=20)
        await pilot.press("y")
        await app.writes.idle()
        assert await wait_until(pilot, lambda: app.screen is not editor)
    note = running.file.notes()[client]
    assert note.signed and note.body.rstrip("\n").endswith("Named two supports. Calm.")


async def test_idle_waits_for_the_writes_asked_before_it_not_for_those_asked_meanwhile(clinic, fake_clock):
    """An autosave behind a held lock asks again after each failure: a wait for "no write
    outstanding" never ended (a clean-clone CI run hung in test_store_failures); a wait for
    the writes asked so far does."""
    import asyncio
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        writes = pilot.app.writes
        ran: list[int] = []
        retrying = [True]

        def again(_: object = None) -> None:
            if retrying[0]:
                writes.ask(lambda: ran.append(1), done=again)

        writes.ask(lambda: ran.append(1), done=again)
        await asyncio.wait_for(writes.idle(), timeout=10)
        assert ran and writes.pending, "the first write was answered while its retries go on"
        retrying[0] = False
        await asyncio.wait_for(writes.idle(), timeout=10)


async def test_capital_p_after_a_queued_mark_keeps_that_mark(clinic, fake_clock):
    """`a` then `P` while another process holds the file: the absent mark is still queued
    when P is pressed, so P decides who is unmarked when it runs, after it (the day script
    at 80x24 saw P overwrite an `a` still in the queue: present 10/10)."""
    running = start(clinic)
    fake_clock.set(at(18, 5))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app, screen = pilot.app, pilot.app.screen
        order = row_order(screen)
        with HeldLock(running.file.path):
            await pilot.press("a", "P")
            assert running.record().attendance == {}
        await app.writes.idle()
        stored = running.record().attendance
        assert stored[order[0]].status is Status.ABSENT
        assert {cid for cid in order[1:]} <= set(stored)
        assert all(stored[cid].status is Status.PRESENT for cid in order[1:])
