"""A group session as held: its header, the agenda as actually run, attendance.

One session record is one small file in the clinic data directory; these are the
pure shapes of its parts. Datetimes are timezone-aware, in the clinic's zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from facilitator.core import fields
from facilitator.core.errors import InputError
from facilitator.core.rules import PARTICIPATION_PICKS, BlockKind, Status

_PICK_ORDER = {key: i for i, (key, _) in enumerate(PARTICIPATION_PICKS)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "group"


def session_id_for(group: str, start: datetime) -> str:
    """Stable id: local start date and time plus the group's slug."""
    return f"{start:%Y-%m-%d-%H%M}-{slug(group)}"


_SESSION_ID = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{4}-[a-z0-9]+(?:-[a-z0-9]+)*$", re.ASCII)


def check_session_id(text: str, *, field: str = "SESSION_ID") -> str:
    """A session id as ``session_id_for`` makes it (``2026-11-23-1800-evening-iop``), or InputError."""
    value = str(text).strip()
    if len(value) > 200 or not _SESSION_ID.match(value):
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise InputError(f"{shown!r} is not a session id (e.g. 2026-11-23-1800-evening-iop, as "
                         "`facilitator session list` shows them)", field=field)
    return value


class SessionState(StrEnum):
    RUNNING = "running"
    ENDED = "ended"


class Source(StrEnum):
    APP = "app"
    IMPORT = "import"


MAX_REASON = 500


@dataclass(frozen=True)
class EndCorrection:
    """A held session's end corrected after the fact (``facilitator session end``): from what
    (None: it was still running), to what, by whom, when and why. Kept in the header, so a
    sync carries it with the end it explains."""

    was: datetime | None
    end: datetime
    by: str
    when: datetime
    reason: str

    def __post_init__(self) -> None:
        for name in ("was", "end", "when"):
            fields.require_aware(getattr(self, name), field=name)

    def to_dict(self) -> dict[str, Any]:
        return {"was": _iso(self.was), "end": _iso(self.end), "by": self.by,
                "when": _iso(self.when), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Any) -> EndCorrection:
        if not isinstance(data, dict):
            raise InputError("must be a list of corrections", field="end_corrections")
        return cls(was=fields.optional_aware(data, "was"), end=fields.aware(data, "end"),
                   by=fields.text(data, "by"), when=fields.aware(data, "when"),
                   reason=fields.text(data, "reason", max_length=MAX_REASON))


