"""``verify``'s pass over the audit chain, in one loop, split over two processes on a long log.

The same checks as ``AuditLog.verify(visit=Replay().visit, inspect=AuditShapes())`` (which stays
the reference; ``tests/store/test_chain_pass.py`` compares the two on damaged logs): each
line's hash, its link to the line before, its sequence number, its shape (``checks``), and the
last entry binding each data file. Written as one loop without per-line calls, which was a
third of the pass on a five-year log (tests/bench/README.md).

Each month file's lines are checked independently of the files before it, given the hash and
number the chain had reached: so a long log is split in two runs of month files, the first
checked in a forked child while this process checks the second, and the second run's first
link is checked here against the first run's end. (No log format change: the hash of each
line is still the hash of its canonical dump.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator.store.audit import GENESIS, ChainBreak, entry_hash

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency; the json module decides every line then
    _orjson = None  # type: ignore[assignment]  # typed as the module: it is a dependency

# A log shorter than this is checked in this process only (forking costs more than it saves).
PARALLEL_BYTES = 8 * 2**20

_ALTERED = "the entry was altered (its hash does not match)"
_BROKEN = "the chain is broken here (an entry before it was removed, altered or reordered)"


@dataclass
class ChainPass:
    """What one run of month files showed (``check_run``)."""

    breaks: list[ChainBreak] = field(default_factory=list)
    shape_problems: list[str] = field(default_factory=list)
    seen: list[Path] = field(default_factory=list)
    last: dict[str, dict[str, Any]] = field(default_factory=dict)   # file -> last entry binding it
    bound_any: bool = False
    # The run's first entry, when its link to the lines before the run was left to the caller:
    # (file, line, its prev, its seq, where in ``breaks`` a break of that link goes).
    opening: tuple[Path, int, Any, Any, int] | None = None
    end_hash: Any = None           # the chain's hash and sequence number after the run
    end_seq: Any = None


# The types of an entry's fields (at, seq, user, action, record, detail, prev, hash) that the
# one-loop pass takes without asking checks.audit_entry_problem, once the time was found good.
_PLAIN = (str, int, str, str, str, dict, str, str)
_UNSEEN = "unseen"


def _json_entry(line: bytes) -> tuple[Any, bool]:
    """A line orjson disagreed on or could not read, as the json module reads it: the entry (None
    if it is not JSON) and whether its hash is intact."""
    try:
        entry = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        entry = None
    return entry, isinstance(entry, dict) and entry.get("hash") == entry_hash(entry)


def check_run(paths: Iterable[Path], prev_hash: str | None = GENESIS, prev_seq: int | None = 0) -> ChainPass:
    """Check the lines of ``paths`` (month files in chain order). ``prev_hash=None``: the run
    starts after lines checked elsewhere; its first entry's link is left in ``opening``."""
    import hashlib

    from facilitator.store.checks import MAX_AUDIT_LINE, _too_long, audit_entry_problem
    run = ChainPass()
    breaks, shapes, last = run.breaks, run.shape_problems, run.last
    at_verdicts: dict[str, str | None] = {}
    sha = hashlib.sha256
    loads, dumps, sort = ((_orjson.loads, _orjson.dumps, _orjson.OPT_SORT_KEYS)
                          if _orjson is not None else (None, None, None))
    opening = prev_hash is None
    bound_any = False
    for path in paths:
        run.seen.append(path)
        with open(path, "rb") as handle:
            lines = handle.read().splitlines()
        number = 0
        for line in lines:
            number += 1
            if not line.strip():
                continue
            # -- the line's hash (orjson's sorted dump is the canonical form for every entry
            # facilitator writes; any line it disagrees on or cannot read, the json module decides)
            entry: Any = None
            intact = False
            if loads is not None:
                try:
                    entry = loads(line)
                    said = entry.pop("hash", None)
                    intact = sha(dumps(entry, option=sort)).hexdigest() == said
                    entry["hash"] = said
                except (ValueError, AttributeError, TypeError):
                    entry = None
            if not intact:
                entry, intact = _json_entry(line)
            # -- its shape (checks.AuditShapes)
            if len(line) > MAX_AUDIT_LINE:
                shapes.append(_too_long(path, number))
            elif entry is not None:
                get = entry.get if type(entry) is dict else None
                at: Any = get("at") if get is not None else None
                # taken on sight: each field of its type, at a time already found good
                if not (get is not None
                        and (type(at), type(get("seq")), type(get("user")), type(get("action")),
                             type(get("record")), type(get("detail")), type(get("prev")),
                             type(get("hash"))) == _PLAIN
                        and at_verdicts.get(at, _UNSEEN) is None):
                    problem = audit_entry_problem(entry, at_verdicts)
                    if problem:
                        shapes.append(f"{path}, line {number}: {problem}.")
            if type(entry) is not dict:
                breaks.append(ChainBreak(path, number, "the line is not a valid entry"))
                continue
            # -- the file it binds (integrity.Replay)
            get = entry.get
            rel = get("file")
            if type(rel) is str:
                bound_any = True
                last[rel] = entry
            # -- its link and number
            seq = get("seq")
            if not intact:
                breaks.append(ChainBreak(path, number, _ALTERED))
            if opening:
                run.opening = (path, number, get("prev"), seq, len(breaks))
                opening = False
            else:
                if get("prev") != prev_hash:
                    breaks.append(ChainBreak(path, number, _BROKEN))
                if prev_seq is not None and seq != prev_seq + 1:   # None: discarded by _splice
                    breaks.append(ChainBreak(path, number, f"sequence {seq} follows {prev_seq}"))
            prev_hash = get("hash", "")
            prev_seq = seq if isinstance(seq, int) else prev_seq
    run.bound_any = bound_any
    run.end_hash, run.end_seq = prev_hash, prev_seq
    return run


