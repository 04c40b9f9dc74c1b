"""Pilot tests of the client view (fake now: Monday 2026-11-23 17:55 Chicago)."""

from __future__ import annotations

from datetime import date

from facilitator.store import otherhours
from facilitator.store.clinic import open_clinic
from facilitator.store.staff import add_staff
from facilitator.tui.client import ClientScreen, HistoryTable
from facilitator.tui.hoursform import AddHoursScreen
from facilitator.tui.note import NoteScreen
from facilitator.tui.widgets.confirm import ConfirmScreen
from facilitator.tui.widgets.weekchart import WeekChart
from tests.tui.helpers import build_app, wait_until
from tests.tui.weekly_support import (
    LAST_WEEK,
    THIS_MORNING,
    audit_actions,
    import_attendance,
    rows_text,
    wait_for_read,
)

SIZE = (80, 24)


async def open_client(pilot, client_id: str) -> ClientScreen:
    screen = ClientScreen(client_id)
    await pilot.app.push_screen(screen)
    await wait_for_read(pilot, screen)
    return screen


def chart_lines(screen: ClientScreen) -> list[str]:
    return str(screen.query_one(WeekChart).render()).splitlines()


def capture_notices(app) -> list[str]:
    seen: list[str] = []
    original = app.notify

    def notify(message, *args, **kwargs):
        seen.append(str(message))
        return original(message, *args, **kwargs)

    app.notify = notify
    return seen


async def test_twelve_weeks_and_the_sessions_attended(clinic, fake_clock):
    import_attendance(clinic, LAST_WEEK + THIS_MORNING)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_client(pilot, "T001")
        info = str(screen.query_one("#client-info").render())
        assert "Avery Testperson (T001) · IOP · 9 h a week" in info and "Evening IOP" in info
        lines = chart_lines(screen)
        assert len(lines) == 12
        assert lines[0].startswith("W37  7 Sep") and lines[-1].startswith("W48 23 Nov")
        # Admitted Thu 1 Oct: not enrolled before W40; W40 prorated (3.6 of 9 h).
        assert "not enrolled" in lines[2] and "0.0/3.6" in lines[3]
        # By hand: W47 = 3 evenings of 170 countable minutes + Thursday morning's 90 = 600 min.
        assert "10.0/9" in lines[-2] and lines[-2].rstrip().endswith("met")
        assert "1.5/9" in lines[-1] and "at-risk (this week)" in lines[-1]
        table = screen.query_one(HistoryTable)
        rows = rows_text(table)
        assert [r[0] for r in rows] == ["Mon 23 Nov", "Thu 19 Nov", "Thu 19 Nov", "Wed 18 Nov", "Mon 16 Nov"]
        assert rows[0][2:5] == ["Morning Relapse Prevention", "present", "90"]
        assert rows[1][1:5] == ["18:00", "Evening IOP", "present", "170"]
        assert all(r[5] == "no note" for r in rows)


async def test_statuses_with_times_and_absences(clinic, fake_clock):
    import_attendance(clinic, LAST_WEEK + THIS_MORNING)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        t002 = rows_text((await open_client(pilot, "T002")).query_one(HistoryTable))
        assert [r[3:6] for r in t002] == [["left 19:00", "60", "no note"], ["present", "170", "no note"],
                                          ["absent", "0", "—"]]


async def test_adding_other_hours_stores_them_and_updates_the_hours(clinic, fake_clock):
    import_attendance(clinic, THIS_MORNING)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_client(pilot, "T001")
        assert "1.5/9" in chart_lines(screen)[-1]
        await pilot.press("o")
        assert isinstance(pilot.app.screen, AddHoursScreen)
        await pilot.press(*"60", "enter")
        assert pilot.app.screen is screen
        entries, _ = otherhours.between(clinic.root / "hours", date(2026, 11, 1), date(2026, 11, 30))
        assert [(e.client_id, e.day, e.minutes, e.kind) for _, e in entries] == [
            ("T001", date(2026, 11, 23), 60, "individual")]
        uid = otherhours.uid_of(otherhours.month_file(clinic.root / "hours", date(2026, 11, 1))
                                .tables()["entries"][0])
        # Audited by the entry's uid, as sync audits the entries it applies.
        assert ("counselor1", "hours.add", f"hours:2026-11:{uid}") in audit_actions(clinic)
        assert await wait_until(pilot, lambda: "2.5/9" in chart_lines(screen)[-1])
        rows = rows_text(screen.query_one(HistoryTable))
        assert rows[0][2:5] == ["individual", "logged", "60"]

        # And removed again from the list: x, then y to confirm.
        await pilot.press("x")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        assert otherhours.between(clinic.root / "hours", date(2026, 11, 1), date(2026, 11, 30))[0] == []
        assert ("counselor1", "hours.remove", f"hours:2026-11:{uid}") in audit_actions(clinic)
        assert await wait_until(pilot, lambda: "1.5/9" in chart_lines(screen)[-1])


async def test_a_bad_entry_is_explained_in_the_form(clinic, fake_clock):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_client(pilot, "T001")
        await pilot.press("o", *"0", "enter")
        form = pilot.app.screen
        assert isinstance(form, AddHoursScreen)
        assert "minutes must be a whole number from 1 to 1440" in str(form.query_one("#hours-error").render())
        await pilot.press("escape")
        assert not (clinic.root / "hours").exists() or not list((clinic.root / "hours").iterdir())


async def test_a_supervisor_cannot_log_hours_and_is_told_so(clinic, fake_clock):
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        notices = capture_notices(pilot.app)
        await open_client(pilot, "T001")
        await pilot.press("o")
        assert not isinstance(pilot.app.screen, AddHoursScreen)
        assert any("sup1 is a supervisor; only admins and counselors may log or remove "
                   "individual and family hours." in n for n in notices)
    assert ("sup1", "denied", "hours.change") in audit_actions(clinic)


async def test_enter_reads_the_note_and_the_reading_is_audited(clinic, fake_clock):
    from facilitator.store.notes import NoteBook
    import_attendance(clinic, THIS_MORNING)
    session_id = "2026-11-23-1000-morning-relapse-prevention"
    book = NoteBook(clinic, clinic.session_file(session_id))
    book.save_draft("T001", "Named two high-risk situations and a plan for each.")
    book.sign("T001")
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_client(pilot, "T001")
        assert rows_text(screen.query_one(HistoryTable))[0][5] == "signed"
        await pilot.press("enter")
        note = pilot.app.screen
        assert isinstance(note, NoteScreen)
        body = str(note.query_one("#note-body").render())
        assert "Named two high-risk situations" in body and "not co-signed" in body
        await pilot.press("escape")
        assert pilot.app.screen is screen
    assert ("counselor1", "note.view", session_id) in audit_actions(clinic)
