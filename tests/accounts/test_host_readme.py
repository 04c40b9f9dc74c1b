"""The README's clinic-host section, run as written against a real sshd on 127.0.0.1.

The marked blocks are read from README.md and run verbatim, with only these swapped for
test ones: the service account's name (``fct_hsvc`` for ``facilitator`` where it names the
account), the clinic folder, the admin's key file, and ``ssh facilitator@clinic-host``,
which becomes ``ssh -F CONFIG fct_hsvc@clinic-host`` with a config naming this test's sshd
and the staff member's own key. Root's block runs as root; the admin's, the staff
member's and the backup block run "on their own computers" (as root here, in folders of
their own, holding nothing but their keys and files): staff have no OS account on the host.

The system configuration file is written at its real path, /etc/xdg/facilitator/config.toml,
and put back afterwards; the service account is removed afterwards. The tests run in file
order on one module-scoped host: the last one deactivates jdoe.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from tests.accounts import OUTSIDER, public_dir
from tests.e2e.sshd import SshServer
from tests.faketime import as_account

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.sshd]

README = Path(__file__).resolve().parents[2] / "README.md"
SITE_CONFIG = Path("/etc/xdg/facilitator/config.toml")
SERVICE = "fct_hsvc"
PIN = "246810"
CLIENTS = ("client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged,groups\n"
           "T001,Avery,Testperson,IOP,,2026-10-01,,\n"
           "T002,Blake,Sampleton,IOP,,2026-10-01,,\n")


def readme_block(name: str) -> str:
    text = README.read_text()
    found = re.search(rf"<!-- host-setup: {name} -->\n(\s*)```[a-z]*\n(.*?)\n\s*```", text, re.S)
    assert found, f"README.md has no host-setup block {name!r}"
    return textwrap.dedent(found[2])


def substituted(block: str, swaps: dict[str, str]) -> str:
    for old, new in swaps.items():
        block = block.replace(old, new)
    return block


def _remove_service_account() -> None:
    subprocess.run(["userdel", "-r", SERVICE], capture_output=True)


def _keygen(path: Path, comment: str) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True)
    return path


class Computer:
    """A staff member's own computer: a folder, their key and an ssh config for the host."""

    def __init__(self, place: Path, name: str, port: int) -> None:
        self.dir = place / f"computer-{name}"
        self.dir.mkdir()
        self.key = _keygen(self.dir / "id_ed25519", f"{name} laptop")
        self.config = self.dir / "ssh_config"
        self.config.write_text(
            "Host clinic-host\n    HostName 127.0.0.1\n"
            f"    Port {port}\n    IdentityFile {self.key}\n    IdentitiesOnly yes\n"
            "    StrictHostKeyChecking no\n    UserKnownHostsFile /dev/null\n"
            "    LogLevel ERROR\n    BatchMode yes\n")

    @property
    def public_key(self) -> str:
        return Path(f"{self.key}.pub").read_text()

    def swaps(self) -> dict[str, str]:
        return {"ssh facilitator@clinic-host": f"ssh -F {self.config} {SERVICE}@clinic-host",
                "ssh -t facilitator@clinic-host": f"ssh -t -F {self.config} {SERVICE}@clinic-host"}

    def run_block(self, name: str, path: str) -> subprocess.CompletedProcess:
        return subprocess.run(["sh", "-e", "-x", "-c", substituted(readme_block(name), self.swaps())],
                              cwd=self.dir, capture_output=True, text=True, timeout=180,
                              env={"PATH": path, "HOME": str(self.dir), "LANG": "C.UTF-8"})

    def ssh(self, *command: str, tty: bool = False, stdin: str | None = None) -> subprocess.CompletedProcess:
        argv = ["ssh", "-F", str(self.config), *(["-tt"] if tty else []), f"{SERVICE}@clinic-host", *command]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, input=stdin)

    def ssh_line(self) -> str:
        return shlex.join(["ssh", "-tt", "-F", str(self.config), f"{SERVICE}@clinic-host"])


