"""The review queue: notes missing, unsigned or not co-signed, oldest first, with days overdue.

A supervisor (or admin) sees every session's; a counselor sees the notes still to write for
the sessions they facilitated. Enter reads the note; ``c`` there co-signs (the store decides
who may).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Label

from facilitator.core.notes import due_date
from facilitator.core.rules import Role
from facilitator.store.files import DamagedFile
from facilitator.tui.live import LiveScreen
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.hoursbar import theme_colours
from facilitator.tui.widgets.problem import ProblemPanel
from facilitator.tui.widgets.weektable import cell

if TYPE_CHECKING:
    from facilitator.store.notes import QueueItem

WEEKS_BACK = 8
STATE_WORDS = {"missing": "no note", "draft": "draft", "unsigned-cosign": "to co-sign"}


@dataclass(frozen=True)
class Queue:
    items: list["QueueItem"]
    names: dict[str, str]
    first: date
    today: date
    mine_only: bool
    problems: list[Exception]
    clinic: str
    who: str
    plans_overdue: tuple[tuple[str, int], ...] = ()   # (client name, days) of plan reviews overdue


def read_queue(app, today: date) -> Queue:
    """The queue over the last ``WEEKS_BACK`` weeks, as the acting user should see it."""
    from facilitator.store.notes import review_queue
    data = app.data
    snapshot = data.snapshot()
    me = app.me(snapshot)
    first = today - timedelta(weeks=WEEKS_BACK)
    items, problems = review_queue(data, first, today)
    mine_only = me is None or me.role is Role.COUNSELOR
    if mine_only:
        mine: dict[str, bool] = {}
        for session_id in {i.session_id for i in items}:
            try:
                mine[session_id] = app.user in data.session_file(session_id).read().header.facilitators
            except (DamagedFile, OSError):  # review_queue has reported it
                mine[session_id] = False
        items = [i for i in items if mine[i.session_id] and i.state != "unsigned-cosign"]
    names = {cid: c.name for cid, c in snapshot.clients.items()}
    who = f"{me.display_name} ({me.role})" if me else f"{app.user} (not staff)"
    from facilitator.store.recovery import plans_due
    plans, plan_problems = plans_due(data, today)
    late = tuple(sorted(((r.client.name, r.days_overdue or 0) for r in plans if r.overdue),
                        key=lambda x: -x[1]))
    return Queue(items, names, first, today, mine_only, list(problems) + list(plan_problems),
                 snapshot.settings.name, who, late)


def plans_overdue_line(queue: Queue, width: int) -> str:
    """'Recovery plans overdue for review (2): Avery Testperson 12 d, …' ('' when none)."""
    if not queue.plans_overdue:
        return ""
    line = (f"Recovery plans overdue for review ({len(queue.plans_overdue)}): "
            + ", ".join(f"{name} {days} d" for name, days in queue.plans_overdue))
    return line if len(line) <= width else line[:max(0, width - 1)] + "…"


def due_text(item: "QueueItem", today: date) -> str:
    if item.state == "unsigned-cosign":
        return "—"
    if item.overdue_days > 0:
        return f"{item.overdue_days} work day{'s' if item.overdue_days != 1 else ''} late"
    due = due_date(item.day)
    return "due today" if due == today else f"due {due:%a} {due.day}"


class ReviewTable(DataTable):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "Read note", id="review.open",
                tooltip="Read the highlighted note; c there co-signs"),
    ]
    DEFAULT_CSS = """
    ReviewTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=0, **kwargs)
        self.items: list["QueueItem"] = []

    @property
    def current(self) -> "QueueItem | None":
        if self.row_count and 0 <= self.cursor_row < len(self.items):
            return self.items[self.cursor_row]
        return None

    def show(self, queue: Queue, colours: dict[str, str], width: int) -> None:
        row = self.cursor_row
        due_w = max([4] + [len(due_text(i, queue.today)) for i in queue.items])
        spare = width - 10 - 10 - due_w - 6 - 2
        need_group = max([5] + [len(i.group) for i in queue.items])
        need_client = min(24, max([6] + [len(queue.names.get(i.client_id, i.client_id)) for i in queue.items]))
        if need_group + need_client <= spare:
            group_w, client_w = need_group, need_client
        else:   # the client's name first, the group's cut with "…"
            client_w = max(8, min(need_client, max(spare // 2, spare - need_group)))
            group_w = max(8, spare - client_w)
        error = colours.get("text-error", "")
        self.clear(columns=True)
        for label, w in (("Date", 10), ("Group", group_w), ("Client", client_w), ("Note", 10),
                         ("Overdue", due_w)):
            self.add_column(cell(label, w))
        for item in queue.items:
            late = item.overdue_days > 0
            self.add_row(cell(f"{item.day:%a} {item.day.day:>2} {item.day:%b}", 10),
                         cell(item.group, group_w),
                         cell(queue.names.get(item.client_id, item.client_id), client_w),
                         cell(STATE_WORDS.get(item.state, item.state), 10),
                         cell(due_text(item, queue.today), due_w, style=f"bold {error}" if late else ""))
        self.items = list(queue.items)
        if self.items:
            self.move_cursor(row=min(row, len(self.items) - 1), animate=False)


class ReviewScreen(LiveScreen):
    HELP_TITLE = "Notes to review"
    HOW_TO = (
        "Progress notes of the last 8 weeks that are missing, still a draft, or signed but "
        "not co-signed, oldest first. Notes are due 3 business days after the session; "
        "Overdue counts the business days since.\n"
        "A counselor sees the notes still to write for the sessions they facilitated. "
        "Enter reads the highlighted note (read-only); there, c co-signs a signed note.\n"
        "Above the notes, clients whose recovery plan is overdue for review (the clinic's "
        "plan-review-days setting), most overdue first."
    )

    BINDINGS: ClassVar = [
        Binding("r", "reload", "Refresh", id="review.refresh", show=False,
                tooltip="Read the data again now"),
        Binding("escape", "back", "Back", id="review.back", tooltip="Back to the screen before"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.queue: Queue | None = None

    def compose(self) -> ComposeResult:
        yield ClinicHeader()
        yield Label("Notes to review · reading…", classes="section-title", id="review-title")
        yield ProblemPanel(id="problem")
        yield Label("", id="review-plans", classes="screen-line")
        yield ReviewTable(id="review-table")
        yield Label("", id="review-empty", classes="section-title")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ReviewTable).focus()
        self.watch(self.app, "theme", lambda _: self.render_queue(), init=False)

    def view_key(self) -> str:
        return "queue"

    def span(self, key: str) -> tuple[date, date]:
        today = self.queue.today if self.queue else self.facilitator.clock().date()
        return today - timedelta(weeks=WEEKS_BACK), today

    def compute(self, key: str) -> Queue:
        app = self.facilitator
        return read_queue(app, app.today(app.data.snapshot()))

    def show(self, key: str, result: Queue) -> None:
        self.queue = result
        self.app.title = result.clinic
        today = result.today
        self.query_one(ClinicHeader).show(result.clinic, result.who, f"{today:%a} {today.day} {today:%b %Y}")
        problems = result.problems
        self.show_problem(f"{len(problems)} file(s) could not be read; the queue leaves them out.\n"
                          + "\n".join(str(p) for p in problems[:3]) if problems else None)
        self.render_queue()

    def show_problem(self, message: str | None) -> None:
        self.query_one(ProblemPanel).show_problem(message)

    def render_queue(self) -> None:
        queue = self.queue
        if queue is None:
            return
        late = sum(1 for i in queue.items if i.overdue_days > 0)
        what = "Your notes to write" if queue.mine_only else "Notes to review"
        self.query_one("#review-title", Label).update(
            f"{what} · {len(queue.items)} · {late} overdue · sessions since "
            f"{queue.first:%a} {queue.first.day} {queue.first:%b}")
        plans = self.query_one("#review-plans", Label)
        plans.update(plans_overdue_line(queue, max(20, self.app.size.width - 2)))
        plans.display = bool(queue.plans_overdue)
        table = self.query_one(ReviewTable)
        table.show(queue, theme_colours(self.app.get_css_variables()), self.app.size.width)
        empty = self.query_one("#review-empty", Label)
        empty.display = not queue.items
        empty.update("Nothing to review: every note of the last 8 weeks is signed"
                     + ("." if queue.mine_only else " and co-signed."))

    def on_resize(self) -> None:
        self.call_after_refresh(self.render_queue)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self.query_one(ReviewTable).current
        if item is None or self.queue is None:
            return
        from facilitator.tui.note import NoteScreen
        name = self.queue.names.get(item.client_id, item.client_id)
        self.app.push_screen(NoteScreen(item.session_id, item.client_id, name, item.group, item.day),
                             lambda changed: self.reload() if changed else None)

    def action_reload(self) -> None:
        self.facilitator.action_refresh_data()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
