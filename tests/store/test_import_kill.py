"""Issue #20: an `attendance import` of two sessions is one commit or none, under SIGKILL at
random points. Each import sets the same statuses, under one stamp, in both sessions of a
pair; after every kill the clinic is opened as the next user would, ``verify`` finds nothing,
and each pair holds both sessions or neither, agreeing entry for entry (stamp included)."""

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

from facilitator.core.session import session_id_for
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.maintenance import verify
from tests.store._import_writer import PAIRS
from tests.store._support import REPO, clock, make_clinic

# any_hour: a loop over one write path with injected clocks (tests/store/_support.clock); see tests/conftest.py
pytestmark = [pytest.mark.slow, pytest.mark.any_hour]

KILLS = 60


def attendance(data: DataDir, day) -> dict[str, tuple[str, str]] | None:
    from datetime import datetime
    start = datetime.combine(day, data.snapshot().groups["Evening A"].start, data.settings().tz)
    path = data.session_file(session_id_for("Evening A", start)).path
    if not path.exists():
        return None
    docs = json.loads(path.read_bytes())["attendance"].values()
    return {d["client_id"]: (d["status"], d["updated_at"]) for d in docs}


def test_sixty_sigkills_never_leave_an_import_half_applied(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    make_clinic(root)
    done = tmp_path / "done.txt"
    done.touch()
    rng = random.Random(2026_12_07)
    for k in range(KILLS):
        saved_before = len(done.read_text().splitlines())
        writer = subprocess.Popen([sys.executable, "-m", "tests.store._import_writer", str(root), str(done),
                                   str(k + 1)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline() == "ready\n"
        # Once it has saved an import (so a busy machine still tests real writes), kill it at
        # a random point of the next ones.
        deadline = time.monotonic() + 30
        while len(done.read_text().splitlines()) == saved_before and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.03))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        assert writer.returncode == -signal.SIGKILL, f"writer {k} ended before the kill"

        opened = DataDir.open(root, user=os_user(), clock=clock)        # the next user
        opened.finish_interrupted()
        assert verify(opened) == [], f"after kill {k}"
        for index, (first, second) in enumerate(PAIRS):
            a, b = attendance(opened, first), attendance(opened, second)
            assert a == b, f"after kill {k}, pair {index} is half-applied: {a} / {b}"
        told = {int(line) for line in done.read_text().splitlines()}
        assert all(attendance(opened, PAIRS[i][0]) is not None for i in told)
        actions = Counter(json.loads(line)["action"] for f in sorted((root / "audit").glob("*.jsonl"))
                          for line in f.read_bytes().splitlines() if line.strip())
        assert actions["attendance.import"] % 2 == 0, f"after kill {k}: an import's entries are split"
    per_kill = len(done.read_text().splitlines()) / KILLS
    assert per_kill < 20, f"{per_kill:.1f} imports a run: the kills land long after the first one"
