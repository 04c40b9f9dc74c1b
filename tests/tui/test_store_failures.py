"""Every write in every screen survives each store failure (issue #23).

For each screen's write, the store fails for real at the file it writes (``store_failure``:
its lock held elsewhere, its bytes damaged, the disk full) just before the key that saves.
Each test asserts: the app still runs, the one sentence is shown (in the dialog's error line,
the screen's message line, or a notification), what was typed is still in the widget, and
nothing on disk is half-written (the file as it was, no temp file, no new bound entry).
Keys only, at 80x24. Every name here is invented.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.widgets import Input, TextArea

from facilitator.core.rules import Status
from facilitator.store.staff import add_staff
from facilitator.tui.client import ClientScreen
from facilitator.tui.hoursform import AddHoursScreen
from facilitator.tui.note_editor import NoteEditorScreen
from facilitator.tui.session import SessionScreen
from facilitator.tui.session_modals import CorrectAttendanceModal, EndTimeModal, TimeModal
from facilitator.tui.settings import SettingsScreen
from facilitator.tui.staff import StaffScreen
from facilitator.tui.staff_modals import AddStaffModal, ClosureModal, RenameModal, RoleModal, ScheduleModal
from facilitator.tui.widgets.confirm import ConfirmScreen
from tests.conftest import CHICAGO
from tests.tui.helpers import build_app, stored, wait_until
from tests.tui.session_helpers import row_order, start
from tests.tui.store_failure import KINDS, StoreFailure
from tests.tui.test_admin import SIZE, cursor_to, open_screen, text_of
from tests.tui.test_end_honestly import left_running, reopen
from tests.tui.test_session_end import open_end_screen, recorded_notifications, run_short_session

pytestmark = pytest.mark.parametrize("kind", KINDS)


def clinic_json(data):
    return data.root / "clinic.json"


def still_running(pilot) -> bool:
    return pilot.app.is_running and pilot.app.return_code is None


def said_in(fail: StoreFailure, texts: list[str]) -> bool:
    return any(fail.said in text for text in texts)


# -- clinic settings and the admin dialogs (clinic.json) ----------------------------------------
async def test_settings_save(clinic, fake_clock, kind):
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "settings", SettingsScreen)
        await pilot.press("ctrl+u", "1", "0")                # the group size limit, typed
        with fail.at(clinic_json(clinic)):
            await pilot.press("ctrl+s")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is screen
            assert fail.said in text_of(screen, "#settings-message")
            assert screen.query_one("#settings-message").has_class("-error")
            assert screen.query_one("#group-cap", Input).value == "10"
            fail.assert_nothing_written()


async def test_staff_add(clinic, fake_clock, kind):
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_screen(pilot, "staff", StaffScreen)
        await pilot.press("a", *"jdoe", "tab", *"Jamie Doe", "tab", "down")
        modal = pilot.app.screen
        assert isinstance(modal, AddStaffModal)
        with fail.at(clinic_json(clinic)):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is modal
            assert fail.said in text_of(modal, "#staff-add-error")
            assert modal.query_one("#staff-user", Input).value == "jdoe"
            assert modal.query_one("#staff-name", Input).value == "Jamie Doe"
            fail.assert_nothing_written()


async def test_staff_rename(clinic, fake_clock, kind):
    add_staff(clinic, "jdoe", "Jamie Doe", "counselor")
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "staff", StaffScreen)
        await cursor_to(pilot, screen, "jdoe")
        await pilot.press("n")
        modal = pilot.app.screen
        assert isinstance(modal, RenameModal)
        modal.query_one("#rename-name", Input).value = ""
        await pilot.press(*"Jamie Q. Doe")
        with fail.at(clinic_json(clinic)):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is modal
            assert fail.said in text_of(modal, "#rename-error")
            assert modal.query_one("#rename-name", Input).value == "Jamie Q. Doe"
            fail.assert_nothing_written()


async def test_staff_role(clinic, fake_clock, kind):
    add_staff(clinic, "jdoe", "Jamie Doe", "counselor")
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "staff", StaffScreen)
        await cursor_to(pilot, screen, "jdoe")
        await pilot.press("r", "down")                       # counselor -> supervisor
        modal = pilot.app.screen
        assert isinstance(modal, RoleModal)
        with fail.at(clinic_json(clinic)):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is modal
            assert fail.said in text_of(modal, "#role-error")
            assert modal.query_one("#role-list").highlighted == 1       # the choice stays
            fail.assert_nothing_written()


async def test_staff_deactivate(clinic, fake_clock, kind):
    add_staff(clinic, "jdoe", "Jamie Doe", "counselor")
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "staff", StaffScreen)
        await cursor_to(pilot, screen, "jdoe")
        await pilot.press("x")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        with fail.at(clinic_json(clinic)):
            await pilot.press("y")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is screen
            assert fail.said in text_of(screen, "#staff-message")
            fail.assert_nothing_written()
    assert clinic.snapshot().staff["jdoe"].active


async def test_closure_dialog(clinic, fake_clock, kind):
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_screen(pilot, "settings", SettingsScreen)
        await pilot.press("ctrl+o")
        modal = pilot.app.screen
        assert isinstance(modal, ClosureModal)
        modal.query_one("#closure-date", Input).value = ""
        await pilot.press(*"2026-12-02", "tab", "down", "tab", *"snow day")
        with fail.at(clinic_json(clinic)):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is modal
            assert fail.said in text_of(modal, "#closure-error")
            assert modal.query_one("#closure-date", Input).value == "2026-12-02"
            assert modal.query_one("#closure-reason", Input).value == "snow day"
            fail.assert_nothing_written()


async def test_schedule_dialog(clinic, fake_clock, kind):
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_screen(pilot, "settings", SettingsScreen)
        await pilot.press("ctrl+g")
        modal = pilot.app.screen
        assert isinstance(modal, ScheduleModal)
        minutes = modal.query_one("#schedule-minutes", Input)
        minutes.value = "150"
        minutes.focus()
        await pilot.pause()
        with fail.at(clinic_json(clinic)):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is modal
            assert fail.said in text_of(modal, "#schedule-error")
            assert modal.query_one("#schedule-minutes", Input).value == "150"
            fail.assert_nothing_written()


# -- the session screen (the session's record file) ---------------------------------------------
def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=CHICAGO)


async def test_session_mark(clinic, fake_clock, kind):
    running = start(clinic)
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, SessionScreen)
        said = recorded_notifications(pilot.app)
        fake_clock.set(at(18, 0))
        with fail.at(running.file.path):
            await pilot.press("p")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is screen
            assert said_in(fail, said), said
            fail.assert_nothing_written()
    assert running.record().attendance == {}


async def test_session_typed_time(clinic, fake_clock, kind):
    running = start(clinic)
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        cid = row_order(screen)[0]
        fake_clock.set(at(18, 50))
        await pilot.press("l", "up")
        await pilot.app.writes.idle()
        assert running.record().attendance[cid].arrived == at(18, 50)
        assert await wait_until(pilot, lambda: screen.table.highlighted_id == cid, seconds=10)
        await pilot.press("T")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, TimeModal), seconds=10)
        modal = pilot.app.screen
        await pilot.press("ctrl+u", *"6:40p")
        with fail.at(running.file.path):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is modal
            error = modal.query_one("#time-error")
            assert error.has_class("-shown") and fail.said in str(error.render())
            assert modal.query_one("#arrived", Input).value == "6:40p"
            fail.assert_nothing_written()
    assert running.record().attendance[cid].arrived == at(18, 50)


async def test_session_end_time(clinic, fake_clock, kind):
    """A session left running overnight asks when it really ended (EndTimeModal)."""
    running = left_running(clinic, fake_clock)
    fake_clock.set(datetime(2026, 11, 24, 8, 30, tzinfo=CHICAGO))
    fail = StoreFailure(kind, clinic.root)
    async with reopen(clinic, fake_clock).run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndTimeModal))
        modal = pilot.app.screen
        end = modal.query_one("#end-time", Input)
        end.value = ""
        await pilot.press(*"9:05p")
        with fail.at(running.file.path):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is modal
            error = modal.query_one("#end-time-error")
            assert fail.said in str(error.render())
            assert end.value == "9:05p"
            fail.assert_nothing_written()
    assert running.record().header.actual_end is None


async def test_session_participation_text(clinic, fake_clock, kind):
    running = start(clinic)
    fake_clock.set(at(18, 0))
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        cid = screen.table.highlighted_id
        running.mark(cid, Status.PRESENT)
        said = recorded_notifications(pilot.app)
        text = screen.query_one("#client-text", Input)
        text.focus()
        with fail.at(running.file.path):                    # (an autosave while typing fails too)
            await pilot.press(*"shared a plan", "enter")
            await stored(pilot)
            assert still_running(pilot) and isinstance(pilot.app.screen, SessionScreen)
            assert said_in(fail, said), said
            assert text.value == "shared a plan"
            fail.assert_nothing_written()
        # nothing lost: once the store works again, the pane's retry saves what was typed
        assert await wait_until(pilot, lambda: running.record().attendance[cid].text == "shared a plan",
                                seconds=15)


async def test_session_word_pick(clinic, fake_clock, kind):
    running = start(clinic)
    fake_clock.set(at(18, 0))
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        cid = pilot.app.screen.table.highlighted_id
        running.mark(cid, Status.PRESENT)
        said = recorded_notifications(pilot.app)
        await pilot.press("tab", "right")
        with fail.at(running.file.path):
            await pilot.press("space")                       # a word ticked for the session
            await stored(pilot)
            assert still_running(pilot) and isinstance(pilot.app.screen, SessionScreen)
            assert said_in(fail, said), said
            fail.assert_nothing_written()
    assert running.record().attendance[cid].picks == ()


async def test_session_goal_link(clinic, fake_clock, kind):
    from datetime import date

    from facilitator.store import recovery
    from facilitator.tui.goals import GoalLinkModal
    from tests.tui.session_helpers import cursor_to
    recovery.add(clinic, "T001", "Get my license back", objectives=(), target=date(2027, 3, 1))
    fake_clock.set(at(18, 0))
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("enter", "P", "n")          # start; all present; Check-in runs
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionScreen))
        screen = pilot.app.screen
        running = screen.running
        await cursor_to(pilot, "T001")
        said = recorded_notifications(pilot.app)
        await pilot.press("g")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, GoalLinkModal))
        with fail.at(running.file.path):
            await pilot.press("1")
            await stored(pilot)
            assert still_running(pilot)
            assert said_in(fail, said), said
            fail.assert_nothing_written()
    assert running.record().attendance["T001"].goal_links == ()


# -- the end screen and the note editor ---------------------------------------------------------
async def test_end_screen_sign(clinic, fake_clock, kind):
    running = run_short_session(clinic, fake_clock)
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        said = recorded_notifications(pilot.app)
        await pilot.press("S")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        with fail.at(running.file.path):
            await pilot.press("y")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is screen
            assert said_in(fail, said), said
            fail.assert_nothing_written()
    assert not any(note.signed for note in running.file.notes().values())


async def test_end_screen_correct_attendance(clinic, fake_clock, kind):
    running = run_short_session(clinic, fake_clock)
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        await pilot.press("T")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CorrectAttendanceModal))
        modal = pilot.app.screen
        modal.query_one("#correct-reason", Input).focus()
        await pilot.press(*"the sign-in sheet")
        modal.query_one("#correct-status", Input).value = "excused"
        with fail.at(running.file.path):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is modal
            assert fail.said in str(modal.query_one("#correct-error").render())
            assert modal.query_one("#correct-reason", Input).value == "the sign-in sheet"
            assert modal.query_one("#correct-status", Input).value == "excused"
            fail.assert_nothing_written()
        assert screen is not None


async def test_note_editor_save(clinic, fake_clock, kind):
    running = run_short_session(clinic, fake_clock)
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_end_screen(pilot, running)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, NoteEditorScreen))
        editor = pilot.app.screen
        said = recorded_notifications(pilot.app)
        with fail.at(running.file.path):
            editor.area.move_cursor(editor.area.document.end)
            await pilot.press(*"Asked about supports.")
            await pilot.press("ctrl+s")                      # saves the draft first: refused
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is editor
            assert said_in(fail, said), said
            assert "Asked about supports." in editor.query_one(TextArea).text
            fail.assert_nothing_written()
        editor.saved_body = editor.area.text                  # nothing more is saved on the way out
    assert not any("Asked about supports." in note.body for note in running.file.notes().values())


# -- the client view's hours form (hours/YYYY-MM.json) -----------------------------------------
async def test_hours_form(clinic, fake_clock, kind):
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        pilot.app.push_screen(ClientScreen("T001"))
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClientScreen)
                                and pilot.app.screen.history is not None)
        await pilot.press("o")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, AddHoursScreen))
        form = pilot.app.screen
        await pilot.press(*"50")
        with fail.at(clinic.root / "hours" / "2026-11.json"):
            await pilot.press("enter")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is form
            assert fail.said in str(form.query_one("#hours-error").render())
            assert form.query_one("#hours-minutes", Input).value == "50"
            fail.assert_nothing_written()


# -- the review queue's co-sign (a session's record file) ---------------------------------------
async def test_review_cosign(clinic, fake_clock, kind):
    from facilitator.store.clinic import open_clinic
    from facilitator.tui.review import ReviewTable
    from tests.tui.test_review import LATER_ID, _signed_history, open_review
    _signed_history(clinic)
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    fail = StoreFailure(kind, clinic.root)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        said = recorded_notifications(pilot.app)
        await pilot.press("f", "f", "a", "c")          # to co-sign; select all; co-sign
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        with fail.at(clinic.session_file(LATER_ID).path):
            await pilot.press("y")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is screen
            assert said_in(fail, said), said
            fail.assert_nothing_written()
        assert screen.query_one(ReviewTable) is not None
    assert all(note.cosigned_by is None for note in clinic.session_file(LATER_ID).notes().values())


async def test_remove_logged_hours(clinic, fake_clock, kind):
    from datetime import date

    from facilitator.core.hours import OtherHours
    from facilitator.store import otherhours
    from facilitator.tui.clientdata import add_other_hours
    from tests.tui.test_client_view import open_client
    add_other_hours(clinic, OtherHours("T001", date(2026, 11, 23), 60, "individual"))
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_client(pilot, "T001")
        said = recorded_notifications(pilot.app)
        await pilot.press("x")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        with fail.at(clinic.root / "hours" / "2026-11.json"):
            await pilot.press("y")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is screen
            assert said_in(fail, said), said
            fail.assert_nothing_written()
    entries, _ = otherhours.between(clinic.root / "hours", date(2026, 11, 1), date(2026, 11, 30))
    assert len(entries) == 1


async def test_session_agenda_and_roster(clinic, fake_clock, kind):
    """n (the agenda starts) and + (a client added) each refused, nothing written."""
    from facilitator.tui.session_modals import PickModal
    running = start(clinic)
    fake_clock.set(at(18, 0))
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        said = recorded_notifications(pilot.app)
        await pilot.press("plus")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, PickModal))
        await pilot.press(*"emery")
        with fail.at(running.file.path):
            await pilot.press("enter")
            await wait_until(pilot, lambda: pilot.app.screen is screen)
            await stored(pilot)                          # (two failures apart: each shown)
            await pilot.press("n")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is screen
            assert sum(fail.said in text for text in said) >= 2, said
            fail.assert_nothing_written()
    record = running.record()
    assert "T005" not in record.roster and not any(block.started_at for block in record.blocks)


async def test_session_block_note(clinic, fake_clock, kind):
    from facilitator.core.agenda import AgendaClock
    running = start(clinic)
    fake_clock.set(at(18, 0))
    running.update_agenda(lambda blocks, now: AgendaClock(blocks).start(now))
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        said = recorded_notifications(pilot.app)
        note = pilot.app.screen.query_one("#block-note", Input)
        assert await wait_until(pilot, lambda: not note.disabled)
        note.focus()
        with fail.at(running.file.path):
            await pilot.press(*"role-play of refusals", "enter")
            await stored(pilot)
            assert still_running(pilot) and isinstance(pilot.app.screen, SessionScreen)
            assert said_in(fail, said), said
            assert note.value == "role-play of refusals"
            fail.assert_nothing_written()
        assert await wait_until(pilot, lambda: running.record().blocks[0].note == "role-play of refusals",
                                seconds=15)


async def test_note_reader_cosign(clinic, fake_clock, kind):
    from facilitator.store.clinic import open_clinic
    from facilitator.tui.note import NoteScreen
    from facilitator.tui.review import ReviewTable
    from tests.tui.test_review import _signed_history, open_review
    _signed_history(clinic)
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    fail = StoreFailure(kind, clinic.root)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press("f", "f")                      # to co-sign
        item = screen.query_one(ReviewTable).current
        assert item is not None
        said = recorded_notifications(pilot.app)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, NoteScreen))
        reader = pilot.app.screen
        await pilot.press("c")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        with fail.at(clinic.session_file(item.session_id).path):
            await pilot.press("y")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is reader
            assert said_in(fail, said), said
            fail.assert_nothing_written()
    assert clinic.session_file(item.session_id).notes()[item.client_id].cosigned_by is None


async def test_staff_reactivate(clinic, fake_clock, kind):
    from facilitator.store.staff import deactivate
    add_staff(clinic, "jdoe", "Jamie Doe", "counselor")
    deactivate(clinic, "jdoe")
    fail = StoreFailure(kind, clinic.root)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, "staff", StaffScreen)
        await cursor_to(pilot, screen, "jdoe")
        await pilot.press("u")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        with fail.at(clinic_json(clinic)):
            await pilot.press("y")
            await stored(pilot)
            assert still_running(pilot) and pilot.app.screen is screen
            assert fail.said in text_of(screen, "#staff-message")
            fail.assert_nothing_written()
    assert not clinic.snapshot().staff["jdoe"].active
