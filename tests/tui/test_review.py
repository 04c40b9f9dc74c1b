"""Pilot tests of the review queue (fake now: Monday 2026-11-23 17:55 Chicago)."""

from __future__ import annotations

from facilitator.store.clinic import open_clinic
from facilitator.store.notes import NoteBook
from facilitator.store.staff import add_staff
from facilitator.tui.note import NoteScreen
from facilitator.tui.review import ReviewScreen, ReviewTable
from tests.tui.helpers import build_app, wait_until
from tests.tui.weekly_support import audit_actions, import_attendance, rows_text, wait_for_read

SIZE = (80, 24)
EARLIER = "2026-11-12,Evening IOP,T001,present,,\n2026-11-12,Evening IOP,T002,absent,,\n"
MORNING = "2026-11-23,Morning Relapse Prevention,T003,present,,\n"
EARLIER_ID = "2026-11-12-1800-evening-iop"


async def open_review(pilot) -> ReviewScreen:
    await pilot.press("v")
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    await wait_for_read(pilot, screen)
    return screen


async def test_a_missing_note_is_listed_with_business_days_overdue(clinic, fake_clock):
    import_attendance(clinic, EARLIER + MORNING)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        table = screen.query_one(ReviewTable)
        # Oldest first; the absent client needs no note. By hand: Thu 12 Nov is due 3
        # business days later, Tue 17; Wed 18, Thu 19, Fri 20 and Mon 23 are overdue.
        rows = rows_text(table)
        assert rows[0] == ["Thu 12 Nov", "Evening IOP", "Avery Testperson", "no note", "4 work days late"]
        assert rows[1][1].startswith("Morning Relapse") and rows[1][1].endswith("…")   # cut to fit
        assert rows[1][0::2] == ["Mon 23 Nov", "Casey Placeholder", "due Thu 26"]
        assert len(rows) == 2
        late = table.get_row_at(0)[4]
        assert "bold" in str(late.spans[0].style)        # in the error colour, and bold
        assert "1 overdue" in str(screen.query_one("#review-title").render())


async def test_a_supervisor_co_signs_from_the_queue(clinic, fake_clock):
    import_attendance(clinic, EARLIER)
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    book.save_draft("T001", "Practised refusal skills in role play.")
    book.sign("T001")
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        table = screen.query_one(ReviewTable)
        assert rows_text(table) == [["Thu 12 Nov", "Evening IOP", "Avery Testperson", "to co-sign", "—"]]
        await pilot.press("enter")
        note = pilot.app.screen
        assert isinstance(note, NoteScreen)
        assert "Practised refusal skills" in str(note.query_one("#note-body").render())
        await pilot.press("c")
        stored = clinic.session_file(EARLIER_ID).notes()["T001"]
        assert stored.cosigned_by == "sup1"
        assert "co-signed by sup1" in str(note.query_one("#note-body").render())
        await pilot.press("escape")
        assert pilot.app.screen is screen
        assert await wait_until(pilot, lambda: table.row_count == 0)
        assert screen.query_one("#review-empty").display
    actions = audit_actions(clinic)
    assert ("sup1", "note.view", EARLIER_ID) in actions and ("sup1", "note.cosign", EARLIER_ID) in actions


async def test_a_counselor_cannot_co_sign_and_is_told_so(clinic, fake_clock):
    import_attendance(clinic, EARLIER)
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    book.save_draft("T001", "Practised refusal skills in role play.")
    book.sign("T001")
    add_staff(clinic, "couns2", "Cam Counselor", "counselor")
    counselor = open_clinic(clinic.root, user="couns2", clock=fake_clock)
    async with build_app(counselor, fake_clock).run_test(size=SIZE) as pilot:
        screen = ReviewScreen()
        await pilot.app.push_screen(screen)
        await wait_for_read(pilot, screen)
        # Not their session, and co-signing is not a counselor's: nothing listed.
        assert screen.query_one(ReviewTable).row_count == 0
        await pilot.app.push_screen(NoteScreen(EARLIER_ID, "T001", "Avery Testperson", "Evening IOP",
                                               clinic.session_file(EARLIER_ID).read().header.day))
        await pilot.press("c")
        assert clinic.session_file(EARLIER_ID).notes()["T001"].cosigned_by is None
    assert ("couns2", "denied", "note.cosign") in audit_actions(clinic)


async def test_a_counselor_sees_the_notes_of_their_own_sessions(clinic, fake_clock):
    import_attendance(clinic, EARLIER)                  # facilitated by counselor1
    add_staff(clinic, "couns2", "Cam Counselor", "counselor")
    counselor = open_clinic(clinic.root, user="couns2", clock=fake_clock)
    import_attendance(counselor, MORNING)               # facilitated by couns2
    async with build_app(counselor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        rows = rows_text(screen.query_one(ReviewTable))
        assert [(r[0], r[2], r[3]) for r in rows] == [("Mon 23 Nov", "Casey Placeholder", "no note")]
        assert "Your notes to write · 1" in str(screen.query_one("#review-title").render())
