"""The service-account host over real OpenSSH on 127.0.0.1 (issue #21): one system account,
``fct_svc``, owns the clinic (0700); each staff member is a key in its ``authorized_keys``
with the forced command ``facilitator-ssh --staff USER --data DIR``; everyone connects as
``fct_svc@127.0.0.1``. Ada (admin), Sue (supervisor) and Gus (counselor) have no OS account at
all; the counselor who syncs a laptop, ``fct_lapcole``, is an OS account only because the
laptop's program runs as one (on a laptop, the OS account is the staff member).

This test's sshd accepts every variable a client may send that could matter
(``AcceptEnv FACILITATOR_* USER LOGNAME HOME XDG_*``), as a careless host might: the entry
itself must ignore them.
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.accounts import PublicInstall, accounts_lock, ensure_account, public_dir
from tests.accounts import unavailable as accounts_unavailable
from tests.e2e.service_keys import (
    SERVICE,
    authorized_keys_line,
    ensure_service_account,
    new_key,
    normalised_key,
    write_authorized_keys,
)
from tests.e2e.sshd import SshServer

pytestmark = [pytest.mark.e2e, pytest.mark.accounts]

LAPTOP = "fct_lapcole"      # the counselor's laptop account, and so their staff name
GROUP = "Evening IOP"
PIN = "246810"
ROSTER = ("client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups\n"
          f"T001,Avery,Testperson,IOP,,2026-10-01,,{GROUP}\nT002,Blake,Sampleton,IOP,,2026-10-01,,{GROUP}\n")
MORE = ("client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups\n"
        "T003,Casey,Placeholder,IOP,,2026-10-01,,\n")


class Host:
    def __init__(self, place: Path, install: PublicInstall, server: SshServer, clinic: Path,
                 keys: dict[str, Path]) -> None:
        self.place, self.install, self.server, self.clinic, self.keys = place, install, server, clinic, keys
        self.entry = str(install.dir / "bin" / "facilitator-ssh")

    def argv(self, who: str, *options: str, tty: bool = False) -> list[str]:
        argv = self.server.ssh_argv(user=SERVICE, key=self.keys[who], tty=tty)
        return [*argv[:-1], *options, argv[-1]]

    def ssh(self, who: str, command: str | None, *options: str, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(who, *options) + ([command] if command is not None else []),
                              capture_output=True, text=True, timeout=120, input=stdin,
                              stdin=None if stdin is not None else subprocess.DEVNULL,
                              env={**os.environ, **(env or {})})

    def audit(self) -> list[dict]:
        lines = [line for f in sorted((self.clinic / "audit").glob("*.jsonl")) for line in f.read_text().splitlines()]
        return [json.loads(line) for line in lines if line.strip()]


def _refused(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.fixture(scope="module")
def sshd():
    """The named fixture marks these tests ``sshd`` (tests/conftest.py)."""
    reason = SshServer.unavailable() or accounts_unavailable()
    if reason:
        print(f"skipping the service-account tests: {reason}")
        pytest.skip(reason)
    place = public_dir("fct-svc-")
    server = SshServer(place / "sshd")
    yield server
    server.stop()
    shutil.rmtree(place, ignore_errors=True)


@pytest.fixture(scope="module")
def host(sshd):
    home = ensure_service_account()
    with accounts_lock():
        ensure_account(LAPTOP, full_name="Cole Laptop")
    install = PublicInstall(SERVICE)
    if install.python is None:
        install.remove()
        pytest.skip("no Python of this version that the service account may run")
    place = sshd.dir.parent
    clinic = home / f"clinic-{uuid.uuid4().hex[:8]}"
    csv = place / "roster.csv"
    csv.write_text(ROSTER)
    os.chmod(csv, 0o644)

    def cli(*args: str) -> None:       # set-up, as the service account at the host's console
        done = install.run(SERVICE, "077", "cli", *args, "--data", str(clinic))
        assert done.returncode == 0, done.stderr

    cli("init", "--clinic", "Test Clinic", "--timezone", "America/Chicago")
    os.chmod(clinic, 0o700)
    for user, name, role in (("ada", "Ada Admin", "admin"), ("sue", "Sue Supervisor", "supervisor"),
                             ("gus", "Gus Counselor", "counselor"), (LAPTOP, "Cole Counselor", "counselor")):
        cli("staff", "add", user, "--name", name, "--role", role)
    cli("groups", "add", GROUP, "--days", "mon,wed,thu", "--start", "18:00", "--minutes", "180")
    cli("roster", "import", str(csv))
    keys = {who: new_key(place, who, owner=LAPTOP if who == LAPTOP else None) for who in ("ada", "sue", "gus", LAPTOP)}
    entry = str(install.dir / "bin" / "facilitator-ssh")
    write_authorized_keys(SERVICE, [authorized_keys_line(normalised_key(Path(f"{keys[who]}.pub")), who, entry,
                                                         str(clinic)) for who in keys])
    sshd.start(extra_config=f"\nMatch User {SERVICE}\n    AuthorizedKeysFile .ssh/authorized_keys\n"
                            "    AcceptEnv LANG LC_* FACILITATOR_* USER LOGNAME HOME XDG_*\n")
    yield Host(place, install, sshd, clinic, keys)
    install.remove()
    shutil.rmtree(clinic, ignore_errors=True)


def test_each_key_acts_as_its_staff_member_and_runs_what_its_role_may(host):
    before = len(host.audit())
    staff = host.ssh("ada", "staff list --format json")
    assert staff.returncode == 0, staff.stderr
    assert {"ada", "sue", "gus", LAPTOP} <= {m["user"] for m in json.loads(staff.stdout)["staff"]}
    made = host.ssh("ada", "facilitator groups add 'Morning RP' --days tue --start 10:00 --minutes 90")
    assert made.returncode == 0, made.stderr
    imported = host.ssh("ada", "roster import -", stdin=MORE)
    assert imported.returncode == 0, imported.stderr
    listed = host.ssh("gus", "roster list --format json")
    assert listed.returncode == 0 and "T003" in listed.stdout, listed.stderr
    report = host.ssh("sue", "report week --date 2026-11-23 --format json")
    assert report.returncode in (0, 1) and json.loads(report.stdout)["week"] == "2026-W48", report.stderr
    audit = host.ssh("sue", "audit --format json")
    assert audit.returncode == 0, audit.stderr
    assert "ada" in {e["user"] for e in json.loads(audit.stdout)["entries"]}
    where = host.ssh("gus", "where")
    assert where.returncode == 0 and where.stdout.splitlines()[0] == str(host.clinic), where.stderr
    # Each refusal: one sentence naming the role, exit 2.
    for command in ("report week", "audit", "staff list", "staff add kim --name Kim --role admin",
                    "export billing --from 2026-11-01 --to 2026-11-30", "verify", "roster import -"):
        _refused(host.ssh("gus", command), "gus is a counselor")
    for command in ("staff list", "groups add X --days mon --start 09:00 --minutes 60", "roster import -",
                    "settings set idle-minutes 9", "pin issue gus", "backup"):
        _refused(host.ssh("sue", command), "sue is a supervisor", "admins")
    written = host.audit()[before:]       # ada's changes, sue's audited reads; never fct_svc's
    assert {e["user"] for e in written} == {"ada", "sue"}, written
    assert {e["action"] for e in written if e["user"] == "ada"} >= {"group.add"}, written
    assert all(e.get("file") is None for e in written if e["user"] == "sue"), written


@pytest.mark.parametrize("who", ["gus", "ada"])
def test_the_first_attacks_change_neither_who_acts_nor_where(host, who):
    elsewhere = host.place / f"elsewhere-{who}"
    elsewhere.mkdir()
    shutil.chown(elsewhere, SERVICE)          # the service account could write there: nothing may
    os.chmod(elsewhere, 0o755)
    before = host.audit()
    for command in (f"report week --data {elsewhere}", f"facilitator --data {elsewhere} where",
                    f"facilitator --data={elsewhere}",
                    f"sync --serve --data {elsewhere}", f"init --clinic X --timezone UTC --data {elsewhere}",
                    f"restore {host.clinic} --data {elsewhere}/r", "audit baseline",
                    f"backup {elsewhere}/b", f"backup --data {host.clinic} {elsewhere}/b",
                    f"notes export --from 2026-11-01 --to 2026-11-30 --format text --out {elsewhere}/n",
                    f"roster import {host.place / 'roster.csv'}", f"where; touch {elsewhere}/m",
                    f"where && touch {elsewhere}/m", f"where $(touch {elsewhere}/m)", f"where `touch {elsewhere}/m`",
                    f"where | touch {elsewhere}/m", f"{host.entry} --staff ada --data {elsewhere} staff list",
                    f"{host.entry} --staff ada --data {host.clinic} staff list",
                    f"sync {SERVICE}@127.0.0.1:{elsewhere}", "sh -c id"):
        done = host.ssh(who, command)
        assert done.returncode == 2 and done.stdout == "", (command, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1, (command, done.stderr)
    # Variables a client sends (SetEnv, SendEnv), on an sshd that accepts them all.
    sent = {"FACILITATOR_DATA": str(elsewhere), "USER": "ada", "LOGNAME": "ada", "FACILITATOR_DEBUG": "1",
            "FACILITATOR_STAFF": "ada", "XDG_CONFIG_HOME": str(elsewhere), "HOME": str(elsewhere)}
    set_env = "SetEnv=" + " ".join(f"{k}={v}" for k, v in sent.items())
    for options, env in (((("-o", set_env)), None), (("-o", "SendEnv=FACILITATOR_* USER LOGNAME XDG_*"), sent)):
        where = host.ssh(who, "where", *options, env=env)
        assert where.returncode == 0 and where.stdout.splitlines()[0] == str(host.clinic), where.stderr
        listed = host.ssh(who, "staff list --format json", *options, env=env)
        if who == "gus":
            _refused(listed, "gus is a counselor")
        else:
            assert listed.returncode == 0, listed.stderr
    # sftp, scp and forwarding: `restrict` and the forced command.
    sftp = subprocess.run(host.argv(who, "-s") + ["sftp"], capture_output=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert sftp.returncode != 0 and b"SSH-2.0" not in sftp.stdout
    remote = subprocess.run(host.argv(who, "-N", "-o", "ExitOnForwardFailure=yes",
                                      "-R", f"127.0.0.1:0:127.0.0.1:{host.server.port}"),
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert remote.returncode == 255 and "forwarding failed" in remote.stderr, remote.stderr
    assert _local_forward_reaches(host, who) == b""
    assert list(elsewhere.iterdir()) == [] and host.audit() == before


def _local_forward_reaches(host: Host, who: str) -> bytes:
    """What a connection through ``ssh -L`` to the host's own sshd gets (its banner if allowed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tunnel = subprocess.Popen(host.argv(who, "-N", "-L", f"127.0.0.1:{port}:127.0.0.1:{host.server.port}"),
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline and tunnel.poll() is None, "the tunnel did not listen"
                time.sleep(0.1)
        with conn:
            try:
                return conn.recv(64)
            except OSError:
                return b""
    finally:
        tunnel.terminate()
        tunnel.wait(timeout=10)


