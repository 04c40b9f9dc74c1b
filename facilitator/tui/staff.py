"""The staff screen: who may open the clinic, in which role; admins add, change, deactivate.

Everyone sees the list; only admins change it. The store enforces that (and audits a
refused attempt); this screen only says so in a sentence instead of opening a dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer

from facilitator.core.errors import InputError
from facilitator.core.rules import Role
from facilitator.tui.failures import FAILURE
from facilitator.tui.live import LiveScreen
from facilitator.tui.navigation import to_base
from facilitator.tui.staff_modals import AddStaffModal, RenameModal, RoleModal
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import ProblemPanel, refusal_sentence
from facilitator.tui.widgets.tables import put_rows

if TYPE_CHECKING:
    from facilitator.core.clinic import Staff

COLUMNS = (("Account", "user"), ("Name", "name"), ("Role", "role"), ("Status", "status"))
ROLE_WORDS = {Role.COUNSELOR: "a counselor", Role.SUPERVISOR: "a supervisor", Role.ADMIN: "an admin"}


problem_sentence = refusal_sentence


def who(member: Staff) -> str:
    """"Jamie Doe (jdoe)", or just "jdoe" when that is also the name."""
    if member.display_name == member.user:
        return member.user
    return f"{member.display_name} ({member.user})"


@dataclass(frozen=True)
class StaffView:
    members: tuple[Staff, ...]
    me: Staff | None
    clinic: str
    today: date


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
        "Admins: a adds a member, r changes the highlighted member's role, n changes the name "
        "shown for them (records keep the account), x deactivates them (they can no longer open the clinic, "
        "and their laptop locks at its next sync; their notes and audit entries stay), u "
        "reactivates a deactivated member. The clinic always keeps at least one active admin. "
        "Every change is in the audit log.\n"
        "Others see the list read-only. The same changes are on the command line: "
        "facilitator staff add|set-role|rename|deactivate|reactivate."
    )

    BINDINGS: ClassVar = [
        Binding("a", "add", "Add", id="staff.add", tooltip="Add a staff member (admins)"),
        Binding("r", "role", "Role", id="staff.role",
                tooltip="Change the highlighted member's role (admins)"),
        Binding("n", "rename", "Name", id="staff.rename",
                tooltip="Change the name shown for the highlighted member (admins)"),
        Binding("x", "deactivate", "Deactivate", id="staff.deactivate",
                tooltip="Stop the highlighted member from opening the clinic (admins)"),
        Binding("u", "reactivate", "Reactivate", id="staff.reactivate",
                tooltip="Let the highlighted deactivated member open the clinic again (admins)"),
        # Not in the footer (five actions fill 80 columns); F1 lists it, as escape is everywhere.
        Binding("escape", "back", "Home", id="staff.back", tooltip="Back to the home screen", show=False),
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
        for label, key in COLUMNS:
            table.add_column(label, key=key)
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
            note = "a add · r role · n name · x deactivate · u reactivate · all audited."
        else:
            role = ROLE_WORDS.get(me.role, str(me.role)) if me else "not a staff member"
            note = f"You are {role}: only admins change staff, so this list is read-only."
        self.query_one("#staff-note", Label).update(note)
        table = self.query_one(DataTable)
        current = self.highlighted_user
        rows = []
        for member in result.members:
            you = " (you)" if member.user == self.facilitator.user else ""
            rows.append((member.user, (member.user + you, member.display_name, str(member.role),
                                       "active" if member.active else "deactivated")))
        put_rows(table, COLUMNS, rows)
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

    def highlighted(self) -> Staff | None:
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
            from facilitator.store.staff import may_change_staff
            may_change_staff(self.facilitator.data)
        except FAILURE as problem:
            self.say(problem_sentence(problem), error=True)
            return False
        return True

    # -- actions ---------------------------------------------------------------------------
    def action_add(self) -> None:
        if not self.may_change():
            return
        from facilitator.store.staff import add_staff

        def save(user: str, name: str, role: str) -> Staff:
            known = {m.user: m for m in self.view.members} if self.view else {}
            if user.strip() in known:   # the store says so too, in command-line words
                member = known[user.strip()]
                state = "" if member.active else " (deactivated)"
                raise InputError(f"{member.user} is already on the staff list{state}", field="USER")
            return add_staff(self.facilitator.data, user, name, role)

        def done(member: Staff | None) -> None:
            if member is not None:
                self.say(f"Added {member.user} ({member.display_name}) as {ROLE_WORDS[member.role]}.")
                self.reload()

        self.app.push_screen(AddStaffModal(save), done)

    def action_role(self) -> None:
        member = self.highlighted()
        if member is None or not self.may_change():
            return
        if not member.active:
            self.say(f"{member.user} is deactivated; reactivate them first (u).", error=True)
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
            except FAILURE as problem:
                self.say(problem_sentence(problem), error=True)
                return
            self.say(f"{member.user} can no longer open the clinic.")
            self.reload()

        self.app.push_screen(ConfirmScreen(
            f"Deactivate {who(member)}?",
            "They will no longer be able to open the clinic. Their notes and audit entries stay."),
            answer)

    def action_rename(self) -> None:
        member = self.highlighted()
        if member is None or not self.may_change():
            return
        from facilitator.store.staff import rename

        def done(name: str | None) -> None:
            if name is not None:
                self.say(f"{member.user} is now shown as {name}.")
                self.reload()

        self.app.push_screen(RenameModal(who(member), member.display_name,
                                         lambda name: rename(self.facilitator.data, member.user, name)),
                             done)

    def action_reactivate(self) -> None:
        member = self.highlighted()
        if member is None or not self.may_change():
            return
        if member.active:
            self.say(f"{member.user} is active; only a deactivated member can be reactivated.", error=True)
            return
        from facilitator.store.staff import reactivate
        from facilitator.tui.widgets.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                reactivate(self.facilitator.data, member.user)
            except FAILURE as problem:
                self.say(problem_sentence(problem), error=True)
                return
            self.say(f"{member.user} can open the clinic again, as {ROLE_WORDS[member.role]}.")
            self.reload()

        self.app.push_screen(ConfirmScreen(
            f"Reactivate {who(member)}?",
            f"They will be able to open the clinic again as {ROLE_WORDS[member.role]}; a laptop "
            f"locked at a sync opens after its next sync."), answer)

    def action_back(self) -> None:
        """Escape goes home from every screen (two presses at most from a dialog on top)."""
        to_base(self.app)
