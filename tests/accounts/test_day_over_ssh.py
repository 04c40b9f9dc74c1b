"""The day at 80x24 on a service-account host (issue #21): a counselor runs and signs the
evening group, then a supervisor filters the review queue and co-signs the notes in one batch.
Both log in over real OpenSSH on 127.0.0.1 as the one service account, ``fct_svc``, each
with their own key (``ssh -tt``); neither has an OS account of their own: the key's forced
command, ``facilitator-ssh --staff USER --data DIR``, decides who acts.

Setup: the service account makes the clinic (0700, its own) and names the admin; the admin,
over ssh with their key, adds the two staff members, the evening and morning groups and ten
invented clients (``roster import -`` from standard input) and issues each PIN beforehand
(``pin issue``, two lines on standard input) so no PIN screen comes first. That morning the
admin ran the morning group (one note signed, one not written): the rows the supervisor's
filters must leave out.

The supervisor's keys, counted for the README's budget: ``v`` (the queue), ``f`` ``f`` (to
co-sign), ``g`` (the evening group), ``p`` ``p`` (counselors go in account order: the admin,
then the counselor), ``Space`` (one row), ``a`` (every row shown), ``c`` ``y``.

The clock. Every process sees a fixed instant through libfaketime, never the wall clock: the
counselor's login at Mon 23 Nov 2026 17:58 Chicago, the supervisor's at 21:30 the same
evening. sshd passes no environment of the client's but ``LANG``/``LC_*``, so each phase has
its own sshd whose ``Match User`` block sets ``FAKETIME``, ``TZ`` and ``LD_PRELOAD``
(libfaketime) for the service account. Only these test sshds do; the forced command and the
program are the ones installed.

What is checked: every screen of both logins for lines cut mid-word and engineer's words;
the filter counts on screen; the nine notes signed by the counselor and co-signed in the
supervisor's name at 21:30, the admin's morning note not co-signed; nine ``note.sign``
entries by the counselor and nine ``note.cosign`` by the supervisor, read back with
``ssh fct_svc@host audit --format json``; ``verify`` passes over ssh; the clinic is still
the service account's alone (0700).
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from facilitator.store.datadir import DataDir
from tests.accounts import ADMIN, COUNSELOR, SUPERVISOR, PublicInstall, public_dir
from tests.e2e.service_keys import (
    SERVICE,
    authorized_keys_line,
    ensure_service_account,
    new_key,
    normalised_key,
    write_authorized_keys,
)
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


class Host:
    """The clinic, its keys and the program, and one sshd per phase (each at its own instant)."""

    def __init__(self, place: Path, install: PublicInstall, root: Path) -> None:
        self.place, self.install, self.root = place, install, root
        self.keys = {who: new_key(place, who) for who in (ADMIN, COUNSELOR, SUPERVISOR)}
        entry = str(install.dir / "bin" / "facilitator-ssh")
        write_authorized_keys(SERVICE, [authorized_keys_line(normalised_key(Path(f"{key}.pub")), who, entry,
                                                             str(root)) for who, key in self.keys.items()])
        self.servers: list[SshServer] = []

    def sshd_at(self, instant: datetime | None) -> SshServer:
        server = SshServer(self.place / f"sshd-{len(self.servers)}")
        clock = "" if instant is None else (f'    SetEnv TZ=UTC "FAKETIME={faketime_text(instant)}" '
                                            f"LD_PRELOAD={libfaketime()}\n")
        self.servers.append(server.start(extra_config=f"\nMatch User {SERVICE}\n"
                                                      f"    AuthorizedKeysFile .ssh/authorized_keys\n{clock}"))
        return server

    def argv(self, server: SshServer, who: str, tty: bool = False) -> list[str]:
        return server.ssh_argv(user=SERVICE, key=self.keys[who], tty=tty)

    def ssh(self, server: SshServer, who: str, command: str, stdin: str | None = None) -> str:
        done = subprocess.run(self.argv(server, who) + [command], capture_output=True, text=True, timeout=120,
                              input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL)
        assert done.returncode == 0, (command, done.stderr)
        return done.stdout


@pytest.fixture
def host():
    missing = [t for t in ("tmux", "faketime") if shutil.which(t) is None]
    reason = SshServer.unavailable() or (f"{' and '.join(missing)} not installed" if missing else None) \
        or (None if libfaketime() else "libfaketime.so.1 not found")
    if reason:
        pytest.skip(reason)
    home = ensure_service_account()
    install = PublicInstall(SERVICE)
    if install.python is None:
        install.remove()
        pytest.skip("no Python of this version that the service account may run")
    place = public_dir("fct-day-")
    root = home / f"clinic-{uuid.uuid4().hex[:8]}"
    made = install.run(SERVICE, "077", "cli", "init", "--clinic", "Test Clinic", "--timezone", "America/Chicago",
                       "--data", str(root))
    assert made.returncode == 0, made.stderr
    os.chmod(root, 0o700)                 # as `host init` makes it: the service account's alone
    added = install.run(SERVICE, "077", "cli", "staff", "add", ADMIN, "--name", "Ada Admin", "--role", "admin",
                        "--data", str(root))
    assert added.returncode == 0, added.stderr
    made = Host(place, install, root)
    try:
        yield made
    finally:
        for server in made.servers:
            server.stop()
        install.remove()
        shutil.rmtree(place, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


def set_up_as_the_admin(host: Host, server: SshServer) -> None:
    """The admin's day-zero work, over ssh with their key (no clock of its own: set-up)."""
    def admin(command: str, stdin: str | None = None) -> None:
        host.ssh(server, ADMIN, command, stdin)
    admin(f"staff deactivate {SERVICE}")          # init's own admin: the service account is nobody
    admin(f"staff add {COUNSELOR} --name 'Cole Counselor' --role counselor")
    admin(f"staff add {SUPERVISOR} --name 'Sue Supervisor' --role supervisor")
    admin(f"groups add '{GROUP}' --days mon,wed,thu --start 18:00 --minutes 180 --plan iop-evening-triggers")
    admin(f"groups add '{MORNING}' --days mon,thu --start 10:00 --minutes 90")
    admin("roster import -", ROSTER)
    for user in (COUNSELOR, SUPERVISOR):
        admin(f"pin issue {user}", f"{PIN}\n{PIN}\n")
    # That morning the admin (a clinician too) ran the morning group: one note signed, waiting
    # for a co-signature, one not written yet.
    done = host.install.run(SERVICE, "077", "--staff", ADMIN, "run-session", str(host.root),
                            "2026-11-23T10:05:00-06:00", MORNING)
    assert done.returncode == 0, done.stderr


