"""The home screen: today's scheduled groups and the roster."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from facilitator.tui.failures import FAILURE
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.plain import Label
from facilitator.tui.widgets.problem import ProblemPanel, announce_problem, problem_message
from facilitator.tui.widgets.roster import RosterTable, is_discharged
from facilitator.tui.widgets.syncstatus import SyncStatus
from facilitator.tui.widgets.today import TodayGroups, TodayRow

if TYPE_CHECKING:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from facilitator.store.datadir import ClinicSnapshot
    from facilitator.tui.clinic_app import ClinicApp

POLL_SECONDS = 2.0
SYNC_STATUS_SECONDS = 30.0


def session_state(app: ClinicApp, group: str, start: datetime) -> str:
    """Not started / running since HH:MM / ended HH:MM, from the session's file."""
    from facilitator.core.session import SessionState, session_id_for
    try:
        file = app.data.session_file(session_id_for(group, start))
        if not file.exists():
            return "not started"
        header = file.header()
    except FAILURE:
        return "unreadable"
    tz = start.tzinfo
    if header.state is SessionState.ENDED and header.actual_end:
        return f"ended {header.actual_end.astimezone(tz):%H:%M}"
    since = header.actual_start
    return f"running since {since.astimezone(tz):%H:%M}" if since else "open, clock not started"


def today_rows(app: ClinicApp, snapshot: ClinicSnapshot, day: date) -> list[TodayRow]:
    tz = snapshot.settings.tz
    rows = [
        TodayRow(start=start, end=group.end_of(start), group=group.name,
                 plan=app.plan_title(group.on(day).plan), enrolled=len(snapshot.enrolled(group.name, day)),
                 state=session_state(app, group.name, start))
        for group in snapshot.groups.values()
        for start in group.meetings(day, day, tz)
    ]
    return sorted(rows, key=lambda r: (r.start, r.group.casefold()))


