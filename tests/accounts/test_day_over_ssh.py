"""The day at 80x24 with two OS accounts: a counselor runs and signs the evening group, then
a supervisor logs in over real OpenSSH on 127.0.0.1 (key login, the ForceCommand entry
``facilitator-ssh``), filters the review queue and co-signs the notes in one batch.

Setup as the README's host section: root makes the clinic folder (staff group, 2770), the
admin runs ``facilitator init --group`` (a shared clinic), adds the two staff members, the
evening and morning groups and ten invented clients; each account's PIN is set beforehand so
no PIN screen comes first. That morning the admin ran the morning group (one note signed, one
not written): the rows the supervisor's filters must leave out. The counselor works in a
terminal on the host (``runuser``, the keys of ``tests/tui/day_script.py``); the
supervisor's app is the one sshd starts.

The supervisor's keys, counted for the README's budget: ``v`` (the queue), ``f`` ``f`` (to
co-sign), ``g`` (the evening group), ``p`` ``p`` (counselors go in account order: the admin,
then the counselor), ``Space`` (one row), ``a`` (every row shown), ``c`` ``y``.

The clock. Every process sees a fixed instant through libfaketime (``faketime``), never the
wall clock: the counselor's under ``faketime`` at Mon 23 Nov 2026 17:58 Chicago; the
supervisor's at 21:30 the same evening. sshd passes no environment of the client's but
``LANG``/``LC_*``, so the test's sshd sets it itself: a ``Match User`` block with ``SetEnv``
for ``FAKETIME``, ``TZ`` and ``LD_PRELOAD`` (libfaketime), and ``FACILITATOR_DATA`` (where a
real host has /etc/xdg/facilitator/config.toml, which this test leaves alone). Only this
test's sshd has that block; the ForceCommand entry and the program are the ones installed.

What is checked: every screen of both accounts for lines cut mid-word and engineer's words;
the filter counts on screen; the nine notes co-signed in the supervisor's name at 21:30 (and
still signed by the counselor), the admin's morning note not co-signed; nine ``note.cosign``
audit entries by the supervisor, read back with ``ssh host facilitator audit --format json``;
``verify`` passes over ssh; every path still the staff group's (folders 2770, files 0660).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from facilitator.store.datadir import DataDir
from tests.accounts import ADMIN, COUNSELOR, STAFF_GROUP, SUPERVISOR, public_dir
from tests.accounts.test_shared_clinic import assert_shared
from tests.e2e.sshd import SshServer
from tests.faketime import faketime_text, libfaketime
from tests.tui.day_script import (
    SESSION_ID,
    Terminal,
    assert_screens_clean,
    assert_the_group_stored,
    data_words,
    run_the_group,
    tmux,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHICAGO = ZoneInfo("America/Chicago")
COUNSELOR_AT = datetime(2026, 11, 23, 17, 58, tzinfo=CHICAGO)     # the group starts at 18:00
SUPERVISOR_AT = datetime(2026, 11, 23, 21, 30, tzinfo=CHICAGO)    # the same evening
GROUP = "Evening IOP"
MORNING = "Morning Relapse Prevention"     # the admin's group that morning: what the filters leave out
PIN = "246810"
ROSTER = "client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups\n" + "".join(
    f"{cid},{first},{last},IOP,,2026-10-01,,{GROUP}{';' + MORNING if cid in ('T001', 'T003') else ''}\n"
    for cid, first, last in [
        ("T001", "Avery", "Testperson"), ("T002", "Blake", "Sampleton"), ("T003", "Casey", "Placeholder"),
        ("T011", "Jordan", "Inventedname"), ("T012", "Kai", "Notaperson"), ("T013", "Lee", "Makebelieve"),
        ("T014", "Morgan", "Fictional"), ("T015", "Noor", "Pretendson"), ("T016", "Oakley", "Synthetic"),
        ("T017", "Parker", "Imaginary")])


@pytest.fixture
def clinic(install):
    missing = [t for t in ("tmux", "faketime") if shutil.which(t) is None]
    reason = SshServer.unavailable() or (f"{' and '.join(missing)} not installed" if missing else None) \
        or (None if libfaketime() else "libfaketime.so.1 not found")
    if reason:
        pytest.skip(reason)
    place = public_dir("fct-day-")
    root = place / "clinic"
    subprocess.run(["install", "-d", "-o", "root", "-g", STAFF_GROUP, "-m", "2770", str(root)], check=True)
    roster = place / "roster.csv"
    roster.write_text(ROSTER)
    os.chmod(roster, 0o644)

    def cli(user: str, *args: str) -> str:
        done = install.run(user, "077", "cli", *args, "--data", str(root))
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli(ADMIN, "init", "--clinic", "Test Clinic", "--timezone", "America/Chicago", "--group", STAFF_GROUP)
    cli(ADMIN, "staff", "add", COUNSELOR, "--name", "Cole Counselor", "--role", "counselor")
    cli(ADMIN, "staff", "add", SUPERVISOR, "--name", "Sue Supervisor", "--role", "supervisor")
    cli(ADMIN, "groups", "add", GROUP, "--days", "mon,wed,thu", "--start", "18:00", "--minutes", "180",
        "--plan", "iop-evening-triggers")
    cli(ADMIN, "groups", "add", MORNING, "--days", "mon,thu", "--start", "10:00", "--minutes", "90")
    cli(ADMIN, "roster", "import", str(roster))
    for user in (COUNSELOR, SUPERVISOR):
        done = install.run(user, "077", "set-pin", str(root), COUNSELOR_AT.isoformat(), PIN)
        assert done.returncode == 0, done.stderr
    # That morning the admin (a clinician too) ran the morning group: one note signed, waiting
    # for a co-signature, one not written yet.
    done = install.run(ADMIN, "077", "run-session", str(root), "2026-11-23T10:05:00-06:00", MORNING)
    assert done.returncode == 0, done.stderr
    yield root
    shutil.rmtree(place, ignore_errors=True)


def login_env(user: str, install, root: Path) -> list[str]:
    return ["env", "-i", f"HOME={pwd.getpwnam(user).pw_dir}", f"PATH={install.dir / 'bin'}:/usr/bin:/bin",
            "LANG=C.UTF-8", "TERM=xterm-256color", "TZ=UTC", f"FACILITATOR_DATA={root}"]


def over_ssh(server: SshServer, key: Path, command: str) -> subprocess.CompletedProcess:
    """A command as the supervisor, through the ForceCommand entry (SSH_ORIGINAL_COMMAND)."""
    return subprocess.run(server.ssh_argv(user=SUPERVISOR, key=key) + [command],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def sshd():
    place = public_dir("fct-sshd-")       # every account may pass through to its own key
    server = SshServer(place / "sshd")
    yield server
    server.stop()
    shutil.rmtree(place, ignore_errors=True)


def test_a_counselors_group_then_a_supervisor_cosigns_over_ssh(install, clinic, sshd):
    root = clinic
    # -- the counselor, in a terminal on the host, as their own account ---------------------
    name = f"day-c-{uuid.uuid4().hex[:8]}"
    # libfaketime preloaded, not the faketime wrapper (tests/faketime.run_at says why).
    line = " ".join(["runuser", "-u", COUNSELOR, "--", *login_env(COUNSELOR, install, root),
                     f"LD_PRELOAD={libfaketime()}", f"FAKETIME='{faketime_text(COUNSELOR_AT)}'",
                     str(install.dir / "bin" / "facilitator")])
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", f"{line}; echo EXITED-$?; sleep 30")
    counselor = Terminal(name)
    try:
        assert run_the_group(counselor) == 20
        counselor.keys("q")
        counselor.wait_for("EXITED-0")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)

    # -- the supervisor, over ssh with a key, through the ForceCommand entry ----------------
    server = sshd.start(extra_config=(
        f"\nMatch Group {STAFF_GROUP}\n"
        f"    ForceCommand {install.dir / 'bin' / 'facilitator-ssh'}\n"
        "    AllowTcpForwarding no\n    X11Forwarding no\n"
        # The test's clock and clinic (see the module's docstring): only this sshd sets them.
        f"Match User {SUPERVISOR}\n"
        f'    SetEnv TZ=UTC "FAKETIME={faketime_text(SUPERVISOR_AT)}" LD_PRELOAD={libfaketime()} '
        f"FACILITATOR_DATA={root}\n"))
    os.chmod(server.dir, 0o711)          # sshd reads each account's keys as that account
    key = server.add_key(SUPERVISOR)
    name = f"day-s-{uuid.uuid4().hex[:8]}"
    ssh_line = " ".join(server.ssh_argv(user=SUPERVISOR, key=key, tty=True))
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24",
         f"env -u COLORTERM TERM=xterm-256color {ssh_line}; echo EXITED-$?; sleep 30")
    supervisor = Terminal(name)
    keys = []

    def press(*pressed: str) -> None:
        keys.extend(pressed)
        for k in pressed:                   # one key per send: ESC + a key would be alt+key
            supervisor.keys(k)

    try:
        home = supervisor.capture("ssh home", "Sue Supervisor", seconds=40)
        assert "Mon 23 Nov" in home, home                     # the fixed instant, not today
        press("v")
        queue = supervisor.capture("ssh review", "to co-sign 10")     # the filter line's counts
        assert "f all 11 · mine to sign 0 · to co-sign 10 · overdue 0" in queue, queue
        assert "no note" in queue, queue                      # the morning note not yet written
        press("f")                                            # mine to sign: none
        supervisor.capture("ssh mine", "No note matches these filters")
        press("f")                                            # to co-sign
        supervisor.capture("ssh to co-sign", "Parker Imaginary")
        assert "no note" not in supervisor.captures["ssh to co-sign"]
        press("g")                                            # groups in order: the evening one
        shown = supervisor.capture("ssh group", f"group: {GROUP}")
        assert "f all 9 · mine to sign 0 · to co-sign 9" in shown, shown
        press("p")                                            # counselors in order: the admin...
        supervisor.capture("ssh counselor 1", "counselor: Ada Admin")
        press("p")                                            # ...then the one who ran it
        supervisor.capture("ssh counselor", "counselor: Cole Counselor")
        press("space")                                        # one row by hand...
        supervisor.capture("ssh one selected", "1 selected")
        press("a")                                            # ...then every row shown
        supervisor.capture("ssh all selected", "9 selected")
        press("c")
        supervisor.capture("ssh question", "Co-sign these 9 signed notes?")
        press("y")
        supervisor.capture("ssh done", "Co-signed 9 notes.")
        supervisor.capture("ssh empty", "No note matches these filters")
        press("Escape", "q")
        supervisor.wait_for("EXITED-0")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)

    data = DataDir.open(root, user=SUPERVISOR, clock=lambda: SUPERVISOR_AT)
    captures = {**counselor.captures, **supervisor.captures}
    assert_screens_clean(captures, data_words(data))
    # The keys from the home screen to the last co-signature; the README's supervisor figure
    # leaves out Space, shown here for one row, which `a` makes unneeded.
    assert keys[:keys.index("y") + 1] == ["v", "f", "f", "g", "p", "p", "space", "a", "c", "y"]

    # -- what was stored --------------------------------------------------------------------
    notes = assert_the_group_stored(data)
    for note in notes.values():
        assert note.signed_by == COUNSELOR and note.author == COUNSELOR
        assert note.cosigned_by == SUPERVISOR and note.cosign_hash
        assert note.cosigned_at is not None
        assert note.cosigned_at.astimezone(CHICAGO).strftime("%Y-%m-%d %H:%M") == "2026-11-23 21:30"
    audit = over_ssh(server, key, "facilitator audit --from 2026-11-23 --to 2026-11-23 --format json")
    morning = [data.session_file(r.header.session_id).notes() for r in
               data.sessions_between(SUPERVISOR_AT.date(), SUPERVISOR_AT.date()).records
               if r.header.group == MORNING]
    assert len(morning) == 1 and len(morning[0]) == 1, "the filters kept the morning note out"
    assert all(n.signed_by == ADMIN and n.cosigned_by is None for n in morning[0].values())
    assert audit.returncode == 0, audit.stderr
    entries = json.loads(audit.stdout)["entries"]
    cosigns = [e for e in entries if e["action"] == "note.cosign"]
    assert len(cosigns) == 9 and {e["user"] for e in cosigns} == {SUPERVISOR}
    assert {e["record"] for e in cosigns} == {SESSION_ID}
    signs = [e for e in entries if e["action"] == "note.sign" and e["record"] == SESSION_ID]
    assert len(signs) == 9 and {e["user"] for e in signs} == {COUNSELOR}
    verify = over_ssh(server, key, "facilitator verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert_shared(root)
