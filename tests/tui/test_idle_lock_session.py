"""The idle lock and a running session (issue #20, case 7).

- A key (or a click) in the last 2 seconds before the lock is dropped and locks at once: a
  PIN typed a moment early never reaches the session screen (it toggled picks 2, 3, 5, 8 and
  opened the time dialog).
- While a session runs the lock waits the clinic's ``session-idle-minutes`` (15 unless set),
  not ``idle-minutes`` (5), and the lock screen shows the agenda clock: block and time left,
  no client.

Driven by the injected FakeClock; asserts on the stored session file. Fake now: Mon
2026-11-23 18:00 Chicago. Names are the shared fixture's invented ones.
"""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from facilitator.core.rules import Status
from facilitator.store.pins import PinStore
from facilitator.store.settings import change_settings
from facilitator.tui.home import HomeScreen
from facilitator.tui.lock import IdleLock, LockScreen
from facilitator.tui.session import SessionScreen
from facilitator.tui.session_modals import TimeModal
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, calls_ran, stored, wait_until
from tests.tui.session_helpers import all_names, cursor_to, screen_text, start
from tests.tui.test_idle_lock import lock_up, quick_idle_checks, type_pin

IDLE_LOCK = True  # tests/tui/conftest.py keeps the lock on for this module
SIZE = (80, 24)
PIN = "482913"
T0 = datetime(2026, 11, 23, 18, 0, tzinfo=CHICAGO)


async def unlocked_session(pilot, running) -> SessionScreen:
    """Past the launch gate (a running session opens behind the lock), on the session screen,
    the agenda started and T001 present, the cursor on T001."""
    assert await wait_until(pilot, lambda: lock_up(pilot.app), seconds=5)
    await type_pin(pilot, PIN)
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionScreen), seconds=5)
    await pilot.pause()
    await pilot.press("n")
    await cursor_to(pilot, "T001")
    await pilot.press("p")
    await cursor_to(pilot, "T001")
    return pilot.app.screen


async def test_a_pin_typed_just_before_the_lock_is_not_clinical_data(
        clinic, fake_clock, monkeypatch: pytest.MonkeyPatch):
    # Seven keys typed at once: a person's arrive within the second, the pilot's on a loaded
    # machine (a second xdist worker) did not, and the last ones became a wrong PIN.
    monkeypatch.setattr(IdleLock, "drop_after_lock_seconds", 4.0)
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await unlocked_session(pilot, running)
        await pilot.press("tab")                       # the picks bar: digits would tick words
        await stored(pilot)
        before = running.record()
        assert before.attendance["T001"].status is Status.PRESENT
        fake_clock.advance(minutes=15, seconds=-1.5)   # 1.5 s before the session's lock
        await pilot.press(*"112358", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, LockScreen)
        await pilot.app.writes.idle()
        after = running.record()
        assert after.attendance == before.attendance   # no pick, no time, nothing
        assert not any(isinstance(s, TimeModal) for s in pilot.app.screen_stack)
        # The first key locked; it and the rest, typed with it, were dropped: no wrong PIN either.
        actions = [e["action"] for _, _, e in clinic.audit.entries() if e]
        assert actions[-1] == "lock", actions[-3:]
        assert pilot.app.screen.query_one("#pin").value == ""
        # The lock has been seen (keys in its first second are dropped): the PIN is typed.
        assert await wait_until(pilot, lambda: time.monotonic() >= pilot.app.idle_lock.dropping_until, seconds=5)
        await type_pin(pilot, PIN)
        assert isinstance(pilot.app.screen, SessionScreen)
        assert running.record().attendance == before.attendance


async def test_a_key_before_the_last_two_seconds_is_applied(clinic, fake_clock):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await unlocked_session(pilot, running)
        await pilot.press("tab")
        fake_clock.advance(minutes=15, seconds=-2.5)
        await pilot.press("2")
        await stored(pilot)
        assert running.record().attendance["T001"].all_picks == ("shared",)
        assert not isinstance(pilot.app.screen, LockScreen)
        fake_clock.advance(minutes=15, seconds=-2.5)   # the key restarted the idle time
        await pilot.press("3")
        await stored(pilot)
        assert running.record().attendance["T001"].all_picks == ("shared", "practised")


