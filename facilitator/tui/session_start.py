"""Starting, resuming and choosing a session from anywhere in the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from facilitator.core.session import SessionState
from facilitator.store.running import start_session
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.widgets.problem import refusal_sentence

if TYPE_CHECKING:
    from facilitator.store.running import RunningSession
    from facilitator.tui.clinic_app import ClinicApp


def show_session(app: ClinicApp, running: RunningSession) -> None:
    """Show ``running``: back to its screen if it is open, else a new session screen on top."""
    from facilitator.tui.session import SessionScreen
    for index, screen in enumerate(app.screen_stack):
        if isinstance(screen, SessionScreen) and screen.running is not None \
                and screen.running.session_id == running.session_id:
            while len(app.screen_stack) > index + 1:
                app.pop_screen()
            return
    app.push_screen(SessionScreen(running))


EARLY_MINUTES = 30   # starting a group more than this before its time asks first
LATE_MINUTES = 30    # and more than this after it, as well


def _span_text(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _off_schedule(app: ClinicApp, group: str) -> str | None:
    """The question to ask when today's meeting of ``group`` is not yet open and starts more
    than ``EARLY_MINUTES`` from now, or started more than ``LATE_MINUTES`` ago; None
    otherwise (and for a session already open: resuming never asks)."""
    from facilitator.core.session import session_id_for
    try:
        snapshot = app.snapshot()
        spec = snapshot.groups.get(group)
        if spec is None:
            return None
        now = app.clock().astimezone(snapshot.settings.tz)
        meetings = spec.meetings(now.date(), now.date(), snapshot.settings.tz)
        if not meetings or app.data.session_file(session_id_for(group, meetings[0])).exists():
            return None
    except FAILURE:
        return None
    early = int((meetings[0] - now).total_seconds() // 60)
    late = int((now - meetings[0]).total_seconds() // 60)
    if early > EARLY_MINUTES:
        return f"Start {group} now, {_span_text(early)} before its {meetings[0]:%H:%M} start?"
    if late > LATE_MINUTES:
        return f"Start {group} now, {_span_text(late)} after its {meetings[0]:%H:%M} start?"
    return None


def open_session(app: ClinicApp, group: str, plan_id: str | None = None, *,
                 asked: bool = False) -> None:
    """Start today's session of ``group`` (or resume it) and show it; more than 30 minutes
    before or after its time, ask first."""
    question = None if asked else _off_schedule(app, group)
    if question is not None:
        from facilitator.tui.widgets.confirm import ConfirmScreen
        app.push_screen(ConfirmScreen(
            question,
            "Its session opens now (the agenda clock starts with n there). Press n here to "
            "start nothing."),
            lambda yes: open_session(app, group, plan_id, asked=True) if yes else None)
        return
    try:
        running = start_session(app.data, group, plan_id=plan_id)
        header = running.record().header
    except FAILURE as problem:
        report_failure(app, problem, title="Cannot start the session")
        return
    if header.state is SessionState.ENDED:
        from facilitator.tui.session_end import EndSessionScreen
        app.push_screen(EndSessionScreen(running))
        return
    if plan_id is not None and header.plan_id != plan_id:
        app.notify(f"Today's {group} session had already started with "
                   f"{app.plan_title(header.plan_id) or 'no agenda'}; it carries on with that.",
                   title="Resumed", markup=False)
    show_session(app, running)


def choose_session(app: ClinicApp, highlight: str | None = None) -> None:
    """The picker: any group, any plan from the library."""
    from facilitator.tui.session_modals import StartSessionModal
    try:
        snapshot = app.snapshot()
    except FAILURE as problem:
        app.notify(refusal_sentence(problem), title="Cannot read the clinic's data", severity="error", markup=False)
        return
    today = app.today(snapshot)          # the plan in force today (a change may be dated ahead)
    groups = [(g.name, g.on(today).plan) for g in sorted(snapshot.groups.values(), key=lambda g: g.name.casefold())]
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


def resume_at_start(app: ClinicApp) -> None:
    """At startup: straight back into a session this user left running (crash, restart)."""
    try:
        running = app.running_at_launch()    # the launch gate's look, if it just took one
    except FAILURE:
        return
    if running is not None:
        show_session(app, running)
