"""The weekly view: every enrolled client's hours this week, who is below or at risk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer

from facilitator.core.hours import Flag, WeeklyRow
from facilitator.core.weeks import Week, week_containing
from facilitator.tui.live import LiveScreen
from facilitator.tui.navigation import to_base
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.hoursbar import (
    FLAG_WORDS,
    hours_down,
    needs_phrase,
    required_text,
    theme_colours,
)
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import ProblemPanel
from facilitator.tui.widgets.weektable import WeekTable, WeekTableData, fit, shown_days

if TYPE_CHECKING:
    from facilitator.store.reports import WeekReport

FLAG_FILTERS: tuple[Flag | None, ...] = (None, Flag.BELOW, Flag.AT_RISK, Flag.MET)


@dataclass(frozen=True)
class WeekView:
    """What one read of the data directory gives the screen."""

    week: Week
    this_week: Week
    today: date
    report: WeekReport
    meeting_days: set[date]
    groups: tuple[str, ...]
    clinic: str
    who: str


def shown_alike(a: WeekView, b: WeekView) -> bool:
    """Whether two reads show the same table (only the report's time differs): rebuilding
    a 120-row table was half of a re-read's cost (benchmark figure 6)."""
    return (a.week, a.this_week, a.today, a.meeting_days, a.groups, a.clinic, a.who,
            a.report.rows, a.report.clients, a.report.plan_reviews,
            [str(p) for p in a.report.problems]) == (
            b.week, b.this_week, b.today, b.meeting_days, b.groups, b.clinic, b.who,
            b.report.rows, b.report.clients, b.report.plan_reviews,
            [str(p) for p in b.report.problems])


def shifted(week: Week, offset: int) -> Week:
    for _ in range(abs(offset)):
        week = week.next() if offset > 0 else week.previous()
    return week


def week_title(week: Week, offset: int) -> str:
    when = {0: "this week", -1: "last week", 1: "next week"}.get(
        offset, f"{-offset} weeks ago" if offset < 0 else f"in {offset} weeks")
    return (f"Week {week.label} · {week.first:%a} {week.first.day} {week.first:%b} – "
            f"{week.last:%a} {week.last.day} {week.last:%b %Y} · {when}")


def counts_text(rows: list[WeeklyRow]) -> str:
    parts = [f"{sum(r.flag is f for r in rows)} {FLAG_WORDS[f]}" for f in (Flag.BELOW, Flag.AT_RISK, Flag.MET)]
    return ", ".join(parts)


def plans_overdue_text(report, rows) -> str:
    """' · 2 plan reviews overdue' for the rows shown ('' when none: the line stays short)."""
    late = sum(1 for r in rows if report.plan_review_overdue(r.client_id))
    return f" · {late} plan review{'' if late == 1 else 's'} overdue" if late else ""


class WeeklyScreen(LiveScreen):
    """Credited against required hours per client for one week; follows other writers."""

    DEFAULT_CSS = """
    WeeklyScreen #weekly-filters {
        width: 1fr;
        padding: 0 1;
    }
    WeeklyScreen #weekly-detail {
        height: 2;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    """

    # While attendance keeps being marked, follow it every few seconds, not on every poll:
    # each re-read is the whole week's report (benchmark figure 6).
    REREAD_GAP_SECONDS = 3.0

    HELP_TITLE = "Weekly hours"
    HOW_TO = (
        "One row per client enrolled in the week: hours attended against the required hours "
        "(prorated when admitted or discharged that week), hours per day, absences "
        "(absent + excused), and the flag: met, at-risk (can still make it this week) or "
        "below. Needs says how many hours are still needed and in how many sessions left.\n"
        "Days with no group meeting and no hours are left out. The line under the table "
        "spells out the highlighted client's week; Enter opens that client.\n"
        "[ and ] move a week back and forward, . returns to this week; g and f cycle the "
        "group and flag filters. The view follows attendance marked elsewhere within seconds."
    )

    BINDINGS: ClassVar = [
        Binding("left_square_bracket", "shift_week(-1)", "Prev", id="weekly.previous",
                tooltip="Show the week before"),
        Binding("right_square_bracket", "shift_week(1)", "Next", id="weekly.next",
                tooltip="Show the week after"),
        Binding("full_stop", "this_week", "This week", id="weekly.this", tooltip="Back to this week",
                show=False),
        Binding("g", "cycle_group", "Group", id="weekly.group", tooltip="Filter by group: all, then each"),
        Binding("f", "cycle_flag", "Flag", id="weekly.flag",
                tooltip="Filter by flag: all, below, at-risk, met"),
        Binding("r", "reload", "Refresh", id="weekly.refresh", show=False,
                tooltip="Read the data again now"),
        Binding("escape", "back", "Home", id="weekly.back", tooltip="Back to the home screen"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.week_offset = 0
        self.group: str | None = None
        self.flag: Flag | None = None
        self.view: WeekView | None = None

    def compose(self) -> ComposeResult:
        yield ClinicHeader()
        yield Label("Weekly hours", classes="section-title", id="weekly-title")
        yield Label("", id="weekly-filters", classes="screen-line")
        yield ProblemPanel(id="problem")
        yield WeekTable(id="weekly-table")
        yield Static("", id="weekly-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        # (LiveScreen's on_mount runs too: Textual calls the handler of every class.)
        self.query_one(WeekTable).focus()
        self.watch(self.app, "theme", lambda _: self.render_view(), init=False)

    # -- reading (worker thread) ---------------------------------------------------------
    def view_key(self) -> int:
        return self.week_offset

    def span(self, key: int) -> tuple[date, date]:
        # Before the first read the clinic's week start is not known: take a Monday week.
        base = self.view.this_week if self.view else week_containing(self.facilitator.clock().date())
        week = shifted(base, key)
        return week.first, week.last

    def compute(self, key: int) -> WeekView:
        from facilitator.store.reports import week_report
        app = self.facilitator
        snapshot = app.data.snapshot()
        today = app.today(snapshot)
        this_week = week_containing(today, snapshot.settings.week_start_weekday)
        week = shifted(this_week, key)
        report = week_report(app.data, week)
        tz = snapshot.settings.tz
        meeting_days = {m.astimezone(tz).date() for g in snapshot.groups.values()
                        for m in g.meetings(week.first, week.last, tz)}
        me = app.me(snapshot)
        who = f"{me.display_name} ({me.role})" if me else f"{app.user} (not staff)"
        return WeekView(week, this_week, today, report, meeting_days, tuple(sorted(snapshot.groups)),
                        snapshot.settings.name, who)

    # -- showing (main thread) -----------------------------------------------------------
    def show(self, key: int, result: WeekView) -> None:
        previous, self.view = self.view, result
        if self.group is not None and self.group not in result.groups:
            self.group = None
        self.app.title = result.clinic
        today = result.today
        self.query_one(ClinicHeader).show(result.clinic, result.who, f"{today:%a} {today.day} {today:%b %Y}")
        problems = result.report.problems
        if problems:
            self.show_problem(f"{len(problems)} file(s) could not be read; the hours below leave "
                              f"them out.\n" + "\n".join(str(p) for p in problems[:3]))
        else:
            self.show_problem(None)
        if previous is not None and shown_alike(previous, result):
            return      # a note signed, the minute turned: nothing the table shows changed
        self.render_view()

    def show_problem(self, message: str | None) -> None:
        if message and self.view is not None and not self.view.report.problems:
            message += "\nThe table below is as it was last read."
        self.query_one(ProblemPanel).show_problem(message)

    def visible_rows(self) -> list[WeeklyRow]:
        if self.view is None:
            return []
        clients = self.view.report.clients
        return [r for r in self.view.report.rows
                if (self.group is None or self.group in clients[r.client_id].groups)
                and (self.flag is None or r.flag is self.flag)]

    def render_view(self) -> None:
        view = self.view
        title = self.query_one("#weekly-title", Label)
        if view is None:
            title.update("Weekly hours · reading…")
            return
        week = shifted(view.this_week, self.week_offset)
        title.update(week_title(week, self.week_offset))
        if week != view.week:
            self.query_one("#weekly-filters", Label).update("Reading…")
            return
        rows = self.visible_rows()
        group = self.group or "all"
        flag = FLAG_WORDS[self.flag] if self.flag else "all"
        self.query_one("#weekly-filters", Label).update(
            f"Group (g): {group} · Flag (f): {flag} · {len(rows)} client{'' if len(rows) == 1 else 's'}: "
            f"{counts_text(rows)}{plans_overdue_text(view.report, rows)}")
        days = shown_days(view.week.days, view.meeting_days, view.report.rows)
        colours = theme_colours(self.app.get_css_variables())
        table = self.query_one(WeekTable)
        width = table.size.width or self.app.size.width
        table.show(WeekTableData(rows, view.report.clients, days, view.today), colours, width)
        self.show_detail()

    def show_detail(self) -> None:
        detail = self.query_one("#weekly-detail", Static)
        view, table = self.view, self.query_one(WeekTable)
        if view is None:
            return
        client_id = table.current_id
        if client_id is None:
            detail.update("No client is enrolled in this week." if not view.report.rows
                          else "No client matches the filters; press g or f to change them.")
            return
        row = next(r for r in view.report.rows if r.client_id == client_id)
        client = view.report.clients[client_id]
        groups = ", ".join(client.groups) or "no group"
        width = max(40, self.app.size.width - 2)
        late = view.report.plan_review_overdue(client_id)
        plan = f" · plan review overdue {late} d" if late else ""
        first = fit(f"{client.name} ({client_id}){plan} · {client.level_of_care} · {groups}", width)
        other = f" ({hours_down(row.other_minutes)} h individual/family)" if row.other_minutes else ""
        second = (f"{FLAG_WORDS[row.flag]}: {needs_phrase(row)} · {hours_down(row.credited_minutes)} of "
                  f"{required_text(row.required_hours)} h{other} · absent {row.absent}, "
                  f"excused {row.excused}")
        detail.update(f"{first}\n{fit(second, width)}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        client_id = self.query_one(WeekTable).current_id
        if client_id:
            from facilitator.tui.client import ClientScreen
            self.app.push_screen(ClientScreen(client_id))

    def on_resize(self) -> None:
        if self.view is not None:
            self.call_after_refresh(self.render_view)

    # -- actions ---------------------------------------------------------------------------
    def action_shift_week(self, step: int) -> None:
        self.week_offset += step
        self.render_view()
        self.poll()

    def action_this_week(self) -> None:
        self.week_offset = 0
        self.render_view()
        self.poll()

    def action_cycle_group(self) -> None:
        choices: list[str | None] = [None, *(self.view.groups if self.view else ())]
        index = choices.index(self.group) if self.group in choices else 0
        self.group = choices[(index + 1) % len(choices)]
        self.render_view()

    def action_cycle_flag(self) -> None:
        self.flag = FLAG_FILTERS[(FLAG_FILTERS.index(self.flag) + 1) % len(FLAG_FILTERS)]
        self.render_view()

    def action_reload(self) -> None:
        self.facilitator.action_refresh_data()

    def action_back(self) -> None:
        """Escape goes home from every screen (two presses at most from a dialog on top)."""
        to_base(self.app)
