"""The agenda clock: where a running session is, computed only from stored timestamps.

The agenda is the session's tuple of ``BlockRun``. Nothing here counts ticks or reads
the wall clock: every operation and query takes ``now``, and every answer is worked
out from ``started_at`` / ``ended_at`` / ``pauses`` alone. So after a suspended
laptop, a crash or a restart, rebuilding ``AgendaClock`` from the stored blocks gives
exactly the same answers.

Operations (``start``, ``next``, ``back``, ``pause``, ``resume``, ``extend``, ``skip``,
``insert_break``) return a NEW tuple of blocks; the caller persists it and wraps it in a
new ``AgendaClock``. A refused operation raises ``AgendaError`` and changes nothing.

The agenda runs in one straight pass: blocks before the current one are done (ended,
perhaps skipped), the current one is running (started, not ended), the rest are not
started. ``next`` and ``skip`` always move to the following block; ``back`` undoes them.

Time arithmetic is done in UTC, because Python subtracts and compares two datetimes of
the same ``ZoneInfo`` by wall clock (a block across the fall-back change would
otherwise come out 20 minutes *negative*). A ``now`` earlier than the latest stored
stamp (the laptop clock was set back) is held at that stamp, so stored times never run
backwards. Pauses are not treatment: they stop a block's clock and, like non-countable
blocks (breaks), are non-countable time (issue #20).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from facilitator.core.errors import Refusal
from facilitator.core.rules import BlockKind
from facilitator.core.session import BlockRun, pause_spans

Blocks = tuple[BlockRun, ...]

CUE_BEFORE_END = timedelta(minutes=1)   # the gentle cue one minute before a block ends
DEFAULT_EXTEND_MINUTES = 5
DEFAULT_BREAK_MINUTES = 10
BREAK_TITLE = "Break"
_ZERO = timedelta(0)


class AgendaError(Refusal, ValueError):
    """An agenda operation that does not apply now ("next" before the start, ...)."""


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _span(start: datetime, end: datetime) -> timedelta:
    """Real time from ``start`` to ``end`` (also across a daylight-saving change)."""
    return _utc(end) - _utc(start)


def _latest(a: datetime, b: datetime) -> datetime:
    return b if _utc(b) > _utc(a) else a


def _earliest(a: datetime, b: datetime) -> datetime:
    return b if _utc(b) < _utc(a) else a


def _open_pause(block: BlockRun) -> bool:
    return bool(block.pauses) and block.pauses[-1][1] is None


def _close(block: BlockRun, now: datetime, *, skipped: bool = False) -> BlockRun:
    """End ``block`` at ``now``, closing an open pause at the same moment."""
    pauses = block.pauses
    if _open_pause(block):
        pauses = pauses[:-1] + ((pauses[-1][0], now),)
    return block.with_changes(ended_at=now, pauses=pauses, skipped=skipped or block.skipped)


def _renumbered(blocks: Blocks) -> Blocks:
    return tuple(b if b.position == i else b.with_changes(position=i)
                 for i, b in enumerate(blocks))


@dataclass(frozen=True)
class AgendaClock:
    """A session's agenda as it runs: which block is current and how long each has run,
    worked out from the blocks' stored times; each operation returns the new blocks."""

    blocks: Blocks

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", tuple(self.blocks))

    # --- state ----------------------------------------------------------------------------

    def current(self) -> int | None:
        """Index of the running block (started, not ended), or None before start / when done."""
        for i, block in enumerate(self.blocks):
            if block.started_at is not None and block.ended_at is None:
                return i
        return None

    @property
    def started(self) -> bool:
        return any(b.started_at is not None for b in self.blocks)

    @property
    def finished(self) -> bool:
        return self.started and self.current() is None

    @property
    def paused(self) -> bool:
        return (i := self.current()) is not None and _open_pause(self.blocks[i])

    @property
    def actual_start(self) -> datetime | None:
        """When the first block started: the session's actual start."""
        return next((b.started_at for b in self.blocks if b.started_at is not None), None)

    @property
    def actual_end(self) -> datetime | None:
        """When the last block ended, once the agenda is finished."""
        if not self.finished:
            return None
        return [b.ended_at for b in self.blocks if b.ended_at is not None][-1]

    # --- operations (each returns a new tuple of blocks) --------------------------------

    def _now(self, now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            raise AgendaError("agenda times must be timezone-aware")
        for b in self.blocks:  # never store a stamp earlier than one already stored
            for moment in (b.started_at, b.ended_at, *(t for p in b.pauses for t in p)):
                now = now if moment is None else _latest(moment, now)
        return now

    def _running(self) -> int:
        i = self.current()
        if i is None:
            raise AgendaError("the agenda has finished" if self.finished
                              else "the agenda has not started")
        return i

    def _following(self, index: int) -> int | None:
        """The next block after ``index`` still to run (not started, not skipped)."""
        for j in range(index + 1, len(self.blocks)):
            block = self.blocks[j]
            if block.started_at is None and not block.skipped:
                return j
        return None

    def _with(self, changes: dict[int, BlockRun]) -> Blocks:
        return tuple(changes.get(i, b) for i, b in enumerate(self.blocks))

    def start(self, now: datetime) -> Blocks:
        """Start the first block: the session's actual start."""
        now = self._now(now)
        if self.started:
            raise AgendaError("the agenda has already started")
        first = self._following(-1)
        if first is None:
            raise AgendaError("the agenda has no blocks to run")
        return self._with({first: self.blocks[first].with_changes(started_at=now)})

    def _advance(self, now: datetime, *, skipped: bool) -> Blocks:
        now = self._now(now)
        i = self._running()
        changes = {i: _close(self.blocks[i], now, skipped=skipped)}
        j = self._following(i)
        if j is not None:
            changes[j] = self.blocks[j].with_changes(started_at=now)
        return self._with(changes)

    def next(self, now: datetime) -> Blocks:
        """End the current block at ``now`` and start the next; after the last, finished."""
        return self._advance(now, skipped=False)

    def skip(self, now: datetime) -> Blocks:
        """Like ``next``, but the current block is marked skipped (its time so far is kept)."""
        return self._advance(now, skipped=True)

    def back(self, now: datetime) -> Blocks:
        """Undo a mistaken ``next``/``skip``: as if it had never been pressed.

        The current block returns to not started (its times cleared); the block before
        it resumes (ended_at cleared, no longer skipped) and takes over the current
        block's pauses, an open one included. When the agenda has finished, the last
        block resumes. Refused before the start and at the first block.
        """
        self._now(now)
        i = self.current()
        ran = [k for k, b in enumerate(self.blocks) if b.started_at is not None
               and (i is None or k < i)]
        if not ran:
            raise AgendaError("there is no earlier block to go back to")
        k = ran[-1]
        previous = self.blocks[k]
        changes = {k: previous.with_changes(ended_at=None, skipped=False)}
        if i is not None:
            block = self.blocks[i]
            changes[k] = changes[k].with_changes(pauses=previous.pauses + block.pauses)
            changes[i] = block.with_changes(started_at=None, ended_at=None, pauses=())
        return self._with(changes)

    def pause(self, now: datetime) -> Blocks:
        now = self._now(now)
        i = self._running()
        block = self.blocks[i]
        if _open_pause(block):
            raise AgendaError("the block is already paused")
        return self._with({i: block.with_changes(pauses=block.pauses + ((now, None),))})

    def resume(self, now: datetime) -> Blocks:
        now = self._now(now)
        i = self._running()
        block = self.blocks[i]
        if not _open_pause(block):
            raise AgendaError("the block is not paused")
        pauses = block.pauses[:-1] + ((block.pauses[-1][0], now),)
        return self._with({i: block.with_changes(pauses=pauses)})

    def extend(self, now: datetime, minutes: int = DEFAULT_EXTEND_MINUTES) -> Blocks:
        """Add ``minutes`` to the current block's planned minutes."""
        self._now(now)
        if minutes < 1:
            raise AgendaError("extend by at least one minute")
        i = self._running()
        block = self.blocks[i]
        return self._with({i: block.with_changes(planned_minutes=block.planned_minutes + minutes)})

    def insert_break(self, now: datetime, minutes: int = DEFAULT_BREAK_MINUTES) -> Blocks:
        """End the current block now and start a new, non-countable break right after it.

        The break is inserted at position current + 1 and the later blocks are renumbered;
        after it, ``next`` carries on with the block that was next before.
        """
        now = self._now(now)
        if minutes < 1:
            raise AgendaError("a break lasts at least one minute")
        i = self._running()
        brk = BlockRun(position=i + 1, kind=BlockKind.BREAK, title=BREAK_TITLE,
                       planned_minutes=minutes, countable=False, started_at=now)
        blocks = self.blocks[:i] + (_close(self.blocks[i], now), brk) + self.blocks[i + 1:]
        return _renumbered(blocks)

    # --- queries ----------------------------------------------------------------------------

    def elapsed(self, index: int, now: datetime) -> timedelta:
        """Time the block has run (to its end, or to ``now`` while running), minus pauses."""
        block = self.blocks[index]
        if block.started_at is None:
            return _ZERO
        start = block.started_at
        end = block.ended_at or now
        if _utc(end) <= _utc(start):
            return _ZERO
        total = _span(start, end)
        for pause_start, pause_end in block.pauses:
            lo = _latest(start, pause_start)
            hi = _earliest(end, pause_end or end)
            if _utc(hi) > _utc(lo):
                total -= _span(lo, hi)
        return max(total, _ZERO)

    def remaining(self, index: int, now: datetime) -> timedelta:
        """Planned minus elapsed; negative is overtime."""
        return timedelta(minutes=self.blocks[index].planned_minutes) - self.elapsed(index, now)

    def is_overtime(self, index: int, now: datetime) -> bool:
        return self.remaining(index, now) < _ZERO

    def cue_due(self, now: datetime) -> bool:
        """True while the current block has at most one minute left, and more than none."""
        i = self.current()
        return i is not None and _ZERO < self.remaining(i, now) <= CUE_BEFORE_END

    def progress(self, index: int, now: datetime) -> float:
        """Elapsed as a fraction of planned, between 0 and 1."""
        planned = timedelta(minutes=self.blocks[index].planned_minutes)
        if planned <= _ZERO:
            return 1.0 if self.blocks[index].started_at is not None else 0.0
        return min(1.0, self.elapsed(index, now) / planned)

    @property
    def planned_total(self) -> timedelta:
        """The agenda as it now stands: planned minutes of every block not skipped."""
        return timedelta(minutes=sum(b.planned_minutes for b in self.blocks if not b.skipped))

    def actual_total(self, now: datetime) -> timedelta:
        """Time the agenda ran from the first start to the end (or ``now``), less its pauses.

        Breaks are in it, as they are in ``planned_total``; pauses are not (issue #20)."""
        start = self.actual_start
        if start is None:
            return _ZERO
        end = self.actual_end or now
        total = _span(start, end)
        for block in self.blocks:
            for pause_start, pause_end in block.pauses:
                lo = _latest(start, pause_start)
                hi = _earliest(end, pause_end or block.ended_at or end)
                if _utc(hi) > _utc(lo):
                    total -= _span(lo, hi)
        return max(total, _ZERO)

    def planned_end(self, now: datetime) -> datetime:
        """When the session ends if the rest runs to plan (the actual end once finished).

        An overtime current block counts as ending now; a paused one keeps its remaining
        time, so the planned end slides while paused.
        """
        if (end := self.actual_end) is not None:
            return end
        rest = sum((timedelta(minutes=b.planned_minutes) for b in self.blocks
                    if b.started_at is None and not b.skipped), _ZERO)
        i = self.current()
        if i is not None:
            rest += max(self.remaining(i, now), _ZERO)
        return (_utc(now) + rest).astimezone(now.tzinfo)

    def noncountable_spans(self, now: datetime) -> list[tuple[datetime, datetime]]:
        """Non-countable time as actually run: breaks and pauses; a running one up to ``now``.

        A pause is not treatment (issue #20), so it is left out like a break; a break
        skipped at once (no time run) is left out, one skipped part-way counts for what ran.
        """
        spans: list[tuple[datetime, datetime]] = []
        for block in self.blocks:
            if block.started_at is None:
                continue
            end = block.ended_at or now
            if not block.countable and _utc(end) > _utc(block.started_at):
                spans.append((block.started_at, end))
            spans.extend((a, b) for a, b in pause_spans(block, end) if _utc(b) > _utc(a))
        return spans
