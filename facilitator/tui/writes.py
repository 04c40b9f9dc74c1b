"""The screens' store writes, off the event loop: one at a time, in the order asked (issue #23).

A write can wait for a file's lock up to ``store.files.LOCK_TIMEOUT_SECONDS`` (another
account's write, a laptop's sync, ``verify``, a backup). Run on Textual's event loop, that
wait froze the screen and piled up the keys typed meanwhile. The app holds one ``Writes``
(``app.writes``); a screen asks it::

    app.writes.ask(lambda: running.mark(cid, status, at), done=shown, where=screen)

The change runs in a Textual thread worker, after every change asked before it (never
``exclusive``: that would cancel the earlier ones and lose marks). Its answer comes back as a
message to the app (``Writes.Answered``), handled on the loop: ``done(result)`` (the screen's
reload, which must see the write), or a failure (``tui.failures.FAILURE``) shown once by
``report_failure`` on ``where`` (or given to ``failed``), the typing kept on screen. An error
that is not a ``FAILURE`` is a defect and is raised on the loop, as before.

Quitting waits: ``drain`` (``ClinicApp.exit`` and a hang-up, tui/hangup.py) blocks, at most
``DRAIN_SECONDS``, until every asked change has run, running them itself if no worker thread
has started yet. Tests wait with ``await app.writes.idle()``.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

from facilitator.store.files import LOCK_TIMEOUT_SECONDS
from facilitator.tui.failures import FAILURE, report_failure
from facilitator.tui.widgets.problem import refusal_sentence

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

# Quitting waits this long for the queue at most: one write's full lock wait, and a margin.
DRAIN_SECONDS = LOCK_TIMEOUT_SECONDS + 5.0


@dataclass(eq=False)
class Write:
    """One change asked of the store, and what to do with its answer on the loop."""

    change: Callable[[], Any]
    done: Callable[[Any], None] | None = None
    failed: Callable[[Exception], None] | None = None
    where: Any = None                     # the screen or widget that asked (the failure's toast)
    result: Any = None
    problem: BaseException | None = field(default=None)


class Writes:
    """The app's one queue of store writes (module docstring)."""

    class Answered(Message):
        """A write has run (``write.problem`` None) or failed; posted to the app."""

        def __init__(self, write: Write) -> None:
            super().__init__()
            self.write = write

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._queue: deque[Write] = deque()
        self._guard = threading.Lock()      # the queue and ``_consuming``
        self._turn = threading.Lock()       # held by whoever is running writes: one at a time
        self._consuming = False             # a worker has been started and has not finished
        self._stored = threading.Event()    # set: nothing asked is waiting or running
        self._stored.set()
        self._asked = 0                     # ever asked; answers come in the order asked
        self._answered = 0                  # ever answered on the loop
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._said: set[str] = set()        # failures shown since the queue was last empty

    # -- the loop's side ------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """How many writes are asked and not yet answered."""
        return self._asked - self._answered

    def ask(self, change: Callable[[], Any], *, done: Callable[[Any], None] | None = None,
            failed: Callable[[Exception], None] | None = None, where: Any = None) -> None:
        """Run ``change`` after every write asked before it; answer on the loop (module docstring)."""
        self._asked += 1
        with self._guard:
            self._queue.append(Write(change, done, failed, where))
            self._stored.clear()
            start = not self._consuming
            self._consuming = True
        if start:
            self._app.run_worker(self._consume, thread=True, group="store-writes", name="store writes",
                                 exit_on_error=False)

    async def idle(self) -> None:
        """Until every write asked so far has run and its answer has been handled (not those
        asked meanwhile: an autosave retrying behind a held lock would never let it end)."""
        target = self._asked
        while self._answered < target:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append((target, waiter))
            await waiter

    def drain(self, seconds: float = DRAIN_SECONDS) -> bool:
        """Block until every asked write has run (quitting): True if all did in ``seconds``.
        Writes no worker thread has picked up yet are run here, in order."""
        if self._stored.is_set():
            return True
        if not self._turn.acquire(timeout=seconds):
            return False
        try:
            self._run_queued()
        finally:
            self._turn.release()
        return self._stored.wait(0)

    def wait_stored(self, seconds: float) -> bool:
        """From any thread: wait until nothing asked is waiting or running (a hang-up's timer)."""
        return self._stored.wait(seconds)

    def answered(self, message: Writes.Answered) -> None:
        """On the loop: the write's answer (``ClinicApp.on_writes_answered`` calls this)."""
        write = message.write
        try:
            if write.problem is None:
                if write.done is not None:
                    write.done(write.result)
            elif isinstance(write.problem, FAILURE):
                self._show_failure(write, write.problem)
            else:
                raise write.problem        # a defect: the app's crash handling, as on the loop
        finally:
            self._settle()

    def _show_failure(self, write: Write, problem: Exception) -> None:
        if write.failed is not None:
            write.failed(problem)
        else:
            self.report(problem, write.where)

    def report(self, problem: Exception, where: Any = None) -> None:
        """Show a queued write's failure on ``where`` (or the app): once, however many
        writes of the same burst fail the same way (a damaged file, a held lock)."""
        sentence = refusal_sentence(problem)
        if sentence in self._said:
            return
        self._said.add(sentence)
        report_failure(where if where is not None and _attached(where) else self._app, problem)

    def _settle(self) -> None:
        self._answered += 1
        if not self.pending:
            self._said.clear()
        ready = [waiter for target, waiter in self._waiters if target <= self._answered]
        self._waiters = [(target, waiter) for target, waiter in self._waiters if target > self._answered]
        for waiter in ready:
            if not waiter.done():
                waiter.set_result(None)

    # -- the worker's side ---------------------------------------------------------------------
    def _consume(self) -> None:
        """The thread worker: every queued write, in order, then it ends."""
        with self._turn:
            self._run_queued()
        with self._guard:
            if not self._queue:
                self._consuming = False
                return
        # asked while this worker was finishing, after it let go of its turn: keep going
        self._consume()

    def _run_queued(self) -> None:
        while True:
            with self._guard:
                if not self._queue:
                    self._stored.set()
                    return
                write = self._queue[0]
            _perform(write)
            with self._guard:
                self._queue.popleft()
            self._post(write)

    def _post(self, write: Write) -> None:
        try:
            self._app.post_message(Writes.Answered(write))
        except RuntimeError:               # the loop has closed: the app has ended
            pass


def _perform(write: Write) -> None:
    try:
        write.result = write.change()
    except BaseException as problem:      # answered on the loop: a FAILURE shown, else raised there
        write.problem = problem


def _attached(where: Widget | Any) -> bool:
    return bool(getattr(where, "is_attached", True))
