"""Running a group: the session file changes a counselor makes, one locked write each.

Every mutation checks the acting staff member's role (supervisors read, never change
attendance) and is audited by record id and kind, never by content.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta

from tinydb import Query

from facilitator.core import ending
from facilitator.core import notes as core_notes
from facilitator.core.corrections import end_addendum_text
from facilitator.core.errors import InputError, PermissionDenied
from facilitator.core.notes import Note
from facilitator.core.parsing import parse_typed_time
from facilitator.core.rules import Role, Status
from facilitator.core.session import (
    AttendanceEntry,
    BlockRun,
    SessionHeader,
    SessionRecord,
    SessionState,
    Source,
    attendance_time_problem,
    attributions_moved,
    check_session_id,
    held_span,
    session_id_for,
    status_by_times,
)
from facilitator.store.datadir import Change, DataDir
from facilitator.store.files import DamagedFile
from facilitator.store.records import SessionFile, put_entry, record_in, session_files

NOT_MARKED = ("mark the client's attendance first; a participation word or note does not "
              "mark anyone present")


class RunningSession:
    def __init__(self, data: DataDir, file: SessionFile) -> None:
        self.data = data
        self.file = file

    @property
    def session_id(self) -> str:
        return self.file.session_id

    def record(self) -> SessionRecord:
        return self.file.read()

    def _change(self, action: str, detail: dict | None = None) -> AbstractContextManager[Change]:
        """The audited change of this session's file (``DataDir.change``)."""
        return self.data.change(action, self.session_id, detail)

    # -- attendance ------------------------------------------------------------------
    def mark(self, client_id: str, status: Status, at: datetime | None = None) -> AttendanceEntry:
        """Set a status; late and left early take their time from the clock (or ``at``).

        The stored status is the one the times give (``core.session.STATUS_RULE``), as for a
        time typed with T: ``e`` after ``l`` is left early with the arrival kept. ``p`` is
        the whole session: it clears both times (else a recorded late arrival would stand).
        """
        self.data.require("attendance.change")
        now = self.data.now()
        when = (at or now).replace(second=0, microsecond=0)
        which = {Status.LATE: "arrived", Status.LEFT_EARLY: "left"}.get(status)
        if which:
            self._check_time(which, when, now)
        start, end = held_span(self.record().header)

        def change(old: AttendanceEntry | None) -> AttendanceEntry:
            base = (old or AttendanceEntry(client_id=client_id, status=status)).with_changes(updated_at=now)
            if status is Status.LATE:
                new = base.with_changes(status=status, arrived=when, left=None)
            elif status is Status.LEFT_EARLY:
                if base.arrived and when <= base.arrived:
                    raise InputError(f"left at {when:%H:%M}, not after arriving at "
                                     f"{base.arrived:%H:%M}", field="left")
                new = base.with_changes(status=status, left=when)
            elif status in (Status.ABSENT, Status.EXCUSED, Status.PRESENT):
                new = base.with_changes(status=status, arrived=None, left=None)
            else:
                new = base.with_changes(status=status, left=None)
            return new.with_changes(status=status_by_times(new.status, new.arrived, new.left,
                                                           start=start, end=end))

        with self._change("attendance.mark", {"status": str(status)}):
            entry = self.file.update_attendance(client_id, change)
        return entry

    def set_time(self, client_id: str, which: str, typed: str) -> AttendanceEntry:
        """Correct an arrival or departure time typed by hand ("6:40", "6:40p", "18:40")."""
        self.data.require("attendance.change")
        if which not in ("arrived", "left"):
            raise ValueError(which)
        header = self.record().header
        start = header.start
        clock_time = parse_typed_time(typed, near=start.timetz().replace(tzinfo=None), field=which)
        when = datetime.combine(header.day, clock_time, start.tzinfo)
        self._check_time(which, when, self.data.now())
        start, end = held_span(header)

        def change(old: AttendanceEntry | None) -> AttendanceEntry:
            if old is None or not old.status.credits_time:
                raise InputError("mark the client present, late or left early first", field=which)
            new = old.with_changes(**{which: when}, updated_at=self.data.now())
            if new.arrived and new.left and new.left <= new.arrived:
                raise InputError(f"left at {new.left:%H:%M}, not after arriving at {new.arrived:%H:%M}",
                                 field=which)
            # the same rule as the l and e keys (core.session.STATUS_RULE)
            return new.with_changes(status=status_by_times(new.status, new.arrived, new.left,
                                                           start=start, end=end))

        with self._change("attendance.time", {"field": which}):
            entry = self.file.update_attendance(client_id, change)
        return entry

    def _check_time(self, which: str, when: datetime, now: datetime) -> None:
        """The one rule for arrival and departure times (``core.session.TIME_RULE``)."""
        header = self.record().header
        ended = header.state is SessionState.ENDED and header.actual_end is not None
        problem = attendance_time_problem(
            which, when, start=header.start,
            end=header.actual_end if ended and header.actual_end is not None else max(now, header.end),
            now=None if ended else now)
        if problem:
            raise InputError(problem, field=which)

    def set_participation(self, client_id: str, picks: tuple[str, ...], text: str, *,
                          block: int | None = None) -> AttendanceEntry:
        """The participation words shown for ``block`` and a line of text; never attendance:
        an unmarked client is refused.

        A word belongs to the block it was made in (issue #20): ``picks`` are the words as
        shown while ``block`` runs (``AttendanceEntry.picks_in``); ``None`` (the agenda not
        started) is the session's own words. Audited by count and block, never the words."""
        self.data.require("note.write")
        if block is not None and block not in {b.position for b in self.record().blocks}:
            raise InputError(f"this session's agenda has no block {block}", field="block")

        def change(old: AttendanceEntry | None) -> AttendanceEntry:
            if old is None:
                raise InputError(NOT_MARKED, field="picks")
            if picks and not old.status.credits_time:
                raise InputError(f"the client is marked {old.status.value}; participation is for "
                                 "clients in the room", field="picks")
            return old.with_block_picks(block, tuple(picks)).with_changes(
                text=text, updated_at=self.data.now())

        with self._change("participation.save", {"picks": len(picks), "block": block}):
            entry = self.file.update_attendance(client_id, change)
        return entry

    def link_goal(self, client_id: str, goal: int, block: int | None) -> AttendanceEntry:
        """Link (or, pressed again, unlink) what the client did in ``block`` to an active goal
        of their recovery plan. Audited by goal number and block, never the goal's words.
        Like a pick, a link never marks anyone: an unmarked client is refused."""
        self.data.require("note.write")
        from facilitator.store import recovery
        plan = recovery.read(self.data, client_id)
        if plan is None:
            raise InputError(f"client {client_id} has no recovery plan on file", field="goal")
        if goal not in {g.number for g in plan.active_goals}:
            raise InputError(f"goal {goal} is not an active goal of this client's plan", field="goal")

        with self._change("participation.goal-link", {"goal": goal, "block": block}) as audited:
            def change(old: AttendanceEntry | None) -> AttendanceEntry:
                if old is None:
                    raise InputError(NOT_MARKED, field="goal")
                link = (goal, block)
                links = tuple(x for x in old.goal_links if x != link)
                if len(links) == len(old.goal_links):
                    links = (*old.goal_links, link)
                audited.detail["linked"] = link in links     # set before the write binds the entry
                return old.with_changes(goal_links=links, updated_at=self.data.now())

            entry = self.file.update_attendance(client_id, change)
        return entry

    def add_client(self, client_id: str) -> None:
        self.data.require("attendance.change")
        if client_id not in self.data.snapshot().clients:
            raise InputError(f"there is no client with id {client_id!r}", field="client")
        with self._change("roster.add"):
            self.file.add_to_roster(client_id)

    def remove_client(self, client_id: str) -> None:
        self.data.require("attendance.change")
        with self._change("roster.remove"):
            self.file.remove_from_roster(client_id)

    # -- agenda ----------------------------------------------------------------------
    def update_agenda(self, change: Callable[[tuple[BlockRun, ...], datetime], tuple[BlockRun, ...]]
                      ) -> tuple[BlockRun, ...]:
        """Apply an agenda operation (from ``core.agenda``) at the clock's now and store it."""
        self.data.require("session.run")
        now = self.data.now()
        with self._change("agenda.change"), self.file.transaction() as db:
            record_blocks = tuple(sorted((BlockRun.from_dict(b) for b in db.table("blocks").all()),
                                         key=lambda b: b.position))
            blocks = change(record_blocks, now)
            moves = attributions_moved(record_blocks, blocks)
            if moves:   # words and goal links follow their block (issue #20), in this one write
                table = db.table("attendance")
                for doc in table.all():
                    entry = AttendanceEntry.from_dict(doc)
                    moved = entry.with_blocks_moved(moves)
                    if moved is not entry:
                        put_entry(table, moved.with_changes(updated_at=now))
            header = SessionHeader.from_dict(db.table("header").all()[0])
            starts = [b.started_at for b in blocks if b.started_at]
            if starts and header.actual_start is None:
                header = header.with_changes(actual_start=min(starts))
            db.table("blocks").truncate()
            db.table("blocks").insert_multiple(b.to_dict() for b in blocks)
            db.table("header").truncate()
            db.table("header").insert(header.to_dict())
        return blocks

    def set_block_note(self, position: int, note: str) -> None:
        self.data.require("note.write")
        with self._change("block-note.save", {"block": position}), self.file.transaction() as db:
            from tinydb import Query
            db.table("blocks").update({"note": note}, Query().position == position)

    def overdue(self) -> bool:
        """Still running past its scheduled end plus the clinic's grace: not to be continued;
        ask for the real end time (``core.ending``)."""
        return ending.overdue(self.file.header(), self.data.now(),
                              self.data.settings().end_grace_minutes)

    def offered_end(self) -> datetime:
        """The end to offer: the scheduled end once past the grace, else now."""
        return ending.offered_end(self.file.header(), self.data.now(),
                                  self.data.settings().end_grace_minutes)

    def end_time(self, typed: str, *, field: str = "end") -> datetime:
        """The end a person typed ("21:00", "9p") on the session's day, checked; InputError if not."""
        header = self.file.header()
        tz = header.scheduled_end.tzinfo
        local_end = ending.due_end(header).astimezone(tz)
        clock_time = parse_typed_time(typed, near=local_end.time().replace(tzinfo=None), field=field)
        return datetime.combine(local_end.date(), clock_time, tz)

    def end(self, at: datetime | None = None) -> SessionHeader:
        """End the session at ``at`` (default: now): it no longer resumes; its times are fixed.

        The agenda is cut at the end and every arrival and departure clipped to it, in one
        audited write (``core.ending.ended``), so nobody is credited past it. Past the
        scheduled end plus the clinic's grace, ``at`` must be given: such a session was left
        running, and "now" would credit the night (issue #20).
        """
        self.data.require("session.run")
        now = self.data.now()
        grace = self.data.settings().end_grace_minutes
        with self._change("session.end") as audited, self.file.transaction() as db:
            record = record_in(db, roster=False)
            if record.header.state is SessionState.ENDED and record.header.actual_end is not None:
                raise InputError(f"the session has already ended (at {record.header.actual_end:%H:%M}); "
                                 "`facilitator session end` corrects its end", field="end")
            if at is None:
                if ending.overdue(record.header, now, grace):
                    raise InputError(
                        f"the session was due to end at {ending.due_end(record.header):%H:%M} and is "
                        f"still running; give the time it really ended", field="end")
                at = now
            try:
                done = ending.ended(record, at, now)
            except ValueError as problem:
                raise InputError(str(problem), field="end") from None
            clipped = [cid for cid, e in done.attendance.items() if e != record.attendance[cid]]
            audited.detail.update({"end": _iso_or_none(done.header.actual_end),
                                   "scheduled": done.header.actual_end == record.header.scheduled_end,
                                   "clipped": len(clipped)})
            db.table("header").truncate()
            db.table("header").insert(done.header.to_dict())
            db.table("blocks").truncate()
            db.table("blocks").insert_multiple(b.to_dict() for b in done.blocks)
            for cid in clipped:
                db.table("attendance").update(done.attendance[cid].to_dict(),
                                              Query().client_id == cid)
        return done.header


