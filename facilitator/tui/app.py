"""The Textual app shell: one ``make_app`` used by the CLI, the tests and the snapshots.

Nothing here opens a file at import time, and screens are imported when first shown.

Adding a screen:
1. write ``facilitator/tui/<name>.py`` with one ``Screen`` subclass (its own ``BINDINGS``
   with ids, and a ``HOW_TO`` string for F1 help);
2. add ``"<name>": "facilitator.tui.<name>:<Class>"`` to ``SCREENS_BY_NAME``;
3. add a ``PaletteCommand("Go to …", "…", "app.go('<name>')")`` to ``PALETTE_COMMANDS``
   (and a key binding if it deserves one).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from facilitator.store.identity import Clock
from facilitator.tui.lock import IdleLockMixin
from facilitator.tui.palette import PaletteCommand, FacilitatorCommands

if TYPE_CHECKING:
    from datetime import date

    from facilitator.core.clinic import Staff
    from facilitator.store.datadir import ClinicSnapshot, DataDir
    from facilitator.store.plans import PlanLibrary

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"

# name -> "module:Class"; imported lazily by ``FacilitatorApp.go``.
SCREENS_BY_NAME: dict[str, str] = {
    "home": "facilitator.tui.home:HomeScreen",
    "weekly": "facilitator.tui.weekly:WeeklyScreen",
    "review": "facilitator.tui.review:ReviewScreen",
    "session": "facilitator.tui.session:SessionScreen",
    "staff": "facilitator.tui.staff:StaffScreen",
    "settings": "facilitator.tui.settings:SettingsScreen",
}

PALETTE_COMMANDS: tuple[PaletteCommand, ...] = (
    PaletteCommand("Go home", "Today's groups and the roster", "app.go('home')"),
    PaletteCommand("Go to weekly hours", "Each client's hours this week: met, at-risk, below (w)",
                   "app.go('weekly')"),
    PaletteCommand("Go to notes to review", "Notes missing, unsigned or not co-signed (v)",
                   "app.go('review')"),
    PaletteCommand("Go to the running session", "Back to the session in progress",
                   "app.go('session')"),
    PaletteCommand("Start a session", "Choose any group and any plan, start or resume it",
                   "app.start_session"),
    PaletteCommand("Staff", "Who may open the clinic, and their roles; admins add, change, deactivate",
                   "app.go('staff')"),
    PaletteCommand("Clinic settings", "Group-size cap, idle lock minutes, bell, first day of the week",
                   "app.go('settings')"),
    PaletteCommand("Hide client names (privacy)", "Blank every client name and note on the "
                   "session screen until pressed again (F9)", "screen.toggle_privacy"),
    PaletteCommand("Toggle light/dark theme", "Switch between the dark and the light theme",
                   "app.toggle_theme"),
    PaletteCommand("Help", "The keys of this screen and how to use it (F1)", "app.help"),
    PaletteCommand("Refresh", "Read the clinic's data again now", "app.refresh_data"),
    PaletteCommand("Lock now", "Hide the screen until your PIN is typed (ctrl+l)", "app.lock"),
    PaletteCommand("Quit", "Close facilitator", "app.quit"),
)


class FacilitatorApp(IdleLockMixin, App[None]):
    """The counselor's and supervisor's terminal app for one clinic data directory."""

    CSS_PATH = "app.tcss"
    TITLE = "facilitator"
    # Only our own commands: the system ones offer "Screenshot", which would write
    # client data to the working directory, and a theme picker with unreadable themes.
    COMMANDS: ClassVar = {FacilitatorCommands}
    BINDINGS: ClassVar = [
        Binding("f1", "help", "Help", id="app.help", tooltip="Keys of this screen and how to use it"),
        # Shown in the footer only on home (HomeScreen repeats them); every screen lists them
        # under F1, so an 80-column footer always has room for "f1 Help".
        Binding("t", "toggle_theme", "Theme", id="app.theme", tooltip="Switch light/dark theme",
                show=False),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Close facilitator", show=False),
        Binding("w", "go('weekly')", "Weekly", id="app.weekly", tooltip="Each client's hours this week",
                show=False),
        Binding("v", "go('review')", "Review", id="app.review",
                tooltip="Notes missing, unsigned or not co-signed", show=False),
        Binding("ctrl+l", "lock", "Lock", id="app.lock", tooltip="Lock the screen now (idle lock)",
                show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", id="app.quit_ctrl", tooltip="Close facilitator",
                show=False, priority=True),
    ]

    def __init__(self, data: "DataDir", *, clock: Clock, user: str) -> None:
        super().__init__()
        self.data = data
        self.clock = clock
        self.user = user
        self._plans: "PlanLibrary | None" = None
        self._plan_titles: dict[str, str | None] = {}
        self._crash: BaseException | None = None
        self.theme = DARK_THEME

    # -- crashes: one sentence, never Textual's traceback ---------------------------------
    # Textual prints an unhandled error with ``show_locals=True``: the local variables of
    # every frame, which hold client names and note text. These two overrides of Textual's
    # (private) hooks keep its exit behaviour and replace only what is printed.
    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        from rich.text import Text

        from facilitator.errors import explain

        _, sentence = explain(self._crash) if self._crash else (1, "facilitator stopped on an error.")
        self.bell()
        self._exit_renderables.append(Text(sentence + " Your work up to the last change was saved."))
        self._close_messages_no_wait()

    # -- data helpers for screens ---------------------------------------------------------
    def snapshot(self) -> "ClinicSnapshot":
        """The clinic file now; raises ``DamagedFile`` (or ``FileNotFoundError``)."""
        snapshot = self.data.snapshot()
        self.title = snapshot.settings.name
        return snapshot

    def today(self, snapshot: "ClinicSnapshot") -> "date":
        return self.clock().astimezone(snapshot.settings.tz).date()

    def me(self, snapshot: "ClinicSnapshot") -> "Staff | None":
        return snapshot.staff.get(self.user)

    @property
    def plans(self) -> "PlanLibrary":
        if self._plans is None:
            from facilitator.store.plans import PlanLibrary, shipped_plans_dir
            self._plans = PlanLibrary.load(shipped_plans_dir(), self.data.plans_dir)
        return self._plans

    def plan_title(self, plan_id: str | None) -> str | None:
        if not plan_id:
            return None
        if self._plans is None:
            # Only this plan's file: loading the whole library for the home screen's
            # titles cost ~6 ms of every start (benchmark figure 1).
            if plan_id not in self._plan_titles:
                from facilitator.store.plans import load_one_plan, shipped_plans_dir
                plan = load_one_plan(plan_id, shipped_plans_dir(), self.data.plans_dir)
                self._plan_titles[plan_id] = plan.title if plan else None
            return self._plan_titles[plan_id]
        plan = self._plans.plans.get(plan_id)
        return plan.title if plan else None

    # -- screens ---------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return self._make_screen("home")

    def _make_screen(self, name: str) -> Screen:
        module_name, _, class_name = SCREENS_BY_NAME[name].partition(":")
        return getattr(import_module(module_name), class_name)()

    def action_go(self, name: str) -> None:
        """Show screen ``name``: pop back to it if it is on the stack, else push it."""
        if getattr(self.screen, "privacy", False):
            # Names are hidden because a client can see the screen: every other screen shows them.
            self.notify("Client names are hidden (F9). Show them first to leave this screen.",
                        title="Privacy", severity="warning", markup=False)
            return
        module_name, _, class_name = SCREENS_BY_NAME[name].partition(":")
        for index, screen in enumerate(self.screen_stack):
            if type(screen).__name__ == class_name and type(screen).__module__ == module_name:
                while len(self.screen_stack) > index + 1:
                    self.pop_screen()
                return
        self.push_screen(self._make_screen(name))

    # -- actions ---------------------------------------------------------------------------
    def palette_commands(self) -> tuple[PaletteCommand, ...]:
        return PALETTE_COMMANDS

    def on_mount(self) -> None:
        from facilitator.tui.session_start import resume_at_start
        resume_at_start(self)

    def action_start_session(self) -> None:
        from facilitator.tui.session_start import choose_session
        choose_session(self)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    def action_help(self) -> None:
        from facilitator.tui.help import HelpScreen
        screen = self.screen
        if isinstance(screen, HelpScreen):
            screen.dismiss()
            return
        self.push_screen(HelpScreen.for_screen(screen))

    def action_refresh_data(self) -> None:
        self._plans = None
        self._plan_titles = {}
        refresh = getattr(self.screen, "reload", None)
        if callable(refresh):
            refresh()


def make_app(data: "DataDir", *, clock: Clock | None = None, user: str | None = None) -> FacilitatorApp:
    """The app for ``data``, as ``user`` (default ``data.user``) with ``clock`` (default ``data.clock``)."""
    return FacilitatorApp(data, clock=clock or data.clock, user=user or data.user)