def test_the_app_opens_as_the_keys_staff_member(host):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from tests.tui.day_script import Terminal, tmux
    issued = host.ssh("ada", "pin issue sue", stdin=f"{PIN}\n{PIN}\n")    # so no PIN screen comes first
    assert issued.returncode == 0, issued.stderr
    assert host.audit()[-1]["user"] == "ada"
    name = f"svc-app-{uuid.uuid4().hex[:8]}"
    line = shlex.join(host.argv("sue", tty=True))
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24",
         f"env -u COLORTERM TERM=xterm-256color {line}; echo EXITED-$?; sleep 30")
    app = Terminal(name)
    try:
        home = app.capture("home", "Sue Supervisor", seconds=40)
        assert "Test Clinic" in home, home
        app.keys("q")
        app.wait_for("EXITED-0", seconds=30)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_a_laptop_clones_and_syncs_as_its_key_and_is_locked_once_deactivated(host):
    install = host.install
    laptop = Path(pwd.getpwnam(LAPTOP).pw_dir) / f"clinic-{uuid.uuid4().hex[:8]}"
    ssh = shlex.join(host.argv(LAPTOP)[:-1])

    def on_laptop(*args: str) -> subprocess.CompletedProcess:
        return install.run(LAPTOP, "077", *args)

    try:
        clone = on_laptop("cli", "sync", f"{SERVICE}@127.0.0.1:{host.clinic}", "--data", str(laptop), "--ssh", ssh)
        assert clone.returncode == 0, clone.stdout + clone.stderr
        assert clone.stdout.startswith("Pulled clinic.json"), clone.stdout
        ran = on_laptop("run-session", str(laptop), "2026-11-23T18:05:00-06:00", GROUP)
        assert ran.returncode == 0, ran.stderr
        session_id = ran.stdout.split()[0]
        before = len(host.audit())
        pushed = on_laptop("cli", "sync", f"{SERVICE}@127.0.0.1", "--data", str(laptop), "--ssh", ssh)
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        assert "Pushed 1 session record" in pushed.stdout, pushed.stdout
        written = host.audit()[before:]
        assert written and {e["user"] for e in written} == {LAPTOP}, written
        assert any(e["action"] == "sync.receive" for e in written)
        record = next(host.clinic.glob(f"records/*/*/{session_id}.json"))
        assert LAPTOP in record.read_text()

        deactivated = host.ssh("ada", f"staff deactivate {LAPTOP}")
        assert deactivated.returncode == 0, deactivated.stderr
        refused = on_laptop("cli", "sync", "--data", str(laptop), "--ssh", ssh)
        assert refused.returncode != 0 and "deactivated" in refused.stderr, refused.stdout + refused.stderr
        locked = on_laptop("cli", "roster", "list", "--data", str(laptop))
        assert locked.returncode == 2 and "locked" in locked.stderr, locked.stderr
        for command in ("where", "roster list", "pin reset", "facilitator --version"):
            _refused(host.ssh(LAPTOP, command), "deactivated")
        app = subprocess.run(host.argv(LAPTOP, tty=True), capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
        assert app.returncode == 2 and "deactivated" in app.stdout + app.stderr, app.stdout + app.stderr
        assert host.audit()[-1]["action"] == "sync.refused"
    finally:
        shutil.rmtree(laptop, ignore_errors=True)
