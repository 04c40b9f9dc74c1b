"""The host's side of a laptop's sync runs at a lower CPU priority than the apps (benchmark
figure 6: a sync arriving while counselors take attendance). Real processes, started the
way sshd starts them: through the ForceCommand entry, with the laptop's request on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from facilitator.cli.sync import SERVE_NICENESS

ENTRY = Path(sys.executable).parent / "facilitator-ssh"
FACILITATOR = Path(sys.executable).parent / "facilitator"


def niceness_while_serving(argv: list[str], env: dict[str, str], start: int = 0) -> int:
    """The server's niceness once it waits for the laptop's first message."""
    server = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={"PATH": os.environ["PATH"], **env},
                              preexec_fn=(lambda: os.nice(start)) if start else None)
    try:
        seen = os.getpriority(os.PRIO_PROCESS, server.pid)
        deadline = time.monotonic() + 30      # (not a timing threshold: the process's start-up)
        while seen < max(SERVE_NICENESS, start) and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.05)
            seen = os.getpriority(os.PRIO_PROCESS, server.pid)
        return seen
    finally:
        server.stdin.close()                 # the laptop hangs up before saying hello
        assert server.wait(timeout=60) == 2
        server.stdout.close()
        server.stderr.close()


def test_sync_serve_through_the_ssh_entry_runs_below_the_apps_priority(tmp_path):
    env = {"HOME": str(tmp_path), "SSH_ORIGINAL_COMMAND": "facilitator sync --serve"}
    assert os.getpriority(os.PRIO_PROCESS, 0) < SERVE_NICENESS
    entry = [str(ENTRY), "--staff", "sue", "--data", str(tmp_path / "c")]
    assert niceness_while_serving(entry, env) == SERVE_NICENESS


@pytest.mark.parametrize("start", [SERVE_NICENESS + 5, 19])   # as nice, never nicer still
def test_a_server_started_nicer_stays_as_nice(tmp_path, start):
    argv = [str(FACILITATOR), "sync", "--serve", "--data", str(tmp_path / "c")]
    assert niceness_while_serving(argv, {"HOME": str(tmp_path)}, start) == start