def held_session(data: DataDir, session_id: str) -> tuple[SessionFile, SessionHeader]:
    """The file and header of the session ``session_id`` names (checked strictly: an id, never
    a path), or one sentence saying where to find the ids."""
    session_id = check_session_id(session_id)
    file = data.session_file(session_id)
    if not file.exists():
        raise InputError(f"there is no session {session_id!r} (`facilitator session list` shows "
                         "the ids)", field="SESSION_ID")
    return file, file.header()


def correct_end(data: DataDir, session_id: str, typed: str, reason: str) -> SessionRecord:
    """Put a held session's end at ``typed`` (HH:MM on its day) after the fact, saying why.

    Counselors for the sessions they facilitated, admins for any. A signed note is never
    edited: each gets an automatic addendum, signed by the corrector, stating the change, the
    client's minutes before and after, who, when and why (``core.corrections``). One audited
    write (ids and times only: the reason is kept in the session's header, which the audit
    entry's hash binds); arrivals and departures after
    the new end are clipped to it, so nobody is credited past it.
    """
    data.require("session.run")
    file, header = held_session(data, session_id)
    me = data.me()
    if me.role is not Role.ADMIN and data.user not in header.facilitators:
        raise PermissionDenied(f"{data.user} did not facilitate {session_id}; only its facilitators "
                               "and admins may correct its end.")
    reason = ending.check_reason(reason, field="--reason")
    session = RunningSession(data, file)
    at = session.end_time(typed, field="--at")
    now = data.now()
    snapshot = data.snapshot()
    who = snapshot.staff[data.user].display_name if data.user in snapshot.staff else data.user
    with data.change("session.end-correct", session_id) as audited, file.transaction() as db:
        record = record_in(db, roster=False)
        try:
            done = ending.corrected(record, at, now, by=data.user, reason=reason)
        except ValueError as problem:
            raise InputError(str(problem), field="--at") from None
        clipped = [cid for cid, e in done.attendance.items() if e != record.attendance[cid]]
        audited.detail.update({"end": _iso_or_none(done.header.actual_end),
                               "was": _iso_or_none(record.header.actual_end),
                               "clipped": len(clipped)})
        db.table("header").truncate()
        db.table("header").insert(done.header.to_dict())
        db.table("blocks").truncate()
        db.table("blocks").insert_multiple(b.to_dict() for b in done.blocks)
        for cid in clipped:
            db.table("attendance").update(done.attendance[cid].to_dict(), Query().client_id == cid)
        addenda = 0
        for doc in db.table("notes").all():
            note = Note.from_dict(doc)
            if note.signed:
                text = end_addendum_text(record, done, note.client_id, who=who)
                note = core_notes.add_addendum(note, text, data.user, now)
                db.table("notes").upsert(note.to_dict(), Query().client_id == note.client_id)
                addenda += 1
        if addenda:
            audited.detail["addenda"] = addenda
    return done