def _splice(first: ChainPass, second: ChainPass) -> ChainPass | None:
    """The two runs as one (``first`` from the chain's start); None if the second run's first
    entry has no integer sequence number (then its later numbers depend on the first run's)."""
    whole = ChainPass(breaks=list(first.breaks), shape_problems=first.shape_problems + second.shape_problems,
                      seen=first.seen + second.seen, last={**first.last, **second.last},
                      bound_any=first.bound_any or second.bound_any,
                      end_hash=second.end_hash, end_seq=second.end_seq)
    if second.opening is None:                 # no entry in the second run
        whole.breaks += second.breaks
        whole.end_hash, whole.end_seq = first.end_hash, first.end_seq
        return whole
    path, number, prev, seq, at = second.opening
    if not isinstance(seq, int):
        return None
    link = []
    if prev != first.end_hash:
        link.append(ChainBreak(path, number, _BROKEN))
    if seq != first.end_seq + 1:
        link.append(ChainBreak(path, number, f"sequence {seq} follows {first.end_seq}"))
    whole.breaks += second.breaks[:at] + link + second.breaks[at:]
    return whole


class ChainCheck:
    """The chain pass over ``paths``, begun now and finished by ``result()``.

    With ``parallel``, a forked child checks month files from the oldest on while this process
    does other work (``verify`` reads and hashes the data files meanwhile); ``result()`` then
    checks month files from the newest back until the two meet. Each file is claimed under a
    lock shared with the child, so neither waits for the other whatever their speeds; each run
    is spliced to the one before it in chain order. Without ``parallel``, ``result()`` checks
    every file in this process.
    """

    def __init__(self, paths: list[Path], parallel: bool | None = None) -> None:
        self.paths = list(paths)
        if parallel is None:
            parallel = (len(self.paths) > 1 and (os.cpu_count() or 1) > 1
                        and sum(os.path.getsize(p) for p in self.paths) >= PARALLEL_BYTES)
        self._child: BaseProcess | None = None
        if parallel and len(self.paths) > 1:
            self._start()

    def _start(self) -> None:
        import multiprocessing
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:                     # pragma: no cover - no fork on this platform
            return
        self._lock = context.Lock()
        self._front = context.RawValue("i", 0)                 # the next file the child takes
        self._back = context.RawValue("i", len(self.paths))    # the last file this process took
        self._receive, send = context.Pipe(duplex=False)
        self._child = context.Process(target=_child_pass, args=(self, send), daemon=True)
        self._child.start()
        send.close()

    def claim_front(self) -> Iterator[Path]:
        """The child's files, oldest first, each claimed as it is reached."""
        while True:
            with self._lock:
                if self._front.value >= self._back.value:
                    return
                index = self._front.value
                self._front.value = index + 1
            yield self.paths[index]

    def result(self) -> ChainPass:
        if self._child is None:
            return check_run(self.paths)
        mine: list[ChainPass] = []
        while True:
            with self._lock:
                if self._back.value <= self._front.value:
                    break
                self._back.value -= 1
                index = self._back.value
            mine.append(check_run([self.paths[index]], None, None))
        try:
            first = self._receive.recv()
        except (EOFError, OSError):
            first = None                       # the child died: check everything here
        self._child.join()
        if first is None:
            return check_run(self.paths)
        whole: ChainPass | None = first
        for run in reversed(mine):
            whole = _splice(whole, run) if whole is not None else None
        return whole if whole is not None else check_run(self.paths)


def _child_pass(check: ChainCheck, send: Any) -> None:
    try:
        send.send(check_run(check.claim_front()))
    finally:
        send.close()


def check_chain(paths: list[Path], parallel: bool | None = None) -> ChainPass:
    """The whole chain of ``paths`` (``ChainCheck`` with nothing to do meanwhile)."""
    return ChainCheck(paths, parallel).result()
