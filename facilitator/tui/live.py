"""Screens that follow the data directory: read in a thread, re-read when files change.

A ``LiveScreen`` polls once a second. The poll runs in a worker thread: it takes a cheap
fingerprint of the files its view depends on (``fingerprint``: one ``stat`` each, no file
is opened) and only when that changed (or the screen asked, e.g. another week) reads the
data again, still in the thread. The result is shown on the main thread. Keys never wait
for a read.

Only the screen on top of the stack polls: one under a dialog, another screen or the idle
lock reads nothing until it is on top again, and then reads at once. A screen whose
``REREAD_GAP_SECONDS`` is set re-reads for changes at most that often while they keep
coming (the first change after a quiet spell is still read within a poll): ten supervisors'
weekly views while four counselors take attendance (benchmark figure 6).

Why ``stat`` is enough here: every write replaces its file atomically (``os.replace`` of a
new temporary file), so each write gives the path a new inode, even when two writes fall
within one timestamp tick.
"""

from __future__ import annotations

import os
import time
from collections.abc import Hashable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.screen import Screen

from facilitator.store.records import months_between, session_files
from facilitator.tui.failures import FAILURE
from facilitator.tui.widgets.problem import announce_problem, problem_message

if TYPE_CHECKING:
    from facilitator.store.datadir import DataDir
    from facilitator.tui.clinic_app import ClinicApp

POLL_SECONDS = 1.0


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _folder(path: Path) -> tuple[Any, ...]:
    """Each file directly in ``path``: its name and ``_stat`` (a missing folder: empty)."""
    try:
        with os.scandir(path) as entries:
            return tuple(sorted((e.name, _stat(Path(e.path))) for e in entries if e.is_file(follow_symlinks=False)))
    except (FileNotFoundError, NotADirectoryError):
        return ()


def fingerprint(data: DataDir, first: date, last: date) -> tuple[Any, ...]:
    """What changes when anything the days ``first``..``last`` are computed from changes:
    the clinic file, the session files of those days, the other-hours month files, the
    clients' recovery plans (reviews due) and the session plans (their breaks)."""
    parts: list[Any] = [_stat(data.clinic_file.path)]
    parts.extend((f.path.name, _stat(f.path)) for f in session_files(data.records_dir, first, last))
    hours_dir = data.root / "hours"
    parts.extend(_stat(hours_dir / f"{y:04d}-{m:02d}.json") for y, m in months_between(first, last))
    parts.append(_folder(data.root / "recovery"))
    parts.append(_folder(data.plans_dir))
    return tuple(parts)


class LiveScreen(Screen):
    """Subclasses give ``view_key`` (what to show), ``span`` and ``compute`` (run in a
    thread), and ``show`` (main thread). ``reload()`` reads again whatever changed."""

    # What a read may raise that is shown as a sentence (the last good view stays).
    READ_ERRORS: ClassVar[tuple[type[Exception], ...]] = FAILURE
    # Re-read for a change at most this often while changes keep coming (0: every poll).
    REREAD_GAP_SECONDS: ClassVar[float] = 0.0
    # How often the screen on top polls (real seconds); tests shorten it to see polls run
    # without waiting real seconds.
    poll_seconds: ClassVar[float] = POLL_SECONDS

    def __init__(self) -> None:
        super().__init__()
        self.shown_key: Hashable | None = None
        self._fingerprint: tuple[Any, ...] | None = None
        self._busy = False
        self._again = False
        self._force = True
        self._changed_at = float("-inf")   # monotonic time of the last read a change caused
        self.problem: str | None = None

    @property
    def facilitator(self) -> ClinicApp:
        return self.app  # type: ignore[return-value]

    # -- to be provided ------------------------------------------------------------------
    def view_key(self) -> Hashable:
        raise NotImplementedError

    def span(self, key: Any) -> tuple[date, date]:
        raise NotImplementedError

    def compute(self, key: Any) -> Any:
        """Runs in a worker thread: read files, touch no widget."""
        raise NotImplementedError

    def show(self, key: Any, result: Any) -> None:
        raise NotImplementedError

    def show_problem(self, message: str | None) -> None:
        """Say what cannot be read (``None``: all is well)."""

    # -- machinery -----------------------------------------------------------------------
    def on_mount(self) -> None:
        self.set_interval(self.poll_seconds, self.poll)
        self.reload()

    def reload(self) -> None:
        """Read again now, whether or not anything changed."""
        self._force = True
        self.poll()

    def on_screen_resume(self) -> None:
        self.poll()             # catch up with what changed while another screen was on top

    def poll(self) -> None:
        if not self.is_active and not self._force:
            return              # not on top (a dialog, another screen, the idle lock)
        if self._busy:
            self._again = True
            return
        key = self.view_key()
        known = None if self._force or key != self.shown_key else self._fingerprint
        if known is not None and time.monotonic() - self._changed_at < self.REREAD_GAP_SECONDS:
            return              # changes keep coming: the next poll after the gap reads them
        self._busy = True
        self._force = False
        self.run_worker(lambda: self._read(key, known), thread=True, group="live-read",
                        exit_on_error=True)

    def _minute(self) -> datetime:
        return self.facilitator.clock().replace(second=0, microsecond=0)

    def _read(self, key: Any, known: tuple[Any, ...] | None) -> None:
        result: Any = None
        error: Exception | None = None
        stamp: tuple[Any, ...] | None = None
        try:
            first, last = self.span(key)
            # The minute is part of it: for the current week, time passing changes flags.
            stamp = (self._minute(), fingerprint(self.facilitator.data, first, last))
            if stamp != known:
                result = self.compute(key)
        except self.READ_ERRORS as problem:
            error, stamp = problem, None
        try:
            self.app.call_from_thread(self._done, key, stamp, known, result, error)
        except RuntimeError:
            pass  # the app closed meanwhile

    def _done(self, key: Any, stamp: tuple[Any, ...] | None, known: tuple[Any, ...] | None,
              result: Any, error: Exception | None) -> None:
        self._busy = False
        if not self.is_attached:
            return
        if error is not None:
            self._problem(error)
        elif stamp != known and key == self.view_key():
            if known is not None:
                self._changed_at = time.monotonic()
            self._problem(None)
            self._fingerprint = stamp
            self.shown_key = key
            self.show(key, result)
        if self._again or key != self.view_key():
            self._again = False
            self.poll()

    def _problem(self, problem: Exception | None) -> None:
        message = problem_message(problem)
        announce_problem(self.app, message, self.problem)
        self.problem = message
        self.show_problem(message)
