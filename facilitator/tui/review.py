"""The review queue: notes missing, unsigned or not co-signed, oldest first, with days overdue.

A supervisor (or admin) sees every session's; a counselor sees the notes still to write for
the sessions they facilitated. Filters with counts (``f`` show, ``g`` group, ``p`` counselor),
Space selects rows, ``c`` co-signs the selected notes (or the highlighted one) after one
y/n confirmation; the store decides who may. Enter reads the note. ``R`` returns the
highlighted signed note to its signer for correction, with a reason (issue #20); the signer's
Enter on a returned note opens it to correct and sign again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer

from facilitator.core.notes import due_date
from facilitator.core.rules import Role
from facilitator.tui import review_queue as rq
from facilitator.tui.failures import FAILURE
from facilitator.tui.live import LiveScreen
from facilitator.tui.navigation import to_base
from facilitator.tui.widgets.confirm import ConfirmScreen
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.hoursbar import theme_colours
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import ProblemPanel
from facilitator.tui.widgets.weektable import cell

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir
    from facilitator.store.notes import QueueItem

WEEKS_BACK = 8
STATE_WORDS = {"missing": "no note", "draft": "draft", "unsigned-cosign": "to co-sign",
               "returned": "returned"}


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    names: dict[str, str]
    first: date
    today: date
    mine_only: bool
    problems: list[Exception]
    clinic: str
    who: str
    me: str = ""
    staff_names: dict[str, str] | None = None
    initials: dict[str, str] | None = None
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
            except FAILURE:  # review_queue has reported it
                mine[session_id] = False
        items = [i for i in items if mine[i.session_id] and i.state != "unsigned-cosign"]
    names = {cid: c.name for cid, c in snapshot.clients.items()}
    who = f"{me.display_name} ({me.role})" if me else f"{app.user} (not staff)"
    from facilitator.store.recovery import plans_due
    plans, plan_problems = plans_due(data, today)
    late = tuple(sorted(((r.client.name, r.days_overdue or 0) for r in plans if r.overdue),
                        key=lambda x: -x[1]))
    found: list[Exception] = [*problems, *plan_problems]
    return Queue(items, names, first, today, mine_only, found,
                 snapshot.settings.name, who,
                 app.user, {u: m.display_name for u, m in snapshot.staff.items()},
                 {cid: c.initials for cid, c in snapshot.clients.items()}, late)


def _cosign_each(data: DataDir, chosen: list[QueueItem]) -> tuple[list[QueueItem], list[str]]:
    """In the write queue: co-sign each note; (the ones co-signed, each refusal's sentence)."""
    from facilitator.store.notes import NoteBook
    from facilitator.tui.widgets.problem import refusal_sentence
    done, refused = [], []
    for item in chosen:
        try:
            NoteBook(data, data.session_file(item.session_id)).cosign(item.client_id)
        except FAILURE as problem:     # each refusal is said; the rest go on
            refused.append(refusal_sentence(problem))
            continue
        done.append(item)
    return done, refused


def plans_overdue_line(queue: Queue, width: int) -> str:
    """'Recovery plans overdue for review (2): Avery Testperson 12 d, …' ('' when none)."""
    if not queue.plans_overdue:
        return ""
    line = (f"Recovery plans overdue for review ({len(queue.plans_overdue)}): "
            + ", ".join(f"{name} {days} d" for name, days in queue.plans_overdue))
    return line if len(line) <= width else line[:max(0, width - 1)] + "…"


def due_text(item: QueueItem, today: date) -> str:
    if item.state == "unsigned-cosign":
        return "—"
    if item.state == "returned":
        return "to re-sign"
    if item.overdue_days > 0:
        return f"{item.overdue_days} work day{'s' if item.overdue_days != 1 else ''} late"
    due = due_date(item.day)
    return "due today" if due == today else f"due {due:%a} {due.day}"


def note_text(item: QueueItem, queue: Queue) -> str:
    state = STATE_WORDS.get(item.state, item.state)
    if item.flag:                  # "attendance corrected after signing" (issue #20)
        state = f"{state}, {item.flag}"
    if item.reads_like:
        other = (queue.initials or {}).get(item.reads_like, "?")
        return f"{state}, like {other}"
    return state


class ReviewTable(DataTable):
    BINDINGS: ClassVar = [
        Binding("enter", "select_cursor", "Read note", id="review.open", show=False,
                tooltip="Read the highlighted note; c there co-signs"),
        Binding("home", "first", "First", id="review.first", show=False, tooltip="The first row"),
        Binding("end", "last", "Last", id="review.last", show=False, tooltip="The last row"),
        Binding("space", "screen.toggle_select", "Select", id="review.select",
                tooltip="Select the highlighted note for co-signing (again: unselect)"),
    ]
    DEFAULT_CSS = """
    ReviewTable {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, cell_padding=0, **kwargs)
        self.items: list[QueueItem] = []

    def action_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    @property
    def current(self) -> QueueItem | None:
        if self.row_count and 0 <= self.cursor_row < len(self.items):
            return self.items[self.cursor_row]
        return None

    def show(self, queue: Queue, items: list[QueueItem], selected: set[tuple[str, str]],
             colours: dict[str, str], width: int) -> None:
        row = self.cursor_row
        due_w = max([4] + [len(due_text(i, queue.today)) for i in items])
        note_w = max([10] + [len(note_text(i, queue)) for i in items])
        spare = width - 2 - 10 - note_w - due_w - 6 - 2
        need_group = max([5] + [len(i.group) for i in items])
        need_client = min(24, max([6] + [len(queue.names.get(i.client_id, i.client_id)) for i in items]))
        if need_group + need_client <= spare:
            group_w, client_w = need_group, need_client
        else:   # the client's name first, the group's cut with "…"
            client_w = max(8, min(need_client, max(spare // 2, spare - need_group)))
            group_w = max(8, spare - client_w)
        error = colours.get("text-error", "")
        self.clear(columns=True)
        for label, w in (("", 1), ("Date", 10), ("Group", group_w), ("Client", client_w),
                         ("Note", note_w), ("Due", due_w)):
            self.add_column(cell(label, w))
        for item in items:
            late = item.overdue_days > 0
            mark = "✓" if (item.session_id, item.client_id) in selected else " "
            self.add_row(cell(mark, 1, style="bold"),
                         cell(f"{item.day:%a} {item.day.day:>2} {item.day:%b}", 10),
                         cell(item.group, group_w),
                         cell(queue.names.get(item.client_id, item.client_id), client_w),
                         cell(note_text(item, queue), note_w),
                         cell(due_text(item, queue.today), due_w, style=f"bold {error}" if late else ""))
        self.items = list(items)
        if self.items:
            self.move_cursor(row=min(row, len(self.items) - 1), animate=False)


class ReviewScreen(LiveScreen):
    HELP_TITLE = "Notes to review"
    HOW_TO = (
        "Progress notes of the last 8 weeks that are missing, still a draft, or signed but "
        "not co-signed, oldest first. Notes are due 3 business days after the session; "
        "Due counts the work days late.\n"
        "Filters (the numbers are what each shows): f cycles all, mine to sign, to co-sign, "
        "overdue and returned; g chooses a group; p a counselor (who ran the session).\n"
        "R (shift+r) returns the highlighted signed note to the counselor who signed it, for "
        "correction: type why (one line, required) and press enter. The signed text is kept; "
        "they see it on their home screen and here, correct it (Enter opens it) and sign it "
        "again with ctrl+s, and the note keeps both signed texts. Until then billing counts it "
        "as not signed.\n"
        "Space selects a note to co-sign (a selects every note to co-sign shown); c co-signs "
        "the selected notes, or the highlighted one, after one y/n question.\n"
        "\"like M.G.\" means the note reads nearly the same as M.G.'s note of that session "
        "(see Notes in the README): auditors flag notes that are not individualized.\n"
        "Home and End go to the first and last row. Enter reads the highlighted note; y copies "
        "it, if signed, with the 42 CFR part 2 notice to the clipboard (audited). "
        "A counselor sees the notes still to write for the sessions they facilitated.\n"
        "Above the notes, clients whose recovery plan is overdue for review (the clinic's "
        "plan-review-days setting), most overdue first."
    )

    BINDINGS: ClassVar = [
        Binding("f", "cycle_show", "Show", id="review.show",
                tooltip="Show all, mine to sign, to co-sign, overdue"),
        Binding("g", "cycle_group", "Group", id="review.group", tooltip="Filter by group"),
        Binding("p", "cycle_counselor", "Counselor", id="review.counselor",
                tooltip="Filter by the counselor who ran the session"),
        Binding("a", "select_all", "Select all", id="review.select_all", show=False,
                tooltip="Select every note to co-sign that is shown"),
        Binding("c", "cosign", "Co-sign", id="review.cosign",
                tooltip="Co-sign the selected notes (or the highlighted one)"),
        Binding("R", "return_note", "Return", id="review.return", show=False,
                tooltip="Return the highlighted signed note to its signer for correction, saying why"),
        Binding("y", "copy_note", "Copy", id="review.copy", show=False,
                tooltip="Copy the highlighted signed note to the clipboard (audited)"),
        Binding("r", "reload", "Refresh", id="review.refresh", show=False,
                tooltip="Read the data again now"),
        Binding("escape", "back", "Home", id="review.back", tooltip="Back to the home screen",
                show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.queue: Queue | None = None
        self.filters = rq.Filters()
        self.selected: set[tuple[str, str]] = set()
        self.shown: list[QueueItem] = []

    def compose(self) -> ComposeResult:
        yield ClinicHeader()
        yield Label("Notes to review · reading…", classes="section-title", id="review-title")
        yield Static("", id="review-filters")
        yield ProblemPanel(id="problem")
        yield Label("", id="review-plans", classes="screen-line")
        yield ReviewTable(id="review-table")
        yield Label("", id="review-empty", classes="section-title")
        yield Static("", id="review-hint", markup=False)
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
            f"{what} · {len(queue.items)} · {late} overdue · since "
            f"{queue.first:%a} {queue.first.day} {queue.first:%b}")
        plans = self.query_one("#review-plans", Label)
        plans.update(plans_overdue_line(queue, max(20, self.app.size.width - 2)))
        plans.display = bool(queue.plans_overdue)
        self.shown = rq.apply(queue.items, self.filters, queue.me)
        keys = {(i.session_id, i.client_id) for i in queue.items}
        self.selected &= keys
        self.query_one("#review-filters", Static).update(self._filters_text(queue))
        self.refresh_bindings()
        table = self.query_one(ReviewTable)
        table.show(queue, self.shown, self.selected, theme_colours(self.app.get_css_variables()),
                   self.app.size.width)
        empty = self.query_one("#review-empty", Label)
        empty.display = not self.shown
        if queue.items:
            empty.update("No note matches these filters: f, g or p changes them.")
        else:
            empty.update("Nothing to review: every note of the last 8 weeks is signed"
                         + ("." if queue.mine_only else " and co-signed."))
        self._hint()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Co-signing keys leave the footer for a counselor (they only write their notes)."""
        if action in ("cosign", "toggle_select", "select_all", "return_note") and self.queue is not None \
                and self.queue.mine_only:
            return False
        return True

    def _filters_text(self, queue: Queue) -> Text:
        text = Text("f ", style="bold")
        for number, (piece, chosen) in enumerate(rq.show_line(self.filters, rq.counts(
                queue.items, self.filters, queue.me))):
            if number:
                text.append(" · ")
            text.append(piece, style="reverse bold" if chosen else "")
        names = queue.staff_names or {}
        counselor = names.get(self.filters.counselor or "", self.filters.counselor) or "all"
        text.append("\ng ", style="bold")
        text.append(f"group: {self.filters.group or 'all'}")
        text.append(" · p ", style="bold")
        text.append(f"counselor: {counselor}")
        if self.selected:
            text.append(f" · {len(self.selected)} selected", style="bold")
        return text

    def _hint(self) -> None:
        item = self.query_one(ReviewTable).current
        hint = ""
        if item is not None and item.state == "returned" and self.queue is not None:
            who = (self.queue.staff_names or {}).get(item.returned_to, item.returned_to)
            mine = item.returned_to == self.queue.me
            opens = " · Enter corrects it" if mine else ""
            hint = f"Returned to {'you' if mine else who} for correction: {item.reason}"
            room = max(20, self.app.size.width - 2 - len(opens))
            hint = (hint if len(hint) <= room else hint[:room - 1] + "…") + opens   # one line, however long
        elif item is not None and item.reads_like and self.queue is not None:
            other = (self.queue.initials or {}).get(item.reads_like, "?")
            hint = (f"This note has nearly the same words as {other}'s note of the same "
                    "session.")
        self.query_one("#review-hint", Static).update(hint)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._hint()

    # -- filters and selection ---------------------------------------------------------------
    def _refilter(self, **changes) -> None:
        from dataclasses import replace
        self.filters = replace(self.filters, **changes)
        self.render_queue()
        table = self.query_one(ReviewTable)
        if table.row_count:
            table.move_cursor(row=0, animate=False)

    def action_cycle_show(self) -> None:
        keys = [k for k, _ in rq.SHOW_FILTERS]
        self._refilter(show=keys[(keys.index(self.filters.show) + 1) % len(keys)])

    def action_cycle_group(self) -> None:
        if self.queue is not None:
            self._refilter(group=rq.next_of(rq.groups_of(self.queue.items), self.filters.group))

    def action_cycle_counselor(self) -> None:
        if self.queue is not None:
            self._refilter(counselor=rq.next_of(rq.counselors_of(self.queue.items),
                                                self.filters.counselor))

    def action_toggle_select(self) -> None:
        table = self.query_one(ReviewTable)
        item = table.current
        if item is None:
            return
        if item.state != "unsigned-cosign":
            self.notify("Only a signed note can be co-signed; this one is "
                        f"{STATE_WORDS.get(item.state, item.state)}.", markup=False)
            return
        key = (item.session_id, item.client_id)
        self.selected ^= {key}
        self.render_queue()
        if table.cursor_row + 1 < table.row_count:
            table.move_cursor(row=table.cursor_row + 1, animate=False)

    def action_select_all(self) -> None:
        self.selected |= {(i.session_id, i.client_id) for i in self.shown if i.state == "unsigned-cosign"}
        self.render_queue()

    def action_cosign(self) -> None:
        if self.queue is None:
            return
        chosen = [i for i in self.queue.items if (i.session_id, i.client_id) in self.selected]
        if not chosen:
            current = self.query_one(ReviewTable).current
            if current is None:
                return
            if current.state != "unsigned-cosign":
                self.notify("Only a signed note can be co-signed; this one is "
                            f"{STATE_WORDS.get(current.state, current.state)}.", markup=False)
                return
            chosen = [current]
        alike = sum(1 for i in chosen if i.reads_like)
        one = len(chosen) == 1
        question = (f"Co-sign {self.queue.names.get(chosen[0].client_id, 'this')}'s signed note?"
                    if one else f"Co-sign these {len(chosen)} signed notes?")
        detail = "A co-signature is recorded with your name and the time; it cannot be undone."
        if alike:
            detail += (" It has nearly the same words as another attendee's note." if one
                       else f" {alike} of them have nearly the same words as another attendee's note.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._cosign_all(chosen)

        self.app.push_screen(ConfirmScreen(question, detail), answered)

    def _cosign_all(self, chosen: list[QueueItem]) -> None:
        """Co-sign each chosen note, in the write queue (tui/writes.py): the list stays
        responsive while a lock is waited for; each refusal is counted, the rest go on."""
        self.facilitator.writes.ask(partial(_cosign_each, self.facilitator.data, chosen),
                                    done=self._cosigned, where=self)

    def _cosigned(self, answer: tuple[list[QueueItem], list[str]]) -> None:
        done, refused = answer
        for item in done:
            self.selected.discard((item.session_id, item.client_id))
        if done:
            self.notify(f"Co-signed {len(done)} note{'s' if len(done) != 1 else ''}.", markup=False)
        if refused:
            self.notify(f"{len(refused)} not co-signed: {refused[0]}", severity="error", markup=False)
        if self.is_attached:
            self.reload()

    def on_resize(self) -> None:
        self.call_after_refresh(self.render_queue)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self.query_one(ReviewTable).current
        if item is None or self.queue is None:
            return
        if item.state == "returned" and item.returned_to == self.queue.me:
            self._correct(item)
            return
        from facilitator.tui.note import NoteScreen
        name = self.queue.names.get(item.client_id, item.client_id)
        self.app.push_screen(NoteScreen(item.session_id, item.client_id, name, item.group, item.day),
                             lambda changed: self.reload() if changed else None)

    def _correct(self, item: QueueItem) -> None:
        """The signer's returned note in the editor: the correction is typed (saved as typed)
        and ctrl+s signs it again."""
        from facilitator.store.running import RunningSession
        from facilitator.tui.note_editor import NoteEditorScreen
        data = self.facilitator.data
        name = self.queue.names.get(item.client_id, item.client_id) if self.queue else item.client_id
        self.app.push_screen(NoteEditorScreen(RunningSession(data, data.session_file(item.session_id)),
                                              item.client_id, name, editable=True))

    def action_return_note(self) -> None:
        from facilitator.tui.return_note import ReturnNoteModal
        item = self.query_one(ReviewTable).current
        if item is None or self.queue is None:
            return
        if item.state != "unsigned-cosign":
            self.notify("Only a signed note is returned for correction; this one is "
                        f"{STATE_WORDS.get(item.state, item.state)}.", markup=False)
            return
        data = self.facilitator.data
        name = self.queue.names.get(item.client_id, item.client_id)

        def save(reason: str) -> str:
            from facilitator.store.notes import NoteBook
            note = NoteBook(data, data.session_file(item.session_id)).return_note(item.client_id, reason)
            return (self.queue.staff_names or {}).get(note.signed_by or "", note.signed_by or "") \
                if self.queue else ""

        def done(signer: str | None) -> None:
            if signer:
                self.notify(f"Returned to {signer} for correction: {name}.", markup=False)
                self.reload()

        self.app.push_screen(ReturnNoteModal(name, save), done)

    def action_copy_note(self) -> None:
        from facilitator.tui.copy_note import copy_signed_note
        item = self.query_one(ReviewTable).current
        if item is None:
            self.notify("No note is highlighted.", markup=False)
            return
        copy_signed_note(self.app, self.facilitator.data, item.session_id, item.client_id)

    def action_reload(self) -> None:
        self.facilitator.action_refresh_data()

    def action_back(self) -> None:
        to_base(self.app)
