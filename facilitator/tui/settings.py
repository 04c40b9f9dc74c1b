"""The clinic settings screen: the group size limit, the idle lock, the bell, the week's start.

Everyone sees the settings; only admins save changes (the store enforces it and audits a
refused attempt). Typed values go through the same parsers as ``facilitator settings
set``, so a bad one gets the same sentence, shown under the form, and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Select, Switch

from facilitator.core.clinic import WEEK_STARTS
from facilitator.core.errors import InputError
from facilitator.core.rules import Role
from facilitator.store.settings import (
    FIELDS,
    MAX_END_GRACE_MINUTES,
    MAX_GROUP_CAP,
    MAX_IDLE_MINUTES,
    MAX_PLAN_REVIEW_DAYS,
    parse_value,
)
from facilitator.tui.failures import FAILURE
from facilitator.tui.live import LiveScreen
from facilitator.tui.lock import IdleLock
from facilitator.tui.navigation import to_base
from facilitator.tui.staff import ROLE_WORDS, problem_sentence
from facilitator.tui.widgets.header import ClinicHeader
from facilitator.tui.widgets.plain import Label, Static
from facilitator.tui.widgets.problem import ProblemPanel

if TYPE_CHECKING:
    from facilitator.core.clinic import ClinicSettings, Staff

# The form's fields: (setting key, label, hint).
FORM: tuple[tuple[str, str, str], ...] = (
    ("group-cap", "Group size limit", f"warns when more attend (1–{MAX_GROUP_CAP})"),
    ("idle-minutes", "Idle lock", f"minutes with no input before the lock (1–{MAX_IDLE_MINUTES})"),
    ("bell", "Bell", "rings a minute before a block ends"),
    ("week-start", "Week starts on", "for weekly hours and reports"),
    ("plan-review-days", "Plan review", f"days between recovery-plan reviews (1–{MAX_PLAN_REVIEW_DAYS})"),
    ("end-grace-minutes", "End grace", f"minutes past the end before E asks (0–{MAX_END_GRACE_MINUTES})"),
    ("session-idle-minutes", "Idle in session", f"idle lock while a session runs (1–{MAX_IDLE_MINUTES})"),
)
LABELS = {key: label for key, label, _ in FORM}


@dataclass(frozen=True)
class SettingsView:
    settings: ClinicSettings
    me: Staff | None
    today: date


class SettingsScreen(LiveScreen):
    """The clinic's settings as a small form; ctrl+s saves the changed ones."""

    DEFAULT_CSS = """
    SettingsScreen #settings-form {
        height: auto;
        padding: 0 1;
    }
    SettingsScreen .settings-row {
        height: 1;
        margin-bottom: 1;
    }
    SettingsScreen .settings-row:last-child {
        margin-bottom: 0;
    }
    SettingsScreen .settings-label {
        width: 17;
    }
    SettingsScreen .settings-value {
        width: 1fr;
    }
    SettingsScreen .settings-row Input, SettingsScreen .settings-row Select {
        width: 14;
    }
    SettingsScreen #bell-state {
        width: 5;
        padding-left: 1;
    }
    SettingsScreen .settings-row Switch {
        width: 9;
        height: 1;
        border: none;
        padding: 0;
    }
    SettingsScreen .settings-row Switch:focus {
        border: none;
    }
    /* Compact fields barely change when focused: mark the focused one's label. */
    SettingsScreen .settings-row.-current > .settings-label {
        text-style: bold reverse;
    }
    SettingsScreen .settings-hint {
        width: 1fr;
        padding-left: 2;
        color: $text-muted;
    }
    SettingsScreen #settings-note {
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
    }
    SettingsScreen #settings-message {
        width: 1fr;
        height: auto;
        padding: 0 1;
    }
    SettingsScreen #settings-message.-error {
        color: $text-error;
    }
    SettingsScreen #settings-message.-done {
        color: $text-success;
    }
    """

    HELP_TITLE = "Clinic settings"
    HOW_TO = (
        "The group size limit makes the session screen warn (never refuse) when more clients "
        "attend. The idle lock hides client data after that many minutes with no key pressed. "
        "The bell rings one minute before an agenda block ends (the cue on screen shows "
        "either way). The week's first day sets the weeks of the weekly hours and reports.\n"
        "Tab moves between fields, space toggles the bell, enter or ctrl+s saves; escape "
        "leaves without saving. Only admins can save; every change is in the audit log.\n"
        "ctrl+o adds a closure (a snow day) for the whole clinic or one group: no meeting "
        "that day, and the week's required hours prorate as for a holiday. ctrl+g changes a "
        "group's schedule from a date on (earlier weeks keep the old one); ctrl+t ends a "
        "group after a day (it asks first; held sessions are kept).\n"
        "End grace: a session still running this many minutes after its scheduled end was "
        "left running; it is not continued, and E asks when it really ended.\n"
        "Idle in session: the idle lock's minutes while a session runs (a group's blocks are "
        "long and the counselor is talking, not typing); the lock then shows only the agenda "
        "clock.\n"
        "The clinic name and time zone change on the command line: facilitator settings set "
        "name|timezone VALUE."
    )

    BINDINGS: ClassVar = [
        Binding("ctrl+s", "save", "Save", id="settings.save", tooltip="Save the changed settings (admins)"),
        Binding("ctrl+o", "closure", "Closure", id="settings.closure",
                tooltip="Close the clinic or one group on a day, e.g. a snow day (admins)"),
        Binding("ctrl+g", "schedule", "Schedule", id="settings.schedule",
                tooltip="Change a group's days, start, minutes or plan from a date on (admins)"),
        Binding("ctrl+t", "end_group", "End group", id="settings.end_group", show=False,
                tooltip="End a group after a day: it meets no more (admins; asks first)"),
        Binding("escape", "back", "Back", id="settings.back", tooltip="Leave without saving"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: SettingsView | None = None

    def compose(self) -> ComposeResult:
        yield ClinicHeader()
        yield Label("Clinic settings", classes="section-title", id="settings-title")
        yield Label("", id="settings-note", markup=False)
        yield ProblemPanel(id="problem")
        with Vertical(id="settings-form"):
            with Horizontal(classes="settings-row"):
                yield Label("Clinic", classes="settings-label")
                yield Label("", id="settings-name", classes="settings-value", markup=False)
            with Horizontal(classes="settings-row"):
                yield Label("Time zone", classes="settings-label")
                yield Label("", id="settings-timezone", classes="settings-value", markup=False)
            for key, label, hint in FORM:
                with Horizontal(classes="settings-row"):
                    yield Label(label, classes="settings-label")
                    yield self._control(key)
                    if key == "bell":
                        yield Label("off", id="bell-state")
                    yield Label(hint, classes="settings-hint")
            with Horizontal(classes="settings-row"):
                yield Label("Levels of care", classes="settings-label")
                yield Label("", id="settings-levels", classes="settings-value", markup=False)
        yield Static("", id="settings-message", markup=False)
        yield Footer()

    @staticmethod
    def _control(key: str) -> Any:
        if key == "bell":
            return Switch(id="bell", animate=False)
        if key == "week-start":
            return Select([(day, day) for day in WEEK_STARTS], allow_blank=False, compact=True,
                          id="week-start")
        return Input(id=key, compact=True, type="integer", max_length=3)

    def on_mount(self) -> None:
        self.query_one("#group-cap", Input).focus()

    # -- reading (worker thread) ---------------------------------------------------------
    def view_key(self) -> int:
        return 0

    def span(self, key: int) -> tuple[date, date]:
        day = self.facilitator.clock().date()
        return day, day

    def compute(self, key: int) -> SettingsView:
        app = self.facilitator
        snapshot = app.data.snapshot()
        return SettingsView(snapshot.settings, app.me(snapshot), app.today(snapshot))

    # -- showing (main thread) -----------------------------------------------------------
    def show(self, key: int, result: SettingsView) -> None:
        dirty = self.view is not None and bool(self.changes())
        self.view = result
        settings, me, today = result.settings, result.me, result.today
        who = f"{me.display_name} ({me.role})" if me else f"{self.facilitator.user} (not staff)"
        self.app.title = settings.name
        self.query_one(ClinicHeader).show(settings.name, who, f"{today:%a} {today.day} {today:%b %Y}")
        self.query_one("#settings-name", Label).update(settings.name)
        self.query_one("#settings-timezone", Label).update(settings.timezone)
        self.query_one("#settings-levels", Label).update(
            ", ".join(f"{level} {hours:g} h" for level, hours in settings.levels_of_care.items()))
        if self.is_admin:
            note = "ctrl+s saves · escape leaves without saving · changes are audited."
        else:
            role = ROLE_WORDS.get(me.role, str(me.role)) if me else "not a staff member"
            note = f"You are {role}: only admins change settings, so this form is read-only."
        self.query_one("#settings-note", Label).update(note)
        for field_key, _, _ in FORM:
            self.query_one(f"#{field_key}").disabled = not self.is_admin
        if not self.is_admin:
            for row in self.query(".settings-row"):
                row.remove_class("-current")
        if not dirty:
            self.fill(settings)

    def fill(self, settings: ClinicSettings) -> None:
        """Put the stored values in the form (edits in progress are never overwritten)."""
        self.query_one("#group-cap", Input).value = str(settings.group_cap)
        self.query_one("#idle-minutes", Input).value = str(settings.idle_minutes)
        self.query_one("#bell", Switch).value = settings.bell
        self.query_one("#week-start", Select).value = settings.week_start
        self.query_one("#plan-review-days", Input).value = str(settings.plan_review_days)
        self.query_one("#end-grace-minutes", Input).value = str(settings.end_grace_minutes)
        self.query_one("#session-idle-minutes", Input).value = str(settings.session_idle_minutes)

    def show_problem(self, message: str | None) -> None:
        if message and self.view is not None:
            message += "\nThe settings below are as they were last read."
        self.query_one(ProblemPanel).show_problem(message)

    @property
    def is_admin(self) -> bool:
        me = self.view.me if self.view else None
        return me is not None and me.active and me.role is Role.ADMIN

    def typed(self) -> dict[str, str]:
        """The form's values as text, by setting key."""
        return {
            "group-cap": self.query_one("#group-cap", Input).value,
            "idle-minutes": self.query_one("#idle-minutes", Input).value,
            "bell": "on" if self.query_one("#bell", Switch).value else "off",
            "week-start": str(self.query_one("#week-start", Select).value),
            "plan-review-days": self.query_one("#plan-review-days", Input).value,
            "end-grace-minutes": self.query_one("#end-grace-minutes", Input).value,
            "session-idle-minutes": self.query_one("#session-idle-minutes", Input).value,
        }

    def changes(self) -> dict[str, str]:
        """Settings whose typed value differs from the stored one (as typed)."""
        if self.view is None:
            return {}
        stored = self.view.settings
        changed = {}
        for key, text in self.typed().items():
            try:
                value = parse_value(key, text)
            except InputError:
                changed[key] = text
                continue
            if value != getattr(stored, FIELDS[key]):
                changed[key] = text
        return changed

    def say(self, text: str, *, error: bool = False) -> None:
        message = self.query_one("#settings-message", Static)
        message.update(text)
        message.set_class(error, "-error")
        message.set_class(not error and bool(text), "-done")

    # -- actions ---------------------------------------------------------------------------
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # (:focus-within is not restyled when focus leaves, so a class marks the row.)
        for row in self.query(".settings-row"):
            row.set_class(event.widget in row.children, "-current")

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.query_one("#bell-state", Label).update("on" if event.value else "off")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        from facilitator.store.settings import change_settings, may_change_settings
        data = self.facilitator.data
        try:
            may_change_settings(data)          # a refusal is audited, whatever was typed
            values = {}
            for key, text in self.changes().items():
                try:
                    values[FIELDS[key]] = parse_value(key, text)
                except InputError as problem:
                    self.query_one(f"#{key}").focus()
                    raise InputError(f"{LABELS[key]}: {problem.message}") from None
            if not values:
                self.say("Nothing to save: no setting was changed.")
                return
            before = self.view.settings if self.view else None
            saved = change_settings(data, **values)
        except FAILURE as problem:      # what was typed stays in the form
            suffix = " Nothing was saved." if isinstance(problem, InputError) else ""
            self.say(problem_sentence(problem) + suffix, error=True)
            return
        self.fill(saved)
        if self.view is not None:
            self.view = SettingsView(saved, self.view.me, self.view.today)
        parts = [f"{LABELS[key].lower()} {_shown(getattr(saved, attr))}"
                 for key, attr in FIELDS.items() if attr in values and before is not None
                 and getattr(before, attr) != getattr(saved, attr)]
        self.say("Saved: " + ", ".join(parts) + "." if parts else "Nothing to save: no setting was changed.")
        # The idle lock re-reads the settings once a minute; take a new limit at once.
        idle_lock = getattr(self.app, "idle_lock", None)      # FacilitatorApp's (tui/lock.py)
        if isinstance(idle_lock, IdleLock):
            idle_lock.read_idle_settings()
        self.reload()

    def action_closure(self) -> None:
        """ctrl+o: a closure for the whole clinic or one group (admins; the store checks)."""
        from facilitator.core.parsing import parse_date
        from facilitator.store.groups import add_closure, may_change_groups
        from facilitator.tui.staff_modals import ClosureModal
        data = self.facilitator.data
        try:
            may_change_groups(data)               # a refusal is audited
            groups = sorted(data.snapshot().groups, key=str.casefold)
        except FAILURE as problem:
            self.say(problem_sentence(problem), error=True)
            return
        today = (self.view.today if self.view else self.facilitator.clock().date()).isoformat()

        def save(day: str, group: str | None, reason: str) -> object:
            return add_closure(data, parse_date(day, field="Date"), reason, group)

        def done(day: str | None) -> None:
            if day is not None:
                self.say(f"Closed on {day}; the week's required hours prorate as for a holiday.")
                self.reload()

        self.app.push_screen(ClosureModal(groups, today, save), done)

    def action_schedule(self) -> None:
        """ctrl+g: ``groups set`` as a dialog (admins; the store checks and audits)."""
        from facilitator.core.parsing import parse_date, parse_hhmm
        from facilitator.core.roster import parse_days
        from facilitator.store.groups import may_change_groups, set_schedule
        from facilitator.tui.staff_modals import ScheduleModal
        data = self.facilitator.data
        try:
            may_change_groups(data)               # a refusal is audited
            groups = sorted(data.snapshot().groups.values(), key=lambda g: g.name.casefold())
        except FAILURE as problem:
            self.say(problem_sentence(problem), error=True)
            return
        if not groups:
            self.say("No groups yet: an admin adds one with `facilitator groups add`.", error=True)
            return
        today = (self.view.today if self.view else self.facilitator.clock().date()).isoformat()

        def save(name: str, **typed: str) -> object:
            minutes = typed["minutes"].strip()
            if not minutes.isdigit():
                raise InputError(f"{minutes!r} is not a number of minutes (1-720)", field="Minutes")
            plan = typed["plan"].strip()
            plan_id = None if plan.lower() in ("", "none") else plan
            if plan_id is not None and plan_id not in self.facilitator.plans.plans:
                raise InputError(f"there is no session plan {plan_id!r}", field="Plan")
            return set_schedule(data, name, parse_date(typed["from"], field="From"),
                                days=parse_days(typed["days"], field="Days"),
                                start=parse_hhmm(typed["start"], field="Start"),
                                minutes=int(minutes), plan=plan_id)

        def done(name: str | None) -> None:
            if name is not None:
                self.say(f"Changed the schedule of {name}; earlier weeks keep the old one.")
                self.reload()

        self.app.push_screen(ScheduleModal(groups, today, save), done)

    def action_end_group(self) -> None:
        """ctrl+t: ``groups end`` as a dialog (admins; the store checks and audits)."""
        from facilitator.core.parsing import parse_date
        from facilitator.store.groups import end_group, may_change_groups
        from facilitator.tui.staff_modals import EndGroupModal
        data = self.facilitator.data
        try:
            may_change_groups(data)               # a refusal is audited
        except FAILURE as problem:
            self.say(problem_sentence(problem), error=True)
            return
        groups = sorted(data.snapshot().groups.values(), key=lambda g: g.name.casefold())
        if not groups:
            self.say("No groups yet: an admin adds one with `facilitator groups add`.", error=True)
            return
        today = (self.view.today if self.view else self.facilitator.clock().date()).isoformat()
        shown = [(g.name, f"{g.name} (last day {g.last_day})" if g.last_day else g.name) for g in groups]

        def check(typed: str) -> str:
            day = parse_date(typed, field="Last day")
            return f"{day:%a} {day.day} {day:%b %Y}"

        def done(name: str | None) -> None:
            if name is not None:
                self.say(f"Ended {name}: it meets no more after its last day.")
                self.reload()

        self.app.push_screen(EndGroupModal(shown, today, lambda name, typed: end_group(
            data, name, parse_date(typed, field="Last day")), check), done)

    def action_back(self) -> None:
        """Escape goes home from every screen (two presses at most from a dialog on top)."""
        to_base(self.app)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