@dataclass(frozen=True)
class SessionHeader:
    """What a session file says about the session itself: group, day, scheduled and
    actual times, plan, facilitators, whether it is running or ended, and where it came from."""

    session_id: str
    group: str
    day: date
    scheduled_start: datetime
    scheduled_end: datetime
    plan_id: str | None = None
    facilitators: tuple[str, ...] = ()
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    state: SessionState = SessionState.RUNNING
    source: Source = Source.APP
    end_corrections: tuple[EndCorrection, ...] = ()   # left out of the file when none

    def __post_init__(self) -> None:
        for name in ("scheduled_start", "scheduled_end", "actual_start", "actual_end"):
            fields.require_aware(getattr(self, name), field=name)

    @property
    def start(self) -> datetime:
        """When the session really began (scheduled start until it has)."""
        return self.actual_start or self.scheduled_start

    @property
    def end(self) -> datetime:
        return self.actual_end or self.scheduled_end

    def with_changes(self, **changes: Any) -> SessionHeader:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id, "group": self.group, "day": self.day.isoformat(),
            "scheduled_start": _iso(self.scheduled_start), "scheduled_end": _iso(self.scheduled_end),
            "plan_id": self.plan_id, "facilitators": list(self.facilitators),
            "actual_start": _iso(self.actual_start), "actual_end": _iso(self.actual_end),
            "state": str(self.state), "source": str(self.source),
            **({"end_corrections": [c.to_dict() for c in self.end_corrections]}
               if self.end_corrections else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionHeader:
        raw = data.get("end_corrections", [])
        if not isinstance(raw, list) or len(raw) > 1000:
            raise InputError("must be a list of corrections", field="end_corrections")
        return cls(
            session_id=fields.text(data, "session_id"), group=fields.text(data, "group"),
            day=fields.day(data, "day"),
            scheduled_start=fields.aware(data, "scheduled_start"),
            scheduled_end=fields.aware(data, "scheduled_end"),
            plan_id=fields.optional_text(data, "plan_id"),
            facilitators=fields.texts(data, "facilitators"),
            actual_start=fields.optional_aware(data, "actual_start"),
            actual_end=fields.optional_aware(data, "actual_end"),
            state=fields.choice(data, "state", SessionState, "running"),
            source=fields.choice(data, "source", Source, "app"),
            end_corrections=tuple(EndCorrection.from_dict(c) for c in raw),
        )


@dataclass(frozen=True)
class BlockRun:
    """One agenda block as run: planned figures from the plan, real times from the clock."""

    position: int
    kind: BlockKind
    title: str
    planned_minutes: int
    countable: bool
    started_at: datetime | None = None
    ended_at: datetime | None = None
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    skipped: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        fields.require_aware(self.started_at, field="started_at")
        fields.require_aware(self.ended_at, field="ended_at")
        for paused, resumed in self.pauses:
            fields.require_aware(paused, field="pauses")
            fields.require_aware(resumed, field="pauses")

    def with_changes(self, **changes: Any) -> BlockRun:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position, "kind": str(self.kind), "title": self.title,
            "planned_minutes": self.planned_minutes, "countable": self.countable,
            "started_at": _iso(self.started_at), "ended_at": _iso(self.ended_at),
            "pauses": [[_iso(a), _iso(b)] for a, b in self.pauses],
            "skipped": self.skipped, "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BlockRun:
        return cls(
            position=fields.integer(data, "position", high=10_000),
            kind=fields.choice(data, "kind", BlockKind), title=fields.text(data, "title"),
            planned_minutes=fields.integer(data, "planned_minutes", high=24 * 60),
            countable=fields.boolean(data, "countable"),
            started_at=fields.optional_aware(data, "started_at"),
            ended_at=fields.optional_aware(data, "ended_at"),
            pauses=_pauses(data),
            skipped=fields.boolean(data, "skipped", False),
            note=fields.text(data, "note", "", max_length=fields.MAX_TEXT),
        )


def _pauses(data: dict[str, Any]) -> tuple[tuple[datetime, datetime | None], ...]:
    raw = data.get("pauses", [])
    if not isinstance(raw, list) or len(raw) > 10_000:
        raise InputError("must be a list of [paused, resumed] pairs", field="pauses")
    pauses = []
    for pair in raw:
        if not isinstance(pair, list) or len(pair) != 2:
            raise InputError("must be a list of [paused, resumed] pairs", field="pauses")
        paused = fields.aware_value(pair[0], field="pauses")
        resumed = None if pair[1] is None else fields.aware_value(pair[1], field="pauses")
        pauses.append((paused, resumed))
    return tuple(pauses)


@dataclass(frozen=True)
class AttendanceCorrection:
    """A client's attendance corrected after the session ended (``attendance correct``): what
    it was and what it became (status, arrival, departure), by whom, when and why. Kept on the
    entry, so a sync carries it with the attendance it explains; only ever added to."""

    was: tuple[Status, datetime | None, datetime | None]
    now: tuple[Status, datetime | None, datetime | None]
    by: str
    when: datetime
    reason: str

    def __post_init__(self) -> None:
        for value in (*self.was[1:], *self.now[1:], self.when):
            fields.require_aware(value, field="corrections")

    def to_dict(self) -> dict[str, Any]:
        return {"was": {"status": str(self.was[0]), "arrived": _iso(self.was[1]), "left": _iso(self.was[2])},
                "now": {"status": str(self.now[0]), "arrived": _iso(self.now[1]), "left": _iso(self.now[2])},
                "by": self.by, "when": _iso(self.when), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Any) -> AttendanceCorrection:
        if not isinstance(data, dict):
            raise InputError("must be a list of corrections", field="corrections")

        def state(name: str) -> tuple[Status, datetime | None, datetime | None]:
            part = data.get(name)
            if not isinstance(part, dict):
                raise InputError("must be a status with its times", field=f"corrections.{name}")
            return (fields.choice(part, "status", Status), fields.optional_aware(part, "arrived"),
                    fields.optional_aware(part, "left"))

        return cls(was=state("was"), now=state("now"), by=fields.text(data, "by"),
                   when=fields.aware(data, "when"),
                   reason=fields.text(data, "reason", max_length=MAX_REASON))


@dataclass(frozen=True)
class AttendanceEntry:
    """One client's attendance at one session. ``None`` times mean the session's start/end."""

    client_id: str
    status: Status
    arrived: datetime | None = None
    left: datetime | None = None
    picks: tuple[str, ...] = ()
    text: str = ""
    # What the client did, linked to their recovery-plan goals: (goal number, block position
    # or None for the session as a whole). Left out of the file when empty.
    goal_links: tuple[tuple[int, int | None], ...] = ()
    # Participation words ticked during an agenda block: (word, block position), issue #20.
    # ``picks`` are the session's own: ticked before the agenda started, imported, or written
    # before words had blocks (old files: all of them). Left out of the file when empty.
    block_picks: tuple[tuple[str, int], ...] = ()
    # When a person last changed it (sync keeps the later of two conflicting changes);
    # None for imported or older entries, and left out of the file then.
    updated_at: datetime | None = field(default=None, compare=False)
    # Corrections made after the session ended, oldest first; left out of the file when none.
    corrections: tuple[AttendanceCorrection, ...] = ()

    def __post_init__(self) -> None:
        for name in ("arrived", "left", "updated_at"):
            fields.require_aware(getattr(self, name), field=name)

    def with_changes(self, **changes: Any) -> AttendanceEntry:
        return replace(self, **changes)

    @property
    def all_picks(self) -> tuple[str, ...]:
        """Every participation word, the session's first, then each block's (once each)."""
        return tuple(dict.fromkeys((*self.picks, *(p for p, _ in self.block_picks))))

    def picks_in(self, block: int | None) -> tuple[str, ...]:
        """The words shown while ``block`` runs: the session's and that block's. ``None`` (the
        agenda not started or no agenda): every word, whichever block it was made in."""
        if block is None:
            return self.all_picks
        return tuple(dict.fromkeys((*self.picks, *(p for p, b in self.block_picks if b == block))))

    def blocks_of(self, pick: str) -> tuple[int, ...]:
        """The blocks ``pick`` was made in, in order; () when it is the session's own (or not made)."""
        if pick in self.picks:
            return ()
        return tuple(sorted({b for p, b in self.block_picks if p == pick}))

    def with_blocks_moved(self, moves: Mapping[int, int]) -> AttendanceEntry:
        """The entry with the words and goal links made in block ``p`` moved to ``moves[p]``
        (``attributions_moved``); itself when nothing moves."""
        if not moves or not any(b in moves for b in (*(b for _, b in self.block_picks),
                                                     *(b for _, b in self.goal_links))):
            return self
        picks = _in_order((p, moves.get(b, b)) for p, b in self.block_picks)
        links = tuple(dict.fromkeys((g, b if b is None else moves.get(b, b)) for g, b in self.goal_links))
        return replace(self, block_picks=picks, goal_links=links)

    def with_block_picks(self, block: int | None, chosen: Sequence[str]) -> AttendanceEntry:
        """The entry with ``picks_in(block)`` made ``chosen``: a word unticked goes from the
        session's words and from that block (``None``: from every block); a word ticked is
        made in ``block`` (``None``: the session's)."""
        shown = self.picks_in(block)
        removed = set(shown) - set(chosen)
        added = [p for p in dict.fromkeys(chosen) if p not in shown]
        picks = [p for p in self.picks if p not in removed]
        kept = [(p, b) for p, b in self.block_picks
                if not (p in removed and (block is None or b == block))]
        if block is None:
            picks += added
        else:
            kept += [(p, block) for p in added]
        return replace(self, picks=tuple(picks), block_picks=_in_order(kept))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "client_id": self.client_id, "status": str(self.status),
            "arrived": _iso(self.arrived), "left": _iso(self.left),
            "picks": list(self.picks), "text": self.text,
        }
        if self.block_picks:
            data["block_picks"] = [[pick, block] for pick, block in self.block_picks]
        if self.goal_links:
            data["goal_links"] = [[goal, block] for goal, block in self.goal_links]
        if self.updated_at is not None:
            data["updated_at"] = _iso(self.updated_at)
        if self.corrections:
            data["corrections"] = [c.to_dict() for c in self.corrections]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttendanceEntry:
        return cls(
            client_id=fields.client_id(data, "client_id"), status=fields.choice(data, "status", Status),
            arrived=fields.optional_aware(data, "arrived"), left=fields.optional_aware(data, "left"),
            picks=fields.texts(data, "picks"),
            text=fields.text(data, "text", "", max_length=fields.MAX_TEXT),
            goal_links=_goal_links(data.get("goal_links", [])),
            block_picks=_block_picks(data.get("block_picks", [])),
            updated_at=fields.optional_aware(data, "updated_at"),
            corrections=_corrections(data.get("corrections", [])),
        )


