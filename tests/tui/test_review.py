"""Pilot tests of the review queue (fake now: Monday 2026-11-23 17:55 Chicago)."""

from __future__ import annotations

from facilitator.store.clinic import open_clinic
from facilitator.store.notes import NoteBook
from facilitator.store.staff import add_staff
from facilitator.tui.note import NoteScreen
from facilitator.tui.review import ReviewScreen, ReviewTable
from facilitator.tui.widgets.confirm import ConfirmScreen
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
        assert rows[0] == ["", "Thu 12 Nov", "Evening IOP", "Avery Testperson", "no note", "4 work days late"]
        assert rows[1][2].startswith("Morning Relapse") and rows[1][2].endswith("…")   # cut to fit
        assert rows[1][1::2] == ["Mon 23 Nov", "Casey Placeholder", "due Thu 26"]
        assert len(rows) == 2
        late = table.get_row_at(0)[5]
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
        assert rows_text(table) == [["", "Thu 12 Nov", "Evening IOP", "Avery Testperson", "to co-sign", "—"]]
        await pilot.press("enter")
        note = pilot.app.screen
        assert isinstance(note, NoteScreen)
        assert "Practised refusal skills" in str(note.query_one("#note-body").render())
        await pilot.press("c")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert clinic.session_file(EARLIER_ID).notes()["T001"].cosigned_by is None   # asks first
        await pilot.press("y")
        await pilot.pause()
        await pilot.app.writes.idle()
        stored = clinic.session_file(EARLIER_ID).notes()["T001"]
        assert stored.cosigned_by == "sup1"
        shown = str(note.query_one("#note-body").render())
        assert "Signed by Casey Counselor," in shown and "co-signed by Sam Supervisor," in shown
        assert "sup1" not in shown and "counselor1" not in shown        # names, not account ids
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
        await pilot.press("c", "y")
        await pilot.pause()
        await pilot.app.writes.idle()
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
        assert [(r[1], r[3], r[4]) for r in rows] == [("Mon 23 Nov", "Casey Placeholder", "no note")]
        assert "Your notes to write · 1" in str(screen.query_one("#review-title").render())


LATER_ID = "2026-11-19-1800-evening-iop"


def _signed_history(clinic) -> None:
    """Evening IOP (counselor1): Thu 12 Nov T001 signed, T002 a draft (overdue); Thu 19 Nov
    T001 and T002 signed. Mon 23 Nov morning group: T003's note missing (not yet due)."""
    import_attendance(clinic, "2026-11-12,Evening IOP,T001,present,,\n"
                              "2026-11-12,Evening IOP,T002,present,,\n"
                              "2026-11-19,Evening IOP,T001,present,,\n"
                              "2026-11-19,Evening IOP,T002,present,,\n" + MORNING)
    early = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    early.save_draft("T001", "Participation and response: Avery mapped two high-risk evenings.\n")
    early.sign("T001")
    early.save_draft("T002", "Participation and response: Blake practised the refusal script.\n")
    later = NoteBook(clinic, clinic.session_file(LATER_ID))
    later.save_draft("T001", "Participation and response: Avery named a new trigger at work.\n")
    later.save_draft("T002", "Participation and response: Blake quiet; finished the worksheet.\n")
    later.sign("T001")
    later.sign("T002")


