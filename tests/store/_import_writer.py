"""A writer for the import kill loop: ``python -m tests.store._import_writer ROOT DONE SEED``.

Prints "ready" once the store is loaded, then imports attendance for two sessions at a time,
forever, until the test kills it: each import sets both clients' status, the same in both
sessions of its pair, stamped by a clock that moves a second a call (so two imports never
share a stamp). After each import returns it appends the pair's index to DONE. All data is
invented.
"""

from __future__ import annotations

import itertools
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from facilitator.core.imports import AttendanceRow
from facilitator.core.rules import Status
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from tests.store._support import NOW

CLIENTS = ("Z001", "Z002")
# Evening A meets Monday, Wednesday and Thursday; twelve of its days before NOW, in pairs.
DAYS = (date(2026, 10, 5), date(2026, 10, 7), date(2026, 10, 8), date(2026, 10, 12), date(2026, 10, 14),
        date(2026, 10, 15), date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 9),
        date(2026, 11, 11), date(2026, 11, 12))
PAIRS = [(DAYS[i], DAYS[i + 1]) for i in range(0, len(DAYS), 2)]
STATUSES = (Status.PRESENT, Status.ABSENT, Status.EXCUSED)


def main(root: Path, done: Path, seed: int) -> None:
    ticks = itertools.count()
    start = NOW + timedelta(seconds=seed * 10_000)      # each writer's clock after the last one's

    def clock():
        return start + timedelta(seconds=next(ticks))

    data = DataDir(root, user=os_user(), clock=clock)
    rng = random.Random(seed)
    print("ready", flush=True)
    with open(done, "a", buffering=1) as told:
        while True:
            index = rng.randrange(len(PAIRS))
            statuses = {c: rng.choice(STATUSES) for c in CLIENTS}
            rows = [AttendanceRow(n, day, "Evening A", c, statuses[c], None, None)
                    for n, (day, c) in enumerate(((d, c) for d in PAIRS[index] for c in CLIENTS), start=2)]
            data.import_attendance(rows)
            told.write(f"{index}\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
