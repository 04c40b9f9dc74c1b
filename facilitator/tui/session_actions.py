"""What the session screen writes: marks, times, roster changes, notes, the agenda, the end.

A part the ``SessionScreen`` (facilitator/tui/session.py) holds as ``screen.actions``; it
reads the screen's ``running``, ``record``, ``table``, ``reload`` and ``who``, and the screen's
bindings and messages call it. Every store change goes through ``store``: a refusal or a
problem becomes a message on screen, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from facilitator.core.agenda import AgendaClock
from facilitator.core.ending import due_end
from facilitator.core.rules import Status
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.session_modals import EndTimeModal, PickModal, TimeModal
from facilitator.tui.widgets.confirm import ConfirmScreen
from facilitator.tui.widgets.participation import ParticipationPane, PicksBar

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel
    from textual.widget import Widget

    from facilitator.core.session import SessionRecord
    from facilitator.store.running import RunningSession
    from facilitator.tui.clinic_app import ClinicApp
    from facilitator.tui.widgets.attendance import AttendanceTable

    _W = TypeVar("_W", bound=Widget)

AGENDA_OPS: dict[str, Callable[[AgendaClock, datetime], Any]] = {
    "next": lambda c, now: c.next(now) if c.started else c.start(now),
    "back": lambda c, now: c.back(now),
    "pause": lambda c, now: c.resume(now) if c.paused else c.pause(now),
    "extend": lambda c, now: c.extend(now),
    "skip": lambda c, now: c.skip(now),
    "break": lambda c, now: c.insert_break(now),
}


class SessionHost(Protocol):
    """What the actions read and call on the screen that holds them (``SessionScreen``,
    tui/session.py, which imports this module: a Protocol, not an import back)."""

    running: RunningSession | None
    record: SessionRecord | None
    privacy: bool
    attending: int
    cap: int
    recovery_plans: dict[str, Any]

    @property
    def app(self) -> App[object]: ...
    @property
    def facilitator(self) -> ClinicApp: ...
    @property
    def table(self) -> AttendanceTable: ...
    def reload(self) -> None: ...
    def who(self, client_id: str) -> str: ...
    def now(self) -> datetime: ...
    def show_participation(self) -> None: ...
    def query_one(self, selector: type[_W]) -> _W: ...
    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None: ...


class SessionActions:
    """The writing half of the session screen."""

    def __init__(self, screen: SessionHost) -> None:
        self.screen = screen

    # -- writing -------------------------------------------------------------------------
    def store(self, change: Callable[[], Any]) -> bool:
        """Run one store change now, on the loop (a dialog that waits for its answer), after
        the queued ones (key order); a refusal or a problem becomes a message, never a crash."""
        try:
            self.screen.facilitator.writes.drain()
            change()
        except FAILURE as problem:       # a refusal (warning) or a store problem ("Not saved")
            report_failure(self.screen, problem)
            return False
        return True

    def write(self, change: Callable[[], Any], done: Callable[[Any], None] | None = None,
              failed: Callable[[Exception], None] | None = None) -> None:
        """Queue one store change off the loop, after those asked before it (tui/writes.py);
        ``done`` runs on the loop once it is stored; a failure is shown on this screen. An
        answer that comes after the screen has closed shows nothing of it (a failure is
        still said, by the app)."""
        writes = self.screen.facilitator.writes

        def answered(result: Any) -> None:
            if done is not None and self.on_screen():
                done(result)

        def refused(problem: Exception) -> None:
            if failed is not None and self.on_screen():
                failed(problem)
            else:
                writes.report(problem, self.screen if self.on_screen() else None)

        writes.ask(change, done=answered, failed=refused, where=self.screen)

    def on_screen(self) -> bool:
        """The screen is still shown, with its panes (not closed, nor being taken down)."""
        from textual.css.query import NoMatches
        try:
            self.screen.query_one(ParticipationPane)
        except NoMatches:
            return False
        return bool(getattr(self.screen, "is_attached", True))

    def stored(self, _result: object = None) -> None:
        """A queued change is stored: show the file as it is now."""
        if self.screen.running is not None:
            self.screen.reload()

    def working_block(self) -> int | None:
        """The block participation words and goal links made now belong to: the one running,
        the last once the agenda has finished, None (the session's) before it starts."""
        if self.screen.record is None:
            return None
        clock = AgendaClock(self.screen.record.blocks)
        position = clock.current()
        if position is None and self.screen.record.blocks and clock.started:
            position = len(self.screen.record.blocks) - 1
        return position

    def save_participation(self, client_id: str, picks: tuple[str, ...], text: str,
                           block: int | None = None) -> bool:
        """Queue the client's words and line (the pane's autosave); True: asked. A failure is
        shown and the pane tries again (its typing kept); a refused pick shows the stored ones."""
        running = self.screen.running
        assert running is not None

        def saved(entry: Any) -> None:
            if self.screen.record is not None:  # keep what is shown in step until the next reload
                self.screen.record.attendance[client_id] = entry
            self.screen.show_participation()

        def failed(problem: Exception) -> None:
            self.screen.facilitator.writes.report(problem, self.screen)
            record = self.screen.record
            entry = record.attendance.get(client_id) if record is not None else None
            # the words shown go back to the stored ones (a refused tick is not kept);
            # a line typed and not stored is kept and saved again shortly
            self.pane().not_saved(client_id=client_id, picks=entry.picks_in(block) if entry else (),
                                  text_changed=text != (entry.text if entry else ""))

        self.write(partial(running.set_participation, client_id, picks, text, block=block), saved, failed)
        return True

    def save_note(self, position: int, text: str) -> bool:
        """Queue the block's group note (the pane's autosave); True: asked."""
        running = self.screen.running
        assert running is not None

        def saved(_none: object) -> None:
            if self.screen.record is not None:
                blocks = self.screen.record.blocks
                self.screen.record = replace(self.screen.record, blocks=tuple(
                    b.with_changes(note=text) if b.position == position else b for b in blocks))

        def failed(problem: Exception) -> None:
            self.screen.facilitator.writes.report(problem, self.screen)
            self.pane().not_saved(block=position)

        self.write(partial(running.set_block_note, position, text), saved, failed)
        return True

    def pane(self) -> ParticipationPane:
        return self.screen.query_one(ParticipationPane)

    def mark(self, status: Status) -> None:
        """Queue the mark at the key's time; the cursor moves on at once (the next key marks
        the next client), and the list shows the stored mark when it is answered."""
        cid = self.screen.table.highlighted_id
        running = self.screen.running
        if cid is None or running is None:
            return
        at = self.screen.now()
        before = self.screen.attending
        self.screen.table.step_down()

        def marked(_entry: object) -> None:
            self.stored()
            self.warn_cap(before)

        self.write(partial(running.mark, cid, status, at), marked)

    def mark_all_present(self) -> None:
        """``P``: every client shown who is unmarked *when the write runs* is marked present.
        Decided in the queued write, not at the key: a mark asked just before (``a``, then
        ``P``) is stored first and is no longer unmarked, so ``P`` never overwrites it."""
        running = self.screen.running
        if running is None:
            return
        shown = [r.client_id for r in self.screen.table.shown]
        if all(r.status is not None for r in self.screen.table.shown) and not self.screen.facilitator.writes.pending:
            self.screen.notify("Everyone is already marked.")
            return
        before = self.screen.attending
        at = self.screen.now()

        def marked(done: list[str]) -> None:
            self.stored()
            self.screen.notify(f"{len(done)} marked present." if done else "Everyone is already marked.")
            self.warn_cap(before)

        # (a failure is shown once; the list shows what was stored at the next tick)
        self.write(partial(present_unmarked, running, shown, at), marked)

    def warn_cap(self, before: int) -> None:
        if self.screen.attending > self.screen.cap and self.screen.attending > before:
            self.screen.notify(f"{self.screen.attending} present: over the group size limit of {self.screen.cap}. "
                        "Nothing is blocked.", title="Group size", severity="warning")

    def edit_time(self) -> None:
        cid = self.screen.table.highlighted_id
        if cid is None or self.screen.record is None or self.screen.running is None:
            return
        entry = self.screen.record.attendance.get(cid)
        if entry is None or not entry.status.credits_time:
            self.screen.notify("Mark the client present, late or left early first; then T types a time.",
                        severity="warning")
            return
        running = self.screen.running
        self.screen.app.push_screen(
            TimeModal(self.screen.who(cid), f"{entry.arrived:%H:%M}" if entry.arrived else "",
                      f"{entry.left:%H:%M}" if entry.left else "", entry.status is Status.LEFT_EARLY,
                      lambda which, typed: running.set_time(cid, which, typed)),
            lambda _changed: self.screen.reload())

    def add_client(self) -> None:
        if self.screen.privacy:
            self.screen.notify("Names are hidden; press F9 to show them, then + to add a client.")
            return
        running = self.screen.running
        assert self.screen.record is not None and running is not None
        snapshot = self.screen.facilitator.snapshot()
        today = self.screen.facilitator.today(snapshot)
        on_list = set(self.screen.record.participants)
        items = sorted(((c.client_id, f"{c.name} · {c.client_id}") for c in snapshot.clients.values()
                        if c.client_id not in on_list and (c.discharged is None or c.discharged >= today)),
                       key=lambda item: item[1].casefold())

        def shown(cid: str) -> None:
            self.stored()
            ids = [r.client_id for r in self.screen.table.shown]
            if cid in ids:
                self.screen.table.move_cursor(row=ids.index(cid), animate=False)

        def added(cid: str | None) -> None:
            if cid:
                self.write(partial(running.add_client, cid), lambda _none: shown(cid))

        self.screen.app.push_screen(PickModal("Add a client to this session", items,
                                       "Every current client is already on the list."), added)

    def remove_client(self) -> None:
        cid = self.screen.table.highlighted_id
        running = self.screen.running
        if cid is None or running is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(partial(running.remove_client, cid), self.stored)

        self.screen.app.push_screen(ConfirmScreen(
            f"Take {self.screen.who(cid)} off this session's list?",
            "Their attendance, participation words and text for this session are removed. "
            "Nobody else's are touched."), answered)

    def toggle_pick(self, index: int) -> None:
        if not self.screen.privacy and self.screen.record is not None:
            cid = self.screen.table.highlighted_id
            entry = self.screen.record.attendance.get(cid) if cid else None
            if cid and (entry is None or not entry.status.credits_time):
                state = "not marked" if entry is None else f"marked {entry.status.value.replace('_', ' ')}"
                self.screen.notify(f"{self.screen.who(cid)} is {state}: participation is for clients in the room. "
                            "Mark attendance with p, l, e or h first; a participation word never "
                            "marks anyone.",
                            severity="warning", markup=False)
                return
            self.screen.show_participation()  # the highlighted client, even before RowHighlighted arrives
            self.screen.query_one(PicksBar).action_toggle(index)

    def action_link_goal(self) -> None:
        """g: link what the highlighted client did in this block to one of their goals."""
        from facilitator.core.recovery import RecoveryPlan
        from facilitator.tui.goals import GoalLinkModal
        cid = self.screen.table.highlighted_id
        if cid is None or self.screen.record is None or self.screen.running is None:
            return
        if self.screen.privacy:
            self.screen.notify("Names and goals are hidden; press F9 to show them, then g.")
            return
        plan = self.screen.recovery_plans.get(cid)
        if not isinstance(plan, RecoveryPlan) or not plan.active_goals:
            self.screen.notify(f"{self.screen.who(cid)} has no active recovery-plan goals on file.", severity="warning",
                        markup=False)
            return
        self.screen.query_one(ParticipationPane).flush()
        position = self.working_block()
        title = self.screen.record.blocks[position].title if position is not None else ""
        entry = self.screen.record.attendance.get(cid)
        linked = {g for g, b in (entry.goal_links if entry else ()) if b == position}
        running = self.screen.running

        def toggle(number: int) -> bool:
            saved = []
            if not self.store(lambda: saved.append(running.link_goal(cid, number, position))):
                return False
            if self.screen.record is not None:
                self.screen.record.attendance[cid] = saved[0]
            self.screen.show_participation()
            return True

        self.screen.app.push_screen(GoalLinkModal(self.screen.who(cid), title, plan.active_goals, linked, toggle))

    # -- actions -------------------------------------------------------------------------
    def action_agenda(self, operation: str) -> None:
        running = self.screen.running
        if running is None:
            return
        self.screen.query_one(ParticipationPane).flush()
        clock = AgendaClock(self.screen.record.blocks) if self.screen.record else None
        if operation == "next" and clock is not None and clock.finished:
            self.screen.notify("The agenda has finished; E ends the session.")
            return
        at = self.screen.now()           # the key's time, whenever the queue reaches it
        self.write(lambda: running.update_agenda(
            lambda blocks, _now: AGENDA_OPS[operation](AgendaClock(blocks), at)), self.stored)

    def ask_end_time(self, *, at_open: bool = False) -> None:
        """The session is past its scheduled end plus the clinic's grace: ask when it really
        ended, the scheduled end typed in (E then enter accepts it), then the end screen."""
        running = self.screen.running
        if running is None or self.screen.record is None:
            return
        header = self.screen.record.header
        due = f"{due_end(header):%H:%M}"
        now = self.screen.now()
        today = now.date() == header.day
        started = f"started {header.start:%H:%M}" if today else \
            f"started {header.start:%a %d %b %H:%M}"
        if at_open:
            detail = (f"It {started}, was due to end at {due} and was never ended: it is not "
                      f"continued{' now' if today else ' the next day'}. Give the time it really "
                      "ended; nobody is credited after it.")
        else:
            detail = (f"It {started} and was due to end at {due}, more than the clinic's end grace "
                      "ago. Give the time it really ended; nobody is credited after it.")
        title = f"When did {header.group} end?" if at_open else "End the session at"

        def save(typed: str) -> None:
            self.screen.facilitator.writes.drain()     # after every queued change (key order)
            running.end(running.end_time(typed))

        def answered(done: bool | None) -> None:
            if not done:
                return
            from facilitator.tui.session_end import EndSessionScreen
            self.screen.app.switch_screen(EndSessionScreen(running))

        self.screen.app.push_screen(EndTimeModal(title, detail, due, save), answered)

    def overdue(self) -> bool:
        """Past the scheduled end plus grace (read from the file: another device may have ended it)."""
        try:
            return self.screen.running is not None and self.screen.running.overdue()
        except FAILURE:
            return False

    def action_end_session(self) -> None:
        self.screen.query_one(ParticipationPane).flush()
        if self.overdue():
            self.ask_end_time()
            return

        def answered(yes: bool | None) -> None:
            if not yes or self.screen.running is None:
                return
            running = self.screen.running
            if not self.store(lambda: running.end()):
                return
            from facilitator.tui.session_end import EndSessionScreen
            self.screen.app.switch_screen(EndSessionScreen(running))

        record = self.screen.record
        unmarked = [c for c in (record.participants if record else ()) if record and c not in record.attendance]
        detail = ("Its start and end times are then kept as they are, and each client's "
                  "note is drafted for you to read and sign.")
        if unmarked:
            names = ", ".join(self.screen.who(c) for c in unmarked[:3]) + (" …" if len(unmarked) > 3 else "")
            detail = (f"{len(unmarked)} client{'s are' if len(unmarked) != 1 else ' is'} not "
                      f"marked ({names}): they get no note and no hours. Press n and mark "
                      "them, or y to end anyway. " + detail)
        self.screen.app.push_screen(ConfirmScreen("End the session now?", detail), answered)

    def action_leave(self) -> None:
        self.screen.query_one(ParticipationPane).flush()
        self.screen.app.push_screen(ConfirmScreen(
            "Close facilitator?", "The session keeps running: start facilitator again to come back "
            "to it, with the clock where it is."), lambda yes: self.screen.app.exit() if yes else None)


def present_unmarked(running: RunningSession, clients: list[str], at: datetime) -> list[str]:
    """Mark present each of ``clients`` the stored record has no mark for; those marked."""
    stored = running.record().attendance
    done = []
    for cid in clients:
        if cid not in stored:
            running.mark(cid, Status.PRESENT, at)
            done.append(cid)
    return done
