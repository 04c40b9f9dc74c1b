"""Figures 2 and 3, in process: a durable attendance change, and the weekly report.

Figure 2 times, interleaved one of each per round in a rotating order:
- ``mark-5y`` / ``mark-1w``: ``RunningSession.mark`` on today's session of a group
  (role check, locked read-modify-write of the session file, temp + fsync + replace +
  directory fsync, then the fsync'd audit append) on the 5-year and the 1-week clinic;
- ``update-5y`` / ``update-1w``: the bare ``SessionFile.update_attendance`` (no role
  check, no audit);
- ``sqlite-full``: SQLite inserting one row, ``PRAGMA synchronous=FULL``, default
  rollback journal (``journal_mode=DELETE``), one transaction per row, in the 5-year
  clinic's directory; ``sqlite-wal``: the same with ``journal_mode=WAL``.
Every write changes something: the client cycles through the roster and the status
alternates between present and late.

Figure 3 times ``store.reports.week_report`` for the last full week of history (120
clients, 18 sessions) on the 5-year clinic and the 1-month clinic, interleaved.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from facilitator.core.weeks import week_containing
from facilitator.store.clinic import open_clinic
from facilitator.store.commit import binding
from facilitator.store.datadir import DataDir
from facilitator.store.reports import week_report
from facilitator.store.running import RunningSession, start_session
from tests.bench.stats import summary


def _today_group(data: DataDir) -> str:
    snapshot = data.snapshot()
    today = data.now().date()
    for name, group in sorted(snapshot.groups.items()):
        if group.meetings(today, today, snapshot.settings.tz):
            return name
    return sorted(snapshot.groups)[0]


def _writer(data: DataDir) -> tuple[RunningSession, list[str]]:
    session = start_session(data, _today_group(data))
    return session, list(session.record().roster)


def _interleave(work: dict[str, Callable[[int], None]], rounds: int, warmup: int = 5,
                log=print, label: str = "") -> dict[str, list[float]]:
    names = list(work)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(-warmup, rounds):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter_ns()
            work[name](i)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            if i >= 0:
                times[name].append(elapsed)
        if i >= 0 and (i + 1) % 10 == 0:
            log(f"  {label} {i + 1}/{rounds}", end="\r")
    log(" " * 30, end="\r")
    return times


def _nothing(*args: object) -> None:
    """The bare update's audit and strict reader: none (what figure 2 compares the mark with)."""


def writes(big: Path, small: Path, rounds: int, log=print) -> dict[str, dict]:
    """Milliseconds per durable write (p50, p95...), by kind; see the module docstring."""
    sessions = {}
    for key, root in (("5y", big), ("1w", small)):
        data = open_clinic(root)
        sessions[key] = _writer(data)

    def mark(key: str) -> Callable[[int], None]:
        session, roster = sessions[key]
        return lambda i: session.mark(roster[i % len(roster)],
                                      Status.PRESENT if (i // len(roster)) % 2 else Status.TELEHEALTH)

    def update(key: str) -> Callable[[int], None]:
        session, roster = sessions[key]

        def run(i: int) -> None:
            status = Status.EXCUSED if (i // len(roster)) % 2 else Status.ABSENT
            cid = roster[(i + 7) % len(roster)]
            # The low-level writers refuse outside a binding (store.commit): a bare one, re-entered
            # for every write as a DataDir.change is.
            with binding(session.data.root, _nothing, _nothing, _nothing):
                session.file.update_attendance(cid, lambda old, cid=cid: AttendanceEntry(cid, status))
        return run

    connections = {}
    for mode in ("delete", "wal"):
        path = Path(big) / f"bench-{mode}.sqlite"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        con = sqlite3.connect(path, isolation_level=None)
        con.execute(f"PRAGMA journal_mode={mode}")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("CREATE TABLE attendance (session TEXT, client TEXT, status TEXT, at TEXT)")
        connections[mode] = con

    def insert(mode: str) -> Callable[[int], None]:
        con = connections[mode]

        def run(i: int) -> None:
            con.execute("BEGIN")
            con.execute("INSERT INTO attendance VALUES (?, ?, ?, ?)",
                        ("2026-11-24-1800-evening-iop-c", f"BC-{1001 + i % 120}", "present",
                         "2026-11-24T18:00:00-06:00"))
            con.execute("COMMIT")
        return run

    work = {"mark-5y": mark("5y"), "mark-1w": mark("1w"), "update-5y": update("5y"),
            "update-1w": update("1w"), "sqlite-full": insert("delete"), "sqlite-wal": insert("wal")}
    try:
        times = _interleave(work, rounds, log=log, label="writes")
    finally:
        for con in connections.values():
            con.close()
    return {name: summary(values) for name, values in times.items()}


def reports(big: Path, small: Path, week_first, rounds: int, log=print) -> dict[str, dict]:
    """Milliseconds per ``week_report`` of the week starting ``week_first``, per clinic."""
    datas = {"report-5y": open_clinic(big), "report-1m": open_clinic(small)}
    week = week_containing(week_first, datas["report-5y"].settings().week_start_weekday)
    assert week.first == week_first, (week, week_first)
    sizes = {}
    for name, data in datas.items():
        report = week_report(data, week)
        sizes[name] = (len(report.rows), len(data.sessions_between(week.first, week.last).records))
        assert not report.problems, report.problems
    work = {name: (lambda i, d=data: week_report(d, week)) for name, data in datas.items()}
    times = _interleave(work, rounds, warmup=2, log=log, label="report week")
    out = {name: summary(values) for name, values in times.items()}
    for name, (clients, sessions) in sizes.items():
        out[name].update(clients=clients, sessions=sessions)
    return out


__all__ = ["reports", "writes", "timedelta"]
