"""The demo clinic: an invented IOP program with six weeks of history.

``ensure_demo_clinic`` makes it once (``facilitator demo``) and reopens it afterwards.
It is built in a sibling temp directory and renamed into place, so an interrupted
build leaves no half-made clinic behind (when the target is new or empty).
Everything goes through ``DataDir``; nothing here writes a data file by hand.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from facilitator import demo_data as D
from facilitator.core.clinic import ClinicSettings
from facilitator.core.drafting import NO_TOPIC, draft_note, group_type_of
from facilitator.core.notes import Note, cosign, sign
from facilitator.core.recovery import GoalStatus, RecoveryPlan, add_goal, record_review, set_status
from facilitator.core.roster import Client, Group, parse_days
from facilitator.core.rules import Status
from facilitator.core.session import (
    AttendanceEntry,
    BlockRun,
    SessionHeader,
    SessionState,
    Source,
    session_id_for,
)
from facilitator.store import recovery
from facilitator.store.datadir import DataDir
from facilitator.store.files import TOP_DIR_MODE, make_dirs
from facilitator.store.identity import Clock, system_clock
from facilitator.store.plans import PlanLibrary, shipped_plans_dir
from facilitator.store.staff import add_staff


def ensure_demo_clinic(root: Path, *, user: str, display_name: str,
                       today: date | None = None, clock: Clock | None = None) -> bool:
    """Make the demo clinic in ``root`` (True), or reuse the clinic already there (False).

    Reusing opens the clinic as ``user``: an account that is not on its staff gets the
    same ``NotStaff`` error as any other command. ``today`` defaults to the clinic's
    local date by ``clock``; history covers the six weeks before this week and this
    week's days before today. Today's meetings are left scheduled, not recorded.
    """
    root = Path(root)
    clock = clock or system_clock
    if (root / "clinic.json").exists():
        DataDir.open(root, user=user, clock=clock)
        return False
    if today is None:
        today = clock().astimezone(ZoneInfo(D.CLINIC_TIMEZONE)).date()
    if root.exists() and any(root.iterdir()):
        # Not empty: DataDir.init refuses anything but dot-files; build in place.
        _build(root, user=user, display_name=display_name, today=today, clock=clock)
        return True
    make_dirs(root.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.building-", dir=root.parent))
    try:
        os.chmod(staging, TOP_DIR_MODE)      # the clinic's folder: this account's alone
        _build(staging, user=user, display_name=display_name, today=today, clock=clock)
        try:
            os.replace(staging, root)   # replaces a missing or empty directory
        except OSError:
            if not (root / "clinic.json").exists():
                raise
            # Another `facilitator demo` finished first: use its clinic.
            shutil.rmtree(staging, ignore_errors=True)
            DataDir.open(root, user=user, clock=clock)
            return False
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return True


def _build(root: Path, *, user: str, display_name: str, today: date, clock: Clock) -> None:
    settings = ClinicSettings(name=D.CLINIC_NAME, timezone=D.CLINIC_TIMEZONE, week_start=D.WEEK_START)
    tz = settings.tz
    this_week = today - timedelta(days=(today.weekday() - settings.week_start_weekday) % 7)
    history_first = this_week - timedelta(weeks=D.HISTORY_WEEKS)
    yesterday = today - timedelta(days=1)
    data = DataDir.init(root, settings, user=user, display_name=display_name, clock=clock)

    holiday = _thanksgiving(history_first.year)
    if holiday < history_first:
        holiday = _thanksgiving(history_first.year + 1)
    groups = [
        Group(name=g.name, days=parse_days(g.days), start=time.fromisoformat(g.start),
              minutes=g.minutes, plan=g.plan, holidays=(holiday,), first_day=history_first)
        for g in D.GROUPS
    ]
    for group in groups:
        data.add_group(group)

    clients = [_client(spec, settings, history_first, today) for spec in D.CLIENTS]
    data.import_roster(clients)

    add_staff(data, D.SUPERVISOR_USER, D.SUPERVISOR_NAME, "supervisor")
    library = PlanLibrary.load(shipped_plans_dir(), data.plans_dir)
    rng = random.Random(D.SEED)
    note_rng = random.Random(D.SEED + 1)     # its own stream: attendance draws stay as they were
    by_id = {c.client_id: c for c in clients}
    patterns = {spec.client_id: spec.pattern for spec in D.CLIENTS}
    seen = {spec.client_id: 0 for spec in D.CLIENTS}
    sessions = entries = 0
    for group in groups:
        plan = library.get(group.plan) if group.plan else None
        plan_blocks = plan.block_runs() if plan else ()
        members = [c for c in clients if group.name in c.groups]
        for start in group.meetings(history_first, yesterday, tz):
            day = start.date()
            enrolled = [c for c in members if c.enrolled_on(day)]
            header = _header(group, start, user, rng)
            file = data.session_file(header.session_id)
            blocks = _with_group_notes(_blocks(plan_blocks, header, rng), note_rng)
            attendance = []
            for client in enrolled:
                pattern = patterns[client.client_id]
                every = D.MISS_EVERY.get(pattern)
                miss = every is not None and seen[client.client_id] % every == 1
                seen[client.client_id] += 1
                attendance.append(_attendance(client.client_id, pattern, header, rng, miss=miss))
            with data.change("demo.session", header.session_id, {"attendance": len(attendance)}):
                file.create(header, blocks, attendance=attendance)
                if attendance:
                    record = file.read()
                    notes = _history_notes(record, by_id, plan, display_name, user, today, tz, note_rng)
                    if notes:
                        file.put_notes(*notes)
            sessions += 1
            entries += len(attendance)
    plans = _recovery_plans(data, clients, today)
    data.record_audit("demo.create", "clinic", {
        "plans": plans,
        "groups": len(groups), "clients": len(clients), "sessions": sessions,
        "attendance": entries, "first_day": history_first.isoformat(), "last_day": yesterday.isoformat(),
    })
    # The demo's idle-lock PIN is known (invented data), so the demo opens straight away.
    from facilitator.store.pins import PinStore
    PinStore(root, clock).set_pin(user, D.DEMO_PIN)


def _recovery_plans(data: DataDir, clients: list[Client], today: date) -> int:
    """Each enrolled client's plan from ``demo_data.PLANS``, dated relative to ``today``."""
    admitted = {c.client_id: c for c in clients}
    written = 0
    for client_id, spec in D.PLANS.items():
        client = admitted[client_id]
        started = max(today + timedelta(days=spec.started), client.admitted)
        plan = RecoveryPlan(client_id=client_id, started=started)
        for goal in spec.goals:
            target = today + timedelta(days=goal.target) if goal.target is not None else None
            plan = add_goal(plan, goal.text, objectives=goal.objectives, target=target, day=started)
        for days in spec.reviews:
            plan = record_review(plan, day=today + timedelta(days=days), by=data.user)
        for goal, number in zip(spec.goals, range(1, len(spec.goals) + 1), strict=True):
            if goal.status != "active":
                plan = set_status(plan, number, GoalStatus(goal.status),
                                  day=today + timedelta(days=goal.changed), by=data.user)
        recovery.put_plan(data, plan)
        written += 1
    return written


