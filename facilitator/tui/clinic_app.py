"""The app as its screens see it: the clinic's data, the clock, the user, and the helpers
screens share.

Screens and widgets type ``self.app`` as ``ClinicApp`` and never import ``facilitator.tui.app``,
which imports them: ``FacilitatorApp`` (app.py) adds the screens, the palette, the lock and
the crash handling on top of this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.filter import LineFilter

from facilitator.store.identity import Clock
from facilitator.tui.terminal import TerminalSafe
from facilitator.tui.writes import Writes

if TYPE_CHECKING:
    from datetime import date

    from facilitator.core.clinic import Staff
    from facilitator.store.datadir import ClinicSnapshot, DataDir
    from facilitator.store.plans import PlanLibrary
    from facilitator.store.running import RunningSession


class ClinicApp(App[None]):
    """One clinic data directory, opened as ``user``, with an injected ``clock``."""

    def __init__(self, data: DataDir, *, clock: Clock, user: str) -> None:
        super().__init__()
        self.data = data
        self.clock = clock
        self.user = user
        self._plans: PlanLibrary | None = None
        self._plan_titles: dict[str, str | None] = {}
        self._terminal_safe = TerminalSafe()
        self.writes = Writes(self)      # the screens' store writes, off the loop, in order (tui/writes.py)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then one that keeps every control character and direction
        override in the clinic's data off the terminal (tui/terminal.py)."""
        return [*super().get_line_filters(), self._terminal_safe]

    def running_at_launch(self) -> RunningSession | None:
        """The session this user left running (``FacilitatorApp``'s lock may have just looked)."""
        from facilitator.store.running import find_running
        return find_running(self.data)

    def notify(self, message: str, *, markup: bool = False, **kwargs: Any) -> None:
        """A toast that shows ``message`` as written: like every widget of the app
        (tui/widgets/plain.py), never read as markup, whatever a caller passes; a message
        can hold a name, and a name may hold "[/]"."""
        super().notify(message, markup=False, **kwargs)

    def save_typing(self) -> None:
        """Save now what was typed and not yet saved (a note, a client's line, a group note
        autosave about a second after typing stops): before the app exits, whatever ends it
        (q, ctrl+q, a hang-up: all go through ``exit``), on ctrl+c and before the idle lock.
        Each screen that holds typing has a ``save_typing``; a store refusal is shown by it."""
        from textual.css.query import NoMatches
        for screen in list(self.screen_stack):
            saver = getattr(screen, "save_typing", None)
            if saver is None or not screen.is_mounted:
                continue
            try:
                saver()
            except NoMatches:        # a screen still being built: nothing typed in it yet
                pass

    async def on_event(self, event: Any) -> None:
        from textual import events
        if isinstance(event, events.Key) and event.key == "ctrl+c":
            self.save_typing()       # in a text box ctrl+c copies; either way, typing is kept
        await super().on_event(event)

    def on_writes_answered(self, message: Writes.Answered) -> None:
        """A queued store write has run: its screen's refresh, or its failure shown."""
        self.writes.answered(message)

    def exit(self, result: Any = None, return_code: int = 0, message: Any = None) -> None:
        """Save what was typed, wait (bounded) for every queued write, then end."""
        try:
            self.save_typing()
            self.writes.drain()
        finally:                     # whatever saving did, the app still ends
            super().exit(result, return_code, message)

    def action_help_quit(self) -> None:
        """ctrl+c: Textual's own says "Press [b]ctrl+q[/b] …" with markup, which this app's
        toasts never read; say it plainly, naming the key that quits on every screen. What
        was typed is saved first (a ctrl+c is often someone about to pull the plug)."""
        self.save_typing()
        self.notify("Press ctrl+q to quit facilitator.",
                    title="Do you want to quit?")

    # -- data helpers for screens ---------------------------------------------------------
    def snapshot(self) -> ClinicSnapshot:
        """The clinic file now; raises ``DamagedFile`` (or ``FileNotFoundError``)."""
        snapshot = self.data.snapshot()
        self.title = snapshot.settings.name
        return snapshot

    def today(self, snapshot: ClinicSnapshot) -> date:
        return self.clock().astimezone(snapshot.settings.tz).date()

    def me(self, snapshot: ClinicSnapshot) -> Staff | None:
        return snapshot.staff.get(self.user)

    @property
    def plans(self) -> PlanLibrary:
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

    # -- navigation (FacilitatorApp knows the screens) ---------------------------------------
    def action_go(self, name: str) -> None:
        raise NotImplementedError

    def action_refresh_data(self) -> None:
        self._plans = None
        self._plan_titles = {}
        refresh = getattr(self.screen, "reload", None)
        if callable(refresh):
            refresh()
