"""The README's clinic-host section, run as written against a real sshd on 127.0.0.1.

The three marked blocks (root's setup, the admin's, the sshd_config Match block) are read
from README.md and run verbatim, with only these names swapped for test ones: the groups,
the accounts, the clinic folder and the path of ``facilitator-ssh``. The system
configuration file is written at its real path, /etc/xdg/facilitator/config.toml, and put
back afterwards. Each account logs in with its own key. Then, through the ForceCommand
entry: the supervisor's app at 80x24 in tmux, `ssh host facilitator report week --format
csv`, refusals, and a killed ssh client that leaves no facilitator process behind.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from tests.accounts import ADMIN, SUPERVISOR, public_dir
from tests.e2e.sshd import SshServer
from tests.faketime import as_account

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

README = Path(__file__).resolve().parents[2] / "README.md"
SITE_CONFIG = Path("/etc/xdg/facilitator/config.toml")
TEST_GROUPS = ("fct_rstaff", "fct_rapp")
PIN = "246810"


def readme_block(name: str) -> str:
    text = README.read_text()
    found = re.search(rf"<!-- host-setup: {name} -->\n(\s*)```[a-z]*\n(.*?)\n\s*```", text, re.S)
    assert found, f"README.md has no host-setup block {name!r}"
    return textwrap.dedent(found[2])


def substituted(block: str, swaps: dict[str, str]) -> str:
    for old, new in swaps.items():
        block = block.replace(old, new)
    return block


def _groupdel(name: str) -> None:
    subprocess.run(["groupdel", name], capture_output=True)


@pytest.fixture(scope="module")
def host(install):
    reason = SshServer.unavailable() or (None if shutil.which("tmux") else "tmux is not installed")
    if reason:
        pytest.skip(reason)
    place = public_dir("fct-host-")
    clinic = place / "srv-facilitator"
    swaps = {"/usr/local/bin/facilitator-ssh": str(install.dir / "bin" / "facilitator-ssh"),
             "/srv/facilitator": str(clinic),
             "facilitator-staff": TEST_GROUPS[0], "facilitator-app": TEST_GROUPS[1],
             "admin1": ADMIN, "jdoe": SUPERVISOR}
    saved = place / "saved-config.toml"
    had_folder = SITE_CONFIG.parent.exists()
    if SITE_CONFIG.exists():
        shutil.copy2(SITE_CONFIG, saved)
    for group in TEST_GROUPS:
        _groupdel(group)
    server = None
    try:
        root = subprocess.run(["sh", "-e", "-x", "-c", substituted(readme_block("root"), swaps)],
                              capture_output=True, text=True)
        assert root.returncode == 0, root.stderr
        admin = subprocess.run(
            [*as_account(ADMIN), "env", "-i", f"HOME={pwd.getpwnam(ADMIN).pw_dir}",
             f"PATH={install.dir / 'bin'}:/usr/bin:/bin", "LANG=C.UTF-8",
             "sh", "-e", "-x", "-c", "umask 077\n" + substituted(readme_block("admin"), swaps)],
            capture_output=True, text=True)
        assert admin.returncode == 0, admin.stderr
        server = SshServer(place / "sshd")
        server.start(extra_config="\n" + substituted(readme_block("sshd_config"), swaps) + "\n")
        os.chmod(server.dir, 0o711)      # sshd reads each account's keys as that account
        yield {"server": server, "clinic": clinic, "key": server.add_key(SUPERVISOR)}
    finally:
        if server is not None:
            server.stop()
        if saved.exists():
            shutil.copy2(saved, SITE_CONFIG)
        else:
            SITE_CONFIG.unlink(missing_ok=True)
            if not had_folder:
                shutil.rmtree(SITE_CONFIG.parent, ignore_errors=True)
        for group in TEST_GROUPS:
            _groupdel(group)
        shutil.rmtree(place, ignore_errors=True)


def ssh(host, *command: str, tty: bool = False, no_tty: bool = False) -> subprocess.CompletedProcess:
    argv = host["server"].ssh_argv(user=SUPERVISOR, key=host["key"], tty=tty)
    if no_tty:
        argv.insert(1, "-T")
    return subprocess.run(argv + list(command), capture_output=True, text=True, timeout=60)


def test_the_readme_made_a_shared_clinic_found_through_the_system_config(host):
    assert (host["clinic"] / "clinic.json").is_file()
    mode = (host["clinic"] / "clinic.json").stat().st_mode & 0o7777
    assert mode == 0o660
    done = ssh(host, "facilitator where")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        str(host["clinic"]), f"decided by the system configuration file {SITE_CONFIG}"]


def test_report_week_as_csv_through_the_forcecommand_entry(host):
    done = ssh(host, "facilitator report week --date 2026-11-18 --format csv")
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.removeprefix("\ufeff").splitlines()   # the BOM spreadsheets need
    assert "42 CFR part 2" in lines[0]
    assert lines[1].startswith("client_id,name,"), done.stdout


@pytest.mark.parametrize("command", [
    "facilitator staff add fct_x --name X --role admin",
    "facilitator report week; rm -rf /tmp",
    "sh -c id",
    "facilitator sync --serve --data /tmp --ssh x",
    "facilitator report week 'unbalanced",
])
def test_anything_else_is_refused_in_one_sentence(host, command):
    done = ssh(host, command)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("facilitator-ssh: "), done.stderr


def test_no_command_and_no_terminal_never_starts_the_app_into_a_pipe(host):
    done = ssh(host, no_tty=True)
    assert done.returncode == 2
    assert "no terminal" in done.stderr and "\x1b[" not in done.stdout


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _wait_for(session: str, *texts: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if all(t in screen for t in texts):
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{texts} never showed:\n{screen}")


def _facilitator_processes(user: str) -> list[int]:
    uid = pwd.getpwnam(user).pw_uid
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


def test_the_app_at_80x24_in_tmux_and_a_killed_client_leaves_nothing_running(host):
    assert not _facilitator_processes(SUPERVISOR)
    session = f"fct-host-{os.getpid()}"
    line = " ".join(map(shlex_quote, host["server"].ssh_argv(user=SUPERVISOR, key=host["key"], tty=True)))
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24",
          f"env -u COLORTERM TERM=xterm-256color {line}")
    try:
        # The first launch asks this account to choose its PIN before anything else shows.
        _wait_for(session, "No PIN is set")
        _tmux("send-keys", "-t", session, PIN, "Enter")
        _tmux("send-keys", "-t", session, PIN, "Enter")
        screen = _wait_for(session, "Riverbend Recovery")
        assert len(screen.splitlines()) <= 24 and max(map(len, screen.splitlines())) <= 80
        running = _facilitator_processes(SUPERVISOR)
        assert running, "the app runs as the supervisor on the host"

        pane = int(_tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        clients = [p for p in [pane, *_descendants(pane)]
                   if Path(f"/proc/{p}/comm").read_text().strip() == "ssh"]
        assert clients, "the ssh client runs in the pane"
        for pid in clients:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _facilitator_processes(SUPERVISOR):
            time.sleep(0.2)
        assert not _facilitator_processes(SUPERVISOR), "a facilitator process outlived its ssh client"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        for pid in _facilitator_processes(SUPERVISOR):
            os.kill(pid, signal.SIGKILL)


def shlex_quote(word: str) -> str:
    import shlex
    return shlex.quote(word)
