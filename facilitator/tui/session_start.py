"""Starting, resuming and choosing a session from anywhere in the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.session import SessionState
from facilitator.store.files import DamagedFile, StoreBusy
from facilitator.store.running import start_session

if TYPE_CHECKING:
    from facilitator.store.running import RunningSession
    from facilitator.tui.clinic_app import ClinicApp


def show_session(app: "ClinicApp", running: "RunningSession") -> None:
    """Show ``running``: back to its screen if it is open, else a new session screen on top."""
    from facilitator.tui.session import SessionScreen
    for index, screen in enumerate(app.screen_stack):
        if isinstance(screen, SessionScreen) and screen.running is not None \
                and screen.running.session_id == running.session_id:
            while len(app.screen_stack) > index + 1:
                app.pop_screen()
            return
    app.push_screen(SessionScreen(running))


def open_session(app: "ClinicApp", group: str, plan_id: str | None = None) -> None:
    """Start today's session of ``group`` (or resume it) and show it."""
    try:
        running = start_session(app.data, group, plan_id=plan_id)
        header = running.record().header
    except (InputError, PermissionDenied) as problem:
        app.notify(str(problem), title="Cannot start the session", severity="warning", markup=False)
        return
    except (DamagedFile, StoreBusy, OSError) as problem:
        app.notify(str(problem), title="Cannot start the session", severity="error", markup=False)
        return
    if header.state is SessionState.ENDED:
        from facilitator.tui.session_end import EndSessionScreen
        app.push_screen(EndSessionScreen(running))
        return
    if plan_id is not None and header.plan_id != plan_id:
        app.notify(f"Today's {group} session had already started with "
                   f"{app.plan_title(header.plan_id) or 'no plan'}; it carries on with that.",
                   title="Resumed", markup=False)
    show_session(app, running)


def choose_session(app: "ClinicApp", highlight: str | None = None) -> None:
    """The picker: any group, any plan from the library."""
    from facilitator.tui.session_modals import StartSessionModal
    try:
        snapshot = app.snapshot()
    except (DamagedFile, OSError) as problem:
        app.notify(str(problem), title="Cannot read the clinic's data", severity="error", markup=False)
        return
    groups = [(g.name, g.plan) for g in sorted(snapshot.groups.values(), key=lambda g: g.name.casefold())]
    if not groups:
        app.notify("No groups are set up yet. An admin adds one with `facilitator groups add`.",
                   markup=False)
        return
    plans = sorted(((pid, plan.title) for pid, plan in app.plans.plans.items()),
                   key=lambda item: item[1].casefold())

    def chosen(choice: tuple[str, str | None] | None) -> None:
        if choice:
            open_session(app, *choice)

    app.push_screen(StartSessionModal(groups, plans, highlight), chosen)


def resume_at_start(app: "ClinicApp") -> None:
    """At startup: straight back into a session this user left running (crash, restart)."""
    try:
        running = app.running_at_launch()    # the launch gate's look, if it just took one
    except (DamagedFile, OSError):
        return
    if running is not None:
        show_session(app, running)