def _in_order(pairs: Any) -> tuple[tuple[str, int], ...]:
    """(word, block) pairs once each, by block, then in the words' display order."""
    return tuple(sorted(dict.fromkeys(pairs),
                        key=lambda pb: (pb[1], _PICK_ORDER.get(pb[0], len(_PICK_ORDER)), pb[0])))


def _block_picks(raw: Any) -> tuple[tuple[str, int], ...]:
    """Strict: a list of at most 1,000 [word, block position >= 0] pairs."""
    problem = "must be a list of [participation word, block position] pairs"
    if not isinstance(raw, list) or len(raw) > 1000:
        raise InputError(problem, field="block_picks")
    pairs = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2):
            raise InputError(problem, field="block_picks")
        pick, block = item
        if not isinstance(pick, str) or not pick.strip() or len(pick) > fields.MAX_SHORT:
            raise InputError(f"{problem}; a word is a text of at most {fields.MAX_SHORT} characters",
                             field="block_picks")
        if isinstance(block, bool) or not isinstance(block, int) or not 0 <= block <= 10_000:
            raise InputError(f"{problem}; a block position is a whole number from 0", field="block_picks")
        pairs.append((pick, block))
    return tuple(pairs)


def _corrections(raw: Any) -> tuple[AttendanceCorrection, ...]:
    if not isinstance(raw, list) or len(raw) > 1000:
        raise InputError("must be a list of corrections", field="corrections")
    return tuple(AttendanceCorrection.from_dict(c) for c in raw)


