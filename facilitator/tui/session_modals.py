"""Small dialogs of the session screen: confirm, edit a time, add a client, start a session."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from facilitator.core.errors import InputError
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.widgets.plain import Label, Static

MODAL_CSS = """
{cls} {{
    align: center middle;
}}
{cls} > Vertical {{
    width: 64;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: round $primary;
    background: $surface;
    color: $foreground;
    padding: 0 1;
}}
{cls} .modal-title {{
    text-style: bold;
    color: $text-primary;
    width: 1fr;
}}
{cls} .modal-detail {{
    margin: 1 0;
    width: 1fr;
}}
{cls} .modal-keys {{
    color: $text-muted;
    width: 1fr;
}}
{cls} .modal-error {{
    color: $text-error;
    width: 1fr;
    display: none;
}}
{cls} .modal-error.-shown {{
    display: block;
}}
"""


class TimeModal(ModalScreen[bool]):
    """Type a client's arrival and departure times; a bad time is explained here, kept open.

    ``save(which, typed)`` stores one field (raising ``InputError`` with a sentence).
    """

    DEFAULT_CSS = MODAL_CSS.format(cls="TimeModal") + """
    TimeModal Horizontal { height: 1; margin-top: 1; }
    TimeModal Horizontal > Label { width: 30; }
    TimeModal Input { width: 1fr; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="time.cancel"),
    ]

    def __init__(self, who: str, arrived: str, left: str, focus_left: bool,
                 save: Callable[[str, str], object]) -> None:
        super().__init__()
        self.who = who
        self.initial = {"arrived": arrived, "left": left}
        self.focus_left = focus_left
        self.save = save
        self._saving = False          # an enter's fields are in the write queue

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Times for {self.who}", classes="modal-title", markup=False)
            with Horizontal():
                yield Label("Arrived at (e.g. 6:40p):")
                yield Input(self.initial["arrived"], id="arrived", compact=True,
                            placeholder="session start")
            with Horizontal():
                yield Label("Left at (e.g. 8:15p):")
                yield Input(self.initial["left"], id="left", compact=True,
                            placeholder="session end")
            yield Static("", classes="modal-error", id="time-error", markup=False)
            yield Label("enter saves · tab next field · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one("#left" if self.focus_left else "#arrived", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Store the changed fields, in order, off the loop (tui/writes.py); the dialog stays
        open, answering keys, until they are stored, and shows a refusal in its error line."""
        event.stop()
        if self._saving:
            return
        fields = [(which, typed) for which in ("arrived", "left")
                  if (typed := self.query_one(f"#{which}", Input).value.strip())
                  and typed != self.initial[which].strip()]
        if not fields:
            self.dismiss(False)
            return
        self._saving = True
        self.app.writes.ask(partial(self._store, fields), done=self._stored)  # type: ignore[attr-defined]

    def _store(self, fields: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str | None, Exception | None]:
        """In the write queue: each field in turn; the first refused stops the rest."""
        stored: list[tuple[str, str]] = []
        for which, typed in fields:
            try:
                self.save(which, typed)
            except FAILURE as problem:
                return stored, which, problem
            stored.append((which, typed))
        return stored, None, None

    def _stored(self, answer: tuple[list[tuple[str, str]], str | None, Exception | None]) -> None:
        self._saving = False
        stored, which, problem = answer
        for field, typed in stored:
            self.initial[field] = typed
        if not self.is_attached:
            return                          # cancelled meanwhile: the list shows what was stored
        if which is None or problem is None:
            self.dismiss(True)
            return
        label = "Arrived at" if which == "arrived" else "Left at"
        report_failure(self, problem, label=self.query_one("#time-error", Static),
                       prefix=f"{label}: " if isinstance(problem, InputError) else "")
        self.query_one(f"#{which}", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(False)


class PickModal(ModalScreen[str | None]):
    """Choose one item from a list (e.g. a client to add); typing filters the list."""

    DEFAULT_CSS = MODAL_CSS.format(cls="PickModal") + """
    PickModal Input { margin-top: 1; }
    PickModal OptionList { height: auto; max-height: 12; margin-bottom: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, title: str, items: list[tuple[str, str]], empty: str) -> None:
        super().__init__()
        self.title_text = title
        self.items = items  # (id, label)
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="modal-title", markup=False)
            yield Input(placeholder="type to filter", id="pick-filter", compact=True)
            yield OptionList(id="pick-list", markup=False)
            yield Label("enter chooses · ↑↓ move · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#pick-filter", Input).focus()

    def _fill(self, text: str) -> None:
        options = self.query_one("#pick-list", OptionList)
        options.clear_options()
        wanted = [(key, label) for key, label in self.items if text.casefold() in label.casefold()]
        if wanted:
            options.add_options([Option(label, id=key) for key, label in wanted])
            options.highlighted = 0
        else:
            options.add_option(Option(self.empty if not self.items else "no match", disabled=True))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose()

    def _choose(self) -> None:
        options = self.query_one("#pick-list", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id is not None and not option.disabled:
            self.dismiss(option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one("#pick-list", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


def start_on_an_option(options: OptionList) -> None:
    """Scroll ``options`` so its first line is an option's first line, not a wrapped one's tail.

    Textual scrolls just far enough to show the highlighted option, which could leave the tail
    of a two-line plan title ("Months") at the top of the list. The next option's start down
    is taken when the list can scroll that far (the highlighted option stays in view: only
    lines above it leave); at the end of the list the tail stays. Uses ``OptionList``'s map of
    option to first line (Textual 8, pinned < 9); without it, nothing is moved.
    """
    line_of: dict[int, int] = getattr(options, "_index_to_line", {})
    starts = sorted(set(line_of.values()))
    top = round(options.scroll_y)
    if not starts or top in starts or options.highlighted is None:
        return
    highlighted_start = line_of.get(options.highlighted, top)
    below = [y for y in starts if top < y <= min(options.max_scroll_y, highlighted_start)]
    if below:
        options.scroll_to(y=below[0], animate=False, immediate=True)


class StartSessionModal(ModalScreen[tuple[str, str | None] | None]):
    """Start any group with any plan: groups on the left, plans on the right."""

    DEFAULT_CSS = MODAL_CSS.format(cls="StartSessionModal") + """
    StartSessionModal > Vertical { width: 78; }
    StartSessionModal Horizontal { height: auto; max-height: 14; margin-top: 1; }
    StartSessionModal OptionList {
        width: 1fr; height: auto; max-height: 14;
        border: round $panel-lighten-2; border-title-color: $text-muted;
    }
    StartSessionModal OptionList:focus {
        border: round $accent; border-title-color: $text-accent; border-title-style: bold;
    }
    StartSessionModal #start-plans { width: 2fr; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="start.cancel"),
    ]

    NO_PLAN = "-"

    def __init__(self, groups: list[tuple[str, str | None]], plans: list[tuple[str, str]],
                 highlight: str | None = None) -> None:
        super().__init__()
        self.groups = groups          # (group name, its usual plan id)
        self.plans = plans            # (plan id, title)
        self.highlight = highlight

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Start a session", classes="modal-title")
            with Horizontal():
                yield OptionList(*[Option(name, id=name) for name, _ in self.groups], id="start-groups",
                                 markup=False)
                yield OptionList(Option("(no agenda)", id=self.NO_PLAN),
                                 *[Option(title, id=plan_id) for plan_id, title in self.plans],
                                 id="start-plans", markup=False)
            yield Label("enter starts · tab group/agenda · ↑↓ move · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        groups = self.query_one("#start-groups", OptionList)
        groups.border_title = "Group"
        self.query_one("#start-plans", OptionList).border_title = "Agenda"
        names = [name for name, _ in self.groups]
        groups.highlighted = names.index(self.highlight) if self.highlight in names else 0
        groups.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        plans = self.query_one("#start-plans", OptionList)
        if event.option_list.id == "start-groups":
            usual = dict(self.groups).get(event.option.id or "")
            ids = [self.NO_PLAN] + [plan_id for plan_id, _ in self.plans]
            plans.highlighted = ids.index(usual) if usual in ids else 0
        self.call_after_refresh(start_on_an_option, plans)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        groups = self.query_one("#start-groups", OptionList)
        plans = self.query_one("#start-plans", OptionList)
        if groups.highlighted is None:
            return
        group = groups.get_option_at_index(groups.highlighted).id
        plan = plans.get_option_at_index(plans.highlighted).id if plans.highlighted is not None else None
        self.dismiss((group or "", None if plan in (None, self.NO_PLAN) else plan))

    def action_cancel(self) -> None:
        self.dismiss(None)




class _QuietTimeInput(Input):
    """An Input that takes only time characters and stays quiet about the others (no bell)."""

    def restricted(self) -> None:
        pass


class EndTimeModal(ModalScreen[bool]):
    """When did the session really end? Past its scheduled end plus the clinic's grace a
    session is not ended "now" (it was left running): the scheduled end is offered, typed in
    already, so enter accepts it (issue #20). ``save(typed)`` ends the session at the typed
    time, raising ``InputError`` with a sentence (shown here, the dialog kept open)."""

    DEFAULT_CSS = MODAL_CSS.format(cls="EndTimeModal") + """
    EndTimeModal Horizontal { height: 1; }
    EndTimeModal Horizontal > Label { width: 24; }
    EndTimeModal Input { width: 1fr; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Not now", id="endtime.cancel",
                tooltip="Leave the session as it is (it is not ended)"),
    ]
    # Only what a typed time is made of (6:40p, 18:40, 9 pm): so E, the key that opened this
    # dialog, pressed again (E then enter), leaves the offered time as it is.
    TIME_CHARACTERS = r"[0-9:.apmAPM ]*"
    HELP_TITLE = "End time"
    HOW_TO = ("Type the time the session really ended (e.g. 9p or 21:00) and press enter; "
              "the scheduled end is typed in for you. Nobody is credited after it: the agenda "
              "stops there and later arrivals and departures are set to it.")

    def __init__(self, title: str, detail: str, offered: str, save: Callable[[str], None]) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail
        self.offered = offered
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="modal-title", markup=False)
            yield Static(self.detail, classes="modal-detail", markup=False)
            with Horizontal():
                yield Label("It really ended at:")
                yield _QuietTimeInput(self.offered, id="end-time", compact=True, placeholder="e.g. 9p",
                            restrict=self.TIME_CHARACTERS, max_length=12)
            yield Static("", classes="modal-error", id="end-time-error", markup=False)
            yield Label("enter ends it then · escape: not now", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one("#end-time", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.query_one("#end-time-error", Static)
        try:
            self.save(event.value.strip())
        except FAILURE as problem:
            report_failure(self, problem, label=error,
                           prefix="It really ended at: " if isinstance(problem, InputError) else "")
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class CorrectAttendanceModal(ModalScreen[bool]):
    """Correct a client's attendance at an ended session (issue #20): status, times, and the
    reason, required. ``save(status, arrived, left, reason)`` stores it by the one time rule
    (``store.corrections``), raising ``InputError`` with a sentence (shown here, kept open);
    a field left as it was is passed as None (not corrected)."""

    DEFAULT_CSS = MODAL_CSS.format(cls="CorrectAttendanceModal") + """
    CorrectAttendanceModal Horizontal { height: 1; }
    CorrectAttendanceModal Horizontal > Label { width: 22; }
    CorrectAttendanceModal Input { width: 1fr; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="correct.cancel"),
    ]
    HELP_TITLE = "Correct attendance"
    HOW_TO = ("Change the status (present, late, left_early, absent, excused, telehealth) or the "
              "times, say why, and press enter. Times lie inside the session as held, and the "
              "times name the status. A signed note is not edited: it gets an addendum stating "
              "the change, who, when and why.")

    def __init__(self, who: str, status: str, arrived: str, left: str,
                 save: Callable[[str | None, str | None, str | None, str], None]) -> None:
        super().__init__()
        self.who = who
        self.initial = {"status": status, "arrived": arrived, "left": left}
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Correct attendance: {self.who}", classes="modal-title", markup=False)
            for key, label, hint in (("status", "Status:", "present, late, left_early, absent"),
                                     ("arrived", "Arrived at:", "e.g. 9:15"),
                                     ("left", "Left at:", "e.g. 11:40")):
                with Horizontal():
                    yield Label(label)
                    yield Input(self.initial[key], id=f"correct-{key}", compact=True, placeholder=hint,
                                max_length=20)
            with Horizontal():
                yield Label("Why (required):")
                yield Input("", id="correct-reason", compact=True, placeholder="e.g. the sign-in sheet",
                            max_length=500)
            yield Static("", classes="modal-error", id="correct-error", markup=False)
            yield Label("enter saves · tab next field · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one("#correct-status", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = {key: self.query_one(f"#correct-{key}", Input).value.strip()
                 for key in ("status", "arrived", "left", "reason")}
        changed = {key: (typed[key] if typed[key] != self.initial[key].strip() and typed[key] else None)
                   for key in ("status", "arrived", "left")}
        error = self.query_one("#correct-error", Static)
        try:
            self.save(changed["status"], changed["arrived"], changed["left"], typed["reason"])
        except FAILURE as problem:
            report_failure(self, problem, label=error)
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
