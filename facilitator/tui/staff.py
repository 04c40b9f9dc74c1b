"""The staff screen: who may open the clinic, in which role; admins add, change, deactivate.

Everyone sees the list; only admins change it. The store enforces that (and audits a
refused attempt); this screen only says so in a sentence instead of opening a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.rules import Role
from facilitator.tui.live import LiveScreen
from facilitator.tui.session_modals import MODAL_CSS, sentence
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.problem import ProblemPanel

if TYPE_CHECKING:
    from facilitator.core.clinic import Staff

ROLES: tuple[tuple[str, str], ...] = (
    ("counselor", "counselor: runs sessions, writes and signs own notes"),
    ("supervisor", "supervisor: reads everything, co-signs notes"),
    ("admin", "admin: also the roster, groups, staff and settings"),
)
ROLE_WORDS = {Role.COUNSELOR: "a counselor", Role.SUPERVISOR: "a supervisor", Role.ADMIN: "an admin"}


def problem_sentence(problem: Exception) -> str:
    """One sentence for a refused change: the message without the command-line field name.

    A sentence that starts with an account name (``jdoe is a counselor; …``) keeps its case:
    account names are case-sensitive.
    """
    text = (problem.message if isinstance(problem, InputError) else str(problem)).strip()
    first = text.split(" ", 1)[0]
    if text.startswith(f"{first} is ") and first.lower() not in _PLAIN_WORDS:
        return text if text.endswith((".", "!", "?")) else text + "."
    return sentence(text)


# First words that are English, not an account name: these sentences are capitalised.
_PLAIN_WORDS = frozenset({"the", "a", "an", "it", "this", "that", "there", "only", "you", "nothing"})


def who(member: "Staff") -> str:
    """"Jamie Doe (jdoe)", or just "jdoe" when that is also the name."""
    if member.display_name == member.user:
        return member.user
    return f"{member.display_name} ({member.user})"


@dataclass(frozen=True)
class StaffView:
    members: tuple["Staff", ...]
    me: "Staff | None"
    clinic: str
    today: date


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

    def __init__(self, save: Callable[[str, str, str], "Staff"]) -> None:
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
        except (InputError, PermissionDenied) as problem:
            error = self.query_one("#staff-add-error", Static)
            error.update(problem_sentence(problem))
            error.add_class("-shown")
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
        except (InputError, PermissionDenied) as problem:
            error = self.query_one("#role-error", Static)
            error.update(problem_sentence(problem))
            error.add_class("-shown")
            return
        self.dismiss(role)

    def action_cancel(self) -> None:
        self.dismiss(None)


class StaffScreen(LiveScreen):
    """Every staff account with its role and whether it may still open the clinic."""

    DEFAULT_CSS = """
    StaffScreen #staff-note {
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
    }
    StaffScreen #staff-message {
        width: 1fr;
        padding: 0 1;
        height: auto;
    }
    StaffScreen #staff-message.-error {
        color: $text-error;
    }
    StaffScreen #staff-message.-done {
        color: $text-success;
    }
    StaffScreen #staff-table {
        height: 1fr;
        margin: 1 1 0 1;
    }
    """

    HELP_TITLE = "Staff"
    HOW_TO = (
        "Each staff member is an operating-system account that may open this clinic, with a "
        "role: counselors run sessions and write and sign their own notes; supervisors read "
        "and co-sign; admins also manage the roster, groups, staff and settings.\n"
        "Admins: a adds a member, r changes the highlighted member's role, x deactivates "
        "them (they can no longer open the clinic; their notes and audit entries stay). The "
        "clinic always keeps at least one active admin. Every change is in the audit log.\n"
        "Others see the list read-only. The same changes are on the command line: "
        "facilitator staff add|set-role|deactivate."
    )

    BINDINGS: ClassVar = [
        Binding("a", "add", "Add", id="staff.add", tooltip="Add a staff member (admins)"),
        Binding("r", "role", "Role", id="staff.role",
                tooltip="Change the highlighted member's role (admins)"),
        Binding("x", "deactivate", "Deactivate", id="staff.deactivate",
                tooltip="Stop the highlighted member from opening the clinic (admins)"),
        Binding("escape", "back", "Back", id="staff.back", tooltip="Back to the screen before"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: StaffView | None = None

    def compose(self) -> ComposeResult:
        yield ClinicHeader()
        yield Label("Staff", classes="section-title", id="staff-title")
        yield Label("", id="staff-note", markup=False)
        yield ProblemPanel(id="problem")
        yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="staff-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Account", key="user")
        table.add_column("Name", key="name")
        table.add_column("Role", key="role")
        table.add_column("Status", key="status")
        table.focus()

    # -- reading (worker thread) ---------------------------------------------------------
    def view_key(self) -> int:
        return 0

    def span(self, key: int) -> tuple[date, date]:
        day = self.facilitator.clock().date()
        return day, day

    def compute(self, key: int) -> StaffView:
        app = self.facilitator
        snapshot = app.data.snapshot()
        members = tuple(sorted(snapshot.staff.values(), key=lambda m: (not m.active, m.user)))
        return StaffView(members, app.me(snapshot), snapshot.settings.name, app.today(snapshot))

    # -- showing (main thread) -----------------------------------------------------------
    def show(self, key: int, result: StaffView) -> None:
        self.view = result
        me, today = result.me, result.today
        who = f"{me.display_name} ({me.role})" if me else f"{self.facilitator.user} (not staff)"
        self.app.title = result.clinic
        self.query_one(ClinicHeader).show(result.clinic, who, f"{today:%a} {today.day} {today:%b %Y}")
        active = sum(1 for m in result.members if m.active)
        inactive = len(result.members) - active
        title = f"Staff · {active} active" + (f", {inactive} deactivated" if inactive else "")
        self.query_one("#staff-title", Label).update(title)
        if self.is_admin:
            note = "a adds a member · r changes a role · x deactivates · every change is audited."
        else:
            role = ROLE_WORDS.get(me.role, str(me.role)) if me else "not a staff member"
            note = f"You are {role}: only admins change staff, so this list is read-only."
        self.query_one("#staff-note", Label).update(note)
        table = self.query_one(DataTable)
        current = self.highlighted_user
        table.clear()
        for member in result.members:
            you = " (you)" if member.user == self.facilitator.user else ""
            table.add_row(member.user + you, member.display_name, str(member.role),
                          "active" if member.active else "deactivated", key=member.user)
        users = [m.user for m in result.members]
        if current in users:
            table.move_cursor(row=users.index(current), animate=False)

    def show_problem(self, message: str | None) -> None:
        if message and self.view is not None:
            message += "\nThe list below is as it was last read."
        self.query_one(ProblemPanel).show_problem(message)

    @property
    def is_admin(self) -> bool:
        me = self.view.me if self.view else None
        return me is not None and me.active and me.role is Role.ADMIN

    @property
    def highlighted_user(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - no row under the cursor
            return None

    def highlighted(self) -> "Staff | None":
        user = self.highlighted_user
        if self.view is None or user is None:
            return None
        return next((m for m in self.view.members if m.user == user), None)

    def say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#staff-message", Static)
        message.update(text)
        message.set_class(error, "-error")
        message.set_class(not error and bool(text), "-done")

    def may_change(self) -> bool:
        """Ask the store (which audits a refusal); say why not in a sentence."""
        try:
            self.facilitator.data.require("staff.change")
        except PermissionDenied as problem:
            self.say(problem_sentence(problem), error=True)
            return False
        return True

    # -- actions ---------------------------------------------------------------------------
    def action_add(self) -> None:
        if not self.may_change():
            return
        from facilitator.store.staff import add_staff

        def save(user: str, name: str, role: str) -> "Staff":
            known = {m.user: m for m in self.view.members} if self.view else {}
            if user.strip() in known:   # the store says so too, in command-line words
                member = known[user.strip()]
                state = "" if member.active else " (deactivated)"
                raise InputError(f"{member.user} is already on the staff list{state}", field="USER")
            return add_staff(self.facilitator.data, user, name, role)

        def done(member: "Staff | None") -> None:
            if member is not None:
                self.say(f"Added {member.user} ({member.display_name}) as {ROLE_WORDS[member.role]}.")
                self.reload()

        self.app.push_screen(AddStaffModal(save), done)

    def action_role(self) -> None:
        member = self.highlighted()
        if member is None or not self.may_change():
            return
        if not member.active:
            self.say(f"{member.user} is deactivated; a role change would not let them in again.",
                     error=True)
            return
        from facilitator.store.staff import set_role

        def done(role: str | None) -> None:
            if role is not None:
                self.say(f"{member.user} is now {ROLE_WORDS[Role(role)]}.")
                self.reload()

        self.app.push_screen(RoleModal(who(member), str(member.role),
                                       lambda role: set_role(self.facilitator.data, member.user, role)),
                             done)

    def action_deactivate(self) -> None:
        member = self.highlighted()
        if member is None or not self.may_change():
            return
        if not member.active:
            self.say(f"{member.user} is already deactivated.", error=True)
            return
        if member.user == self.facilitator.user:
            self.say("You cannot deactivate your own account while using it; another admin can.",
                     error=True)
            return
        from facilitator.store.staff import deactivate
        from facilitator.tui.widgets.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                deactivate(self.facilitator.data, member.user)
            except (InputError, PermissionDenied) as problem:
                self.say(problem_sentence(problem), error=True)
                return
            self.say(f"{member.user} can no longer open the clinic.")
            self.reload()

        self.app.push_screen(ConfirmScreen(
            f"Deactivate {who(member)}?",
            "They will no longer be able to open the clinic. Their notes and audit entries stay."),
            answer)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
