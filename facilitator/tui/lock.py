"""The idle lock (HIPAA automatic logoff, 45 CFR 164.312(a)(2)(iii)).

``IdleLock`` is a part ``FacilitatorApp`` holds (``app.idle_lock``); the app's input, mount
and action hooks call it. It

- notes the time (from the app's injected ``clock``) of every key, mouse and paste event
  the app receives (``App.on_event`` sees each input event first, before it is forwarded
  to the screen);
- once a second compares that time with the clock: after the clinic's ``idle_minutes``
  (``session_idle_minutes`` while a session screen is on the stack with its session
  running) with no input it pushes a ``LockScreen``. A key, click or paste that comes in the
  last ``DROP_BEFORE_LOCK_SECONDS`` before that (or once it is due) locks at once and is
  dropped: a PIN typed a moment early never reaches the screen below (issue #20);
- saves what was typed (``save_typing``) before it covers the screen; Nothing counts ticks, so a suspended laptop or
  a test's ``FakeClock`` jump locks at the next check;
- while locked refuses every app action but quit (``check_action``), so neither the
  command palette nor a priority key can reach a screen below.

It also guards the launch (``launch_gate``): the app opens behind the lock, on a blank
screen, when the account has no PIN yet (it chooses one before anything else shows: the
person who just started the program is the account's OS login), when it was left at the
lock screen (quit or killed while locked: a mark in ``pins.json``), or when one of its
sessions is running. Only a lock screen shown at launch may set a first PIN: a PIN cleared
while the screen is locked never lets someone at the keyboard choose a new one.

``LockScreen`` is an opaque full-screen modal: the screens below are not drawn at all
(Textual draws a lower screen only through a translucent background), toasts and tooltips
are hidden and notifications cleared. It shows the clinic name and asks the user's PIN, or,
when none is set, asks for a new one twice. PIN checks, rate limits and audits are in
``facilitator.store.pins``.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from facilitator.core.errors import InputError
from facilitator.core.rules import DEFAULT_IDLE_MINUTES, DEFAULT_SESSION_IDLE_MINUTES
from facilitator.tui.failures import FAILURE
from facilitator.tui.widgets.plain import Static

if TYPE_CHECKING:
    from collections.abc import Callable

    from facilitator.store.running import RunningSession
    from facilitator.tui.clinic_app import ClinicApp

IDLE_CHECK_SECONDS = 1.0
# Keys (and clicks, pastes) that arrive this close to the lock are dropped and lock at once:
# someone typing their PIN a moment before the lock shows must not tick picks (issue #20).
DROP_BEFORE_LOCK_SECONDS = 2.0
# ... and so are those in the first second of the lock it brought up (nobody has seen it yet):
# the rest of that early PIN is not counted as a wrong one. Real time, not the clinic clock.
DROP_AFTER_LOCK_SECONDS = 1.0
SETTINGS_REREAD_SECONDS = 60.0
LOCKED_TITLE = "Locked — enter your PIN"
# App actions that still run while locked (ctrl+q quits: that hides the data too).
# Tab and shift+tab move between the PIN boxes (setting a PIN needs both).
ALLOWED_WHILE_LOCKED = frozenset({"quit", "lock", "help_quit", "focus_next", "focus_previous"})


class IdleLock:
    """Idle tracking and locking: a part ``FacilitatorApp`` holds as ``app.idle_lock``, whose
    input, mount and action hooks call it (see the module docstring)."""

    # Class-wide switch; tests/tui/conftest.py turns it off for tests of other screens,
    # whose FakeClock jumps would otherwise lock them.
    enabled: ClassVar[bool] = True
    # How often the idle time is compared with the limit (real seconds); tests shorten it
    # to see a check run without waiting a real second.
    idle_check_seconds: ClassVar[float] = IDLE_CHECK_SECONDS
    # Keys this long after the one that locked are dropped too (real seconds); a test on a
    # busy machine, whose keys arrive slower than a person's, widens it.
    drop_after_lock_seconds: ClassVar[float] = DROP_AFTER_LOCK_SECONDS

    def __init__(self, app: ClinicApp, open_after_gate: Callable[[], None]) -> None:
        self.app = app
        self.open_after_gate = open_after_gate     # the launch gate's PIN was typed
        self.idle_since: datetime | None = None
        self.locked = False
        self.idle_minutes_cache = DEFAULT_IDLE_MINUTES
        self.session_idle_minutes_cache = DEFAULT_SESSION_IDLE_MINUTES
        self.dropping_until = 0.0        # time.monotonic(): keys before it are dropped (see above)
        self.clinic_name = "facilitator"
        self.read_at: float | None = None
        self.gate: str | None = None     # "first" or "locked" while the launch gate is up
        self.launch_running: tuple[RunningSession | None] | None = None

    # -- the launch gate -------------------------------------------------------------------
    def launch_gate(self) -> str | None:
        """Whether to open behind the lock: "first" (no PIN yet), "locked", or None."""
        if not self.enabled:
            return None
        from facilitator.store.pins import pins_of
        app = self.app
        try:
            doc = pins_of(app.data).user_doc(app.user)     # one read of pins.json
            if not (doc and doc.get("hash")):
                return "first"
            if doc.get("locked"):
                return "locked"
            from facilitator.store.running import find_running
            running = find_running(app.data)
            if running is not None:
                return "locked"
        except FAILURE:
            return "locked"        # the lock screen then says what it cannot read
        self.launch_running = (running,)    # no session running: resume_at_start need not look again
        return None

    def running_at_launch(self) -> RunningSession | None:
        """The session this user left running: the launch gate's look if it took one just
        now (reading today's session files twice cost start-up time), else a fresh one."""
        cached, self.launch_running = self.launch_running, None
        if cached is not None:
            return cached[0]
        from facilitator.store.running import find_running
        return find_running(self.app.data)

    def lock_at_launch(self) -> None:
        self.locked = True
        self.app.push_screen(LockScreen(self, first_launch=self.gate == "first"))

    # -- watching input ------------------------------------------------------------------
    def start(self) -> None:
        """At the app's mount: idle from now, the settings read, the check every idle_check_seconds."""
        self.idle_since = self.app.clock()
        self.read_idle_settings()
        self.app.set_interval(self.idle_check_seconds, self.check_idle_lock, name="idle-lock")

    def takes(self, event: events.Event) -> bool:
        """Whether the app passes ``event`` on; a key, click or paste that locks (or comes
        with one that did) is dropped: it never reaches a screen, never becomes data."""
        if isinstance(event, (events.Key, events.MouseEvent, events.Paste)):
            quitting = isinstance(event, events.Key) and event.key == "ctrl+q"
            if not quitting and time.monotonic() < self.dropping_until:
                return False          # typed with the one that locked: dropped too
            if self.lock_is_due(event):
                self.lock_now("idle")
                self.dropping_until = time.monotonic() + self.drop_after_lock_seconds
                return False
            self.note_activity()
        return True

    def lock_is_due(self, event: events.Event) -> bool:
        """Whether ``event`` (a key, a click, a paste) comes in the last
        ``DROP_BEFORE_LOCK_SECONDS`` before the lock, or after it is due but not yet shown."""
        if self.locked or not self.enabled or self.idle_since is None:
            return False
        if isinstance(event, events.MouseEvent) and not isinstance(event, (events.MouseDown, events.Click)):
            return False         # moving the mouse (or letting go of a button) only counts as activity
        if isinstance(event, events.Key) and event.key == "ctrl+q":
            return False         # quitting hides the data too
        idle = self.app.clock() - self.idle_since
        if idle < timedelta(0):
            return False
        limit = timedelta(minutes=self.idle_minutes_now())
        return idle >= limit - timedelta(seconds=DROP_BEFORE_LOCK_SECONDS)

    def idle_minutes_now(self) -> int:
        """The clinic's idle minutes, or its ``session-idle-minutes`` while a session runs on a
        screen of this app (read when the settings are read)."""
        if self.agenda_line() is not None:
            return self.session_idle_minutes_cache
        return self.idle_minutes_cache

    def agenda_line(self) -> str | None:
        """The running session's agenda clock (block and time left: no client data), from the
        session screen on the stack; None when no session runs here."""
        for screen in reversed(self.app.screen_stack):
            line = getattr(screen, "lock_agenda_line", None)
            if line is not None:
                try:
                    return line()
                except Exception:  # noqa: BLE001 - the lock must show whatever a screen does
                    return None
        return None

    def note_activity(self) -> None:
        self.idle_since = self.app.clock()

    def read_idle_settings(self) -> int:
        try:
            settings = self.app.data.settings()
        except Exception:  # noqa: BLE001 - a damaged clinic file must not stop the lock
            pass
        else:
            self.idle_minutes_cache = settings.idle_minutes
            self.session_idle_minutes_cache = settings.session_idle_minutes
            self.clinic_name = settings.name
        self.read_at = time.monotonic()
        return self.idle_minutes_now()

    def check_idle_lock(self) -> None:
        """Lock if the clinic's idle minutes have passed since the last input (by ``clock``)."""
        if self.locked:
            if not isinstance(self.app.screen, LockScreen):
                # Something was pushed over the lock (a dialog from a timer): cover it again.
                self.app.push_screen(LockScreen(self, first_launch=self.gate == "first"))
            return
        if not self.enabled:
            return
        now = self.app.clock()
        if self.idle_since is None or now < self.idle_since:  # the clock was set back
            self.idle_since = now
            return
        idle = now - self.idle_since
        if self.read_at is None or time.monotonic() - self.read_at > SETTINGS_REREAD_SECONDS:
            self.read_idle_settings()
        if idle >= timedelta(minutes=self.idle_minutes_now()):
            # Re-read first: an admin may have raised the limit since.
            if idle >= timedelta(minutes=self.read_idle_settings()):
                self.lock_now("idle")

    # -- locking ---------------------------------------------------------------------------
    def lock_now(self, reason: str = "manual") -> None:
        if self.locked:
            return
        app = self.app
        app.save_typing()          # what was typed is stored before the screen covers it
        self.locked = True
        app.clear_notifications()
        app.push_screen(LockScreen(self))
        try:
            from facilitator.store.pins import pins_of
            pins_of(app.data).set_left_locked(app.user, True)
        except FAILURE:
            pass
        try:
            app.data.record_audit("lock", f"staff:{app.user}", {"reason": reason})
        except FAILURE:
            pass  # the lock itself matters more than its audit line

    def unlocked(self) -> None:
        self.locked = False
        self.idle_since = self.app.clock()
        try:
            from facilitator.store.pins import pins_of
            pins_of(self.app.data).set_left_locked(self.app.user, False)
        except FAILURE:
            pass
        if self.gate is not None:
            self.gate = None
            self.app.call_later(self.open_after_gate)   # after the lock screen is dismissed

    def allows(self, action: str) -> bool:
        """Whether an app action may run: while locked, only those that hide the data too."""
        return not self.locked or action in ALLOWED_WHILE_LOCKED


class LockScreen(ModalScreen[None]):
    """Covers everything; unlocks with the user's PIN (or sets one on first use)."""

    DEFAULT_CSS = """
    LockScreen {
        align: center middle;
        background: $background;
    }
    LockScreen:ansi {
        background: ansi_default;
    }
    LockScreen ToastRack, LockScreen Tooltip {
        display: none;
    }
    LockScreen #lock-box {
        width: 64;
        max-width: 100%;
        height: auto;
        border: round $primary;
        background: $surface;
        padding: 1 2;
    }
    LockScreen #lock-clinic {
        text-style: bold;
        width: 1fr;
        content-align: center middle;
    }
    LockScreen #lock-title {
        width: 1fr;
        content-align: center middle;
        margin-bottom: 1;
    }
    LockScreen #lock-agenda {
        width: 1fr;
        content-align: center middle;
        color: $text-accent;
        display: none;
    }
    LockScreen #lock-agenda.-running {
        display: block;
    }
    LockScreen #lock-message {
        color: $text-warning;
        height: auto;
    }
    LockScreen #lock-hint {
        color: $text-muted;
        margin-top: 1;
    }
    """
    HELP_TITLE = "Locked"
    HOW_TO = ("The screen locked after the clinic's idle minutes (while a session runs, its "
              "session idle minutes), or with ctrl+l. A key pressed in the last 2 seconds before "
              "the lock is dropped, never applied. During a session the block and its time left "
              "show here. Type your PIN and press enter. ctrl+q quits facilitator.")
    AUTO_FOCUS = "#pin"

    def __init__(self, lock: IdleLock, *, first_launch: bool = False) -> None:
        super().__init__(id=None)
        self.idle_lock = lock    # not `lock`: Textual's own (an RLock)
        self.first_launch = first_launch      # only then may a first PIN be chosen here
        self.setting = False
        self.retry_at: datetime | None = None

    @property
    def facilitator(self) -> ClinicApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield Static(self.idle_lock.clinic_name, id="lock-clinic", markup=False)
            yield Static(LOCKED_TITLE, id="lock-title", markup=False)
            yield Static("", id="lock-who", markup=False)
            yield Static("", id="lock-agenda", markup=False)
            yield Input(password=True, restrict=r"[0-9]*", max_length=12, placeholder="PIN", id="pin")
            yield Input(password=True, restrict=r"[0-9]*", max_length=12,
                        placeholder="the same PIN again", id="pin2")
            yield Static("", id="lock-message", markup=False)
            yield Static("enter: unlock · ctrl+q: quit facilitator", id="lock-hint", markup=False)

    def on_mount(self) -> None:
        self._refresh_mode()
        self._show_agenda()
        self.set_interval(1.0, self._tick, name="lock-countdown")

    def _show_agenda(self) -> None:
        """During a running session: its agenda clock (the block, the time left), so the
        counselor can keep time without unlocking. No client data."""
        line = self.idle_lock.agenda_line()
        shown = self.query_one("#lock-agenda", Static)
        shown.update(line or "")
        shown.set_class(bool(line), "-running")

    def on_screen_resume(self) -> None:
        if not self.idle_lock.locked:  # unlocked on a lock screen above this one
            self.dismiss()

    # -- state -----------------------------------------------------------------------------
    def _pins(self):
        from facilitator.store.pins import pins_of
        return pins_of(self.facilitator.data)

    def _refresh_mode(self) -> None:
        app = self.facilitator
        who = self.query_one("#lock-who", Static)
        try:
            pins = self._pins()
            has_pin = pins.has_pin(app.user)
            self.setting = not has_pin and self.first_launch
            self.retry_at = pins.retry_at(app.user) if has_pin else None
        except FAILURE as err:
            self._say(f"The PIN file cannot be read: {_sentence(err)} ctrl+q quits.")
            self._enable(False)
            return
        self.query_one("#pin2", Input).display = self.setting
        if not has_pin and not self.setting:
            # Cleared while locked: whoever is at the keyboard may not choose a new one here.
            who.update(f"The PIN of {app.user} was cleared. ctrl+q quits; start facilitator "
                       f"again to choose a new one.")
            self._enable(False)
            return
        if self.setting:
            who.update(f"No PIN is set for {app.user} yet: choose one ({4}–{12} digits) "
                       f"and type it twice. It unlocks this screen from now on.")
            self.query_one("#pin", Input).placeholder = "new PIN"
        else:
            who.update(f"Unlocks for {app.user} only.")
            self.query_one("#pin", Input).placeholder = "PIN"
        self._show_wait()

    def _say(self, text: str) -> None:
        self.query_one("#lock-message", Static).update(text)

    def _enable(self, enabled: bool) -> None:
        for box in self.query(Input):
            box.disabled = not enabled
        if enabled:
            self.query_one("#pin", Input).focus()

    def _show_wait(self) -> bool:
        """Show the wait if one is running (and disable the PIN box); True if waiting."""
        if self.retry_at is None:
            return False
        left = int((self.retry_at - self.facilitator.clock()).total_seconds() + 0.999)
        if left <= 0:
            self.retry_at = None
            self._say("You may try your PIN again.")
            self._enable(True)
            return False
        self._say(f"Too many wrong PINs: try again in {left} s.")
        self._enable(False)
        return True

    def _tick(self) -> None:
        self._show_wait()
        self._show_agenda()

    # -- input -----------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.setting:
            if event.input.id == "pin":
                self.query_one("#pin2", Input).focus()
                return
            self._set_pin()
        else:
            self._check_pin()

    def _clear(self) -> None:
        for box in self.query(Input):
            box.value = ""
        self.query_one("#pin", Input).focus()

    def _set_pin(self) -> None:
        from facilitator.store.pins import set_first_pin
        if not self.setting:        # only the first-launch gate chooses a PIN
            return
        first = self.query_one("#pin", Input).value
        second = self.query_one("#pin2", Input).value
        try:
            set_first_pin(self.facilitator.data, first, second)
        except InputError as err:
            self._clear()
            self._say(f"{err.message[:1].upper()}{err.message[1:]}.")
            if "already set" in err.message:
                self._refresh_mode()
            return
        except FAILURE as err:
            self._clear()
            self._say(f"The PIN could not be saved: {_sentence(err)}")
            return
        self._unlock()

    def _check_pin(self) -> None:
        from facilitator.store.pins import Outcome, try_unlock
        if self._show_wait():
            return
        pin = self.query_one("#pin", Input).value
        self._clear()
        try:
            attempt = try_unlock(self.facilitator.data, pin)
        except FAILURE as err:
            self._say(f"The PIN could not be checked: {_sentence(err)}")
            return
        if attempt.outcome is Outcome.OK:
            self._unlock()
        elif attempt.outcome is Outcome.NO_PIN:
            self._refresh_mode()
        else:
            self.retry_at = attempt.retry_at
            if not self._show_wait():
                self._say(f"Wrong PIN ({attempt.failures} wrong in a row).")

    def _unlock(self) -> None:
        self.idle_lock.unlocked()
        self.dismiss()


def _sentence(err: BaseException) -> str:
    from facilitator.errors import explain
    return explain(err)[1]
