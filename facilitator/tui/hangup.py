"""The app ends when its terminal goes: on SIGHUP, or when the terminal stops answering.

A killed ssh client closes the pseudo-terminal. The kernel then sends SIGHUP, but a program
started by sshd may have inherited SIGHUP ignored, and Textual's input thread treats the
closed terminal as an empty read and keeps polling: the app ran on with PPID 1, holding the
clinic open with nobody at it. So the app handles SIGHUP itself and also checks the terminal
every second; either way it exits (code 129), and if it cannot close in a few seconds
(its last screen update writes to a dead terminal) the process ends anyway. Every change
was already saved by then: the store writes each one as it happens (queued off the loop,
tui/writes.py: the process ends only once the queue has run, bounded), and ``app.exit``
(ClinicApp.exit) first saves what was typed and not yet autosaved (issue #20).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import termios
import threading
import time
from typing import Any

CHECK_SECONDS = 1.0
GRACE_SECONDS = 3.0
EXIT_HANGUP = 129     # 128 + SIGHUP, as a shell reports it


def watch_terminal(app: Any) -> None:
    """Call from the app's ``on_mount``; does nothing in headless (test) runs.

    Neither watch waits on the event loop, which long work can hold (issue #21): SIGHUP is a
    plain signal handler (run in the main thread between two bytecodes, busy or not) and the
    terminal is checked by a thread of its own. Each starts the grace timer at once and then
    asks the loop, thread-safely, to exit."""
    if app.is_headless:
        return
    try:
        fd = sys.__stdin__.fileno()  # type: ignore[union-attr]  # None: caught below
        termios.tcgetattr(fd)
    except (AttributeError, ValueError, OSError, termios.error):
        return       # not on a terminal: nothing to watch
    loop = asyncio.get_running_loop()
    try:
        signal.signal(signal.SIGHUP, lambda signum, frame: hang_up(app, loop))
    except ValueError:
        pass         # not the main thread (an embedding): the terminal check still runs
    threading.Thread(target=_check_terminal, args=(app, loop, fd), daemon=True, name="terminal-watch").start()


def _check_terminal(app: Any, loop: asyncio.AbstractEventLoop, fd: int) -> None:
    while not getattr(app, "_hung_up", False):
        time.sleep(CHECK_SECONDS)
        try:
            termios.tcgetattr(fd)
        except (OSError, termios.error):
            hang_up(app, loop)
            return


def _end_after_writes(app: Any) -> None:
    """The grace is over: end the process, once the queued store writes have run (at most
    ``writes.DRAIN_SECONDS`` more; ``ClinicApp.exit`` drains them too if the loop gets there)."""
    writes = getattr(app, "writes", None)
    if writes is not None:
        from facilitator.tui.writes import DRAIN_SECONDS
        writes.wait_stored(DRAIN_SECONDS)
    os._exit(EXIT_HANGUP)


def hang_up(app: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """End the app: the process ends ``GRACE_SECONDS`` from now whatever happens, and the
    loop is asked to exit cleanly first (``ClinicApp.exit`` saves what was typed)."""
    if getattr(app, "_hung_up", False):
        return
    app._hung_up = True
    timer = threading.Timer(GRACE_SECONDS, _end_after_writes, args=(app,))
    timer.daemon = True
    timer.start()
    if loop is None:
        app.exit(return_code=EXIT_HANGUP)
        return
    try:
        loop.call_soon_threadsafe(lambda: app.exit(return_code=EXIT_HANGUP))
    except RuntimeError:
        pass         # the loop has closed: the app is ending anyway
