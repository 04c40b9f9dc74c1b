"""Writer processes for the concurrency and backup tests: ``python -m tests.store._workers CMD ...``.

Each prints "ready" once its imports are done, waits for "go" on stdin, then writes.
Only the store is imported (no Textual, no pytest). All data is invented.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from facilitator.core.roster import Client
from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from facilitator.store.records import SessionFile, record_path
from facilitator.store.storage import DataFile


def attendance(path: str, proc: str, count: str) -> None:
    """``count`` writes into one session file, each a new client ``P{proc}-{i}``."""
    from tests.store._support import bare_binding
    file = SessionFile(Path(path))
    with bare_binding(Path(path).parents[3]):        # records/YYYY/MM/<id>.json: the mechanics only
        for i in range(int(count)):
            file.put_attendance(AttendanceEntry(client_id=f"P{proc}-{i}", status=Status.PRESENT))


def insert(path: str, proc: str, count: str) -> None:
    """``count`` inserts into table "items" of a plain data file; prints the ids TinyDB gave."""
    from tests.store._support import bare_binding
    file = DataFile(Path(path), "test")
    ids = []
    for i in range(int(count)):
        with bare_binding(Path(path).parents[1]), file.transaction() as db:      # hours/<month>.json
            ids.append(db.table("items").insert({"proc": int(proc), "i": i}))
    print(" ".join(map(str, ids)))


def sessions(records: str, proc: str, count: str, files: str = "25") -> None:
    """``count`` writes spread over this process's own ``files`` session files."""
    from tests.store._support import bare_binding, header
    own = []
    for n in range(int(files)):
        session_id = f"2026-{int(proc) + 1:02d}-{n + 1:02d}-1800-writer-{proc}"
        own.append(SessionFile(record_path(Path(records), session_id)))
    for i in range(int(count)):
        file = own[i % len(own)]
        with bare_binding(Path(records).parent):     # the mechanics only
            if not file.exists():
                file.create(header(file.session_id))
            file.put_attendance(AttendanceEntry(client_id=f"P{proc}-{i}", status=Status.PRESENT))


def busy(root: str, stop: str) -> None:
    """Write the clinic file, a session file and the audit log until ``stop`` exists."""
    from facilitator.store.datadir import DataDir
    from facilitator.store.identity import os_user
    from tests.store._support import clock, new_session
    data = DataDir(Path(root), user=os_user(), clock=clock)
    with data.change("session.start", "2026-11-25-1800-evening-a"):     # audited, as the app does
        file = new_session(data.records_dir, "2026-11-25-1800-evening-a")
    i = 0
    while not Path(stop).exists():
        i += 1
        data.import_roster([Client(f"B{i % 30:03d}", "Sam", "Busyperson", "IOP", 9.0, date(2026, 10, 1))])
        with data.change("attendance.mark", file.session_id):
            file.put_attendance(AttendanceEntry(client_id=f"B{i % 30:03d}", status=Status.PRESENT))
        data.record_audit("test.busy", file.session_id, {"n": i})
    print(i)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        sys.exit(3)
    {"attendance": attendance, "insert": insert, "sessions": sessions, "busy": busy}[command](*args)