def _with_group_notes(blocks: tuple[BlockRun, ...], rng: random.Random) -> tuple[BlockRun, ...]:
    """Most sessions' countable blocks carry a group note, as a counselor types them."""
    if rng.random() >= D.BLOCK_NOTE_SHARE:
        return blocks
    return tuple(b.with_changes(note=rng.choice(D.GROUP_NOTES[str(b.kind)]))
                 if b.countable and str(b.kind) in D.GROUP_NOTES else b for b in blocks)


def _next_workday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _at(day: date, hour: int, minute: int, tz) -> datetime:
    return datetime.combine(day, time(hour, minute), tz)


def _history_notes(record, clients: dict[str, Client], plan, display_name: str, user: str,
                   today: date, tz, rng: random.Random) -> list[Note]:
    """The session's notes: drafted from what happened, most signed that evening, and
    co-signed by the supervisor a working day or two later (never on or after today)."""
    header = record.header
    end = header.actual_end or header.scheduled_end
    notes = []
    for client_id, entry in record.attendance.items():
        if not entry.status.credits_time or client_id not in clients:
            continue
        body = draft_note(record, clients[client_id], clients=clients, group_type=group_type_of(plan),
                          topic=plan.title if plan else NO_TOPIC, facilitators=(display_name,))
        drafted = _plus(end, rng.randint(2, 15))
        note = Note(session_id=header.session_id, client_id=client_id, body=body, author=user,
                    drafted_at=drafted)
        if rng.random() < D.UNSIGNED_SHARE:
            notes.append(note)
            continue
        signed_at = _plus(drafted, rng.randint(5, 60))
        if rng.random() < D.SIGN_NEXT_DAY_SHARE:
            signed_at = _at(_next_workday(header.day), rng.randint(8, 11), rng.randint(0, 59), tz)
        if signed_at.date() >= today:
            notes.append(note)
            continue
        note = sign(note, user, signed_at)
        cosign_day = _next_workday(signed_at.date())
        if rng.random() < 0.5:
            cosign_day = _next_workday(cosign_day)
        if cosign_day < today and rng.random() >= D.UNCOSIGNED_SHARE:
            note = cosign(note, D.SUPERVISOR_USER, _at(cosign_day, rng.randint(9, 16), rng.randint(0, 59), tz))
        notes.append(note)
    return notes