async def test_a_running_session_waits_session_idle_minutes_and_shows_its_clock(
        clinic, fake_clock, monkeypatch: pytest.MonkeyPatch):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    running = start(clinic)
    fake_clock.set(T0)
    checks = quick_idle_checks(monkeypatch)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await unlocked_session(pilot, running)
        fake_clock.advance(minutes=14)                 # past idle-minutes (5), not 15
        assert await calls_ran(pilot, checks, 2)
        assert not isinstance(pilot.app.screen, LockScreen)
        fake_clock.advance(minutes=1, seconds=1)
        assert await wait_until(pilot, lambda: lock_up(pilot.app), seconds=5)
        clock_line = "Session running · Check-in · 4:59 left"    # 20-minute block, 15:01 in
        assert await wait_until(pilot, lambda: clock_line in screen_text(pilot.app), seconds=5)
        shown = screen_text(pilot.app)
        assert not [name for name in all_names(clinic) if name in shown]
        await type_pin(pilot, PIN)
        assert isinstance(pilot.app.screen, SessionScreen)
        assert running.record().attendance["T001"].status is Status.PRESENT


async def test_the_clinic_sets_the_session_idle_minutes(clinic, fake_clock, monkeypatch: pytest.MonkeyPatch):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    change_settings(clinic, session_idle_minutes=30)
    running = start(clinic)
    fake_clock.set(T0)
    checks = quick_idle_checks(monkeypatch)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await unlocked_session(pilot, running)
        fake_clock.advance(minutes=29)
        assert await calls_ran(pilot, checks, 2)
        assert not isinstance(pilot.app.screen, LockScreen)
        fake_clock.advance(minutes=1, seconds=1)
        assert await wait_until(pilot, lambda: lock_up(pilot.app), seconds=5)


async def test_without_a_session_idle_minutes_applies_and_the_lock_shows_no_clock(clinic, fake_clock):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert isinstance(pilot.app.screen, HomeScreen)
        fake_clock.advance(minutes=5, seconds=-1)      # the last second before idle-minutes
        await pilot.press("s")                         # would open the start dialog
        await pilot.pause()
        assert isinstance(pilot.app.screen, LockScreen)
        assert len(pilot.app.screen_stack) == 2        # home, the lock: nothing opened
        assert "Session running" not in screen_text(pilot.app)


async def test_a_line_being_typed_is_saved_before_the_lock_covers_it(clinic, fake_clock, monkeypatch):
    monkeypatch.setattr("facilitator.tui.widgets.participation.QUIET_SECONDS", 3600.0)
    monkeypatch.setattr("facilitator.tui.widgets.participation.MAX_UNSAVED_SECONDS", 3600.0)
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await unlocked_session(pilot, running)
        await pilot.press("tab", "tab", *"Calm")
        await stored(pilot)
        assert running.record().attendance["T001"].text == ""   # (timed autosave is off here)
        fake_clock.advance(minutes=16)
        assert await wait_until(pilot, lambda: lock_up(pilot.app), seconds=5)
        assert running.record().attendance["T001"].text == "Calm"


async def test_a_click_just_before_the_lock_is_dropped(clinic, fake_clock):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await unlocked_session(pilot, running)
        before = running.record()
        fake_clock.advance(minutes=15, seconds=-1)
        await pilot.click("#picks", offset=(1, 0))       # on the first word: engaged
        await pilot.pause()
        assert isinstance(pilot.app.screen, LockScreen)
        assert running.record().attendance == before.attendance


async def test_ctrl_q_just_before_the_lock_still_quits(clinic, fake_clock):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    running = start(clinic)
    fake_clock.set(T0)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await unlocked_session(pilot, running)
        fake_clock.advance(minutes=15, seconds=-1)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not pilot.app.is_running
