"""End of a session: summary, drafted notes, signing (fast path and editor), addenda, co-signing.

Every test runs a short "Evening IOP" on the fake clock (Mon 2026-11-23, Chicago) and asserts
on the stored session file: the notes' bodies, signatures, hashes and addenda.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable

from facilitator.core.agenda import AgendaClock
from facilitator.core.hours import credited_minutes
from facilitator.core.notes import note_hash, verify_note
from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.notes import NoteBook
from facilitator.store.running import RunningSession, start_session
from facilitator.store.staff import add_staff
from facilitator.tui.note_editor import AddendumScreen, NoteEditorScreen
from facilitator.tui.session_end import EndSessionScreen
from facilitator.tui.widgets.confirm import ConfirmScreen
from tests.tui.helpers import build_app, stored, wait_until

SIZE = (80, 24)
# (minutes after 18:00 the clock moves on to the next block) for the plan's six blocks
BLOCK_ENDS = (20, 65, 75, 120, 165, 180)
LATE_AT = 10


def _to(clock, minutes_after_six: int) -> None:
    start = clock.now.replace(hour=18, minute=0, second=0, microsecond=0)
    clock.set(start + timedelta(minutes=minutes_after_six))


def run_short_session(clinic, clock) -> RunningSession:
    """T001 present, T002 late at 18:10, T003 absent; the whole agenda run 18:00–21:00; ended."""
    running = start_session(clinic, "Evening IOP")
    _to(clock, 0)
    running.mark("T001", Status.PRESENT)
    running.mark("T003", Status.ABSENT)
    running.update_agenda(lambda b, now: AgendaClock(b).start(now))
    _to(clock, LATE_AT)
    running.mark("T002", Status.LATE)
    for end in BLOCK_ENDS:
        _to(clock, end)
        running.update_agenda(lambda b, now: AgendaClock(b).next(now))
    running.end()
    clock.advance(minutes=2)
    return running


@pytest.fixture
def running(clinic, fake_clock) -> RunningSession:
    return run_short_session(clinic, fake_clock)


def recorded_notifications(app) -> list[str]:
    seen: list[str] = []
    original = app.notify

    def notify(message, **kwargs):
        seen.append(str(message))
        return original(message, **kwargs)

    app.notify = notify
    return seen


async def open_end_screen(pilot, running) -> EndSessionScreen:
    screen = EndSessionScreen(running)
    await pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


def cursor_client(screen: EndSessionScreen) -> str | None:
    return screen.current_client()


async def test_opening_drafts_a_note_for_each_attending_client(clinic, fake_clock, running):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        notes = running.file.notes()
        assert set(notes) == {"T001", "T002"}          # T003 was absent
        assert all(not n.signed for n in notes.values())
        record = running.record()
        header = record.header
        spans = record.noncountable_spans()
        late = record.attendance["T002"]
        credited = credited_minutes(late.status, late.arrived, late.left, header.start, header.end, spans)
        countable = credited_minutes(Status.PRESENT, None, None, header.start, header.end, spans)
        assert (credited, countable) == (160, 170)
        assert "arrived 18:10" in notes["T002"].body
        assert f"attended {credited} of {countable} treatment minutes" in notes["T002"].body
        t001 = notes["T001"].body
        assert "Blake Sampleton" not in t001 and "Sampleton" not in t001
        assert "Avery Testperson" in t001 and "Casey Counselor" in t001
        assert "18:00-21:00 (180 min)" in t001
        # The summary and the list say the same.
        summary = str(screen.query_one("#end-summary").render())
        assert "18:00–21:00 (180 min)" in summary
        assert "Casey Placeholder (absent)" in summary
        assert "0 of 2 signed" in summary
        table = screen.query_one(DataTable)
        rows = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)]
                for i in range(table.row_count)}
        # No picks and no text for either: both drafts say so, and so read alike.
        assert "No participation or counselor notes were recorded" in t001
        assert rows["Blake Sampleton"][1:] == ["late 18:10", "160 min", "draft, same words as A.T.'s note"]
        assert rows["Avery Testperson"][1:] == ["present", "170 min", "draft, same words as B.S.'s note"]


async def test_block_notes_and_picks_reach_the_drafts_and_alike_drafts_are_marked(clinic, fake_clock):
    running = start_session(clinic, "Evening IOP")
    _to(fake_clock, 0)
    for cid in ("T001", "T002"):
        running.mark(cid, Status.PRESENT)
    running.update_agenda(lambda b, now: AgendaClock(b).start(now))
    running.set_block_note(0, "Each member named one win of the week.")
    running.set_participation("T001", ("engaged", "shared"), "")
    running.set_participation("T002", ("engaged", "shared"), "")
    for end in BLOCK_ENDS:
        _to(fake_clock, end)
        running.update_agenda(lambda b, now: AgendaClock(b).next(now))
    running.end()
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        notes = running.file.notes()
        for note in notes.values():
            assert "  Group note: Each member named one win of the week." in note.body
        assert "Avery was engaged throughout the session." in notes["T001"].body
        assert "Blake was engaged throughout the session." in notes["T002"].body
        table = screen.query_one(DataTable)
        states = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[3]) for i in range(table.row_count)}
        assert states == {"Avery Testperson": "draft, same words as B.S.'s note",
                          "Blake Sampleton": "draft, same words as A.T.'s note"}
        assert "Nearly the same words as A.T.'s note · " in str(screen.query_one("#end-hint").render())
        await pilot.press("S")
        await pilot.pause()
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmScreen) and "nearly the same words as" in confirm.detail
        await pilot.press("n")
        await pilot.pause()
        # The counselor adds a line about one client: the marks go on both.
        body = notes["T001"].body.replace(
            "Avery shared personal experience related to the topic.",
            "Avery shared personal experience related to the topic. Described a first sober "
            "birthday and the plan for the evening.")
        screen.book.save_draft("T001", body)
        screen.reload()
        await pilot.pause()
        states = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[3]) for i in range(table.row_count)}
        assert states == {"Avery Testperson": "draft", "Blake Sampleton": "draft"}
        await pilot.app.writes.idle()
        assert not any(n.signed for n in running.file.notes().values())


async def test_sign_unchanged_is_two_keys_per_client(clinic, fake_clock, running):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        drafts = {c: n.body for c, n in running.file.notes().items()}
        first = cursor_client(screen)
        assert first in drafts
        keys: list[str] = []
        for _ in drafts:
            for key in ("S", "y"):
                keys.append(key)
                await pilot.press(key)
                await pilot.pause()
            if len(keys) == 2:      # after the first: the signed note, and the cursor moved on
                await pilot.app.writes.idle()
                note = running.file.notes()[first]
                assert note.signed and note.body == drafts[first]
                assert note.content_hash == note_hash(note) and verify_note(note) == []
                assert cursor_client(screen) != first
        notes = running.file.notes()
        assert all(n.signed for n in notes.values())
        assert {c: n.body for c, n in notes.items()} == drafts       # signed unchanged
        # Budget (issue 3): ending + signing all drafts unchanged <= 3 keys per client.
        # Here: 2 per client, leaving the session screen one key per client to end it.
        assert len(keys) == 2 * len(drafts)
        assert len(keys) <= 3 * len(drafts)
        assert "all signed" in str(screen.query_one("#end-notes-title").render())


async def test_n_cancels_signing(clinic, fake_clock, running):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_end_screen(pilot, running)
        await pilot.press("S")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(pilot.app.screen, EndSessionScreen)
        await pilot.app.writes.idle()
        assert not any(n.signed for n in running.file.notes().values())


async def test_editing_a_draft_autosaves_and_ctrl_s_signs(clinic, fake_clock, running):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        client = cursor_client(screen)
        await pilot.press("enter")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, NoteEditorScreen) and not editor.area.read_only
        editor.area.move_cursor(editor.area.document.end)
        await pilot.press(*"Asked about supports.")
        await stored(pilot)
        assert await wait_until(pilot, lambda: "Asked about supports." in running.file.notes()[client].body)
        assert not running.file.notes()[client].signed
        await pilot.press("ctrl+s")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(pilot.app.screen, EndSessionScreen)
        await pilot.app.writes.idle()
        note = running.file.notes()[client]
        assert note.signed and "Asked about supports." in note.body and verify_note(note) == []
        # The audit names the session and the kind of change, never a client or note text.
        actions = [e["action"] for _, _, e in clinic.audit.entries() if e]
        assert {"note.draft", "note.view", "note.sign"} <= set(actions)
        await pilot.app.writes.idle()
        audit_text = "".join(p.read_text() for p in clinic.audit.directory.iterdir() if p.is_file())
        for secret in ("Sampleton", "Testperson", "Asked about supports"):
            assert secret not in audit_text


async def test_a_signed_note_is_read_only_and_takes_a_signed_addendum(clinic, fake_clock, running):
    app = build_app(clinic, fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        seen = recorded_notifications(app)
        screen = await open_end_screen(pilot, running)
        client = cursor_client(screen)
        await pilot.press("S", "y")
        await pilot.pause()
        await pilot.app.writes.idle()
        signed = running.file.notes()[client]
        screen.query_one(DataTable).move_cursor(row=[r.client_id for r in screen.rows].index(client))
        await pilot.press("enter")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, NoteEditorScreen) and editor.area.read_only
        assert "Signed by Casey Counselor" in editor.area.text
        await pilot.press("x")
        await pilot.pause()
        assert any("signed and locked" in m for m in seen)
        await pilot.app.writes.idle()
        assert running.file.notes()[client] == signed
        fake_clock.advance(minutes=30)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AddendumScreen)
        await pilot.press(*"Arrival time confirmed.", "ctrl+s", "y")
        await pilot.pause()
        await pilot.app.writes.idle()
        note = running.file.notes()[client]
        assert note.body == signed.body and note.content_hash == signed.content_hash
        assert [a.body for a in note.addenda] == ["Arrival time confirmed."]
        assert note.addenda[0].author == "counselor1" and verify_note(note) == []
        assert isinstance(pilot.app.screen, NoteEditorScreen)
        assert "ADDENDUM 1" in pilot.app.screen.area.text
        await pilot.press("escape")
        await pilot.pause()
        row = screen.query_one(DataTable).get_row_at(screen.query_one(DataTable).cursor_row)
        assert str(row[3]) == "signed + 1 addendum"


async def test_supervisor_cosigns_but_cannot_edit_or_sign(clinic, fake_clock, running):
    from facilitator.store.notes import NoteBook
    add_staff(clinic, "sup1", "Sam Supervisor", "supervisor")
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_end_screen(pilot, running)        # drafts as the counselor
        NoteBook(clinic, running.file).sign("T001")
    before = running.file.notes()
    supervisor = open_clinic(clinic.root, user="sup1", clock=fake_clock)
    as_sup = RunningSession(supervisor, running.file)
    app = build_app(supervisor, fake_clock)
    async with app.run_test(size=SIZE) as pilot:
        seen = recorded_notifications(app)
        screen = await open_end_screen(pilot, as_sup)
        ids = [r.client_id for r in screen.rows]
        table = screen.query_one(DataTable)
        table.move_cursor(row=ids.index("T002"))     # a draft: not signable by a supervisor
        await pilot.press("S")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmScreen)
        assert any("sup1 is a supervisor" in m for m in seen)
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen.area.read_only
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert running.file.notes() == before
        table.move_cursor(row=ids.index("T001"))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        await pilot.app.writes.idle()
        note = running.file.notes()["T001"]
        assert note.cosigned_by == "sup1" and verify_note(note) == []
        assert note.body == before["T001"].body
        await pilot.app.writes.idle()
        assert running.file.notes()["T002"] == before["T002"]


async def test_reopening_changes_no_existing_note(clinic, fake_clock, running):
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        await open_end_screen(pilot, running)
        await pilot.press("S", "y")
        await pilot.pause()
        before = running.file.notes()
        fake_clock.advance(hours=20)
        pilot.app.pop_screen()
        await pilot.pause()
        await open_end_screen(pilot, running)
        assert running.file.notes() == before


async def test_no_drafts_while_the_session_still_runs(clinic, fake_clock):
    running = start_session(clinic, "Evening IOP")
    running.mark("T001", Status.PRESENT)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        assert running.file.notes() == {}
        assert "drafted when the session ends" in str(screen.query_one("#end-summary").render())


async def test_escape_and_h_go_home(clinic, fake_clock, running):
    from facilitator.tui.home import HomeScreen
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        for key in ("escape", "h"):
            await open_end_screen(pilot, running)
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(pilot.app.screen, HomeScreen)


async def test_ending_and_signing_all_drafts_costs_at_most_three_keys_per_client(clinic, fake_clock):
    """Issue 3's budget, end to end: E y on the session screen, then S y per client."""
    session_start = pytest.importorskip("facilitator.tui.session_start")
    running = start_session(clinic, "Evening IOP")
    _to(fake_clock, 0)
    running.mark("T001", Status.PRESENT)
    running.mark("T003", Status.ABSENT)
    running.update_agenda(lambda b, now: AgendaClock(b).start(now))
    _to(fake_clock, LATE_AT)
    running.mark("T002", Status.LATE)
    _to(fake_clock, 175)
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        session_start.show_session(pilot.app, running)
        await pilot.pause()
        keys = ["E", "y"]
        await pilot.press(*keys)
        assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, EndSessionScreen))
        await pilot.pause()
        clients = set(running.file.notes())
        assert clients == {"T001", "T002"}
        for _ in clients:
            keys += ["S", "y"]
            await pilot.press("S", "y")
            await pilot.pause()
        await pilot.app.writes.idle()
        assert all(n.signed and verify_note(n) == [] for n in running.file.notes().values())
        assert len(keys) <= 3 * len(clients)