def login(host: Host, server: SshServer, who: str, name: str) -> Terminal:
    line = shlex.join(host.argv(server, who, tty=True))
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24",
         f"env -u COLORTERM TERM=xterm-256color {line}; echo EXITED-$?; sleep 30")
    return Terminal(name)


def test_a_counselors_group_then_a_supervisor_cosigns_over_ssh(host):
    root = host.root
    set_up_as_the_admin(host, host.sshd_at(None))
    # -- the counselor, over ssh with their key, at 17:58 ----------------------------------
    counselor = login(host, host.sshd_at(COUNSELOR_AT), COUNSELOR, f"day-c-{uuid.uuid4().hex[:8]}")
    try:
        assert run_the_group(counselor) == 20
        counselor.keys("q")
        counselor.wait_for("EXITED-0")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", counselor.name], capture_output=True)

    # -- the supervisor, over ssh with their key, at 21:30 the same evening ------------------
    server = host.sshd_at(SUPERVISOR_AT)
    name = f"day-s-{uuid.uuid4().hex[:8]}"
    supervisor = login(host, server, SUPERVISOR, name)
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
    audit = subprocess.run(host.argv(server, SUPERVISOR) + ["facilitator audit --from 2026-11-23 --to 2026-11-23 "
                                                            "--format json"], capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
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
    verify = subprocess.run(host.argv(server, SUPERVISOR) + ["facilitator verify"], capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    info = root.stat()
    assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == pwd.getpwnam(SERVICE).pw_uid
