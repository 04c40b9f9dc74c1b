"""What the session screen writes: marks, times, roster changes, notes, the agenda, the end.

A mixin of ``SessionScreen`` (facilitator/tui/session.py), which provides ``running``,
``record``, ``table``, ``reload`` and ``who``. Every store change goes through ``store``:
a refusal or a problem becomes a message on screen, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from facilitator.core.agenda import AgendaClock
from facilitator.core.ending import due_end
from facilitator.core.rules import Status
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.session_modals import EndTimeModal, PickModal, TimeModal
from facilitator.tui.widgets.confirm import ConfirmScreen
from facilitator.tui.widgets.participation import ParticipationPane, PicksBar

AGENDA_OPS: dict[str, Callable[[AgendaClock, datetime], Any]] = {
    "next": lambda c, now: c.next(now) if c.started else c.start(now),
    "back": lambda c, now: c.back(now),
    "pause": lambda c, now: c.resume(now) if c.paused else c.pause(now),
    "extend": lambda c, now: c.extend(now),
    "skip": lambda c, now: c.skip(now),
    "break": lambda c, now: c.insert_break(now),
}


class SessionActions:
    """The writing half of the session screen."""

    # -- writing -------------------------------------------------------------------------
    def store(self, change: Callable[[], Any]) -> bool:
        """Run one store change; a refusal or a problem becomes a message, never a crash."""
        try:
            change()
        except FAILURE as problem:       # a refusal (warning) or a store problem ("Not saved")
            report_failure(self, problem)
            return False
        return True

    def working_block(self) -> int | None:
        """The block participation words and goal links made now belong to: the one running,
        the last once the agenda has finished, None (the session's) before it starts."""
        if self.record is None:
            return None
        clock = AgendaClock(self.record.blocks)
        position = clock.current()
        if position is None and self.record.blocks and clock.started:
            position = len(self.record.blocks) - 1
        return position

    def save_participation(self, client_id: str, picks: tuple[str, ...], text: str,
                           block: int | None = None) -> bool:
        assert self.running is not None
        saved = []
        if not self.store(lambda: saved.append(self.running.set_participation(client_id, picks, text,
                                                                             block=block))):
            return False
        if self.record is not None:  # keep what is shown in step until the next reload
            self.record.attendance[client_id] = saved[0]
        return True

    def save_note(self, position: int, text: str) -> bool:
        assert self.running is not None
        if not self.store(lambda: self.running.set_block_note(position, text)):
            return False
        if self.record is not None:
            blocks = self.record.blocks
            self.record = replace(self.record, blocks=tuple(
                b.with_changes(note=text) if b.position == position else b for b in blocks))
        return True

    def mark(self, status: Status) -> None:
        cid = self.table.highlighted_id
        if cid is None or self.running is None:
            return
        before = self.attending
        if self.store(lambda: self.running.mark(cid, status)):
            self.reload()
            self.table.step_down()
            self.warn_cap(before)

    def mark_all_present(self) -> None:
        unmarked = [r.client_id for r in self.table.shown if r.status is None]
        before = self.attending
        for cid in unmarked:
            if not self.store(lambda cid=cid: self.running.mark(cid, Status.PRESENT)):
                break
        self.reload()
        self.notify(f"{len(unmarked)} marked present." if unmarked else "Everyone is already marked.")
        self.warn_cap(before)

    def warn_cap(self, before: int) -> None:
        if self.attending > self.cap and self.attending > before:
            self.notify(f"{self.attending} present: over the group size limit of {self.cap}. "
                        "Nothing is blocked.", title="Group size", severity="warning")

    def edit_time(self) -> None:
        cid = self.table.highlighted_id
        if cid is None or self.record is None or self.running is None:
            return
        entry = self.record.attendance.get(cid)
        if entry is None or not entry.status.credits_time:
            self.notify("Mark the client present, late or left early first; then T types a time.",
                        severity="warning")
            return
        running = self.running
        self.app.push_screen(
            TimeModal(self.who(cid), f"{entry.arrived:%H:%M}" if entry.arrived else "",
                      f"{entry.left:%H:%M}" if entry.left else "", entry.status is Status.LEFT_EARLY,
                      lambda which, typed: running.set_time(cid, which, typed)),
            lambda _changed: self.reload())

    def add_client(self) -> None:
        if self.privacy:
            self.notify("Names are hidden; press F9 to show them, then + to add a client.")
            return
        assert self.record is not None and self.running is not None
        snapshot = self.facilitator.snapshot()
        today = self.facilitator.today(snapshot)
        on_list = set(self.record.participants)
        items = sorted(((c.client_id, f"{c.name} · {c.client_id}") for c in snapshot.clients.values()
                        if c.client_id not in on_list and (c.discharged is None or c.discharged >= today)),
                       key=lambda item: item[1].casefold())

        def added(cid: str | None) -> None:
            if cid and self.store(lambda: self.running.add_client(cid)):
                self.reload()
                ids = [r.client_id for r in self.table.shown]
                if cid in ids:
                    self.table.move_cursor(row=ids.index(cid), animate=False)

        self.app.push_screen(PickModal("Add a client to this session", items,
                                       "Every current client is already on the list."), added)

    def remove_client(self) -> None:
        cid = self.table.highlighted_id
        if cid is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.store(lambda: self.running.remove_client(cid)):
                self.reload()

        self.app.push_screen(ConfirmScreen(
            f"Take {self.who(cid)} off this session's list?",
            "Their attendance, participation words and text for this session are removed. "
            "Nobody else's are touched."), answered)

    def toggle_pick(self, index: int) -> None:
        if not self.privacy and self.record is not None:
            cid = self.table.highlighted_id
            entry = self.record.attendance.get(cid) if cid else None
            if cid and (entry is None or not entry.status.credits_time):
                state = "not marked" if entry is None else f"marked {entry.status.value.replace('_', ' ')}"
                self.notify(f"{self.who(cid)} is {state}: participation is for clients in the room. "
                            "Mark attendance with p, l, e or h first; a participation word never "
                            "marks anyone.",
                            severity="warning", markup=False)
                return
            self.show_participation()  # the highlighted client, even before RowHighlighted arrives
            self.query_one(PicksBar).action_toggle(index)

    def action_link_goal(self) -> None:
        """g: link what the highlighted client did in this block to one of their goals."""
        from facilitator.core.recovery import RecoveryPlan
        from facilitator.tui.goals import GoalLinkModal
        cid = self.table.highlighted_id
        if cid is None or self.record is None or self.running is None:
            return
        if self.privacy:
            self.notify("Names and goals are hidden; press F9 to show them, then g.")
            return
        plan = self.recovery_plans.get(cid)
        if not isinstance(plan, RecoveryPlan) or not plan.active_goals:
            self.notify(f"{self.who(cid)} has no active recovery-plan goals on file.", severity="warning",
                        markup=False)
            return
        self.query_one(ParticipationPane).flush()
        position = self.working_block()
        title = self.record.blocks[position].title if position is not None else ""
        entry = self.record.attendance.get(cid)
        linked = {g for g, b in (entry.goal_links if entry else ()) if b == position}
        running = self.running

        def toggle(number: int) -> bool:
            saved = []
            if not self.store(lambda: saved.append(running.link_goal(cid, number, position))):
                return False
            if self.record is not None:
                self.record.attendance[cid] = saved[0]
            self.show_participation()
            return True

        self.app.push_screen(GoalLinkModal(self.who(cid), title, plan.active_goals, linked, toggle))

    # -- actions -------------------------------------------------------------------------
    def action_agenda(self, operation: str) -> None:
        if self.running is None:
            return
        self.query_one(ParticipationPane).flush()
        clock = AgendaClock(self.record.blocks) if self.record else None
        if operation == "next" and clock is not None and clock.finished:
            self.notify("The agenda has finished; E ends the session.")
            return
        if self.store(lambda: self.running.update_agenda(
                lambda blocks, now: AGENDA_OPS[operation](AgendaClock(blocks), now))):
            self.reload()

    def ask_end_time(self, *, at_open: bool = False) -> None:
        """The session is past its scheduled end plus the clinic's grace: ask when it really
        ended, the scheduled end typed in (E then enter accepts it), then the end screen."""
        running = self.running
        if running is None or self.record is None:
            return
        header = self.record.header
        due = f"{due_end(header):%H:%M}"
        now = self.now()
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
            running.end(running.end_time(typed))

        def answered(done: bool | None) -> None:
            if not done:
                return
            from facilitator.tui.session_end import EndSessionScreen
            self.app.switch_screen(EndSessionScreen(running))

        self.app.push_screen(EndTimeModal(title, detail, due, save), answered)

    def overdue(self) -> bool:
        """Past the scheduled end plus grace (read from the file: another device may have ended it)."""
        try:
            return self.running is not None and self.running.overdue()
        except FAILURE:
            return False

    def action_end_session(self) -> None:
        self.query_one(ParticipationPane).flush()
        if self.overdue():
            self.ask_end_time()
            return

        def answered(yes: bool | None) -> None:
            if not yes or self.running is None:
                return
            running = self.running
            if not self.store(lambda: running.end()):
                return
            from facilitator.tui.session_end import EndSessionScreen
            self.app.switch_screen(EndSessionScreen(running))

        unmarked = [c for c in (self.record.participants if self.record else ())
                    if c not in self.record.attendance]
        detail = ("Its start and end times are then kept as they are, and each client's "
                  "note is drafted for you to read and sign.")
        if unmarked:
            names = ", ".join(self.who(c) for c in unmarked[:3]) + (" …" if len(unmarked) > 3 else "")
            detail = (f"{len(unmarked)} client{'s are' if len(unmarked) != 1 else ' is'} not "
                      f"marked ({names}): they get no note and no hours. Press n and mark "
                      "them, or y to end anyway. " + detail)
        self.app.push_screen(ConfirmScreen("End the session now?", detail), answered)

    def action_leave(self) -> None:
        self.query_one(ParticipationPane).flush()
        self.app.push_screen(ConfirmScreen(
            "Close facilitator?", "The session keeps running: start facilitator again to come back "
            "to it, with the clock where it is."), lambda yes: self.app.exit() if yes else None)