async def _correct(pilot, screen: EndSessionScreen, client: str, *, arrived: str = "", left: str = "",
                   reason: str = "") -> None:
    from facilitator.tui.session_modals import CorrectAttendanceModal
    await pilot.press("up", "up", "up")                # the first row, then down to the client
    for _ in range(5):
        await pilot.pause()
        if cursor_client(screen) == client:
            break
        await pilot.press("down")
    table = screen.query_one(DataTable)
    assert cursor_client(screen) == client, (table.cursor_row, table.row_count, [r.client_id for r in screen.rows])
    await pilot.press("T")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CorrectAttendanceModal))
    for value in ("", arrived, left):                   # status, arrived, left
        if value:
            await pilot.press("ctrl+a", "ctrl+k", *value)
        await pilot.press("tab")
    await pilot.press(*reason, "enter")
    await pilot.pause()


async def test_t_corrects_attendance_after_signing_with_an_addendum_and_redrafts_a_draft(
        clinic, fake_clock, running):
    """Issue #20: on the end screen, t corrects the highlighted client's attendance by the one
    time rule. T002 (late 18:10, 160 min) is signed: corrected to 18:05 she is credited 165,
    her signed text is unchanged and an addendum says the change. T001's untouched draft is
    re-drafted when he is corrected to leaving at 20:30."""
    async with build_app(clinic, fake_clock).run_test(size=SIZE) as pilot:
        screen = await open_end_screen(pilot, running)
        signed = NoteBook(clinic, running.file).sign("T002")
        await _correct(pilot, screen, "T002", arrived="17:30", reason="sheet")
        assert "before the session's start (18:00)" in str(pilot.app.screen.query_one("#correct-error").render())
        assert running.record().attendance["T002"].arrived.strftime("%H:%M") == "18:10"   # nothing stored
        await pilot.press("escape")
        await pilot.pause()
        await _correct(pilot, screen, "T002", arrived="18:05", reason="the sign-in sheet says 18:05")
        assert pilot.app.screen is screen
        await pilot.app.writes.idle()
        record = running.record()
        entry = record.attendance["T002"]
        assert (entry.status, f"{entry.arrived:%H:%M}") == (Status.LATE, "18:05")
        assert entry.corrections[-1].reason == "the sign-in sheet says 18:05"
        await pilot.app.writes.idle()
        note = running.file.notes()["T002"]
        assert (note.body, note.content_hash) == (signed.body, signed.content_hash)
        [addendum] = note.addenda
        assert addendum.body.startswith("Attendance corrected after signing: was late, arrived 18:10 (160 "
                                        "minutes credited); now late, arrived 18:05 (165 minutes credited).")
        assert verify_note(note) == []
        table = screen.query_one(DataTable)
        rows = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert rows["Blake Sampleton"] == "165 min"

        before = running.file.notes()["T001"].body
        await _correct(pilot, screen, "T001", left="20:30", reason="left for a ride")
        record = running.record()
        assert record.attendance["T001"].status is Status.LEFT_EARLY
        after = running.file.notes()["T001"]
        assert not after.signed and after.body != before and "20:30" in after.body
