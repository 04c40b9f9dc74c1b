"""Group confidentiality in the app (issue #22 item 6): a note naming another group member.

The evening group of the fixture (Avery Testperson T001 present, Blake Sampleton T002 late,
Casey Placeholder T003 absent; the facilitator is the staff member Casey Counselor), with
Maria Núñez (T020) added to its list and left unmarked. Asserts on the stored session file
and the audit log. Every name is invented.
"""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable, TextArea

from facilitator.core.errors import InputError
from facilitator.core.roster import Client
from facilitator.core.rules import Status
from facilitator.store.notes import NoteBook
from facilitator.tui.end_summary import members, staff_full_names
from facilitator.tui.note_editor import NoteEditorScreen
from facilitator.tui.session_end import EndSessionScreen
from facilitator.tui.widgets.confirm import ConfirmScreen
from tests.tui.helpers import build_app, stored, wait_until
from tests.tui.session_helpers import cursor_to, start
from tests.tui.test_session_end import open_end_screen, run_short_session

SIZE = (80, 24)
NAMES = ("Maria", "Núñez", "Nunez", "Blake", "Sampleton", "Avery", "Testperson")


@pytest.fixture
def running(clinic, fake_clock):
    clinic.import_roster([Client("T020", "Maria", "Núñez", "IOP", 9.0, date(2026, 11, 2),
                                 groups=("Evening IOP",))])
    return run_short_session(clinic, fake_clock)


def audit_text(clinic) -> str:
    return "".join(p.read_text() for p in sorted((clinic.root / "audit").glob("*.jsonl")))


async def highlight(pilot, screen: EndSessionScreen, client_id: str) -> None:
    screen.query_one(DataTable).move_cursor(row=[r.client_id for r in screen.rows].index(client_id))
    await pilot.pause()
    assert screen.current_client() == client_id


def row_note(screen: EndSessionScreen, client_id: str) -> str:
    table = screen.query_one(DataTable)
    index = [r.client_id for r in screen.rows].index(client_id)
    return str(table.get_row_at(index)[3])


async def test_the_drafts_name_nobody_not_even_by_the_facilitators_first_name(clinic, fake_clock, running):
    """The drafts write others by initials; "Casey Counselor" (staff) is not Casey Placeholder."""
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        assert "Casey Counselor" in running.file.notes()["T001"].body
        assert [r.names_member for r in screen.rows] == ["", ""]


async def test_the_editor_flags_a_typed_name_and_ctrl_r_puts_initials(clinic, fake_clock, running):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        await highlight(pilot, screen, "T001")
        await pilot.press("enter")
        editor = pilot.app.screen
        assert isinstance(editor, NoteEditorScreen)
        await pilot.press(*"maria NUNEZ drove Blake's car; Avery will hope. ")   # at the top
        flag = editor.query_one("#note-flag")
        assert await wait_until(pilot, lambda: "names another group member (M.N., B.S.)"
                                in str(flag.render()))
        assert "Maria" not in str(flag.render()) and "Blake" not in str(flag.render())
        # stored as typed (the autosave), then replaced: an ordinary, audited draft edit
        await pilot.app.writes.idle()
        assert "maria NUNEZ drove Blake's car" in running.file.notes()["T001"].body
        await pilot.press("ctrl+s")          # signing asks, and the question names the flag
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "names another group member (M.N., B.S.)" in confirm.detail and "ctrl+r" in confirm.detail
        await pilot.press("n")
        await stored(pilot)
        assert pilot.app.screen is editor and not running.file.notes()["T001"].signed
        before = audit_text(clinic).count('"note.draft"')
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.app.writes.idle()
        body = running.file.notes()["T001"].body
        assert body.startswith("M.N. drove B.S.'s car; Avery will hope. GROUP PROGRESS NOTE")
        assert editor.query_one(TextArea).text == body
        assert audit_text(clinic).count('"note.draft"') == before + 1
        assert not editor.query_one("#note-flag").has_class("-shown")
        await pilot.press("ctrl+z")          # an edit like any other: undo brings a name back
        assert editor.query_one(TextArea).text.startswith("maria NUNEZ drove B.S.'s car")
        await pilot.press("ctrl+y")
        assert editor.query_one(TextArea).text == body
        audit = audit_text(clinic)
        assert not any(name in audit for name in NAMES)


