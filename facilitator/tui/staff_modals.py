"""The admin screens' dialogs: add a staff member, change a role, rename, add a closure,
change a group's schedule, end a group."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from facilitator.core.errors import InputError
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.session_modals import MODAL_CSS
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import refusal_sentence

if TYPE_CHECKING:
    from facilitator.core.clinic import Staff

ROLES: tuple[tuple[str, str], ...] = (
    ("counselor", "counselor: runs sessions, writes and signs own notes"),
    ("supervisor", "supervisor: reads everything, co-signs notes"),
    ("admin", "admin: also the roster, groups, staff and settings"),
)


class AddStaffModal(ModalScreen["Staff | None"]):
    """Account name, display name, role; ctrl+s or enter saves, a refusal is shown here."""

    DEFAULT_CSS = MODAL_CSS.format(cls="AddStaffModal") + """
    AddStaffModal .form-row { height: 1; margin-top: 1; }
    AddStaffModal .form-row > Label { width: 20; }
    AddStaffModal .form-row > Input { width: 1fr; }
    AddStaffModal .form-label { margin-top: 1; }
    AddStaffModal OptionList { height: auto; }
    AddStaffModal .modal-error { margin-top: 1; }
    AddStaffModal .modal-keys { margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "Save", id="staff-add.save"),
        Binding("escape", "cancel", "Cancel", id="staff-add.cancel"),
    ]
    HELP_TITLE = "Add a staff member"
    HOW_TO = ("The account is the person's operating-system login on this computer (or the clinic "
              "host); the name is what notes show. Tab moves between fields; enter or ctrl+s saves.")

    def __init__(self, save: Callable[[str, str, str], Staff]) -> None:
        super().__init__()
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Add a staff member", classes="modal-title")
            with Horizontal(classes="form-row"):
                yield Label("OS account name:")
                yield Input(id="staff-user", compact=True, placeholder="e.g. jdoe", max_length=64)
            with Horizontal(classes="form-row"):
                yield Label("Name on notes:")
                yield Input(id="staff-name", compact=True, placeholder="e.g. Jamie Doe, LCDC",
                            max_length=80)
            yield Label("Role (↑↓ choose):", classes="form-label")
            yield OptionList(*(Option(text, id=role) for role, text in ROLES), id="staff-role",
                             compact=True)
            yield Static("", classes="modal-error", id="staff-add-error", markup=False)
            yield Label("enter or ctrl+s saves · tab next field · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one("#staff-role", OptionList).highlighted = 0
        self.query_one("#staff-user", Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        user = self.query_one("#staff-user", Input).value
        name = self.query_one("#staff-name", Input).value
        roles = self.query_one("#staff-role", OptionList)
        index = roles.highlighted if roles.highlighted is not None else 0
        role = roles.get_option_at_index(index).id or "counselor"
        try:
            member = self.save(user, name, role)
        except FAILURE as problem:      # the dialog stays open, as typed
            error = self.query_one("#staff-add-error", Static)
            report_failure(self, problem, label=error)
            if isinstance(problem, InputError) and problem.field == "USER":
                self.query_one("#staff-user", Input).focus()
            return
        self.dismiss(member)

    def action_cancel(self) -> None:
        self.dismiss(None)


class RoleModal(ModalScreen[str | None]):
    """Pick a role for one staff member; enter saves, a refusal is shown here."""

    DEFAULT_CSS = MODAL_CSS.format(cls="RoleModal") + """
    RoleModal OptionList { height: auto; margin-top: 1; }
    RoleModal .modal-error, RoleModal .modal-keys { margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="staff-role.cancel"),
    ]
    HELP_TITLE = "Change a role"
    HOW_TO = "Up and down choose a role; enter saves it; escape leaves the role as it was."

    def __init__(self, who: str, current: str, save: Callable[[str], None]) -> None:
        super().__init__()
        self.who = who
        self.current = current
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Role for {self.who}", classes="modal-title", markup=False)
            yield OptionList(*(Option(text, id=role) for role, text in ROLES), id="role-list",
                             compact=True)
            yield Static("", classes="modal-error", id="role-error", markup=False)
            yield Label("enter saves · ↑↓ move · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = [role for role, _ in ROLES].index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        role = event.option.id or ""
        if role == self.current:
            self.dismiss(None)
            return
        try:
            self.save(role)
        except FAILURE as problem:      # the dialog stays open, as typed
            error = self.query_one("#role-error", Static)
            report_failure(self, problem, label=error)
            return
        self.dismiss(role)

    def action_cancel(self) -> None:
        self.dismiss(None)


class RenameModal(ModalScreen["str | None"]):
    """The name shown for a staff member; enter or ctrl+s saves, a refusal is shown here."""

    DEFAULT_CSS = MODAL_CSS.format(cls="RenameModal") + """
    RenameModal Input { margin-top: 1; }
    RenameModal .modal-error, RenameModal .modal-keys { margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "Save", id="staff-rename.save"),
        Binding("escape", "cancel", "Cancel", id="staff-rename.cancel"),
    ]
    HELP_TITLE = "Rename a staff member"
    HOW_TO = ("The name shown for this account on screens, notes and exports, earlier ones too "
              "(records store the account, not the name; text already signed is not changed). "
              "Enter or ctrl+s saves; escape leaves it as it was.")

    def __init__(self, who: str, current: str, save: Callable[[str], None]) -> None:
        super().__init__()
        self.who, self.current, self.save = who, current, save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Name on notes for {self.who}", classes="modal-title", markup=False)
            yield Input(self.current, id="rename-name", compact=True, max_length=80)
            yield Static("", classes="modal-error", id="rename-error", markup=False)
            yield Label("enter or ctrl+s saves · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one("#rename-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        name = self.query_one("#rename-name", Input).value
        try:
            self.save(name)
        except FAILURE as problem:      # the dialog stays open, as typed
            error = self.query_one("#rename-error", Static)
            report_failure(self, problem, label=error)
            return
        self.dismiss(name.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ClosureModal(ModalScreen["str | None"]):
    """A closure (a snow day): the date, the whole clinic or one group, and why."""

    DEFAULT_CSS = MODAL_CSS.format(cls="ClosureModal") + """
    ClosureModal .form-row { height: 1; margin-top: 1; }
    ClosureModal .form-row > Label { width: 12; }
    ClosureModal .form-row > Input { width: 1fr; }
    ClosureModal .form-label { margin-top: 1; }
    ClosureModal OptionList { height: auto; max-height: 6; }
    ClosureModal .modal-error, ClosureModal .modal-keys { margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "Save", id="closure.save"),
        Binding("escape", "cancel", "Cancel", id="closure.cancel"),
    ]
    HELP_TITLE = "Add a closure"
    HOW_TO = ("A day a group, or the whole clinic, does not meet (a snow day): that day has no "
              "meeting and the week's required hours prorate as for a holiday. A day a session "
              "was already held cannot be closed. Tab moves between fields; ↑↓ choose the group; "
              "ctrl+s saves (enter too, in a text field).")

    def __init__(self, groups: list[str], today: str, save: Callable[[str, str | None, str], object]) -> None:
        super().__init__()
        self.groups, self.today, self.save = groups, today, save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Add a closure", classes="modal-title")
            with Horizontal(classes="form-row"):
                yield Label("Date:")
                yield Input(self.today, id="closure-date", compact=True, placeholder="YYYY-MM-DD",
                            max_length=10)
            yield Label("Closed (↑↓ choose):", classes="form-label")
            yield OptionList(Option("the whole clinic", id=""),
                             *(Option(name, id=f"g{i}") for i, name in enumerate(self.groups)),
                             id="closure-group", compact=True, markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Reason:")
                yield Input(id="closure-reason", compact=True, placeholder="e.g. snow day", max_length=200)
            yield Static("", classes="modal-error", id="closure-error", markup=False)
            yield Label("ctrl+s saves · tab next field · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one("#closure-group", OptionList).highlighted = 0
        self.query_one("#closure-date", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#closure-reason", Input).focus()

    def chosen_group(self) -> str | None:
        options = self.query_one("#closure-group", OptionList)
        index = options.highlighted or 0
        return None if index == 0 else self.groups[index - 1]

    def action_save(self) -> None:
        day = self.query_one("#closure-date", Input).value
        reason = self.query_one("#closure-reason", Input).value
        try:
            self.save(day, self.chosen_group(), reason)
        except FAILURE as problem:      # the dialog stays open, as typed
            error = self.query_one("#closure-error", Static)
            report_failure(self, problem, label=error)
            return
        self.dismiss(day.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ScheduleModal(ModalScreen["str | None"]):
    """A group's schedule from a date on (``groups set``): the group, the first day it
    applies, days, start, minutes and plan, filled with the group's schedule that day."""

    DEFAULT_CSS = MODAL_CSS.format(cls="ScheduleModal") + """
    ScheduleModal .form-row { height: 1; margin-top: 1; }
    ScheduleModal .form-row > Label { width: 12; }
    ScheduleModal .form-row > Input { width: 1fr; }
    ScheduleModal OptionList { height: auto; max-height: 5; margin-top: 1; }
    ScheduleModal .modal-error, ScheduleModal .modal-keys { margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "Save", id="schedule.save"),
        Binding("escape", "cancel", "Cancel", id="schedule.cancel"),
    ]
    HELP_TITLE = "Change a group's schedule"
    HOW_TO = ("A change applies from its date on: weeks before it keep the old schedule (and their "
              "required hours), and a date on or before a session already held is refused. ↑↓ "
              "choose the group (its schedule fills in); tab moves between fields; plan none "
              "clears the plan; ctrl+s saves (enter too, in a text field).")

    def __init__(self, groups: list, today: str, save: Callable[..., object]) -> None:
        super().__init__()
        self.groups, self.today, self.save = groups, today, save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Change a group's schedule", classes="modal-title")
            yield OptionList(*(Option(g.name, id=f"g{i}") for i, g in enumerate(self.groups)),
                             id="schedule-group", compact=True, markup=False)
            for key, label, hint, length in (("from", "From:", "YYYY-MM-DD", 10),
                                             ("days", "Days:", "e.g. tue,thu", 40),
                                             ("start", "Start:", "HH:MM", 5),
                                             ("minutes", "Minutes:", "1-720", 3),
                                             ("plan", "Plan:", "a plan id, or none", 64)):
                with Horizontal(classes="form-row"):
                    yield Label(label)
                    yield Input(id=f"schedule-{key}", compact=True, placeholder=hint, max_length=length)
            yield Static("", classes="modal-error", id="schedule-error", markup=False)
            yield Label("ctrl+s saves · tab next field · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        self.query_one("#schedule-from", Input).value = self.today
        options = self.query_one("#schedule-group", OptionList)
        options.highlighted = 0
        self.fill(0)
        options.focus()

    def fill(self, index: int) -> None:
        from datetime import date
        try:
            day = date.fromisoformat(self.query_one("#schedule-from", Input).value.strip())
        except ValueError:
            day = date.fromisoformat(self.today)
        group = self.groups[index].on(day)
        for key, value in (("days", group.day_names), ("start", f"{group.start:%H:%M}"),
                           ("minutes", str(group.minutes)), ("plan", group.plan or "none")):
            self.query_one(f"#schedule-{key}", Input).value = value

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index is not None:
            self.fill(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#schedule-from", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        index = self.query_one("#schedule-group", OptionList).highlighted or 0
        typed = {key: self.query_one(f"#schedule-{key}", Input).value
                 for key in ("from", "days", "start", "minutes", "plan")}
        try:
            self.save(self.groups[index].name, **typed)
        except FAILURE as problem:      # the dialog stays open, as typed
            error = self.query_one("#schedule-error", Static)
            report_failure(self, problem, label=error)
            return
        self.dismiss(self.groups[index].name)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EndGroupModal(ModalScreen["str | None"]):
    """End a group on a date (``groups end``): the group, its last day, then one y/n question.

    ``save(name, typed day)`` ends it (the store checks who may, and refuses a day before a
    session already held); its refusal is shown here and the dialog stays open. Dismisses
    with the group's name once ended, None when cancelled."""

    DEFAULT_CSS = MODAL_CSS.format(cls="EndGroupModal") + """
    EndGroupModal .form-row { height: 1; margin-top: 1; }
    EndGroupModal .form-row > Label { width: 12; }
    EndGroupModal .form-row > Input { width: 1fr; }
    EndGroupModal .form-label { margin-top: 1; }
    EndGroupModal OptionList { height: auto; max-height: 6; }
    EndGroupModal .modal-error, EndGroupModal .modal-keys { margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "End it", id="endgroup.save", tooltip="End the group after the day typed"),
        Binding("escape", "cancel", "Cancel", id="endgroup.cancel"),
    ]
    HELP_TITLE = "End a group"
    HOW_TO = ("The group meets no more after its last day: no meetings, and no hours required from "
              "its meetings, after it. Sessions already held are kept, and a last day before one of "
              "them is refused. ↑↓ choose the group; tab moves to the date; ctrl+s (or enter in the "
              "date) asks once, y ends it. Ending it again with a later day is the only way back.")

    def __init__(self, groups: list[tuple[str, str]], today: str,
                 save: Callable[[str, str], object], check: Callable[[str], str]) -> None:
        """``groups``: (name, what the list shows); ``check(typed)`` gives the day as the
        question shows it or raises ``InputError``."""
        super().__init__()
        self.groups, self.today, self.save, self.check = groups, today, save, check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("End a group", classes="modal-title")
            yield Label("Group (↑↓ choose):", classes="form-label")
            yield OptionList(*(Option(shown, id=f"g{i}") for i, (_, shown) in enumerate(self.groups)),
                             id="endgroup-group", compact=True, markup=False)
            with Horizontal(classes="form-row"):
                yield Label("Last day:")
                yield Input(self.today, id="endgroup-date", compact=True, placeholder="YYYY-MM-DD",
                            max_length=10)
            yield Static("", classes="modal-error", id="endgroup-error", markup=False)
            yield Label("ctrl+s ends it (asks first) · tab next field · escape cancels", classes="modal-keys")

    def on_mount(self) -> None:
        options = self.query_one("#endgroup-group", OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#endgroup-date", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def _error(self, problem: Exception | None) -> None:
        error = self.query_one("#endgroup-error", Static)
        error.update(refusal_sentence(problem) if problem else "")
        error.set_class(problem is not None, "-shown")

    def action_save(self) -> None:
        from facilitator.tui.widgets.confirm import ConfirmScreen
        name = self.groups[self.query_one("#endgroup-group", OptionList).highlighted or 0][0]
        typed = self.query_one("#endgroup-date", Input).value
        try:
            day = self.check(typed)
        except InputError as problem:
            self._error(problem)
            return
        self._error(None)
        self.app.push_screen(ConfirmScreen(
            f"End {name} after {day}?",
            "It meets no more after that day; its held sessions are kept. Ending it again with a "
            "later day is the only way back."), lambda yes: self._end(name, typed) if yes else None)

    def _end(self, name: str, typed: str) -> None:
        try:
            self.save(name, typed)
        except FAILURE as problem:
            self._error(problem)
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
