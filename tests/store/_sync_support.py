"""Helpers for the sync tests: a demo host, a laptop, a sync run as a real process.

``LOCAL_SSH`` stands in for ssh without a network: it drops HOST and runs the remote command
with ``sh``, as sshd would, so `facilitator sync` and `--serve` talk over real pipes.
Every clinic here is the invented demo clinic; the OS account (root in CI) is its admin.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from facilitator.store.clinic import open_clinic
from facilitator.core.rules import Status
from facilitator.store.identity import os_user
from facilitator.store.maintenance import verify
from facilitator.store.notes import NoteBook
from facilitator.store.running import start_session

BIN = Path(sys.executable).parent / "facilitator"
LOCAL_SSH = shlex.join(["sh", "-c", 'eval "$2"', "localssh"])
GROUP = "PHP Day"   # meets every weekday: today's session is never in the demo's history


def make_demo(root: Path) -> Path:
    done = subprocess.run([str(BIN), "demo", "--no-app", "--data", str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return root


def copy_clinic(template: Path, root: Path) -> Path:
    shutil.copytree(template, root, symlinks=True)
    return root


def sync_argv(laptop: Path, host: Path, *, ssh: str = LOCAL_SSH, target: str = "localhost",
              remote: str = str(BIN)) -> list[str]:
    return [str(BIN), "sync", f"{target}:{host}", "--data", str(laptop), "--remote-command", remote,
            "--ssh", ssh]


def run_sync(laptop: Path, host: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(sync_argv(laptop, host, **kwargs), capture_output=True, text=True, timeout=120)


def synced(laptop: Path, host: Path, **kwargs) -> str:
    done = run_sync(laptop, host, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def open_as(root: Path, user: str | None = None, clock=None):
    return open_clinic(root, user=user or os_user(), **({"clock": clock} if clock else {}))


def run_session(laptop: Path, *, sign: bool = True):
    """Today's PHP Day session on the laptop: everyone marked, the first client's note signed."""
    data = open_as(laptop)
    running = start_session(data, GROUP)
    clients = running.record().roster
    for client in clients:
        running.mark(client, Status.PRESENT)
    if sign:
        book = NoteBook(data, running.file)
        book.save_draft(clients[0], "Invented note text for a test.")
        book.sign(clients[0])
    return running.session_id, clients


def add_supervisor(host: Path, user: str = "supervisor1") -> None:
    from facilitator.store.staff import add_staff
    add_staff(open_as(host), user, "Sam Supervisor", "supervisor")


def record_of(root: Path, session_id: str) -> dict:
    from facilitator.store.records import record_path
    return json.loads(record_path(root / "records", session_id).read_bytes())


def invalid(root: Path) -> list[str]:
    """verify's problems that are not just leftover temp files."""
    return [p for p in verify(open_as(root)) if "temp file" not in p]


def kill_midway(argv: list[str], delay: float) -> None:
    """Start a sync, SIGKILL it after ``delay`` seconds, wait until its children are gone."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _live_members(process.pid):
        time.sleep(0.01)                 # the server ends when its stdin closes
    for pid in _live_members(process.pid):
        os.kill(pid, signal.SIGKILL)


def _live_members(group: int) -> list[int]:
    """Processes of a process group that are not zombies (an orphaned zombie waits for init)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            found.append(int(entry))
    return found
