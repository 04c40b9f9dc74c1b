"""Helpers for the sync tests: a demo host, a laptop, a sync run as a real process.

``LOCAL_SSH`` stands in for ssh without a network: it drops HOST and runs the remote command
with ``sh``, as sshd would, so `facilitator sync` and `--serve` talk over real pipes.
Every clinic here is the invented demo clinic; the OS account (root in CI) is its admin.

Time is chosen, never read: the demo is made as of ``AT`` (Tuesday 2026-11-24, 10:00 in
Chicago: its history ends yesterday, today's PHP Day meeting at 09:00 is not in it), the
laptop's session runs on a ``FakeClock`` from ``AT``, and every other step, in-process
(``open_as``) or a real process (``program``, under libfaketime: tests/faketime.py), happens
at ``LATER``, an hour on. Reports name their day (``--date``).
"""

from __future__ import annotations

import atexit
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from facilitator.core.rules import Status
from facilitator.store.clinic import open_clinic
from facilitator.store.identity import os_user
from facilitator.store.maintenance import verify
from facilitator.store.notes import NoteBook
from facilitator.store.running import start_session
from tests.conftest import FakeClock
from tests.faketime import program_at

BIN = Path(sys.executable).parent / "facilitator"
LOCAL_SSH = shlex.join(["sh", "-c", 'eval "$2"', "localssh"])
GROUP = "PHP Day"   # meets every weekday at 09:00: today's session is never in the demo's history
AT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Chicago"))   # a Tuesday
LATER = AT + timedelta(hours=1)
DAY = AT.date().isoformat()


def program(directory: Path, instant: datetime = LATER) -> Path:
    """facilitator, run at ``instant`` (a script in ``directory``; skips without libfaketime)."""
    return program_at(directory, instant)


_BUILT: list[Path] = []       # this process's one demo build (#23), removed when it exits


def make_demo(root: Path) -> Path:
    """The demo clinic in ``root`` as ``facilitator demo`` makes it at ``AT``: built once per
    process by the real program under libfaketime (~8 s of fsynced writes), then copied
    (``copytree`` keeps modes; the demo holds no path of its own). Callers get their own copy."""
    if not _BUILT:
        place = Path(tempfile.mkdtemp(prefix="fct-demo-"))
        atexit.register(shutil.rmtree, place, True)
        build = place / "clinic"
        done = subprocess.run([str(program(place, AT)), "demo", "--no-app", "--data", str(build)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        _BUILT.append(build)
    return copy_clinic(_BUILT[0], root)


def credited(host: Path) -> dict[str, float]:
    """The host's report for the week of ``DAY``, at ``LATER``: credited hours by client id."""
    done = subprocess.run([str(program(host.parent)), "report", "week", "--date", DAY, "--format", "json",
                           "--data", str(host)], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return {row["client_id"]: row["attended_hours"] for row in json.loads(done.stdout)["clients"]}


def copy_clinic(template: Path, root: Path) -> Path:
    shutil.copytree(template, root, symlinks=True)
    return root


def sync_argv(laptop: Path, host: Path, *, ssh: str = LOCAL_SSH, target: str = "localhost",
              remote: str | None = None) -> list[str]:
    """`facilitator sync` on the laptop at ``LATER``; the host's side runs at ``LATER`` too."""
    here = str(program(laptop.parent))
    return [here, "sync", f"{target}:{host}", "--data", str(laptop), "--remote-command", remote or here,
            "--ssh", ssh]


def run_sync(laptop: Path, host: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(sync_argv(laptop, host, **kwargs), capture_output=True, text=True, timeout=120)


def synced(laptop: Path, host: Path, **kwargs) -> str:
    done = run_sync(laptop, host, **kwargs)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def synced_pair(template: Path, place: Path) -> tuple[Path, Path]:
    """A host copied from ``template`` and a laptop cloned from it by one sync, in ``place``."""
    def build(at: Path) -> None:
        synced(at / "laptop", copy_clinic(template, at / "host"))
    laptop, host, _ = copied_pair(("synced", *fingerprint(template)), build, place)
    return laptop, host


_PAIRS: dict[tuple, tuple[Path, object]] = {}


def fingerprint(root: Path) -> tuple:
    """``root``'s path and every entry's name, size and mtime: a changed template builds anew."""
    return (str(root), *((str(p), p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(root.rglob("*"))))


def copied_pair(key: tuple, build, place: Path) -> tuple[Path, Path, object]:
    """A laptop and host pair in ``place``: ``build(at)`` makes ``at/host`` and ``at/laptop``
    (by real syncs) once per process and key (#23: each sync is a real process pair); each
    call copies them. The laptop's ``sync.json`` names its host by path, so the copy's names
    the copied host; no byte of either copy may name the build's place (else the test fails
    here rather than sync with the build). Returns (laptop, host, what ``build`` returned)."""
    if key not in _PAIRS:
        at = Path(tempfile.mkdtemp(prefix="fct-pair-"))
        atexit.register(shutil.rmtree, at, True)
        _PAIRS[key] = (at, build(at))
    at, made = _PAIRS[key]
    host = copy_clinic(at / "host", place / "host")
    laptop = copy_clinic(at / "laptop", place / "laptop")
    from facilitator.sync.files import load_state, save_state
    state = load_state(laptop)
    assert state.get("host") == f"localhost:{at / 'host'}", state.get("host")
    save_state(laptop, {**state, "host": f"localhost:{host}"})
    for path in (*host.rglob("*"), *laptop.rglob("*")):
        assert path.is_dir() or str(at).encode() not in path.read_bytes(), path
    return laptop, host, made


def open_as(root: Path, user: str | None = None, clock=None):
    """The clinic in ``root`` as ``user`` (default: this OS account), at ``LATER`` unless told."""
    return open_clinic(root, user=user or os_user(), clock=clock or FakeClock(LATER))


def run_session(laptop: Path, *, sign: bool = True):
    """The PHP Day session of ``DAY`` on the laptop, started at ``AT``: everyone marked, the
    first client's note signed."""
    data = open_as(laptop, clock=FakeClock(AT))
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
