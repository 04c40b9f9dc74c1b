"""facilitator-ssh (sshd's ForceCommand): which ssh command lines run, which are refused.

The parse is shlex, never a shell; the real-sshd run is tests/accounts/test_host_readme.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from facilitator.cli.ssh_entry import command_for

ENTRY = Path(sys.executable).parent / "facilitator-ssh"


@pytest.mark.parametrize("line, argv", [
    ("facilitator report week --format csv", ["report", "week", "--format", "csv"]),
    ("/usr/local/bin/facilitator report week --week 2026-W47", ["report", "week", "--week", "2026-W47"]),
    ("facilitator export billing --from 2026-11-01 --to 2026-11-30",
     ["export", "billing", "--from", "2026-11-01", "--to", "2026-11-30"]),
    ("facilitator verify", ["verify"]),
    ("facilitator audit --client T001", ["audit", "--client", "T001"]),
    ("facilitator where", ["where"]),
    ("facilitator sync --serve", ["sync", "--serve"]),
    ("/opt/facilitator/bin/facilitator sync --serve --data '/srv/the clinic'",
     ["sync", "--serve", "--data", "/srv/the clinic"]),
    ("report week", ["report", "week"]),
    ("facilitator", []),                       # the app, when there is a terminal
])
def test_allowed_commands_run_as_facilitator_arguments(line, argv):
    assert command_for(line) == argv


@pytest.mark.parametrize("line", [
    "facilitator staff add x --name X --role admin", "facilitator pin reset",
    "facilitator report week; sh", "bash -i",
    "facilitator sync HOST", "facilitator sync --serve --ssh evil", "facilitator report 'week",
    "facilitator settings set idle-minutes 60", "facilitator demo", "facilitator verify\x1b[2J",
    "facilitator init --clinic X --timezone UTC", "facilitator restore /tmp/x",
    "facilitator audit baseline", "facilitator audit baseline --data /srv/x", "audit --data /srv/x baseline",
    "facilitator restore /tmp/x --data /srv/new",
])
def test_anything_else_is_one_sentence(line):
    refused = command_for(line)
    assert isinstance(refused, str)
    assert refused.startswith("facilitator-ssh: ") and "\n" not in refused and "\x1b" not in refused


def _entry(env: dict[str, str], stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([str(ENTRY)], capture_output=True, text=True, stdin=stdin,
                          env={"PATH": os.environ["PATH"], "HOME": env.pop("HOME"), **env}, timeout=60)


def test_the_entry_runs_an_allowed_command_and_refuses_the_rest_with_exit_2(tmp_path):
    clinic = tmp_path / "clinic"
    made = subprocess.run([str(Path(sys.executable).parent / "facilitator"), "init", "--clinic", "T",
                           "--timezone", "UTC", "--data", str(clinic)], capture_output=True, text=True)
    assert made.returncode == 0
    done = _entry({"HOME": str(tmp_path), "SSH_ORIGINAL_COMMAND": f"facilitator verify --data {clinic}"})
    assert done.returncode == 0 and "every file parses" in done.stdout
    done = _entry({"HOME": str(tmp_path), "SSH_ORIGINAL_COMMAND": f"facilitator pin reset --data {clinic}"})
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and done.stdout == ""
    # No shell: "&&" is just a word, which the report's own parser refuses.
    marker = tmp_path / "ran"
    done = _entry({"HOME": str(tmp_path),
                   "SSH_ORIGINAL_COMMAND": f"facilitator report week --data {clinic} && touch {marker}"})
    assert done.returncode == 2 and not marker.exists()


@pytest.mark.parametrize("command", [None, "facilitator"])
def test_no_command_without_a_terminal_never_opens_the_app(tmp_path, command):
    env = {"HOME": str(tmp_path)} | ({"SSH_ORIGINAL_COMMAND": command} if command else {})
    done = _entry(env)
    assert done.returncode == 2
    assert "no terminal" in done.stderr and done.stdout == ""


# --- issue #21 case 3: what one login can make the host spend -----------------------------------

def test_a_login_runs_with_its_address_space_capped(tmp_path):
    """A sync server, waiting for its hello, shows its limit in /proc (before: unlimited)."""
    from facilitator.cli.ssh_entry import MEMORY_LIMIT
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
           "SSH_ORIGINAL_COMMAND": f"facilitator sync --serve --data {tmp_path / 'clinic'}"}
    server = subprocess.Popen([str(ENTRY)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        limits = Path(f"/proc/{server.pid}/limits")
        end = time.monotonic() + 20
        while True:          # the entry sets it first thing; until then the line says "unlimited"
            line = next(x for x in limits.read_text().splitlines() if x.startswith("Max address space"))
            if line.split()[3] != "unlimited" or time.monotonic() > end or server.poll() is not None:
                break
            time.sleep(0.05)
        assert line.split()[3] == str(MEMORY_LIMIT), line
    finally:
        server.stdin.close()
        server.wait(timeout=60)


def test_a_vast_login_terminal_is_cut_before_the_app_reads_it():
    import fcntl
    import struct
    import termios

    from facilitator.cli.ssh_entry import MAX_COLUMNS, MAX_ROWS, clamp_terminal
    main, tty = os.openpty()
    try:
        def size() -> tuple[int, int]:
            rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(tty, termios.TIOCGWINSZ, b"\0" * 8))
            return rows, cols
        fcntl.ioctl(tty, termios.TIOCSWINSZ, struct.pack("HHHH", 65535, 65535, 0, 0))
        clamp_terminal(tty)
        assert size() == (MAX_ROWS, MAX_COLUMNS)
        fcntl.ioctl(tty, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        clamp_terminal(tty)
        assert size() == (24, 80)
    finally:
        os.close(main)
        os.close(tty)
