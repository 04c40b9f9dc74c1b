"""Plain words a counselor uses, and what a new user tripped over (issue #22, items 7 and 8):
ctrl+c says plainly how to quit, a late start asks first, and signatures show a name."""

from __future__ import annotations

import re

import pytest

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


# --- the session screen at 80x24: the block's prompts, and no number cut ---------------------

def agenda_column(text: str) -> list[str]:
    """The agenda pane's lines (right of the attendance pane), without its borders."""
    out = []
    for line in text.split("\n"):
        if "││" in line:
            out.append(line.split("││", 1)[1].rstrip().rstrip("│").strip())
    return out


async def test_at_80x24_the_current_blocks_prompts_show_and_m_shows_the_rest(clinic, fake_clock):
    """The check-in's three prompts do not all fit beside the attendance list at 80x24: the
    first two show whole, a line says m shows more, and m brings the third; the next block
    starts again at its first prompt. Before the start the blocks are listed from the first."""
    from datetime import datetime

    from tests.conftest import CHICAGO
    from tests.tui.session_helpers import start

    start(clinic)
    fake_clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=CHICAGO))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        pilot.app.screen.tick()
        await pilot.pause()
        lines = agenda_column(screen_text(pilot.app))
        assert "Blocks (1 below)   min  done" in lines and "Check-in            20" in lines
        await pilot.press("n")
        fake_clock.advance(minutes=7)
        pilot.app.screen.tick()
        await pilot.pause()
        shown = " ".join(" ".join(agenda_column(screen_text(pilot.app))).split())
        assert "• How many days has it been, and how has the week gone?" in shown
        assert ("• Any use, close calls or strong cravings since the last group? No judgement, "
                "just information.") in shown
        assert "What do you need from the group tonight?" not in shown
        assert "m shows more (1–2 of 3)" in shown
        assert "7:00 done · 13:00 left" in shown and "Agenda 180 min · 7 min done" in shown
        await pilot.press("m")
        await pilot.pause()
        shown = " ".join(" ".join(agenda_column(screen_text(pilot.app))).split())
        assert "• What do you need from the group tonight?" in shown
        assert "How many days" not in shown and "m shows more (3 of 3)" in shown
        await pilot.press("m")                       # and round again to the first
        await pilot.pause()
        assert "• How many days" in " ".join(" ".join(agenda_column(screen_text(pilot.app))).split())
        await pilot.press("n")                       # the education block: from its first prompt
        await pilot.pause()
        shown = " ".join(" ".join(agenda_column(screen_text(pilot.app))).split())
        assert "• What is the difference between an external trigger" in shown
        assert "m shows more (1 of 4)" in shown


@pytest.mark.parametrize("minutes", [7, 125, 200])
async def test_at_80x24_no_agenda_line_is_cut_inside_a_number(clinic, fake_clock, minutes):
    """"Session: plan 185 min · run" lost its number at 80 columns; each line of the agenda
    pane now fits whole, whatever the minutes."""
    from datetime import datetime

    from tests.conftest import CHICAGO
    from tests.tui.session_helpers import start

    start(clinic)
    fake_clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=CHICAGO))
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.press("n")
        fake_clock.advance(minutes=minutes)
        pilot.app.screen.tick()
        await pilot.pause()
        text = screen_text(pilot.app)
        lines = agenda_column(text)
        assert f"Agenda 180 min · {minutes} min done" in lines, lines
        assert not [line for line in lines if re.search(r"\d…|…\d", line)], lines
        assert not [line for line in text.split("\n") if re.search(r"\b(plan act|run \d|cap \d)", line)]


def test_the_total_line_takes_the_widest_wording_that_fits():
    from datetime import timedelta

    from facilitator.tui.widgets.agenda import total_text
    m = lambda n: timedelta(minutes=n)  # noqa: E731
    assert total_text(m(185), None, 30) == "Agenda: 185 min planned"
    assert total_text(m(185), m(7), 40) == "Agenda: 185 min planned · 7 min done"
    assert total_text(m(185), m(125), 30) == "Agenda 185 min · 125 min done"
    assert total_text(m(1185), m(1125), 28) == "Agenda 1185 min · 1125 done"
    for width in range(8, 45):
        for taken in (None, m(7), m(125), m(1125)):
            line = total_text(m(1185), taken, width)
            assert len(line) <= width or line == total_text(m(1185), taken, 1)


