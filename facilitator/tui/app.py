"""The Textual app shell: one ``make_app`` used by the CLI, the tests and the snapshots.

Nothing here opens a file at import time. The home screen, shown at every start, is
imported plainly; the others load when first shown.

Adding a screen:
1. write ``facilitator/tui/<name>.py`` with one ``Screen`` subclass (its own ``BINDINGS``
   with ids, and a ``HOW_TO`` string for F1 help);
2. add a function returning that class (importing it inside) to ``SCREENS_BY_NAME``;
3. add a ``PaletteCommand("Go to …", "…", "app.go('<name>')")`` to ``PALETTE_COMMANDS``
   (and a key binding if it deserves one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen

from facilitator.store.identity import Clock
from facilitator.tui.clinic_app import ClinicApp
from facilitator.tui.home import HomeScreen
from facilitator.tui.lock import IdleLock
from facilitator.tui.palette import FacilitatorCommands, PaletteCommand

if TYPE_CHECKING:
    from textual import events

    from facilitator.store.datadir import DataDir
    from facilitator.store.running import RunningSession

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


def _weekly() -> type[Screen]:
    from facilitator.tui.weekly import WeeklyScreen
    return WeeklyScreen


def _review() -> type[Screen]:
    from facilitator.tui.review import ReviewScreen
    return ReviewScreen


def _session() -> type[Screen]:
    from facilitator.tui.session import SessionScreen
    return SessionScreen


def _staff() -> type[Screen]:
    from facilitator.tui.staff import StaffScreen
    return StaffScreen


def _settings() -> type[Screen]:
    from facilitator.tui.settings import SettingsScreen
    return SettingsScreen


# name -> a callable giving the screen's class. The five screens not shown at start cost
# ≈ 60 ms of imports together, so they load when first shown (tests/bench/README.md).
# Not Textual's SCREENS: it installs one instance per name that outlives being closed,
# while ``go`` gives a fresh screen each time (a weekly view reopened starts on this week).
SCREENS_BY_NAME: dict[str, Callable[[], type[Screen]]] = {
    "home": lambda: HomeScreen,
    "weekly": _weekly,
    "review": _review,
    "session": _session,
    "staff": _staff,
    "settings": _settings,
}

PALETTE_COMMANDS: tuple[PaletteCommand, ...] = (
    PaletteCommand("Go home", "Today's groups and the roster", "app.go('home')"),
    PaletteCommand("Go to weekly hours", "Each client's hours this week: met, at-risk, below (w)",
                   "app.go('weekly')"),
    PaletteCommand("Go to notes to review", "Notes missing, unsigned or not co-signed (v)",
                   "app.go('review')"),
    PaletteCommand("Go to the running session", "Back to the session in progress",
                   "app.go('session')"),
    PaletteCommand("Start a session", "Choose any group and any agenda, start or resume it",
                   "app.start_session"),
    PaletteCommand("Staff", "Who may open the clinic, and their roles; admins add, rename, change, "
                   "deactivate, reactivate", "app.go('staff')"),
    PaletteCommand("Clinic settings", "Group size limit, idle lock minutes, bell, first day of the week",
                   "app.go('settings')"),
    PaletteCommand("Add a closure (snow day)", "Close the clinic or one group on a day; the week's "
                   "hours prorate as for a holiday (admins; ctrl+o in clinic settings)", "app.add_closure"),
    PaletteCommand("Hide client names (privacy)", "Blank every client name and note on the "
                   "session screen until pressed again (F9)", "screen.toggle_privacy"),
    PaletteCommand("Toggle light/dark theme", "Switch between the dark and the light theme",
                   "app.toggle_theme"),
    PaletteCommand("Help", "The keys of this screen and how to use it (F1)", "app.help"),
    PaletteCommand("Refresh", "Read the clinic's data again now", "app.refresh_data"),
    PaletteCommand("Lock now", "Hide the screen until your PIN is typed (ctrl+l)", "app.lock"),
    PaletteCommand("Quit", "Close facilitator", "app.quit"),
)


class FacilitatorApp(ClinicApp):
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

    def __init__(self, data: DataDir, *, clock: Clock, user: str) -> None:
        super().__init__(data, clock=clock, user=user)
        self._crash: BaseException | None = None
        self.theme = DARK_THEME
        self.idle_lock = IdleLock(self, self.open_after_gate)   # tui/lock.py

    # -- the idle lock's hooks (tui/lock.py) ----------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        # App.on_event sees each input event first, before it is forwarded to the screen.
        if self.idle_lock.takes(event):
            await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.idle_lock.allows(action):
            return False
        return super().check_action(action, parameters)

    def action_lock(self) -> None:
        self.idle_lock.lock_now("manual")

    @property
    def is_locked(self) -> bool:
        return self.idle_lock.locked

    def running_at_launch(self) -> RunningSession | None:
        return self.idle_lock.running_at_launch()

    async def _on_resize(self, event: events.Resize) -> None:
        """A terminal that says it is vast (an ssh client's 65535×65535 window, or an in-band
        size report it typed) gets a screen of at most ``MAX_SIZE``: drawing the whole of it
        grew the host's app by ~350 MB/s (issue #21). Runs before Textual's own handler."""
        event.size = event.virtual_size = clamped_size(event.size)

    def run(self, **kwargs: Any) -> None:
        """Run in the terminal (``run_test`` is unchanged). First the objects made so far (the
        loaded code, the clinic's settings) leave the garbage collector's view for good
        (``gc.freeze``): they live as long as the process, and walking them again in every
        full collection cost ≈ 10 ms each, one of them before the first frame (benchmark
        figure 1, tests/bench/README.md)."""
        import gc
        gc.freeze()
        return super().run(**kwargs)

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

    # -- screens ---------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        self.idle_lock.gate = self.idle_lock.launch_gate()
        if self.idle_lock.gate is not None:
            return Screen(id="behind-the-lock")   # nothing of the clinic until the PIN (tui/lock.py)
        return HomeScreen()

    def open_after_gate(self) -> None:
        """The launch gate's PIN was typed: the home screen, or the running session."""
        from facilitator.tui.session_start import resume_at_start
        self.push_screen(HomeScreen())    # over the blank screen the gate opened on
        resume_at_start(self)

    def action_go(self, name: str) -> None:
        """Show screen ``name``: pop back to it if it is on the stack, else push it."""
        if getattr(self.screen, "privacy", False):
            # Names are hidden because a client can see the screen: every other screen shows them.
            self.notify("Client names are hidden (F9). Show them first to leave this screen.",
                        title="Privacy", severity="warning", markup=False)
            return
        screen_class = SCREENS_BY_NAME[name]()
        for index, screen in enumerate(self.screen_stack):
            if type(screen) is screen_class:
                while len(self.screen_stack) > index + 1:
                    self.pop_screen()
                return
        self.push_screen(screen_class())

    # -- actions ---------------------------------------------------------------------------
    def palette_commands(self) -> tuple[PaletteCommand, ...]:
        return PALETTE_COMMANDS

    def on_mount(self) -> None:
        from facilitator.tui.hangup import watch_terminal
        from facilitator.tui.session_start import resume_at_start
        watch_terminal(self)
        self.idle_lock.start()
        if self.idle_lock.gate is not None:
            self.idle_lock.lock_at_launch()
            return
        resume_at_start(self)

    def action_start_session(self) -> None:
        from facilitator.tui.session_start import choose_session
        choose_session(self)

    def action_add_closure(self) -> None:
        """The palette's "Add a closure": the clinic settings screen, with its closure dialog."""
        self.action_go("settings")
        from facilitator.tui.settings import SettingsScreen

        def open_dialog() -> None:
            if isinstance(self.screen, SettingsScreen):
                self.screen.action_closure()
        self.call_after_refresh(open_dialog)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.theme == DARK_THEME else DARK_THEME

    def action_help(self) -> None:
        from facilitator.tui.help import HelpScreen
        screen = self.screen
        if isinstance(screen, HelpScreen):
            screen.dismiss()
            return
        self.push_screen(HelpScreen.for_screen(screen))


MAX_SIZE = Size(400, 150)     # columns, rows: the largest screen the app draws


def clamped_size(size: Size) -> Size:
    """``size`` cut to ``MAX_SIZE`` (a smaller terminal is left as it is)."""
    return Size(max(1, min(size.width, MAX_SIZE.width)), max(1, min(size.height, MAX_SIZE.height)))


def make_app(data: DataDir, *, clock: Clock | None = None, user: str | None = None) -> FacilitatorApp:
    """The app for ``data``, as ``user`` (default ``data.user``) with ``clock`` (default ``data.clock``)."""
    return FacilitatorApp(data, clock=clock or data.clock, user=user or data.user)