async def test_filters_with_counts_home_end_and_batch_co_sign_with_one_confirmation(clinic, fake_clock):
    _signed_history(clinic)
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        table = screen.query_one(ReviewTable)
        filters = str(screen.query_one("#review-filters").render())
        assert "all 5 · mine to sign 0 · to co-sign 3 · overdue 1" in filters
        assert "group: all" in filters and "counselor: all" in filters
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1 == 4
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("f", "f")                      # all -> mine to sign -> to co-sign
        assert [r[4] for r in rows_text(table)] == ["to co-sign"] * 3
        await pilot.press("g")                           # the first group: Evening IOP
        assert "group: Evening IOP" in str(screen.query_one("#review-filters").render())
        await pilot.press("p")
        assert "counselor: Casey Counselor" in str(screen.query_one("#review-filters").render())
        assert table.row_count == 3
        await pilot.press("space", "space")              # select two, the cursor moves down
        assert [r[0] for r in rows_text(table)] == ["✓", "✓", ""]
        assert "2 selected" in str(screen.query_one("#review-filters").render())
        await pilot.press("c")
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen) and "Co-sign these 2 signed notes?" in confirm.question
        await pilot.press("y")
        await pilot.pause()
        early, later = clinic.session_file(EARLIER_ID).notes(), clinic.session_file(LATER_ID).notes()
        assert early["T001"].cosigned_by == later["T001"].cosigned_by == "sup1"
        assert later["T002"].cosigned_by is None and early["T002"].cosigned_by is None
        assert await wait_until(pilot, lambda: table.row_count == 1)
        # a selects every note to co-sign shown; one confirmation for all
        await pilot.press("a", "c", "y")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert clinic.session_file(LATER_ID).notes()["T002"].cosigned_by == "sup1"
        assert await wait_until(pilot, lambda: table.row_count == 0)
        # n co-signs nothing: nothing left here anyway; the filter line's counts follow
        assert "to co-sign 0" in str(screen.query_one("#review-filters").render())
    cosigns = [a for a in audit_actions(clinic) if a[1] == "note.cosign"]
    assert len(cosigns) == 3


async def test_n_co_signs_nothing_and_a_draft_cannot_be_selected(clinic, fake_clock):
    _signed_history(clinic)
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        table = screen.query_one(ReviewTable)
        await pilot.press("f", "f", "f")                 # overdue: 12 Nov's draft
        rows = rows_text(table)
        assert rows and all(r[5].endswith("late") for r in rows)
        await pilot.press("space")
        assert rows_text(table)[0][0] == ""               # a draft is not selectable
        await pilot.press("f", "f", "f", "a", "c", "n")  # round to "to co-sign"; select all; no
        await pilot.pause()
        for sid in (EARLIER_ID, LATER_ID):
            await pilot.app.writes.idle()
            assert all(n.cosigned_by is None for n in clinic.session_file(sid).notes().values())


async def test_escape_reaches_home_in_at_most_two_presses(clinic, fake_clock):
    _signed_history(clinic)
    from facilitator.tui.home import HomeScreen
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("w")
        await pilot.pause()
        screen = await open_review(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, NoteScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        assert len(pilot.app.screen_stack) == 1


async def test_a_note_that_reads_like_another_is_marked_in_the_queue(clinic, fake_clock):
    """Two drafts with the same words about different clients: both marked, with the other's
    initials; a supervisor sees it in the co-sign question too."""
    import_attendance(clinic, EARLIER.replace("T002,absent", "T002,present"))
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    same = "Participation and response: {} was quiet but attentive.\nPlan: continue.\n"
    book.save_draft("T001", same.format("Avery"))
    book.save_draft("T002", same.format("Blake"))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        rows = {r[3]: r[4] for r in rows_text(screen.query_one(ReviewTable))}
        assert rows == {"Avery Testperson": "draft, like B.S.", "Blake Sampleton": "draft, like A.T."}
        assert "nearly the same words as B.S.'s note" in str(screen.query_one("#review-hint").render())


def test_a_note_corrected_after_signing_says_so_in_the_queue():
    """Issue #20: the review queue's note column names the flag the store sets."""
    from datetime import date

    from facilitator.store.notes import QueueItem
    from facilitator.tui.review import Queue, note_text
    day = date(2026, 11, 23)
    queue = Queue(items=[], names={}, first=day, today=day, mine_only=False, problems=[], clinic="x", who="y")
    item = QueueItem("2026-11-23-0900-morning-a", day, "Morning A", "Q001", "unsigned-cosign", 0,
                     flag="attendance corrected after signing")
    assert note_text(item, queue).endswith(", attendance corrected after signing")
    assert "corrected" not in note_text(QueueItem("s", day, "g", "Q002", "unsigned-cosign", 0), queue)