@pytest.fixture(scope="module")
def host(install):
    reason = SshServer.unavailable() or (None if shutil.which("tmux") else "tmux is not installed")
    if reason:
        pytest.skip(reason)
    place = public_dir("fct-host-")
    clinic = place / "srv-facilitator"
    path = f"{install.dir / 'bin'}:/usr/sbin:/usr/bin:/sbin:/bin"
    saved = place / "saved-config.toml"
    had_folder = SITE_CONFIG.parent.exists()
    if SITE_CONFIG.exists():
        shutil.copy2(SITE_CONFIG, saved)
    _remove_service_account()
    server = SshServer(place / "sshd")
    admin, jdoe = Computer(place, "admin1", server.port), Computer(place, "jdoe", server.port)
    (admin.dir / "jdoe.pub").write_text(jdoe.public_key)        # jdoe sent it to the admin
    (admin.dir / "clients.csv").write_text(CLIENTS)
    root_key = place / "admin1.pub"                              # the admin sent it to root
    root_key.write_text(admin.public_key)
    try:
        swaps = {"--service-user facilitator": f"--service-user {SERVICE}",
                 "/srv/facilitator": str(clinic), "/root/admin1.pub": str(root_key)}
        made = subprocess.run(["sh", "-e", "-x", "-c", substituted(readme_block("root"), swaps)],
                              capture_output=True, text=True, timeout=180,
                              env={"PATH": path, "HOME": "/root", "LANG": "C.UTF-8"})
        assert made.returncode == 0, made.stdout + made.stderr
        # The README's Match block, then this test's own: sshd reads the service account's
        # authorized_keys where a real host's does (the fixture's default is its own folder).
        match = substituted(readme_block("sshd_config"), {"Match User facilitator": f"Match User {SERVICE}"})
        server.start(extra_config=f"\n{match}\nMatch User {SERVICE}\n    AuthorizedKeysFile .ssh/authorized_keys\n")
        yield {"server": server, "clinic": clinic, "admin": admin, "jdoe": jdoe, "path": path,
               "made": made}
    finally:
        server.stop()
        subprocess.run(["pkill", "-KILL", "-u", SERVICE], capture_output=True)
        if saved.exists():
            shutil.copy2(saved, SITE_CONFIG)
        else:
            SITE_CONFIG.unlink(missing_ok=True)
            if not had_folder:
                shutil.rmtree(SITE_CONFIG.parent, ignore_errors=True)
        _remove_service_account()
        shutil.rmtree(place, ignore_errors=True)


def _authorized_keys() -> str:
    return (Path(pwd.getpwnam(SERVICE).pw_dir) / ".ssh" / "authorized_keys").read_text()


def test_the_root_block_made_a_clinic_only_the_service_account_can_open(host):
    clinic = host["clinic"]
    account = pwd.getpwnam(SERVICE)
    found = os.stat(clinic)
    assert (found.st_uid, found.st_mode & 0o7777) == (account.pw_uid, 0o700)
    for path in clinic.rglob("*"):
        assert os.lstat(path).st_uid == account.pw_uid, f"{path} is not the service account's"
    assert f'data = "{clinic}"' in SITE_CONFIG.read_text().splitlines()
    lines = [line for line in _authorized_keys().splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) == 1
    assert lines[0].startswith("restrict,pty,command=\"") and f"--staff admin1 --data {clinic}\"" in lines[0]
    assert host["admin"].public_key.split()[1] in lines[0]
    # Another account of the host (a staff member's old one, say) cannot even look inside.
    peek = subprocess.run([*as_account(OUTSIDER), "ls", str(clinic)], capture_output=True, text=True)
    assert peek.returncode != 0 and "Permission denied" in peek.stderr


