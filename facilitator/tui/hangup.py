"""The app ends when its terminal goes: on SIGHUP, or when the terminal stops answering.

A killed ssh client closes the pseudo-terminal. The kernel then sends SIGHUP, but a program
started by sshd may have inherited SIGHUP ignored, and Textual's input thread treats the
closed terminal as an empty read and keeps polling: the app ran on with PPID 1, holding the
clinic open with nobody at it. So the app handles SIGHUP itself and also checks the terminal
every second; either way it exits (code 129), and if it cannot close in a few seconds
(its last screen update writes to a dead terminal) the process ends anyway. Every change
was already saved by then: the store writes each one as it happens, and ``app.exit``
(ClinicApp.exit) first saves what was typed and not yet autosaved (issue #20).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import termios
import threading
from typing import Any

CHECK_SECONDS = 1.0
GRACE_SECONDS = 3.0
EXIT_HANGUP = 129     # 128 + SIGHUP, as a shell reports it


def watch_terminal(app: Any) -> None:
    """Call from the app's ``on_mount``; does nothing in headless (test) runs."""
    if app.is_headless:
        return
    try:
        fd = sys.__stdin__.fileno()  # type: ignore[union-attr]  # None: the AttributeError below
        termios.tcgetattr(fd)
    except (AttributeError, ValueError, OSError, termios.error):
        return       # not on a terminal: nothing to watch
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, hang_up, app)
    except (NotImplementedError, RuntimeError):
        pass

    def check() -> None:
        try:
            termios.tcgetattr(fd)
        except (OSError, termios.error):
            hang_up(app)

    app.set_interval(CHECK_SECONDS, check, name="terminal-watch")


def hang_up(app: Any) -> None:
    if getattr(app, "_hung_up", False):
        return
    app._hung_up = True
    timer = threading.Timer(GRACE_SECONDS, os._exit, args=(EXIT_HANGUP,))
    timer.daemon = True
    timer.start()
    app.exit(return_code=EXIT_HANGUP)
