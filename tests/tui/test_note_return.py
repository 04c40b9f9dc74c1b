"""Returning a note for correction in the app (#20), keys only, at 80x24 (fake now: Monday
2026-11-23 17:55 Chicago). The Thu 12 Nov Evening IOP was facilitated by counselor1, who
signed Avery's (T001) note; sup1, a supervisor, returns it from the review queue with R and a
reason; counselor1 sees "1 note returned for correction" on home, opens it from the queue,
corrects it and signs it again. Every name is invented."""

from __future__ import annotations

from facilitator.store.clinic import open_clinic
from facilitator.store.notes import NoteBook
from facilitator.store.staff import add_staff
from facilitator.tui.help import HelpScreen
from facilitator.tui.note import NoteScreen
from facilitator.tui.note_editor import NoteEditorScreen
from facilitator.tui.return_note import ReturnNoteModal
from facilitator.tui.review import ReviewScreen, ReviewTable
from facilitator.tui.widgets.confirm import ConfirmScreen
from tests.tui.helpers import build_app, wait_until
from tests.tui.weekly_support import audit_actions, import_attendance, rows_text, wait_for_read

SIZE = (80, 24)
EARLIER = "2026-11-12,Evening IOP,T001,present,,\n2026-11-12,Evening IOP,T002,absent,,\n"
EARLIER_ID = "2026-11-12-1800-evening-iop"
FIRST = "Practised refusal skills in role play."
REASON = "Goals part missing"
LONG = "Goals part missing; " + "the plan part says nothing of what comes next " * 8


def keys_of(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


def signed_by_counselor1(clinic) -> None:
    import_attendance(clinic, EARLIER)
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    book.save_draft("T001", FIRST)
    book.sign("T001")


async def open_review(pilot) -> ReviewScreen:
    await pilot.press("v")
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    await wait_for_read(pilot, screen)
    return screen


async def test_a_supervisor_returns_a_note_with_a_reason_and_the_counselor_re_signs_it(clinic, fake_clock):
    signed_by_counselor1(clinic)
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        table = screen.query_one(ReviewTable)
        assert rows_text(table) == [["", "Thu 12 Nov", "Evening IOP", "Avery Testperson", "to co-sign", "—"]]
        await pilot.press("f1")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        keys = str(pilot.app.screen.query_one(".help-keys").render())
        assert "Return: Return the highlighted signed note to its signer for correction" in keys
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        await pilot.press("R")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ReturnNoteModal))
        modal = pilot.app.screen
        await pilot.press("space", "enter")                   # no reason: refused, kept open
        await pilot.pause()
        assert pilot.app.screen is modal
        assert "reason is required" in str(modal.query_one("#return-error").render())
        await pilot.app.writes.idle()
        assert clinic.session_file(EARLIER_ID).notes()["T001"].returned is None
        await pilot.press(*keys_of(LONG), "enter")
        assert await wait_until(pilot, lambda: pilot.app.screen is screen)
        stored = clinic.session_file(EARLIER_ID).notes()["T001"]
        assert stored.returned is not None and stored.returned.reason == LONG.strip() and stored.body == FIRST
        assert await wait_until(pilot, lambda: rows_text(table)[0][4] == "returned")
        assert rows_text(table)[0][5] == "to re-sign"
        assert "returned 1" in str(screen.query_one("#review-filters").render())
        hint = str(screen.query_one("#review-hint").render())
        assert hint.startswith(f"Returned to Casey Counselor for correction: {REASON}")
        assert hint.endswith("…") and len(hint) <= 78                     # one line at 80 columns
        await pilot.press("R")                                # once only: said, not asked
        await pilot.pause()
        assert pilot.app.screen is screen
        await pilot.press("enter")                            # the supervisor reads it: the return shows
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, NoteScreen))
        shown = str(pilot.app.screen.query_one("#note-body").render())
        assert "Returned for correction by Sam Supervisor, Mon 23 Nov 2026 17:55: Goals part" in shown
        assert pilot.app.screen.check_action("cosign", ()) is False
        await pilot.press("escape")
    fake_clock.advance(minutes=30)

    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        home = pilot.app.screen
        assert await wait_until(pilot, lambda: home.query_one("#home-returned").display)
        assert str(home.query_one("#home-returned").render()) == "1 note returned for correction · v shows it"
        screen = await open_review(pilot)
        table = screen.query_one(ReviewTable)
        assert rows_text(table)[0][4] == "returned"
        hint = str(screen.query_one("#review-hint").render())
        assert hint.startswith(f"Returned to you for correction: {REASON}")
        assert hint.endswith("… · Enter corrects it") and len(hint) <= 78
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, NoteEditorScreen))
        editor = pilot.app.screen
        assert not editor.area.read_only and editor.area.text == FIRST
        assert f"Returned by Sam Supervisor: {REASON}" in str(editor.query_one("#note-state").render())
        await pilot.press("end", *keys_of(" Goal 1 addressed."))
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await pilot.app.writes.idle()
        assert await wait_until(pilot, lambda: clinic.session_file(EARLIER_ID).notes()["T001"].returned is None)
        note = clinic.session_file(EARLIER_ID).notes()["T001"]
        assert note.body == FIRST + " Goal 1 addressed." and note.signed_by == "counselor1"
        assert note.signed_at == fake_clock.now and note.earlier[0].body == FIRST
        await wait_until(pilot, lambda: pilot.app.screen is screen)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: not pilot.app.screen.query_one("#home-returned").display)
    actions = audit_actions(clinic)
    assert ("sup1", "note.return", EARLIER_ID) in actions and ("counselor1", "note.resign", EARLIER_ID) in actions


