"""kill -9 during writes, 200 times: every file still parses, nothing is torn.

The writer is a forked child of this process (its imports are already done, so it is
writing within a millisecond; a fresh interpreter would still be importing when a
5-30 ms timer fires). Each child loops: a roster write to clinic.json, an attendance
write to a session file, and audit appends; the parent kills it with SIGKILL after a
random 5-30 ms, and checks it died of the kill rather than of an error.
"""

from __future__ import annotations

import os
import random
import signal
import time
import traceback
from datetime import date
from pathlib import Path

import pytest

from facilitator.cli import main
from facilitator.core.roster import Client
from facilitator.core.rules import Status
from facilitator.core.session import AttendanceEntry
from facilitator.store.datadir import DataDir
from facilitator.store.files import sweep_temp_files
from facilitator.store.identity import os_user
from facilitator.store.maintenance import data_files, verify
from facilitator.store.storage import read_file
from tests.store._support import clock, make_clinic, new_session

pytestmark = pytest.mark.slow

KILLS = 200
SESSION = "2026-11-23-1800-evening-a"


def write_forever(root: Path, seed: int) -> None:
    data = DataDir(root, user=os_user(), clock=clock)
    file = data.session_file(SESSION)
    i = 0
    while True:
        i += 1
        client = f"K{(seed * 7 + i) % 40:03d}"
        data.import_roster([Client(client, "Kim", "Killtest", "IOP", 9.0, date(2026, 10, 1),
                                   groups=("Evening A",))])
        file.put_attendance(AttendanceEntry(client_id=client, status=Status.PRESENT, text=f"note {i}"))
        data.record_audit("test.write", file.session_id, {"n": i})


def torn_tail(root: Path) -> bool:
    logs = sorted((root / "audit").glob("*.jsonl"))
    return bool(logs) and logs[-1].stat().st_size > 0 and not logs[-1].read_bytes().endswith(b"\n")


def test_sigkill_mid_write_200_times(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "clinic"
    make_clinic(root)
    new_session(root / "records", SESSION)
    rng = random.Random(20261123)
    torn_seen = 0
    for k in range(KILLS):
        pid = os.fork()
        if pid == 0:                                   # the child: write until killed
            try:
                write_forever(root, k)
            except BaseException:                      # noqa: BLE001 - reported to the parent
                (tmp_path / f"child-{k}.txt").write_text(traceback.format_exc())
            finally:
                os._exit(1)
        time.sleep(rng.uniform(0.005, 0.030))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        error = tmp_path / f"child-{k}.txt"
        assert not error.exists(), f"writer {k} failed instead of being killed:\n{error.read_text()}"
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        torn_seen += torn_tail(root)

    # Every data file parses; no audit line but possibly the very last is torn.
    for path in data_files(root):
        if path.suffix == ".json":
            read_file(path)
    data = DataDir(root, user=os_user(), clock=clock)
    snapshot = data.snapshot()
    record = data.session_file(SESSION).read()
    assert any(c.startswith("K") for c in snapshot.clients)
    assert set(record.attendance) <= set(snapshot.clients)

    # verify() names the temp files the kills left (DataDir() does not sweep; open() does).
    temps = sorted(root.rglob(".*.tmp"))
    problems = verify(data)
    temp_problems = [p for p in problems if "temp file" in p]
    assert sorted(p.split(" is a temp file")[0] for p in temp_problems) == [str(t) for t in temps]
    others = [p for p in problems if p not in temp_problems]
    if torn_tail(root):
        assert len(others) == 1 and "not a valid entry" in others[0], others
    else:
        assert others == [], others

    assert sorted(sweep_temp_files(root)) == temps
    assert not list(root.rglob(".*.tmp"))

    # The next ordinary append cuts a torn tail (an entry that was never complete).
    data.record_audit("test.after-kills", "clinic")
    assert verify(data) == []
    capsys.readouterr()
    assert main(["verify", "--data", str(root)]) == 0, capsys.readouterr()
    print(f"{KILLS} kills: {len(temps)} temp files left, torn audit tails seen {torn_seen} times")