def _iso_or_none(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def start_session(data: DataDir, group_name: str, *, plan_id: str | None = None,
                  blocks: tuple[BlockRun, ...] | None = None) -> RunningSession:
    """Open today's session of a group (or resume it if it already exists)."""
    data.require("session.run")
    snapshot = data.snapshot()
    group = snapshot.groups.get(group_name)
    if group is None:
        raise InputError(f"there is no group named {group_name!r}", field="group")
    now = data.now()
    tz = snapshot.settings.tz
    meetings = group.meetings(now.date(), now.date(), tz)
    scheduled = meetings[0] if meetings else now.replace(second=0, microsecond=0)
    file = data.session_file(session_id_for(group_name, scheduled))
    if file.exists():
        return RunningSession(data, file)
    plan = plan_id or group.on(scheduled.date()).plan     # the plan in force that day
    header = SessionHeader(
        session_id=file.session_id, group=group_name, day=scheduled.date(),
        scheduled_start=scheduled, scheduled_end=group.end_of(scheduled), plan_id=plan,
        facilitators=(data.user,), state=SessionState.RUNNING, source=Source.APP)
    roster = tuple(c.client_id for c in snapshot.enrolled(group_name, scheduled.date()))
    with data.change("session.start", file.session_id, {"roster": len(roster)}):
        file.create(header, blocks if blocks is not None else data.blocks_for(plan), roster)
    return RunningSession(data, file)


def find_running(data: DataDir, today: date | None = None) -> RunningSession | None:
    """The session this user left running today or yesterday (after a crash or a restart)."""
    today = today or data.now().date()
    latest: tuple[datetime, SessionFile] | None = None
    for file in session_files(data.records_dir, today - timedelta(days=1), today):
        try:
            header = file.header()
        except DamagedFile:
            continue
        if header.state is SessionState.RUNNING and data.user in header.facilitators:
            if latest is None or header.scheduled_start > latest[0]:
                latest = (header.scheduled_start, file)
    return RunningSession(data, latest[1]) if latest else None