def test_the_admin_adds_jdoe_and_the_clients_over_ssh(host):
    done = host["admin"].run_block("admin", host["path"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"jdoe\b.*Jo Doe.*supervisor", done.stdout), done.stdout
    keys = _authorized_keys()
    assert f"--staff jdoe --data {host['clinic']}\"" in keys
    assert host["jdoe"].public_key.split()[1] in keys
    clients = json.loads((host["clinic"] / "clinic.json").read_text())["clients"]
    assert {row["client_id"] for row in clients.values()} == {"T001", "T002"}


def test_jdoe_runs_the_staff_block_and_the_host_audits_it_as_jdoe(host):
    done = host["jdoe"].run_block("staff", host["path"])
    assert done.returncode == 0, done.stdout + done.stderr
    lines = (host["jdoe"].dir / "week.csv").read_text(encoding="utf-8-sig").splitlines()
    assert "42 CFR part 2" in lines[0]
    assert lines[1].startswith("client_id,name,"), lines[:3]
    audit = host["admin"].ssh("audit", "--format", "json")
    assert audit.returncode == 0, audit.stderr
    entries = json.loads(audit.stdout)["entries"]
    assert any(e.get("user") == "jdoe" and e.get("action", "").startswith("report") for e in entries), entries[-5:]


@pytest.mark.parametrize("command", [
    "staff add fct_x --name X --role admin",
    "backup -",
    "restore /tmp/x.tar --data /tmp/y",
    "report week --data /tmp",
    "report week; id",
    "sh -c id",
])
def test_a_supervisor_is_refused_what_the_role_or_ssh_does_not_allow(host, command):
    done = host["jdoe"].ssh(command)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr


def test_no_command_and_no_terminal_never_starts_the_app_into_a_pipe(host):
    done = subprocess.run(["ssh", "-T", "-F", str(host["jdoe"].config), f"{SERVICE}@clinic-host"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "terminal" in done.stderr and "\x1b[" not in done.stdout


def test_the_backup_block_streams_a_tar_that_verifies_anywhere(host):
    done = host["admin"].run_block("backup", host["path"])
    assert done.returncode == 0, done.stdout + done.stderr
    archive = host["admin"].dir / "clinic.tar"
    assert archive.stat().st_size > 0
    import tarfile
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert any(name.endswith("clinic.json") for name in names)
    assert not any(name.startswith("/") or ".." in name.split("/") for name in names)


def test_root_restores_the_archive_for_the_service_account_and_it_verifies(host):
    restored = host["clinic"].parent / "restored"
    swaps = {"/srv/facilitator-restored": str(restored), "--owner facilitator": f"--owner {SERVICE}",
             }
    done = subprocess.run(["sh", "-e", "-x", "-c", substituted(readme_block("restore"), swaps)],
                          cwd=host["admin"].dir, capture_output=True, text=True, timeout=300,
                          env={"PATH": host["path"], "HOME": "/root", "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verify passes" in done.stdout, done.stdout
    account = pwd.getpwnam(SERVICE)
    assert (os.stat(restored).st_uid, os.stat(restored).st_mode & 0o777) == (account.pw_uid, 0o700)
    assert all(os.lstat(path).st_uid == account.pw_uid for path in restored.rglob("*"))
    assert (restored / "clinic.json").read_bytes() == (host["clinic"] / "clinic.json").read_bytes()


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _wait_for(session: str, *texts: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if all(t in screen for t in texts):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{texts} never showed:\n{screen}")


def _wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.1)


def _service_processes() -> list[int]:
    uid = pwd.getpwnam(SERVICE).pw_uid
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"as_account.py" in cmdline and state != "Z":
            found.append(int(entry))
    return found


def _descendants(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if ppid == pid:
                children += [int(entry), *_descendants(int(entry))]
    return children


def test_jdoes_app_at_80x24_and_a_killed_client_leaves_nothing_running(host):
    assert not _service_processes()
    session = f"fct-host-{os.getpid()}"
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24",
          f"env -u COLORTERM TERM=xterm-256color {host['jdoe'].ssh_line()}")
    try:
        # The first launch asks this staff member to choose a PIN before anything else shows.
        _wait_for(session, "No PIN is set")
        _tmux("send-keys", "-t", session, PIN)
        _wait_for(session, "•" * len(PIN))
        cursor = _tmux("display-message", "-p", "-t", session, "#{cursor_y}")
        _tmux("send-keys", "-t", session, "Enter")
        # Enter moves the focus to the second field; typed before it lands, the PIN would
        # join the first (the terminal cursor follows the focused field).
        _wait_until(lambda: _tmux("display-message", "-p", "-t", session, "#{cursor_y}") != cursor)
        _tmux("send-keys", "-t", session, PIN, "Enter")
        screen = _wait_for(session, "Riverbend Recovery", "Jo Doe")
        assert len(screen.splitlines()) <= 24 and max(map(len, screen.splitlines())) <= 80
        assert _service_processes(), "the app runs as the service account on the host"

        pane = int(_tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        clients = [p for p in [pane, *_descendants(pane)]
                   if Path(f"/proc/{p}/comm").read_text().strip() == "ssh"]
        assert clients, "the ssh client runs in the pane"
        for pid in clients:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _service_processes():
            time.sleep(0.2)
        assert not _service_processes(), "a facilitator process outlived its ssh client"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        for pid in _service_processes():
            os.kill(pid, signal.SIGKILL)


def test_deactivating_jdoe_takes_effect_at_once(host):
    before = host["jdoe"].ssh("report", "week", "--format", "csv")
    assert before.returncode in (0, 1), before.stderr
    done = host["admin"].ssh("staff", "deactivate", "jdoe")
    assert done.returncode == 0, done.stderr
    after = host["jdoe"].ssh("report", "week", "--format", "csv")
    assert after.returncode == 2 and after.stdout == ""
    assert "deactivated" in after.stderr
