"""A fork server for the kill suite: ``python -m tests.store._kill_writer ROOT DONE``.

A real, separate interpreter: it imports the store once, prints "ready", then for each
seed read on stdin forks a writer and prints the writer's pid; the test kills that pid
with SIGKILL at a random moment and the server prints how it ended ("killed" or
"error ..."). Forking from a warm process is what lets a writer be mid-write within a
millisecond, so 500 kills fit in a minute or two.

A writer loops over the app's own write paths, chosen at random: an individual-hours
entry (``otherhours.log``), an attendance import of two sessions, a mark in a session
being run. After each returns it appends one line to DONE: what the user would have
been told was saved. All data is invented.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import traceback
from datetime import date
from pathlib import Path

from facilitator.core.hours import OtherHours
from facilitator.core.imports import AttendanceRow
from facilitator.core.rules import Status
from facilitator.store import otherhours
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.running import RunningSession
from tests.store._support import clock

CLIENTS = ("Z001", "Z002")
DAYS = (date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 9),
        date(2026, 11, 11), date(2026, 11, 12), date(2026, 11, 16), date(2026, 11, 18))
MARKED = "2026-11-23-1800-evening-a"
# Left early is not drawn: with one fixed clock it would stamp the same minute as a late
# arrival, which the time rule refuses (left must come after arrived); a writer must die
# only of the kill.
STATUSES = (Status.PRESENT, Status.LATE, Status.ABSENT, Status.EXCUSED)


def write_forever(root: Path, done: Path, seed: int) -> None:
    rng = random.Random(seed)
    # 18:30, half an hour into the marked 18:00 session: a late or early-leaving mark stamps
    # that time, which the one time rule (core.session) accepts.
    during = clock().replace(hour=18, minute=30)
    data = DataDir(root, user=os_user(), clock=lambda: during)
    running = RunningSession(data, data.session_file(MARKED))
    with open(done, "a", buffering=1) as told:
        while True:
            kind = rng.choice(("hours", "import", "mark"))
            client = rng.choice(CLIENTS)
            if kind == "hours":
                ref = otherhours.log(data, OtherHours(client, rng.choice(DAYS), rng.randint(15, 90),
                                                      rng.choice(("individual", "family"))))
                told.write(f"hours.add hours:{ref}\n")
            elif kind == "import":
                days = rng.sample(DAYS, 2)
                rows = [AttendanceRow(n, day, "Evening A", c, Status.PRESENT, None, None)
                        for n, (day, c) in enumerate(((d, c) for d in days for c in CLIENTS), start=2)]
                data.import_attendance(rows)
                for day in days:
                    told.write(f"attendance.import {day:%Y-%m-%d}-1800-evening-a\n")
            else:
                running.mark(client, rng.choice(STATUSES))
                told.write(f"attendance.mark {MARKED}\n")


def serve(root: Path, done: Path) -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        seed = int(line)
        pid = os.fork()
        if pid == 0:
            try:
                write_forever(root, done, seed)
            except BaseException:      # noqa: BLE001 - a writer must die of the kill, nothing else
                sys.stderr.write(traceback.format_exc())
            finally:
                os._exit(1)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        print("killed" if killed else f"error {status}", flush=True)


if __name__ == "__main__":
    serve(Path(sys.argv[1]), Path(sys.argv[2]))