def test_prompts_that_do_not_fit_are_shown_whole_or_cut_with_an_ellipsis():
    from facilitator.tui.widgets.agenda import prompt_text
    items = ["• one two three", "• four five six seven eight nine ten eleven", "Exercise: twelve"]
    assert prompt_text(items, 20, 10) == ("• one two three\n• four five six\n  seven eight nine\n"
                                          "  ten eleven\nExercise: twelve", 3)
    assert prompt_text(items, 20, 4) == ("• one two three\nm shows more (1 of 3)", 1)
    # From the second on, the first is not shown: m still says there is more (and wraps to it).
    assert prompt_text(items, 20, 5, first=1) == ("• four five six\n  seven eight nine\n"
                                                  "  ten eleven\nExercise: twelve\n"
                                                  "m shows more (2–3 of 3)", 2)
    text, shown = prompt_text(items, 20, 3, first=1)     # longer than the room: cut, with "…"
    assert text == "• four five six\n  seven eight nine…\nm shows more (2 of 3)" and shown == 1
    assert prompt_text([], 20, 4) == ("", 0)


async def test_on_a_tall_screen_the_blocks_and_the_prompts_show_together(clinic, fake_clock):
    """The tall layout's rules were scoped to the pane by Textual and never applied: at 120x40
    the prompts did not show. Now the block list and, under it, every prompt of the block."""
    from datetime import datetime

    from tests.conftest import CHICAGO
    from tests.tui.session_helpers import start

    start(clinic)
    fake_clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=CHICAGO))
    async with build_app(clinic, fake_clock).run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        pilot.app.screen.tick()
        await pilot.pause()
        shown = " ".join(" ".join(agenda_column(screen_text(pilot.app))).split())
        assert "Blocks min done ▶ Check-in 20 0 Triggers: outside and inside 45" in shown
        assert ("Prompts for Check-in: • How many days has it been, and how has the week gone? "
                "• Any use") in shown and "• What do you need from the group tonight?" in shown
        assert "m shows more" not in shown


def test_the_blocks_heading_says_where_the_hidden_ones_are_and_never_cuts_a_number():
    from facilitator.tui.widgets.agenda import blocks_heading
    assert blocks_heading(6, range(0, 6)) == "Blocks"
    assert blocks_heading(6, range(0, 5)) == "Blocks (1 below)"
    assert blocks_heading(12, range(2, 7), 40) == "Blocks (2 above, 5 below)"
    assert blocks_heading(12, range(2, 7), 17) == "Blocks (2↑ 5↓)"
    assert blocks_heading(120, range(20, 27), 12) == "(20↑ 93↓)"
    assert blocks_heading(120, range(20, 27), 8) == "Blocks"


async def test_a_signers_name_shows_as_typed_brackets_and_all(clinic, fake_clock):
    """A staff name is shown, never read as markup: "[b]Sam[/b]" co-signs as "[b]Sam[/b]"."""
    from datetime import date

    from facilitator.store.clinic import open_clinic
    from facilitator.store.notes import NoteBook
    from facilitator.store.staff import add_staff
    from facilitator.tui.note import NoteScreen
    from tests.tui.test_review import EARLIER, EARLIER_ID
    from tests.tui.weekly_support import import_attendance

    import_attendance(clinic, EARLIER)
    book = NoteBook(clinic, clinic.session_file(EARLIER_ID))
    book.save_draft("T001", "Practised refusal skills in role play.")
    book.sign("T001")
    add_staff(clinic, "sup1", "[b]Sam[/b] Supervisor", "supervisor")
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    NoteBook(supervisor, supervisor.session_file(EARLIER_ID)).cosign("T001")
    async with build_app(supervisor, fake_clock).run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Co-signed, the note has left the queue: open the reader as the client view does.
        await pilot.app.push_screen(NoteScreen(EARLIER_ID, "T001", "Avery Testperson", "Evening IOP",
                                               date(2026, 11, 12)))
        await pilot.pause()
        shown = " ".join(screen_text(pilot.app).replace("│", " ").split())
        assert "co-signed by [b]Sam[/b] Supervisor, " in shown
