"""The real program at a chosen instant: libfaketime (Debian's ``faketime`` package).

In-process code takes an injected clock (``DataDir(clock=...)``, ``make_app(clock=...)``).
A subprocess cannot, so a test that needs the real program at a given instant runs it
through ``program_at(directory, instant)``: a two-line shell script that starts
``facilitator`` with libfaketime preloaded and ``FAKETIME="@<instant, UTC>"`` (start the
clock at that instant, then let it run). Anything it starts (``sync``'s ``sh -c`` and the
``sync --serve`` behind it) inherits the same settings, and a wrapper run on the far side
of ssh sets them again there, so every process of a test sees the same day and hour.

The whole suite also runs under faketime in CI (``.ci/run``); an instant set here wins over
the suite's, which is what a test that chose its instant wants.

Skips, with the reason, where libfaketime is not installed (the README's setup line
installs it).
"""

from __future__ import annotations

import glob
import os
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "facilitator"


def libfaketime() -> Path | None:
    """The preload library, wherever the distribution put it (None if not installed)."""
    for pattern in ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1",
                    "/usr/local/lib/faketime/libfaketime.so.1", "/usr/lib64/faketime/libfaketime.so.1"):
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[0])
    return None


def as_account(user: str) -> list[str]:
    """``runuser -u USER --``, for a process of another account whether or not libfaketime
    is preloaded here (the suite's faketime pass, ``program_at``).

    Under the ``faketime`` wrapper every process inherits ``FAKETIME_SHARED``, a start-time
    semaphore that belongs to root; libfaketime in a process of another account cannot
    open it and aborts the process. Unsetting it for ``runuser`` is not enough: runuser,
    preloaded itself, makes a new root one. So runuser runs without libfaketime, and the
    command it starts as ``user`` gets it back (with its own semaphore, and the same
    ``FAKETIME``, which runuser passes on)."""
    preload = os.environ.get("LD_PRELOAD", "")
    if "faketime" not in preload:
        return ["runuser", "-u", user, "--"]
    return ["env", "-u", "LD_PRELOAD", "-u", "FAKETIME_SHARED", "runuser", "-u", user, "--",
            "env", f"LD_PRELOAD={preload}"]


def faketime_text(instant: datetime) -> str:
    """FAKETIME's "start at" form for ``instant``, which must be aware; read in UTC (TZ=UTC)."""
    if instant.tzinfo is None:
        raise ValueError("an instant for faketime must be timezone-aware")
    return "@" + instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def faketime_env(instant: datetime) -> dict[str, str]:
    """The environment variables that start a process's clock at ``instant``.

    TZ=UTC only tells libfaketime how to read the instant: the app keeps its clinic's zone.
    The monotonic clock stays faked (libfaketime's default): with
    FAKETIME_DONT_FAKE_MONOTONIC=1, libfaketime 0.9.10 breaks Python 3.11's time.sleep
    (clock_nanosleep with TIMER_ABSTIME returns EINVAL; wolfcw/libfaketime#426).
    """
    library = libfaketime()
    if library is None:
        pytest.skip("needs libfaketime (Debian package faketime)")
    return {"LD_PRELOAD": str(library), "FAKETIME": faketime_text(instant), "TZ": "UTC"}


def run_at(instant: datetime) -> str:
    """Shell words that run the command after them at ``instant`` (for a tmux command line).

    libfaketime preloaded, not the ``faketime`` wrapper: a wrapper killed with its tmux
    session leaves its semaphore in /dev/shm, named by its pid, and a later wrapper that gets
    the same pid fails with "sem_open: File exists" (pids wrap at 32768 here)."""
    settings = " ".join(f"{k}={shlex.quote(v)}" for k, v in faketime_env(instant).items())
    return f"env -u FAKETIME_SHARED {settings}"


def program_at(directory: Path, instant: datetime, program: Path = BIN) -> Path:
    """A script in ``directory`` that runs ``program`` (facilitator) at ``instant``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / f"facilitator-at-{instant.astimezone(UTC):%Y%m%dT%H%M%S}"
    # run_at unsets FAKETIME_SHARED: under an outer faketime (the CI pass), don't share its start.
    script.write_text(f"#!/bin/sh\nexec {run_at(instant)} {shlex.quote(str(program))} \"$@\"\n")
    script.chmod(0o755)
    return script