async def test_a_counselor_has_no_return_key_and_help_names_it(clinic, fake_clock):
    signed_by_counselor1(clinic)
    add_staff(clinic, "couns2", "Cam Counselor", "counselor")
    counselor = open_clinic(clinic.root, user="couns2", clock=fake_clock)
    import_attendance(counselor, "2026-11-19,Evening IOP,T001,present,,\n")
    book = NoteBook(counselor, counselor.session_file("2026-11-19-1800-evening-iop"))
    book.save_draft("T001", FIRST)
    async with build_app(counselor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        assert screen.check_action("return_note", ()) is False
        await pilot.press("R")
        await pilot.pause()
        assert pilot.app.screen is screen
        await pilot.press("f1")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        assert "R (shift+r) returns the highlighted signed note" in str(
            pilot.app.screen.query_one(".help-how-to").render())
    assert clinic.session_file(EARLIER_ID).notes()["T001"].returned is None


def test_the_client_view_says_a_note_is_returned(clinic, fake_clock):
    from facilitator.tui.clientdata import note_state
    signed_by_counselor1(clinic)
    entry = clinic.session_file(EARLIER_ID).read().attendance["T001"]
    assert note_state(clinic.session_file(EARLIER_ID).notes()["T001"], entry) == "signed"
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    NoteBook(supervisor, supervisor.session_file(EARLIER_ID)).return_note("T001", REASON)
    assert note_state(clinic.session_file(EARLIER_ID).notes()["T001"], entry) == "returned"


async def test_the_end_screen_says_a_note_is_returned_and_enter_corrects_it(clinic, fake_clock):
    from tests.tui.test_session_end import open_end_screen, run_short_session
    running = run_short_session(clinic, fake_clock)                 # Mon 23 Nov, T001 and T002 attended
    book = NoteBook(clinic, running.file)
    book.save_draft("T001", FIRST)
    book.sign("T001")
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    fake_clock.advance(minutes=10)
    NoteBook(open_clinic(clinic.root, user="sup1", clock=fake_clock), running.file).return_note("T001", REASON)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        assert await wait_until(pilot, lambda: screen.current_client() is not None)
        while screen.current_client() != "T001":
            await pilot.press("down")
        assert "Returned for correction · Enter corrects it, ctrl+s signs again" in str(
            screen.query_one("#end-hint").render())
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, NoteEditorScreen))
        assert not pilot.app.screen.area.read_only and pilot.app.screen.area.text == FIRST
