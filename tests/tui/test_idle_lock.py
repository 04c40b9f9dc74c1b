"""The idle lock: after the clinic's idle minutes the app hides every client behind a PIN.

Driven by the app's injected FakeClock (the lock compares clock readings once a second; it
never counts ticks). Client names come from the shared fixture (all invented).
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from facilitator.store.pins import FIRST_WAIT_SECONDS, PinStore
from facilitator.tui.home import HomeScreen
from facilitator.tui.lock import LOCKED_TITLE, IdleLock, LockScreen
from tests.conftest import sample_clients
from tests.tui.helpers import build_app, calls_ran, count_calls, wait_until

IDLE_LOCK = True  # tests/tui/conftest.py keeps the lock on for this module
SIZE = (100, 30)
PIN = "482913"


def screen_text(app) -> str:
    """Every character the terminal would show now (the SVG screenshot, tags stripped)."""
    import html
    import re
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", " ", svg)).replace("\xa0", " ")


def quick_idle_checks(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    """Idle checks every 20 ms instead of every second, each counted (see ``calls_ran``):
    a test waits for a check to have run, never a fixed second and a bit."""
    monkeypatch.setattr(IdleLock, "idle_check_seconds", 0.02)
    return count_calls(monkeypatch, IdleLock, "check_idle_lock")


def client_names() -> list[str]:
    names = []
    for client in sample_clients():
        names += [client.first_name, client.last_name, client.client_id]
    return names


def lock_up(app) -> bool:
    """The lock screen is on top and mounted (its PIN mode decided)."""
    return isinstance(app.screen, LockScreen) and app.screen.is_mounted


def audit_actions(clinic) -> list[str]:
    return [entry["action"] for _, _, entry in clinic.audit.entries() if entry]


async def type_pin(pilot, pin: str, box: str = "#pin") -> None:
    def ready() -> bool:  # a lock screen just pushed may not be composed yet
        return bool(pilot.app.screen.query(box)) and pilot.app.screen.is_mounted
    assert await wait_until(pilot, ready, seconds=5)
    field = pilot.app.screen.query_one(box, Input)
    field.focus()
    await pilot.pause()
    await pilot.press(*pin, "enter")
    await pilot.pause()


async def test_idle_minutes_without_input_lock_and_hide_every_client(clinic, fake_clock, monkeypatch):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    idle = clinic.settings().idle_minutes
    checks = quick_idle_checks(monkeypatch)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        assert isinstance(app.screen, HomeScreen)
        before = screen_text(app)
        assert "Testperson" in before, "the roster should show the invented clients first"

        fake_clock.advance(minutes=idle - 1)
        assert await calls_ran(pilot, checks, 2)  # checks ran: not yet
        assert not isinstance(app.screen, LockScreen)

        await pilot.press("down")  # input restarts the idle time
        fake_clock.advance(minutes=idle - 0.5)
        assert await calls_ran(pilot, checks, 2)
        assert not isinstance(app.screen, LockScreen)

        fake_clock.advance(minutes=1)
        assert await wait_until(pilot, lambda: lock_up(app), seconds=5)
        await pilot.pause()
        assert app.screen.styles.background.a == 1, "the lock screen must be opaque"
        shown = screen_text(app)
        assert "Test Clinic" in shown and LOCKED_TITLE in shown
        for name in client_names():
            assert name not in shown, f"{name} is visible behind the lock"
    assert "lock" in audit_actions(clinic)


async def test_the_first_launch_sets_a_pin_then_wrong_pins_lock_out_and_the_right_one_unlocks(
        clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        assert await wait_until(pilot, lambda: lock_up(app))
        lock = app.screen
        assert lock.setting, "no PIN yet: the first launch asks to set one before anything else"
        assert lock.query_one("#pin2", Input).display
        shown = screen_text(app)
        for name in client_names():
            assert name not in shown, f"{name} shows before the account has a PIN"

        # Two different PINs: refused, still locked.
        await type_pin(pilot, PIN)
        await type_pin(pilot, "111111", "#pin2")
        assert isinstance(app.screen, LockScreen)
        assert "differ" in screen_text(app)
        # Too short: refused.
        await type_pin(pilot, "12")
        await type_pin(pilot, "12", "#pin2")
        assert isinstance(app.screen, LockScreen)
        assert "4 to 12 digits" in screen_text(app)

        await type_pin(pilot, PIN)
        await type_pin(pilot, PIN, "#pin2")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert not app.is_locked
        assert PinStore(clinic.root, fake_clock).has_pin(clinic.user)

        # Lock again: now it asks for the PIN.
        await pilot.press("ctrl+l")
        assert await wait_until(pilot, lambda: lock_up(app))
        assert not app.screen.setting
        assert not app.screen.query_one("#pin2", Input).display
        for _attempt in range(3):
            await type_pin(pilot, "000000")
            assert isinstance(app.screen, LockScreen)
        text = screen_text(app)
        assert "Too many wrong PINs" in text and f"{FIRST_WAIT_SECONDS} s" in text
        assert app.screen.query_one("#pin", Input).disabled

        # While locked out even the right PIN is not taken.
        app.screen._check_pin()
        assert isinstance(app.screen, LockScreen)

        fake_clock.advance(seconds=FIRST_WAIT_SECONDS + 1)
        assert await wait_until(pilot, lambda: not app.screen.query_one("#pin", Input).disabled, seconds=5)
        await type_pin(pilot, PIN)
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert "Testperson" in screen_text(app)

    actions = audit_actions(clinic)
    assert actions.count("pin.fail") == 3
    assert actions.count("pin.set") == 1 and actions.count("unlock") == 1
    raw = b"".join(p.read_bytes() for p in (clinic.root / "audit").glob("*.jsonl"))
    assert PIN.encode() not in raw


async def test_while_locked_the_palette_and_app_keys_do_nothing(clinic, fake_clock):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        await app.run_action("lock")
        assert await wait_until(pilot, lambda: lock_up(app))
        for key in ("ctrl+p", "f1", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, LockScreen), key
        assert not await app.run_action("go('home')")
        assert isinstance(app.screen, LockScreen)

        # A dialog pushed over the lock by a timer is covered again at the next check.
        from facilitator.tui.help import HelpScreen
        app.push_screen(HelpScreen.for_screen(app.screen_stack[0]))
        assert await wait_until(pilot, lambda: lock_up(app) and len(
            [s for s in app.screen_stack if isinstance(s, LockScreen)]) == 2, seconds=5)
        await type_pin(pilot, PIN)
        assert await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), seconds=5)
        app.pop_screen()  # the lock under the dialog was unlocked too: it goes when shown
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), seconds=5)
        assert not app.is_locked


async def test_the_palette_offers_lock_now(clinic, fake_clock):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        names = [c.name for c in pilot.app.palette_commands()]
        assert "Lock now" in names


@pytest.mark.parametrize("minutes", [2])
async def test_the_clinic_setting_sets_the_idle_time(clinic, fake_clock, minutes):
    with clinic.change("settings.change", "settings"), clinic.clinic_file.transaction() as db:
        db.table("settings").update({"idle_minutes": minutes})
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        fake_clock.advance(minutes=minutes, seconds=1)
        assert await wait_until(pilot, lambda: lock_up(pilot.app), seconds=5)


# -- each bypass of the lock, closed ----------------------------------------------------------

def names_hidden(app) -> bool:
    shown = screen_text(app)
    return not any(name in shown for name in client_names())


async def test_quitting_at_the_lock_screen_and_relaunching_asks_for_the_pin_first(clinic, fake_clock):
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+l")
        assert await wait_until(pilot, lambda: lock_up(pilot.app))
        await pilot.press("ctrl+q")                  # quit from the lock screen
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        assert await wait_until(pilot, lambda: lock_up(app))
        assert not app.screen.setting and names_hidden(app)
        await type_pin(pilot, PIN)
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert "Testperson" in screen_text(app)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:   # unlocked: no gate
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))


async def test_a_relaunch_while_a_session_is_running_asks_for_the_pin_first(clinic, fake_clock):
    from facilitator.store.running import start_session
    from facilitator.tui.session import SessionScreen
    PinStore(clinic.root, fake_clock).set_pin(clinic.user, PIN)
    start_session(clinic, "Evening IOP")
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        assert await wait_until(pilot, lambda: lock_up(app))
        assert names_hidden(app)
        assert not any(isinstance(s, SessionScreen) for s in app.screen_stack)
        await type_pin(pilot, PIN)
        assert await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen), seconds=5)


async def test_clearing_the_pin_while_locked_does_not_unlock(clinic, fake_clock):
    pins = PinStore(clinic.root, fake_clock)
    pins.set_pin(clinic.user, PIN)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        await pilot.press("ctrl+l")
        assert await wait_until(pilot, lambda: lock_up(app))
        assert pins.clear(clinic.user)                # e.g. `facilitator pin reset` from a shell
        await type_pin(pilot, "13579")
        assert isinstance(app.screen, LockScreen) and app.is_locked
        assert not app.screen.setting
        assert app.screen.query_one("#pin", Input).disabled
        assert "was cleared" in screen_text(app) and names_hidden(app)
        for box in app.screen.query(Input):           # no way round it either
            box.value = "97531"
        app.screen._set_pin()
        assert app.is_locked and not pins.has_pin(clinic.user)


async def test_a_pin_issued_by_an_admin_is_asked_at_the_first_launch(clinic, fake_clock):
    from facilitator.store.pins import issue_pin
    issue_pin(clinic, clinic.user, PIN, PIN)          # the fixture's user is the clinic's admin
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app
        assert isinstance(app.screen, HomeScreen), "a PIN exists: nothing to set, no gate"
    assert "pin.issue" in audit_actions(clinic)


async def test_tab_moves_between_the_two_pin_boxes(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        app = pilot.app                          # no PIN yet: the first launch asks for one
        assert await wait_until(pilot, lambda: lock_up(app))
        assert app.screen.focused.id == "pin"
        await pilot.press(*PIN, "tab")
        assert app.screen.focused.id == "pin2"
        await pilot.press(*PIN, "shift+tab")
        assert app.screen.focused.id == "pin"
        await pilot.press("tab", "enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert PinStore(clinic.root, fake_clock).has_pin(clinic.user)