async def test_the_end_screen_flags_the_draft_and_i_replaces_before_signing(clinic, fake_clock, running):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        book = NoteBook(running.data, running.file)
        await pilot.app.writes.idle()
        body = running.file.notes()["T002"].body
        book.save_draft("T002", body + "Sat with Núñez, Maria and Avery Testperson.\n")
        screen.reload()
        await pilot.pause()
        assert row_note(screen, "T002").startswith("draft, names another group member")
        assert "names another" not in row_note(screen, "T001")
        await highlight(pilot, screen, "T002")
        hint = str(screen.query_one("#end-hint").render())
        assert "This draft names another group member (M.N., A.T.) · i puts initials" in hint
        # signing asks as always, and the question says what is wrong and what to press
        await pilot.press("S")
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "names another group member (M.N., A.T.)" in confirm.detail
        await pilot.press("n")
        await pilot.press("i")
        await pilot.pause()
        await pilot.app.writes.idle()
        stored = running.file.notes()["T002"]
        assert stored.body == body + "Sat with M.N. and A.T.\n"
        assert not stored.signed
        assert "names another" not in row_note(screen, "T002")
        await pilot.press("S", "y")
        await pilot.pause()
        await pilot.app.writes.idle()
        assert running.file.notes()["T002"].signed


async def test_a_signed_note_is_never_rewritten(clinic, fake_clock, running):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_end_screen(pilot, running)
    book = NoteBook(running.data, running.file)
    book.save_draft("T001", "Maria Núñez and Blake were there.\n")
    book.sign("T001")
    snapshot = clinic.snapshot()
    before = running.file.path.read_bytes()
    with pytest.raises(InputError, match="signed and locked"):
        book.members_as_initials("T001", members(running.record(), snapshot), staff_full_names(snapshot))
    assert running.file.path.read_bytes() == before
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        assert [r.names_member for r in screen.rows if r.client_id == "T001"] == [""]
        await pilot.press("i")
        await pilot.pause()
    assert running.file.path.read_bytes() == before


async def test_the_group_note_is_checked_as_it_is_typed(clinic, fake_clock):
    clinic.import_roster([Client("T020", "Maria", "Núñez", "IOP", 9.0, date(2026, 11, 2),
                                 groups=("Evening IOP",))])
    running = start(clinic)
    running.mark("T002", Status.PRESENT)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        pane = screen.query_one("#participation")
        await cursor_to(pilot, "T002")
        # Blake's own line may name Blake; another member's name is flagged
        await pilot.press("tab", "tab", *"Blake spoke first")
        await pilot.pause()
        assert "names another" not in (pane.border_subtitle or "")
        await pilot.press(*", after Nuñez")
        assert await wait_until(pilot, lambda: "Client line names another group member (M.N.)"
                                in (pane.border_subtitle or ""))
        await pilot.press("ctrl+u", *"Blake spoke first")
        assert await wait_until(pilot, lambda: "names another" not in (pane.border_subtitle or ""))
        # the group note goes into every attendee's note: Blake is flagged there too
        await pilot.press("tab", *"Blake led the check-in")
        assert await wait_until(pilot, lambda: "Group note names another group member (B.S.)"
                                in (pane.border_subtitle or ""))
        assert await wait_until(pilot, lambda: running.record().blocks[0].note == "Blake led the check-in")
        assert "Blake" not in pane.border_subtitle
        await pilot.press("f9")          # names hidden: the flag too
        await pilot.pause()
        assert "names another" not in (pane.border_subtitle or "")


async def test_a_supervisor_sees_the_flag_but_has_no_key_to_rewrite(clinic, fake_clock, running):
    from facilitator.store.clinic import open_clinic
    from facilitator.store.running import RunningSession
    from facilitator.store.staff import add_staff
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_end_screen(pilot, running)          # the counselor's drafts
    book = NoteBook(running.data, running.file)
    book.save_draft("T002", "Maria Núñez was quiet.\n")
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    before = running.file.path.read_bytes()
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, RunningSession(supervisor, running.file))
        await highlight(pilot, screen, "T002")
        hint = str(screen.query_one("#end-hint").render())
        assert hint.startswith("This draft names another group member (M.N.) · Enter reads")
        assert "i" not in {b.binding.key for b in screen.active_bindings.values()
                           if b.binding.action == "initials"}
        await pilot.press("i")
        await pilot.pause()
    assert running.file.path.read_bytes() == before
