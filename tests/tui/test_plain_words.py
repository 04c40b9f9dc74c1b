"""Plain words a counselor uses, and what a new user tripped over (issue #22, items 7 and 8):
ctrl+c says plainly how to quit, a late start asks first, and signatures show a name."""

from __future__ import annotations

from tests.tui.helpers import build_app, wait_until
from tests.tui.session_helpers import screen_text

SIZE = (80, 24)


async def test_ctrl_c_says_plainly_which_key_quits(clinic, fake_clock):
    """Textual's own toast is "Press [b]ctrl+q[/b] to quit the app", and this app's toasts
    never read markup: the user saw the brackets. Now one plain sentence with the real key."""
    async with build_app(clinic, fake_clock).run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        assert await wait_until(pilot, lambda: "ctrl+q" in screen_text(pilot.app))
        text = screen_text(pilot.app)
        words = " ".join(text.replace("▌", " ").split())
        assert "Do you want to quit? Press ctrl+q to quit facilitator." in words
        assert "[b]" not in text and "[/b]" not in text
        assert pilot.app.is_running        # ctrl+c itself quits nothing
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not pilot.app.is_running


async def test_the_note_reader_signs_with_names_and_tells_two_of_one_name_apart(clinic, fake_clock):
    """The review queue's reader said "Signed by nc_coun1" where the note said Maria Núñez.
    Now each signature, co-signature and addendum shows a name; here a second staff member,
    a former one, is also called Casey Counselor, so both carry their account in brackets."""
    from facilitator.store.clinic import open_clinic
    from facilitator.store.notes import NoteBook
    from facilitator.store.staff import add_staff, deactivate
    from facilitator.tui.note import NoteScreen
    from tests.tui.test_review import EARLIER, EARLIER_ID, open_review
    from tests.tui.weekly_support import import_attendance

    import_attendance(clinic, EARLIER)
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    book.save_draft("T001", "Practised refusal skills in role play.")
    book.sign("T001")
    book.add_addendum("T001", "Arrived with a sponsor's phone number.")
    add_staff(clinic, "sup1", "María Núñez", "supervisor")
    add_staff(clinic, "casey2", "casey  counselor", "counselor")
    deactivate(clinic, "casey2")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        await open_review(pilot)
        await pilot.press("enter")
        note = pilot.app.screen
        assert isinstance(note, NoteScreen)
        await pilot.press("c", "y")
        await pilot.pause()
        shown = " ".join(screen_text(pilot.app).replace("│", " ").split())
        assert "Signed by Casey Counselor (counselor1), " in shown
        assert "co-signed by María Núñez, " in shown
        assert "Addendum 1 · Casey Counselor (counselor1), " in shown
        assert "sup1" not in shown


def test_the_end_screen_and_editor_sign_with_names(clinic, fake_clock):
    """The end screen's and the note editor's locked view (locked_text) names the signer,
    co-signer and addendum author; an account no longer on the staff list says so."""
    from facilitator.store.clinic import open_clinic
    from facilitator.store.notes import NoteBook
    from facilitator.store.staff import add_staff
    from facilitator.tui.note_editor import locked_text
    from tests.tui.test_review import EARLIER, EARLIER_ID
    from tests.tui.weekly_support import import_attendance

    import_attendance(clinic, EARLIER)
    NoteBook(clinic, clinic.session_file(EARLIER_ID)).save_draft("T001", "Practised refusal skills.")
    NoteBook(clinic, clinic.session_file(EARLIER_ID)).sign("T001")
    NoteBook(clinic, clinic.session_file(EARLIER_ID)).add_addendum("T001", "A later word.")
    add_staff(clinic, "sup1", "María Núñez", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    note = NoteBook(supervisor, supervisor.session_file(EARLIER_ID)).cosign("T001")
    staff = clinic.snapshot().staff
    text = locked_text(note, staff)
    assert "Signed by Casey Counselor · " in text and "Co-signed by María Núñez · " in text
    assert "ADDENDUM 1 · signed by Casey Counselor · " in text
    assert "sup1" not in text and "counselor1" not in text
    gone = {u: s for u, s in staff.items() if u != "sup1"}
    assert "Co-signed by (sup1, not on the staff list) · " in locked_text(note, gone)