def _goal_links(raw: Any) -> tuple[tuple[int, int | None], ...]:
    """Strict: a list of [goal number >= 1, block position >= 0 or null] pairs."""
    if not isinstance(raw, list):
        raise ValueError("goal_links is not a list")
    links = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2):
            raise ValueError("a goal link is not a [goal, block] pair")
        goal, block = item
        if isinstance(goal, bool) or not isinstance(goal, int) or goal < 1:
            raise ValueError("a goal link's goal is not a number")
        if block is not None and (isinstance(block, bool) or not isinstance(block, int) or block < 0):
            raise ValueError("a goal link's block is not a position")
        links.append((goal, block))
    return tuple(links)


@dataclass(frozen=True)
class SessionRecord:
    """Everything one session file holds, as read at one moment."""

    header: SessionHeader
    blocks: tuple[BlockRun, ...] = ()
    attendance: dict[str, AttendanceEntry] = field(default_factory=dict)
    roster: tuple[str, ...] = ()  # client ids on the session's list (set at start; adds/removes)

    @property
    def participants(self) -> tuple[str, ...]:
        """Everyone on the list or with an attendance entry, in list order."""
        extra = tuple(c for c in self.attendance if c not in self.roster)
        return self.roster + extra

    def noncountable_spans(self, now: datetime | None = None) -> list[tuple[datetime, datetime]]:
        """Spans of non-countable time: breaks and pauses as they ran, or breaks as planned
        if the agenda never ran.

        A pause (``z``) is not treatment, like a break: it is left out of hours, billing and
        notes (issue #20). An open pause runs to the block's end, or to ``now`` when given (what
        is still to come of a running session is not taken as paused), else the session's end.
        A session whose agenda was never run on the clock (e.g. imported attendance)
        has its plan's blocks laid end to end from its start.
        """
        spans: list[tuple[datetime, datetime]] = []
        ran = any(b.started_at for b in self.blocks)
        cursor = self.header.start
        for block in self.blocks:
            if ran:
                # A skipped break still counts for the time it ran (as AgendaClock does).
                if not block.countable and block.started_at:
                    spans.append((block.started_at, block.ended_at or self.header.end))
                spans.extend(pause_spans(block, block.ended_at or now or self.header.end))
            else:
                # added in UTC: real minutes, also across a daylight-saving change
                end = (cursor.astimezone(UTC) + timedelta(minutes=block.planned_minutes)
                       ).astimezone(cursor.tzinfo)
                if not block.countable:
                    spans.append((cursor, end))
                cursor = end
        return spans


