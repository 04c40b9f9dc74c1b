"""`y` copies a signed note to the clipboard (OSC 52 through Textual) and is audited as a
disclosure: the note reader, the end-of-session screen, the review queue (Pilot, fake clock
Monday 2026-11-23 17:55 Chicago). The sequence a real terminal receives is checked in
tests/tui/test_copy_note_tmux.py."""

from __future__ import annotations

from facilitator.core.part2 import STATEMENT_1
from facilitator.store.clinic import open_clinic
from facilitator.store.notes import NoteBook
from facilitator.store.staff import add_staff
from facilitator.tui.note import NoteScreen
from facilitator.tui.session_end import EndSessionScreen
from facilitator.tui.widgets.confirm import ConfirmScreen
from tests.tui.helpers import build_app, stored, wait_until
from tests.tui.test_review import EARLIER, EARLIER_ID, open_review
from tests.tui.test_session_end import recorded_notifications, run_short_session
from tests.tui.weekly_support import import_attendance

SIZE = (80, 24)
BODY = "Practised refusal skills in role play."


def copies(data) -> list[dict]:
    return [e for _, _, e in data.audit.entries() if e and e["action"] == "disclose.copy"]


async def test_y_in_the_review_queue_copies_the_signed_note_and_audits_ids(clinic, fake_clock):
    import_attendance(clinic, EARLIER)
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    book.save_draft("T001", BODY)
    book.sign("T001")
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    app = build_app(supervisor, fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        said = recorded_notifications(pilot.app)
        await open_review(pilot)
        assert pilot.app.clipboard == ""
        await pilot.press("y")
        await pilot.pause()
        text = pilot.app.clipboard
        assert text.startswith("Test Clinic\nClient: Avery Testperson (T001)\n")
        assert BODY in text and "Signed by Casey Counselor on " in text   # the name, not the account
        assert text.rstrip().endswith(")") and STATEMENT_1 in text
        assert any("Copied" in s for s in said)
    [entry] = copies(clinic)
    assert entry["user"] == "sup1" and entry["record"] == f"notes:{EARLIER_ID}"
    assert entry["detail"] == {"clients": ["T001"], "sessions": [EARLIER_ID]}
    assert "Avery" not in str(entry) and BODY not in str(entry)


async def test_y_on_a_draft_copies_nothing_and_says_why(clinic, fake_clock):
    import_attendance(clinic, EARLIER)
    NoteBook(clinic, clinic.session_file(EARLIER_ID)).save_draft("T001", BODY)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        said = recorded_notifications(pilot.app)
        await pilot.app.push_screen(NoteScreen(EARLIER_ID, "T001", "Avery Testperson", "Evening IOP",
                                               clinic.session_file(EARLIER_ID).read().header.day))
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert pilot.app.clipboard == ""
        assert any("Only a signed note" in s for s in said)
    assert copies(clinic) == []


async def test_note_reader_y_copies_a_signed_note(clinic, fake_clock):
    import_attendance(clinic, EARLIER)
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    book.save_draft("T001", BODY)
    book.sign("T001")
    fake_clock.advance(minutes=5)
    book.add_addendum("T001", "Correction: two role plays.")
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(NoteScreen(EARLIER_ID, "T001", "Avery Testperson", "Evening IOP",
                                               clinic.session_file(EARLIER_ID).read().header.day))
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert "Addendum 1, signed by Casey Counselor" in pilot.app.clipboard
        assert "Correction: two role plays." in pilot.app.clipboard
    assert len(copies(clinic)) == 1


async def test_end_screen_S_y_still_signs_and_copies_nothing_then_y_copies(clinic, fake_clock):
    running = run_short_session(clinic, fake_clock)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = EndSessionScreen(running)
        await pilot.app.push_screen(screen)
        await pilot.pause()
        first = screen.current_client()
        await pilot.press("y")                       # a draft: nothing copied
        await pilot.pause()
        assert pilot.app.clipboard == "" and copies(clinic) == []
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")                       # answers the question
        await stored(pilot)
        assert await wait_until(pilot, lambda: running.file.notes()[first].signed)
        assert pilot.app.clipboard == "" and copies(clinic) == []
        # The cursor moved on to the next draft; back up to the signed one and copy it.
        await pilot.press("up")
        await pilot.pause()
        assert screen.current_client() == first
        await pilot.press("y")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.file.notes()[first].body.strip() in pilot.app.clipboard
    [entry] = copies(clinic)
    assert entry["detail"]["clients"] == [first]


async def test_a_counselor_who_did_not_run_the_session_cannot_copy_its_note(clinic, fake_clock):
    import_attendance(clinic, EARLIER)
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    book.save_draft("T001", BODY)
    book.sign("T001")
    add_staff(clinic, "coun2", "Robin Otherperson", "counselor")
    other = open_clinic(clinic.root, user="coun2", clock=fake_clock)
    async with build_app(other, fake_clock).run_test(size=SIZE) as pilot:
        said = recorded_notifications(pilot.app)
        await pilot.app.push_screen(NoteScreen(EARLIER_ID, "T001", "Avery Testperson", "Evening IOP",
                                               clinic.session_file(EARLIER_ID).read().header.day))
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert pilot.app.clipboard == ""
        assert any("did not facilitate" in s for s in said)
    assert copies(clinic) == []
    assert [e["action"] for _, _, e in clinic.audit.entries() if e][-1] == "denied"
