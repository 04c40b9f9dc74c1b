"""The kill suite: SIGKILL at random points during the app's writes, 500 times.

Writers are forked by a real, separate process (``tests/store/_kill_writer.py``) and loop
over individual-hours entries, attendance imports and marks in a running session; each
is killed at a random moment (0-25 ms) after its first save. After every kill, the clinic
is opened as the next user would (which completes a write killed between its audit entry
and its rename) and:

- ``verify`` finds nothing: every file parses, the chain holds, and every data file is
  exactly what its last audit entry says (so no change is unaudited);
- every change a writer reported as saved has its audit entry;
- the hours files hold exactly as many entries as the log has ``hours.add`` lines
  (the review found 19 of 9,210 entries with no audit line).

Every 100 kills, the `facilitator verify` command itself runs and must exit 0.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.maintenance import verify
from facilitator.store.running import start_session
from tests.store._support import REPO, clock, make_clinic

# any_hour: a loop over one write path with injected clocks (tests/store/_support.clock); see tests/conftest.py
pytestmark = [pytest.mark.slow, pytest.mark.any_hour]

KILLS = 500
BIN = Path(sys.executable).parent / "facilitator"


def audit_entries(root: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((root / "audit").glob("*.jsonl"))
            for line in path.read_bytes().splitlines() if line.strip()]


def stored_hours(root: Path) -> int:
    return sum(len(json.loads(p.read_bytes()).get("entries", {})) for p in (root / "hours").glob("*.json"))


def test_500_sigkills_mid_write_leave_every_change_audited(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    data = make_clinic(root)
    start_session(data, "Evening A")
    done = tmp_path / "done.txt"
    done.touch()
    server = subprocess.Popen([sys.executable, "-m", "tests.store._kill_writer", str(root), str(done)],
                              cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    rng = random.Random(20261127)
    completed = 0
    try:
        assert server.stdout.readline() == "ready\n"
        for k in range(KILLS):
            saves = done.stat().st_size
            server.stdin.write(f"{k}\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            # Once the writer has saved something (so a loaded machine still tests real writes),
            # kill it at a random point of what it does next.
            deadline = time.monotonic() + 30
            while done.stat().st_size == saves and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.025))
            os.kill(pid, signal.SIGKILL)
            assert server.stdout.readline() == "killed\n", f"writer {k} died of an error, not the kill"

            opened = DataDir.open(root, user=os_user(), clock=clock)   # the next user
            completed += len(opened.finish_interrupted())
            problems = verify(opened)
            assert problems == [], f"after kill {k}: {problems}"
            entries = audit_entries(root)
            logged = {(e["action"], e["record"]) for e in entries}
            # an hours entry is audited by its whole uid; the writer is told the id `hours list`
            # shows, its month and the uid's first 8 digits (hours:2026-11:3f9c2e1a)
            logged |= {(a, r[:len("hours:2026-11:") + 8]) for a, r in logged if r.startswith("hours:")}
            told = [tuple(line.split(" ", 1)) for line in done.read_text().splitlines()]
            missing = [t for t in told if t not in logged]
            assert missing == [], f"after kill {k}, saved but not audited: {missing[:3]}"
            actions = Counter(e["action"] for e in entries)
            assert stored_hours(root) == actions["hours.add"], f"after kill {k}"
            if k % 100 == 99:
                cli = subprocess.run([str(BIN), "verify", "--data", str(root)], capture_output=True, text=True)
                assert cli.returncode == 0, cli.stdout + cli.stderr
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    told = Counter(line.split(" ", 1)[0] for line in done.read_text().splitlines())
    assert min(told.values()) > 50, told          # every kind of write ran, many times
    print(f"{KILLS} kills; saves reported: {dict(told)}; hours stored: {stored_hours(root)}")