class HomeScreen(Screen):
    """Today's groups on top, the roster below; refreshes when the clinic file changes."""

    HELP_TITLE = "Home"
    HOW_TO = (
        "Today's groups lists every group that meets today in the clinic's time zone, "
        "whether its session has not started, is running or has ended, its agenda and how "
        "many clients are enrolled. Starting more than 30 minutes early or late asks first.\n"
        "The roster lists the clients; press d to show or hide discharged clients.\n"
        "The screen follows changes made elsewhere (a roster import, another counselor) "
        "within a few seconds; press r to read the data again now.\n"
        "Press tab to move between the tables.\n"
        "Enter on one of today's groups starts its session (or goes back to it); s chooses "
        "any group and any agenda.\n"
        "A line above today's groups counts your signed notes a supervisor returned for "
        "correction; v opens the review list (f chooses \"returned\"), Enter on one opens it "
        "to correct and sign again."
    )

    DEFAULT_CSS = """
    HomeScreen #home-returned { padding: 0 1; color: $text-warning; text-style: bold; width: 1fr; display: none; }
    """

    BINDINGS: ClassVar = [
        Binding("d", "toggle_discharged", "Discharged", id="home.discharged",
                tooltip="Show or hide discharged clients"),
        # Refreshing is automatic (every 2 s); the key stays for F1 help, not the crowded footer.
        Binding("r", "reload", "Refresh", id="home.refresh", tooltip="Read the clinic's data again",
                show=False),
        Binding("s", "start_session", "Start", id="home.start",
                tooltip="Choose any group and agenda and start (or resume) its session"),
        # The app's keys, shown here (the hub) and hidden in the other screens' footers.
        Binding("w", "app.go('weekly')", "Weekly", id="home.weekly",
                tooltip="Each client's hours this week"),
        Binding("v", "app.go('review')", "Review", id="home.review",
                tooltip="Notes missing, unsigned or not co-signed"),
        Binding("q", "app.quit", "Quit", id="home.quit", tooltip="Close facilitator"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.include_discharged = False
        self.generation: int | None = None
        self.shown_day: date | None = None
        self.tz: ZoneInfo | None = None
        self.problem: str | None = None
        self.today: list[TodayRow] = []
        self._just_mounted = False

    @property
    def facilitator(self) -> ClinicApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield ClinicHeader()
        yield SyncStatus(id="sync-status")
        yield ProblemPanel(id="problem")
        yield Label("", id="home-returned", classes="screen-line")
        yield TodayGroups(id="today")
        yield Label("Roster", classes="section-title", id="roster-title")
        yield RosterTable(id="roster")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self._just_mounted = True         # the ScreenResume that follows a mount reads nothing new
        today = self.query_one("#today-table", DataTable)
        if today.row_count:
            # The cursor on the group that has not ended yet, so enter starts the right one.
            now = self.facilitator.clock()
            upcoming = [i for i, row in enumerate(self.today) if row.end > now]
            today.move_cursor(row=upcoming[0] if upcoming else len(self.today) - 1, animate=False)
            today.focus()
        else:
            self.query_one(RosterTable).focus()
        self.set_interval(POLL_SECONDS, self.poll)
        # Records written here (a session just run) change what waits to push, not clinic.json.
        self.set_interval(SYNC_STATUS_SECONDS, self._check_sync)

    def on_screen_resume(self) -> None:
        """Back on home (a session just ended, a note was signed): today's states again."""
        if self._just_mounted:
            self._just_mounted = False
            return
        self.reload()

    def _check_sync(self) -> None:
        if self.tz is not None:
            self.query_one(SyncStatus).check(self.facilitator.data.root, self.tz)

    # -- reading ---------------------------------------------------------------------------
    def poll(self) -> None:
        """Cheap check: reload only if the clinic file's generation (or the day) changed."""
        try:
            generation = self.facilitator.data.clinic_file.generation()
        except FAILURE as problem:
            self._show_problem(problem)
            return
        day_changed = self.tz is not None and self.facilitator.clock().astimezone(self.tz).date() != self.shown_day
        if generation != self.generation or self.problem or day_changed:
            self.reload()

    def reload(self) -> None:
        app = self.facilitator
        try:
            snapshot = app.snapshot()
        except FAILURE as problem:
            self._show_problem(problem)
            return
        self._show_problem(None)
        self.generation = snapshot.generation
        day = app.today(snapshot)
        self.shown_day = day
        self.tz = snapshot.settings.tz
        day_text = f"{day:%A} {day.day} {day:%b}"
        me = app.me(snapshot)
        who = f"{me.display_name} ({me.role})" if me else f"{app.user} (not staff)"
        self.query_one(ClinicHeader).show(snapshot.settings.name, who, f"{day:%a} {day.day} {day:%b %Y}")
        self.query_one(SyncStatus).check(app.data.root, snapshot.settings.tz)
        self.today = today_rows(app, snapshot, day)
        self.query_one(TodayGroups).show(self.today, day_text, has_groups=bool(snapshot.groups))
        clients = list(snapshot.clients.values())
        self.query_one(RosterTable).show(clients, day, include_discharged=self.include_discharged)
        hidden = sum(1 for c in clients if is_discharged(c, day))
        title = f"Roster · {len(clients) - hidden} current"
        if hidden:
            title += f", {hidden} discharged " + ("shown" if self.include_discharged else "hidden (d shows)")
        self.query_one("#roster-title", Label).update(title)
        self._show_returned(day)

    def _show_returned(self, day: date) -> None:
        """'1 note returned for correction · v shows it', for the counselor who signed it (#20)."""
        from datetime import timedelta

        from facilitator.store.notes import returned_count
        from facilitator.tui.review import WEEKS_BACK
        app = self.facilitator
        try:
            count = returned_count(app.data, app.user, day - timedelta(weeks=WEEKS_BACK), day)
        except FAILURE:              # a damaged or unreadable record: no count, the rest of home stands
            count = 0
        line = self.query_one("#home-returned", Label)
        line.update(f"{count} note{'s' if count != 1 else ''} returned for correction · v shows "
                    f"{'them' if count != 1 else 'it'}" if count else "")
        line.display = bool(count)

    def _show_problem(self, problem: Exception | None) -> None:
        message = problem_message(problem)
        announce_problem(self.app, message, self.problem)
        self.problem = message
        if message and self.generation is not None:
            message += "\nThe lists below are as they were last read."
        self.query_one(ProblemPanel).show_problem(message)

    # -- actions ---------------------------------------------------------------------------
    def action_toggle_discharged(self) -> None:
        self.include_discharged = not self.include_discharged
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "today-table" and event.row_key.value:
            from facilitator.tui.session_start import open_session
            open_session(self.facilitator, event.row_key.value.rpartition("@")[0])

    def action_start_session(self) -> None:
        from facilitator.tui.session_start import choose_session
        table = self.query_one("#today-table", DataTable)
        highlight = None
        if table.row_count and table.has_focus:
            highlight = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                            ).rpartition("@")[0]
        choose_session(self.facilitator, highlight)

    def action_reload(self) -> None:
        self.facilitator.action_refresh_data()