def _thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def _on(offset: D.Offset, history_first: date, today: date) -> date:
    anchor, days = offset
    return (history_first if anchor == "start" else today) + timedelta(days=days)


def _client(spec: D.ClientSpec, settings: ClinicSettings, history_first: date, today: date) -> Client:
    return Client(
        client_id=spec.client_id, first_name=spec.first_name, last_name=spec.last_name,
        level_of_care=spec.level,
        required_hours=spec.hours if spec.hours is not None else settings.default_hours(spec.level),
        admitted=_on(spec.admitted, history_first, today),
        discharged=_on(spec.discharged, history_first, today) if spec.discharged else None,
        groups=spec.groups)


def _plus(at: datetime, minutes: float) -> datetime:
    """Real minutes after ``at`` (in UTC, so a daylight-saving change is counted right)."""
    return (at.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(at.tzinfo)


def _header(group: Group, start: datetime, user: str, rng: random.Random) -> SessionHeader:
    end = group.end_of(start)
    return SessionHeader(
        session_id=session_id_for(group.name, start), group=group.name, day=start.date(),
        scheduled_start=start, scheduled_end=end, plan_id=group.plan, facilitators=(user,),
        actual_start=_plus(start, rng.randint(-2, 3)), actual_end=_plus(end, rng.randint(-1, 5)),
        state=SessionState.ENDED, source=Source.APP)


def _blocks(plan: tuple[BlockRun, ...], header: SessionHeader, rng: random.Random) -> tuple[BlockRun, ...]:
    """The plan's blocks as run: end to end from the actual start, each a little off plan.

    When the plan about fills the session, its countable blocks stretch or shrink so the
    last one ends with the session; a short plan (the PHP day) just runs from the start.
    """
    if not plan:
        return ()
    minutes = [max(1, b.planned_minutes + (rng.randint(-2, 2) if b.countable else rng.randint(0, 2)))
               for b in plan]
    length = round((header.end - header.start).total_seconds() / 60)
    fills = abs(length - sum(b.planned_minutes for b in plan)) <= 30
    if fills:
        stretch = [i for i, b in enumerate(plan) if b.countable] or [len(plan) - 1]
        spare = length - sum(minutes)
        for n, i in enumerate(stretch):
            share = spare // len(stretch) + (1 if n < spare % len(stretch) else 0)
            minutes[i] = max(1, minutes[i] + share)
    runs, cursor = [], header.start
    for block, mins in zip(plan, minutes, strict=True):
        end = _plus(cursor, mins)
        runs.append(block.with_changes(started_at=cursor, ended_at=end))
        cursor = end
    if fills:
        runs[-1] = runs[-1].with_changes(ended_at=header.end)
    return tuple(runs)


_STATUSES = tuple(Status)


def _attendance(client_id: str, pattern: str, header: SessionHeader, rng: random.Random,
                *, miss: bool = False) -> AttendanceEntry:
    weights = D.PATTERNS[pattern]
    if miss:
        status = rng.choice((Status.ABSENT, Status.ABSENT, Status.EXCUSED))
    else:
        status = rng.choices(_STATUSES, weights=[weights[str(s)] for s in _STATUSES])[0]
    arrived = left = None
    picks: tuple[str, ...] = ()
    text = ""
    if status is Status.LATE:
        arrived = _plus(header.start, rng.randint(*D.LATE_MINUTES))
        text = rng.choice(D.LINES_LATE)
    elif status is Status.LEFT_EARLY:
        left = _plus(header.end, -rng.randint(*D.EARLY_MINUTES))
        text = rng.choice(D.LINES_EARLY)
    elif status is Status.EXCUSED:
        text = rng.choice(D.LINES_EXCUSED)
    elif status is Status.TELEHEALTH and rng.random() < 0.5:
        text = rng.choice(D.LINES_TELEHEALTH)
    if status.credits_time:
        low = rng.random() < (0.4 if pattern == "struggling" else 0.1)
        pool, lines = (D.PICKS_LOW, D.LINES_LOW) if low else (D.PICKS_ENGAGED, D.LINES_ENGAGED)
        picks = tuple(rng.sample(pool, rng.randint(1, 2 if low else 3)))
        if not text and rng.random() < 0.35:
            text = rng.choice(lines)
    return AttendanceEntry(client_id=client_id, status=status, arrived=arrived, left=left,
                           picks=picks, text=text)
