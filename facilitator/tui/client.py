"""The client view: one client's last 12 weeks, sessions with their notes, other hours."""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer

from facilitator.core.hours import OtherHours
from facilitator.store import otherhours, recovery
from facilitator.tui.clientdata import (
    ClientHistory,
    HistoryLine,
    add_other_hours,
    client_history,
    remove_other_hours,
)
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.live import LiveScreen
from facilitator.tui.navigation import to_base
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.hoursbar import theme_colours
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import ProblemPanel
from facilitator.tui.widgets.weekchart import WeekChart, chart_text
from facilitator.tui.widgets.weektable import cell

PENDING_NOTES = ("no note", "draft")


def _day(day: date) -> str:
    return f"{day:%a} {day.day:>2} {day:%b}"


class HistoryTable(DataTable):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "Note", id="client.note",
                tooltip="Read the highlighted session's note (read-only)"),
    ]
    DEFAULT_CSS = """
    HistoryTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=0, **kwargs)
        self.lines: list[HistoryLine] = []

    @property
    def current(self) -> HistoryLine | None:
        if self.row_count and 0 <= self.cursor_row < len(self.lines):
            return self.lines[self.cursor_row]
        return None

    def show(self, lines: list[HistoryLine], colours: dict[str, str], width: int) -> None:
        row = self.cursor_row
        status_w = max([6] + [len(line.status) for line in lines])
        note_w = max([4] + [len(line.note) for line in lines])
        fixed = [10, 5, status_w, 4, note_w]
        what_w = max(10, min(30, width - sum(fixed) - 6 - 2))
        warning = colours.get("text-warning", "")
        self.clear(columns=True)
        for label, w, right in (("Date", 10, False), ("Time", 5, False), ("Group", what_w, False),
                                ("Status", status_w, False), ("Min", 4, True), ("Note", note_w, False)):
            self.add_column(cell(label, w, right=right))
        for line in lines:
            self.add_row(cell(_day(line.day), 10), cell(f"{line.start:%H:%M}" if line.start else "", 5),
                         cell(line.what, what_w), cell(line.status, status_w),
                         cell(str(line.minutes), 4, right=True),
                         cell(line.note, note_w, style=warning if line.note in PENDING_NOTES else ""))
        self.lines = list(lines)
        if lines:
            self.move_cursor(row=min(row, len(lines) - 1), animate=False)


class ClientScreen(LiveScreen):
    DEFAULT_CSS = """
    ClientScreen #client-info {
        height: 3;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    """

    HELP_TITLE = "Client"
    HOW_TO = (
        "The client's last 12 weeks, one line each: hours attended (█) against the required "
        "hours (░ is what was missing), with the flag in words.\n"
        "Below, every session they were on the list of and every individual or family session "
        "logged, newest first, with the minutes attended and the state of the progress note. "
        "Enter reads a session's note (read-only; the opening is audited).\n"
        "p shows the recovery plan: goals in the client's words, objectives, status changes "
        "and the history of reviews (the opening is audited).\n"
        "o logs individual or family time; x removes the highlighted logged entry."
    )

    BINDINGS: ClassVar = [
        Binding("p", "recovery_plan", "Plan", id="client.plan",
                tooltip="The client's recovery plan: goals, objectives, reviews"),
        Binding("o", "add_hours", "Other hours", id="client.add_hours",
                tooltip="Log an individual or family session"),
        Binding("x", "remove_hours", "Remove", id="client.remove_hours",
                tooltip="Remove the highlighted individual/family entry"),
        Binding("r", "reload", "Refresh", id="client.refresh", show=False,
                tooltip="Read the data again now"),
        Binding("escape", "back", "Home", id="client.back", tooltip="Back to the home screen"),
    ]

    def __init__(self, client_id: str) -> None:
        super().__init__()
        self.client_id = client_id
        self.history: ClientHistory | None = None
        self.today: date | None = None

    def compose(self) -> ComposeResult:
        yield ClinicHeader()
        yield Static("Reading…", id="client-info", markup=False)
        yield ProblemPanel(id="problem")
        yield WeekChart("", id="client-chart")
        yield Label("Sessions and other hours", classes="section-title", id="client-lines-title")
        yield HistoryTable(id="client-lines")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(HistoryTable).focus()
        self.watch(self.app, "theme", lambda _: self.render_history(), init=False)

    # -- reading (worker thread) ---------------------------------------------------------
    def view_key(self) -> str:
        return self.client_id

    def span(self, key: str) -> tuple[date, date]:
        if self.history is not None:
            weeks = self.history.weeks
            return weeks[0][0].first, weeks[-1][0].last
        today = self.facilitator.clock().date()
        return today - timedelta(weeks=12), today + timedelta(days=7)

    def compute(self, key: str) -> tuple[ClientHistory, str, str, date]:
        app = self.facilitator
        snapshot = app.data.snapshot()
        me = app.me(snapshot)
        who = f"{me.display_name} ({me.role})" if me else f"{app.user} (not staff)"
        return client_history(app.data, key, app.clock()), snapshot.settings.name, who, app.today(snapshot)

    # -- showing (main thread) -----------------------------------------------------------
    def show(self, key: str, result: tuple[ClientHistory, str, str, date]) -> None:
        self.history, clinic, who, today = result
        self.today = today
        self.app.title = clinic
        self.query_one(ClinicHeader).show(clinic, who, f"{today:%a} {today.day} {today:%b %Y}")
        problems = self.history.problems
        self.show_problem(f"{len(problems)} file(s) could not be read; what is shown leaves them out.\n"
                          + "\n".join(str(p) for p in problems[:3]) if problems else None)
        self.render_history()

    def show_problem(self, message: str | None) -> None:
        self.query_one(ProblemPanel).show_problem(message)

    def render_history(self) -> None:
        history = self.history
        if history is None:
            return
        client = history.client
        left = f" · discharged {client.discharged:%a %d %b %Y}" if client.discharged else ""
        self.query_one("#client-info", Static).update(
            f"{client.name} ({client.client_id}) · {client.level_of_care} · {client.required_hours:g} h a week"
            f" · admitted {client.admitted:%a %d %b %Y}{left}\n"
            f"Groups: {', '.join(client.groups) or 'none'}\n"
            f"{history.plan_line(self.today or history.this_week.first)}")
        colours = theme_colours(self.app.get_css_variables())
        width = self.app.size.width
        self.query_one(WeekChart).update(chart_text(history.weeks, history.this_week, colours, width - 2))
        sessions = sum(1 for line in history.lines if line.session_id)
        others = len(history.lines) - sessions
        self.query_one("#client-lines-title", Label).update(
            f"Sessions · {sessions} · other hours · {others} (last 12 weeks)")
        self.query_one(HistoryTable).show(history.lines, colours, width)

    def on_resize(self) -> None:
        self.call_after_refresh(self.render_history)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        line = self.query_one(HistoryTable).current
        if line is None or self.history is None:
            return
        if line.session_id is None:
            self.app.notify("Logged individual or family time has no note here; x removes it.",
                            markup=False)
            return
        from facilitator.tui.note import NoteScreen
        client = self.history.client
        self.app.push_screen(NoteScreen(line.session_id, client.client_id, client.name, line.what, line.day),
                             lambda changed: self.reload() if changed else None)

    # -- actions ---------------------------------------------------------------------------
    def _may_change_hours(self) -> bool:
        """Asked before a form opens (the store asks again when it writes)."""
        try:
            otherhours.may_change(self.facilitator.data)
        except FAILURE as problem:
            report_failure(self.app, problem, title="Not allowed")
            return False
        return True

    def action_add_hours(self) -> None:
        if self.history is None or self.today is None or not self._may_change_hours():
            return
        from facilitator.tui.hoursform import AddHoursScreen
        data = self.facilitator.data
        self.app.push_screen(AddHoursScreen(self.history.client, self.today,
                                            lambda entry: add_other_hours(data, entry)), self._add)

    def _add(self, entry: OtherHours | None) -> None:
        """The form logged ``entry`` (a failure was shown in the form, which stayed open)."""
        if entry is None:
            return
        self.app.notify(f"Logged {entry.minutes} minutes of {entry.kind} time on {entry.day}.", markup=False)
        self.reload()

    def action_remove_hours(self) -> None:
        line = self.query_one(HistoryTable).current
        if line is None or line.hours_id is None:
            self.app.notify("Only logged individual or family time can be removed here.", markup=False)
            return
        if not self._may_change_hours():
            return
        from facilitator.tui.widgets.confirm import ConfirmScreen
        day, entry_id = line.hours_id
        question = f"Remove {line.minutes} minutes of {line.what} time on {_day(day)}?"
        self.app.push_screen(ConfirmScreen(question),
                             lambda yes: self._remove(day, entry_id) if yes else None)

    def _remove(self, day: date, entry_id: int) -> None:
        try:
            removed = remove_other_hours(self.facilitator.data, day, entry_id)
        except FAILURE as problem:
            report_failure(self.app, problem, title="Not removed")
            return
        self.app.notify("Removed." if removed else "It was already removed.", markup=False)
        self.reload()

    def action_recovery_plan(self) -> None:
        if self.history is None:
            return
        from facilitator.tui.goals import RecoveryPlanScreen
        client = self.history.client
        try:                 # checked and audited "plan.view" by the store (ids only)
            _, plan = recovery.view(self.facilitator.data, client.client_id)
        except FAILURE as problem:
            report_failure(self.app, problem, title="Not shown")
            return
        self.app.push_screen(RecoveryPlanScreen(client.name, plan, self.history.review_days, self.today))

    def action_reload(self) -> None:
        self.facilitator.action_refresh_data()

    def action_back(self) -> None:
        """Escape goes home from every screen (two presses at most from a dialog on top)."""
        to_base(self.app)
