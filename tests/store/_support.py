"""Helpers for the storage-design tests: an invented clinic owned by the OS account (so the
CLI's `verify` accepts it), session headers, and real writer processes.

Every name and id here is invented.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from facilitator.core.clinic import ClinicSettings
from facilitator.core.roster import Client, Group
from facilitator.core.session import SessionHeader, SessionState
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.records import SessionFile

REPO = Path(__file__).resolve().parents[2]
CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 17, 55, tzinfo=CHICAGO)


def clock() -> datetime:
    return NOW


def make_clinic(root: Path) -> DataDir:
    """A clinic whose admin is this process's OS account, with one group and two clients."""
    data = DataDir.init(root, ClinicSettings(name="Invented Clinic", timezone="America/Chicago"),
                        user=os_user(), display_name="Test Admin", clock=clock)
    data.add_group(Group(name="Evening A", days=(0, 2, 3), start=time(18, 0), minutes=180,
                         first_day=date(2026, 9, 1)))
    data.import_roster([
        Client("Z001", "Quinn", "Inventedname", "IOP", 9.0, date(2026, 10, 1), groups=("Evening A",)),
        Client("Z002", "Rowan", "Madeupson", "IOP", 9.0, date(2026, 10, 1), groups=("Evening A",)),
    ])
    return data


def header(session_id: str) -> SessionHeader:
    day = date.fromisoformat(session_id[:10])
    start = datetime.combine(day, time(18, 0), CHICAGO)
    return SessionHeader(session_id=session_id, group="Evening A", day=day, scheduled_start=start,
                         scheduled_end=start.replace(hour=21), state=SessionState.ENDED)


def new_session(records_dir: Path, session_id: str) -> SessionFile:
    """A session file made bare (``bare_binding``): the caller's own ``DataDir.change``, if one
    is open, binds it instead."""
    from facilitator.store.commit import UnauditedWrite
    from facilitator.store.records import record_path
    file = SessionFile(record_path(records_dir, session_id))
    try:
        file.create(header(session_id))
    except UnauditedWrite:                  # refused before anything was written
        with bare_binding(Path(records_dir).parent):
            file.create(header(session_id))
    return file


# A path the audit binds, for the storage-mechanics tests' own "test" kind of file.
ITEMS = "hours/2026-01.json"


@contextmanager
def bare_binding(root: Path) -> Iterator[list[tuple[str, str]]]:
    """For tests of the storage mechanics only (TinyDB, locks, generations, damage): the writes
    under ``root`` are bound to a list of (path, SHA-256), with no strict reader, as
    tests/bench/generate.py binds its bulk writes. The audit itself is tested through
    ``DataDir.change`` (tests/store/test_one_way_to_write.py)."""
    from facilitator.store.commit import binding
    from facilitator.store.files import make_dirs
    bound: list[tuple[str, str]] = []
    make_dirs(Path(root) / "hours")
    with binding(Path(root), lambda rel, digest: bound.append((rel, digest)), lambda rel, digest: None,
                 lambda rel, path, raw, dumped: None):
        yield bound


def run_workers(commands: Sequence[Sequence[str]], timeout: float = 60) -> list[str]:
    """Start one `python -m tests.store._workers ...` per command, let them all reach
    "ready" (imports done), then release them at once so they really contend. Returns
    each one's stdout; fails the test if any exits non-zero."""
    procs = [subprocess.Popen([sys.executable, "-m", "tests.store._workers", *map(str, cmd)], cwd=REPO,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for cmd in commands]
    try:
        for proc in procs:
            line = proc.stdout.readline()
            assert line == "ready\n", (line, proc.stderr.read() if proc.poll() is not None else "")
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, err
            outputs.append(out)
        return outputs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