def attributions_moved(old: Sequence[BlockRun], new: Sequence[BlockRun]) -> dict[int, int]:
    """Where what was made in a block (participation words, goal links) goes when an agenda
    step changes which block is which: ``{old position: new position}``, empty for most steps.

    A break inserted renumbers the later blocks, and each keeps its own. ``b`` undoes a
    mistaken ``n`` "as if it had never been pressed": the block it began is not started any
    more, so what was made while it showed belongs to the block that was really running (the
    one resumed)."""
    if len(new) == len(old) + 1:
        same = lambda a, b: (a.kind, a.title, a.countable) == (b.kind, b.title, b.countable)  # noqa: E731
        inserted = next((i for i in range(len(old)) if not same(old[i], new[i])), len(old))
        return {old[i].position: i + 1 for i in range(inserted, len(old))
                if old[i].position != i + 1}
    if len(new) != len(old):
        return {}
    undone = [o.position for o, n in zip(old, new, strict=True) if o.started_at is not None and n.started_at is None]
    resumed = next((n.position for n in new if n.started_at is not None and n.ended_at is None), None)
    if resumed is None:
        return {}
    return {p: resumed for p in undone if p != resumed}


def pause_spans(block: BlockRun, open_end: datetime) -> list[tuple[datetime, datetime]]:
    """A block's pauses as spans; an open one (still paused) runs to ``open_end``."""
    return [(paused, resumed or open_end) for paused, resumed in block.pauses]


# --- the one rule for arrival and departure times ---------------------------------------------

TIME_RULE = (
    "An arrival or departure time lies inside the session as held, its start and end "
    "included: not before its start, not after its end, and while it runs not after now. "
    "Arriving before the start is not late (mark present); leaving before it is not "
    "attending (mark absent)."
)


def attendance_time_problem(which: str, when: datetime, *, start: datetime, end: datetime,
                            now: datetime | None = None) -> str | None:
    """What is wrong with ``when`` as a client's ``which`` ("arrived" or "left") time, or None.

    ``start``: when the session began (its scheduled start until the agenda clock starts);
    ``end``: when it ended (for a session still running, pass ``now`` too: a time later
    than now has not happened yet). The same rule for the l/e keys (which stamp now),
    typed times and imported rows (``TIME_RULE``).
    """
    def hm(value: datetime) -> str:
        local = value.astimezone(start.tzinfo) if start.tzinfo else value
        # Another day than the session's is named, or "18:06 is after 21:00" would read wrong.
        return f"{local:%H:%M}" if local.date() == start.date() else f"{local:%a %d %b %H:%M}"

    # Times are kept to the minute (the keys stamp hh:mm): a start at 17:58:40 is 17:58.
    if when < start.replace(second=0, microsecond=0):
        instead = "mark the client present instead" if which == "arrived" else \
            "mark the client absent instead"
        return f"{hm(when)} is before the session's start ({hm(start)}); {instead}"
    if now is not None and when > now:
        return f"{hm(when)} is later than now ({hm(now)})"
    if when > end:
        return f"{hm(when)} is after the session's end ({hm(end)})"
    return None


STATUS_RULE = (
    "The times name the attendance, whichever key set them: a departure before the "
    "session's end is left early (while the session runs, its end is still to come, so "
    "every departure is), an arrival after its start is late (both: left early, the "
    "arrival kept), neither is present. Times are kept to the minute: a time in the very "
    "minute the session started or ended cannot say which side it was, and the mark "
    "stands (l pressed in the minute the clock started is late; a time typed for a client "
    "marked present in that minute leaves them present). Absent, excused and telehealth "
    "are not renamed by times."
)


def held_span(header: SessionHeader) -> tuple[datetime, datetime | None]:
    """The start and the end (None while the session runs) a client's times are measured
    against (``STATUS_RULE``): when it really began and ended, to the minute."""
    start = header.start.replace(second=0, microsecond=0)
    ended = header.state is SessionState.ENDED and header.actual_end is not None
    end = header.actual_end.replace(second=0, microsecond=0) if ended else None  # type: ignore[union-attr]
    return start, end


def status_by_times(status: Status, arrived: datetime | None, left: datetime | None, *,
                    start: datetime, end: datetime | None) -> Status:
    """The status ``STATUS_RULE`` gives a client marked ``status`` with these times.

    The one rule for the keys (l and e stamp now) and for times typed with T; ``start``
    and ``end`` come from ``held_span``.
    """
    if status not in (Status.PRESENT, Status.LATE, Status.LEFT_EARLY):
        return status
    if left is not None and (end is None or left < end):
        return Status.LEFT_EARLY
    if left is not None and left == end and status is Status.LEFT_EARLY:
        return Status.LEFT_EARLY            # in the end's own minute the mark stands
    if arrived is not None and arrived > start:
        return Status.LATE
    if arrived is not None and arrived == start and status is Status.LATE:
        return Status.LATE                  # in the start's own minute the mark stands
    return Status.PRESENT
