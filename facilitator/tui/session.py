"""The running session: attendance, the agenda clock and notes, on one screen for three hours.

Everything shown is read back from the session file; the clock pane is recomputed every
second from the stored timestamps and ``app.clock`` (no tick counting). Another process's
changes (a co-leader) appear within a second: the file's generation is polled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from facilitator.core.agenda import AgendaClock
from facilitator.core.confidentiality import flag_text, mentions
from facilitator.core.hours import attended_minutes
from facilitator.core.rules import DEFAULT_GROUP_CAP
from facilitator.store.running import RunningSession, find_running
from facilitator.tui.failures import FAILURE
from facilitator.tui.goals import goal_lines, read_recovery_plans
from facilitator.tui.session_actions import SessionActions
from facilitator.tui.widgets.agenda import AgendaPane, clock_text
from facilitator.tui.widgets.attendance import HIDDEN, AttendancePane, AttendanceRow, AttendanceTable
from facilitator.tui.widgets.participation import ParticipationPane
from facilitator.tui.widgets.plain import Label
from facilitator.tui.widgets.problem import refusal_sentence
from facilitator.tui.widgets.quiet import put

if TYPE_CHECKING:
    from facilitator.core.session import SessionRecord
    from facilitator.tui.clinic_app import ClinicApp


class SessionHeader(Horizontal):
    DEFAULT_CSS = """
    SessionHeader { dock: top; height: 1; background: $panel; color: $foreground; }
    SessionHeader #session-title { width: 1fr; padding: 0 1; text-style: bold; }
    SessionHeader #session-clock { width: auto; padding: 0 1; }
    SessionHeader.-privacy { background: $warning; }
    SessionHeader.-privacy Label { color: auto 90%; }
    """

    def compose(self) -> ComposeResult:
        yield Label("", id="session-title", markup=False)
        yield Label("", id="session-clock", markup=False)


class SessionScreen(Screen):
    HELP_TITLE = "Session"
    HOW_TO = (
        "Attendance (left): move with ↑/↓ and press one key per status: p present, l late, "
        "e left early, a absent, x excused, h telehealth; the cursor moves down. P marks every "
        "unmarked client present. Late and left early take the time from the clock; T or enter "
        "types a time instead (6:40p, 18:40). Either way the times decide: a departure before "
        "the end is left early, an arrival after the start late; p clears them. + adds a "
        "client, - removes one.\n"
        "Agenda (right), from any pane: n starts the agenda and moves to the next block, "
        "b goes back (undoes n or k), z pauses and resumes, f adds 5 minutes, k skips the "
        "block, i takes a break now (ends the block, starts 10 minutes of break). The clock "
        "pane turns yellow a minute before a "
        "block ends; OVERTIME shows how far over it is. While a block runs, its facilitator "
        "prompts and exercise show in the agenda pane (on a short screen in place of the "
        "block list); m shows the next ones when they do not all fit.\n"
        "Participation (bottom): the highlighted client's recovery-plan goals, one a line; g then "
        "a goal's number links what they did in this block to it (again: unlinks). "
        "1-9, 0, d, u and o tick participation words for the highlighted client (engaged, "
        "shared, …; digits once the agenda has started; d, u and o also from the list); "
        "tab to type a line about them and a group note for the block. "
        "Everything saves itself within a second; enter or escape returns to the list. "
        "The group note goes into every attendee's note: if it (or the client's line) "
        "names another group member, the pane's lower border says so, by initials; write "
        "initials instead.\n"
        "F9 hides every client name and note until pressed again. E ends the session; "
        "more than the clinic's end grace (end-grace-minutes, 15 unless set) past its "
        "scheduled end, E asks when it really ended, offering the scheduled end (enter "
        "accepts it). A session left running is asked about when it is opened again."
    )
    # Unannotated: Textual declares them (ClassVar[...] | None, which mypy reads as instance variables).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]
    DEFAULT_CSS = """
    SessionScreen #session-main { height: 1fr; }
    SessionScreen.-narrow AttendancePane { width: 46; }
    SessionScreen.-wide AttendancePane { width: 3fr; }
    SessionScreen AgendaPane { width: 1fr; min-width: 30; }
    SessionScreen Footer.-compact FooterLabel { margin-right: 1; }
    SessionScreen.-wide AgendaPane { width: 2fr; }
    """
    BINDINGS: ClassVar = [
        Binding("n", "agenda('next')", "Next", id="session.next",
                tooltip="Start the agenda, or end this block and start the next"),
        Binding("z", "agenda('pause')", "Pause", id="session.pause", tooltip="Pause or resume the block"),
        Binding("f", "agenda('extend')", "+5", id="session.extend", tooltip="Add 5 minutes to the block"),
        Binding("b", "agenda('back')", "Back", id="session.back", show=False,
                tooltip="Undo the last next or skip"),
        Binding("k", "agenda('skip')", "Skip", id="session.skip", show=False,
                tooltip="Skip the rest of this block"),
        Binding("i", "agenda('break')", "Break now", id="session.break", show=False,
                tooltip="End this block and start a 10-minute break"),
        Binding("m", "more_prompts", "Prompts", id="session.prompts", show=False,
                tooltip="The current block's next prompts, when they do not all fit"),
        Binding("g", "link_goal", "Goal", id="session.goal",
                tooltip="Link what the highlighted client did in this block to one of their goals"),
        Binding("E", "end_session", "End", id="session.end", tooltip="End the session, then write notes"),
        Binding("f9", "toggle_privacy", "Hide names", id="session.privacy", priority=True, key_display="F9",
                tooltip="Hide or show every client name and note"),
        Binding("escape", "focus_attendance", "List", id="session.list", show=False,
                tooltip="Back to the attendance list"),
        Binding("q", "leave", "Quit", id="session.quit", show=False,
                tooltip="Close facilitator (the session keeps running)"),
        # The app's keys, kept out of this crowded footer (F1 still lists them).
        Binding("t", "app.toggle_theme", "Theme", id="session.theme", show=False,
                tooltip="Switch light/dark theme"),
        Binding("w", "app.go('weekly')", "Weekly", id="session.weekly", show=False,
                tooltip="Each client's hours this week"),
        Binding("v", "app.go('review')", "Review", id="session.review", show=False,
                tooltip="Notes missing, unsigned or not co-signed"),
    ]

    def __init__(self, running: RunningSession | None = None) -> None:
        super().__init__()
        self.running = running
        self.record: SessionRecord | None = None
        self.generation: int | None = None
        self.names: dict[str, str] = {}
        self.clients: dict = {}           # client id -> core Client (the names check)
        self.staff_names: list[str] = []
        self.last_names: dict[str, tuple[str, str]] = {}
        self.cap = DEFAULT_GROUP_CAP
        self.bell = False
        self.privacy = False
        self.plan = ""
        self.cued: set[tuple[int, datetime | None]] = set()
        self.attending = 0
        self.tz: Any = None
        self.recovery_plans: dict[str, Any] = {}   # client id -> RecoveryPlan | None | str (unreadable)
        self.actions = SessionActions(self)        # what the keys write (tui/session_actions.py)

    @property
    def facilitator(self) -> ClinicApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield SessionHeader()
        with Horizontal(id="session-main"):
            yield AttendancePane(id="attendance")
            yield AgendaPane(id="agenda")
        yield ParticipationPane(self.actions.save_participation, self.actions.save_note, id="participation",
                                check_names=self.names_flag, digits_refused=self.digits_refused,
                                saving=lambda: self.facilitator.writes.pending > 0)
        yield Footer(compact=True, show_command_palette=False)

    @property
    def table(self) -> AttendanceTable:
        return self.query_one(AttendanceTable)

    def on_mount(self) -> None:
        if self.running is None:
            self.running = find_running(self.facilitator.data)
        if self.running is None:
            self.app.notify("No session is running. Start one from home: enter on today's group, "
                            "or s to choose a group and agenda.", title="No session")
            self.app.call_later(self.app.pop_screen)
            return
        self.reload()
        rows = self.table.shown
        first = next((i for i, r in enumerate(rows) if r.status is None), 0)
        self.table.move_cursor(row=first, animate=False)
        self.table.focus()
        self.set_interval(1.0, self.tick)
        if self.actions.overdue():       # left running (issue #20): not continued; ask when it ended
            self.call_after_refresh(self.actions.ask_end_time, at_open=True)

    # -- reading -------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the clinic (names, cap) and the session file again and show them."""
        assert self.running is not None
        try:
            generation = self.running.file.generation()
            snapshot = self.facilitator.snapshot()
            self.record = self.running.record()
        except FAILURE as problem:
            self.notify(refusal_sentence(problem), title="Cannot read the session", severity="error", markup=False)
            return
        self.generation = generation
        self.names = {cid: c.name for cid, c in snapshot.clients.items()}
        self.clients = snapshot.clients
        self.staff_names = [s.display_name for s in snapshot.staff.values()]
        self.last_names = {cid: (c.last_name.casefold(), c.first_name.casefold())
                           for cid, c in snapshot.clients.items()}
        self.cap, self.bell = snapshot.settings.group_cap, snapshot.settings.bell
        self.tz = snapshot.settings.tz
        self.plan = self.facilitator.plan_title(self.record.header.plan_id) or "no agenda"
        self.recovery_plans = read_recovery_plans(self.facilitator.data, self.record.participants)
        plan = self.facilitator.plans.plans.get(self.record.header.plan_id or "")
        self.query_one(AgendaPane).prompts = {
            (str(b.kind), b.title): (b.prompts, b.exercise) for b in (plan.blocks if plan else ())}
        self.show(self.now())

    def now(self) -> datetime:
        """The app's clock in the clinic's time zone."""
        now = self.facilitator.clock()
        return now.astimezone(self.tz) if self.tz is not None else now

    def names_flag(self, text: str, client_id: str | None) -> str:
        """"names another group member (M.N.)" when ``text`` (a client's line, or with
        ``client_id`` None the block's group note, which goes into every attendee's note)
        names another member on this session's list; "" otherwise. Initials only."""
        if self.record is None or not text.strip():
            return ""
        members = [self.clients[c] for c in self.record.participants if c in self.clients]
        client = self.clients.get(client_id) if client_id else None
        if client_id and client is None:
            return ""
        return flag_text(mentions(text, client, members, self.staff_names))

    def who(self, client_id: str) -> str:
        return HIDDEN if self.privacy else self.names.get(client_id, client_id)

    def rows(self, now: datetime) -> tuple[AttendanceRow, ...]:
        record = self.record
        assert record is not None
        rows = []
        for cid in record.participants:
            entry = record.attendance.get(cid)
            # as hours, billing and notes count it (core.hours): up to now, never past the due end
            minutes = None if entry is None else attended_minutes(record, cid, now)
            rows.append(AttendanceRow(cid, self.names.get(cid, cid), entry.status if entry else None,
                                      entry.arrived if entry else None, entry.left if entry else None,
                                      minutes))
        return tuple(sorted(rows, key=lambda r: self.last_names.get(r.client_id, ("~", r.client_id))))

    def show(self, now: datetime) -> None:
        if self.record is None:
            return
        rows = self.rows(now)
        self.table.show(rows, privacy=self.privacy)
        self.attending = self.query_one(AttendancePane).show_count(rows, self.cap)
        self.show_clock(now)
        self.show_participation()

    def show_clock(self, now: datetime) -> None:
        assert self.record is not None
        header = self.record.header
        clock = self.query_one(AgendaPane).show(self.record.blocks, now, header.scheduled_end)
        bar = self.query_one(SessionHeader)
        bar.set_class(self.privacy, "-privacy")
        title = "PRIVACY — names hidden (F9)" if self.privacy else f"{header.group} · {self.plan}"
        put(bar.query_one("#session-title", Label), title)
        put(bar.query_one("#session-clock", Label), f"{now:%a %H:%M}")
        current = clock.current()
        if current is not None and clock.cue_due(now):
            key = (current, clock.blocks[current].started_at)
            if key not in self.cued:
                self.cued.add(key)
                if self.bell:
                    self.app.bell()

    def show_participation(self) -> None:
        assert self.record is not None
        pane = self.query_one(ParticipationPane)
        pane.set_privacy(self.privacy)
        cid = self.table.highlighted_id
        entry = self.record.attendance.get(cid) if cid else None
        who = self.who(cid) if cid else ""
        working = self.actions.working_block()     # a participation word belongs to its block (#20)
        pane.load_client(cid, who, entry.picks_in(working) if entry else (), entry.text if entry else "",
                         block=working)
        clock = AgendaClock(self.record.blocks)
        position = clock.current()
        if position is None and self.record.blocks:
            position = 0 if not clock.started else len(self.record.blocks) - 1
        block = self.record.blocks[position] if position is not None else None
        pane.load_block(position, block.title if block else "", block.note if block else "")
        pane.show_goals(goal_lines(self.recovery_plans.get(cid), entry.goal_links if entry else (), position)
                        if cid else [])

    def tick(self) -> None:
        """Every second: reread the file if another process changed it, else recompute times."""
        if self.running is None:
            return
        try:
            changed = self.running.file.generation() != self.generation
        except FAILURE:
            changed = False
        if changed:
            self.reload()
        else:
            self.show(self.now())

    # -- the attendance table's keys (it posts, this screen marks) -----------------------------
    def on_attendance_table_mark(self, message: AttendanceTable.Mark) -> None:
        self.actions.mark(message.status)

    def on_attendance_table_all_present(self, message: AttendanceTable.AllPresent) -> None:
        self.actions.mark_all_present()

    def on_attendance_table_edit_time(self, message: AttendanceTable.EditTime) -> None:
        self.actions.edit_time()

    def on_attendance_table_add_client(self, message: AttendanceTable.AddClient) -> None:
        self.actions.add_client()

    def on_attendance_table_remove_client(self, message: AttendanceTable.RemoveClient) -> None:
        self.actions.remove_client()

    def on_attendance_table_toggle_pick(self, message: AttendanceTable.TogglePick) -> None:
        self.actions.toggle_pick(message.index)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.record is not None:
            self.show_participation()

    # -- the keys that write (tui/session_actions.py) -------------------------------------
    def action_agenda(self, operation: str) -> None:
        self.actions.action_agenda(operation)

    def action_link_goal(self) -> None:
        """g: link what the highlighted client did in this block to one of their goals."""
        self.actions.action_link_goal()

    def action_end_session(self) -> None:
        self.actions.action_end_session()

    def action_leave(self) -> None:
        self.actions.action_leave()

    def action_toggle_privacy(self) -> None:
        self.privacy = not self.privacy
        if self.privacy and self.focused is not None and \
                self.query_one(ParticipationPane) in self.focused.ancestors:
            self.table.focus()
        self.show(self.now())

    def action_more_prompts(self) -> None:
        if not self.query_one(AgendaPane).more_prompts():
            self.notify("Every prompt of this block is shown.", markup=False, timeout=3)

    def action_focus_attendance(self) -> None:
        self.focus_attendance()

    def focus_attendance(self) -> None:
        self.table.focus()

    def digits_refused(self) -> str | None:
        """Why a number key may not tick a participation word now: the agenda has not started
        (a digit then is more likely a PIN typed early than a word). A session without an
        agenda has nothing to start."""
        record = self.record
        if record is None or not record.blocks or AgendaClock(record.blocks).started:
            return None
        return ("The agenda has not started: n starts it. Number keys tick participation "
                "words only once it has (space ticks the word under the cursor).")

    def lock_agenda_line(self) -> str | None:
        """What the lock screen shows of this session (tui/lock.py): the block and its time
        left, never a client; None once the session has ended."""
        record = self.record
        if self.running is None or record is None or record.header.actual_end is not None:
            return None
        clock = AgendaClock(record.blocks)
        now = self.now()
        current = clock.current()
        if not record.blocks:
            return "Session running · no agenda"
        if current is None:
            return "Session running · agenda finished" if clock.finished else "Session running · agenda not started"
        block = record.blocks[current]
        remaining = clock.remaining(current, now)
        time_left = (f"OVERTIME +{clock_text(-remaining)}" if remaining < timedelta(0)
                     else f"{clock_text(remaining)} left")
        paused = " · paused" if clock.paused else ""
        return f"Session running · {block.title} · {time_left}{paused}"

    def save_typing(self) -> None:
        """The app is closing or locking (ClinicApp.save_typing): store the pane's lines now."""
        if self.running is not None:
            self.query_one(ParticipationPane).flush()

    def on_screen_suspend(self) -> None:
        if self.running is not None and self.is_mounted:
            self.query_one(ParticipationPane).flush()

    def on_screen_resume(self) -> None:
        # Back from another screen (clinic settings, a client): the cap, the bell and the
        # names are read from the clinic file only here and when the session file changes.
        if self.running is not None and self.record is not None and self.is_mounted:
            self.reload()
