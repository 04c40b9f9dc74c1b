"""A supervisor's view over real OpenSSH on 127.0.0.1: the weekly report and the app.

Skipped only where sshd cannot run, with the reason printed. Both ends run at the same
chosen instant (tests/faketime.py; the demo is made as of that Tuesday), so "this week"
is one week on both sides whatever the real day and hour.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.store._sync_support import DAY, make_demo, program

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_clinic(tmp_path_factory) -> Path:
    return make_demo(tmp_path_factory.mktemp("host") / "clinic")


def test_report_week_over_ssh_matches_the_local_report(sshd, demo_clinic):
    command = (f"{shlex.quote(str(program(demo_clinic.parent)))} report week --date {DAY} --format json "
               f"--data {shlex.quote(str(demo_clinic))}")
    remote = sshd.run(command)
    assert remote.returncode in (0, 1), remote.stderr
    local = subprocess.run(shlex.split(command), capture_output=True, text=True)
    remote_report, local_report = json.loads(remote.stdout), json.loads(local.stdout)
    assert remote_report["week"] == local_report["week"] == "2026-W48"
    assert remote_report["clients"] == local_report["clients"]
    assert remote_report["clients"], "the demo clinic has clients this week"
    assert {"client_id", "name", "level_of_care", "required_hours", "attended_hours", "status"} <= set(
        remote_report["clients"][0])
    assert "42 CFR part 2" in remote_report["notice"]


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def test_the_app_and_weekly_view_over_ssh_at_80x24_with_256_colours(sshd, demo_clinic):
    """OpenSSH drops COLORTERM: the app and its weekly view must work at 80x24 in 256 colours."""
    session = f"fac-ssh-{uuid.uuid4().hex[:8]}"
    remote = (f"TERM=xterm-256color FACILITATOR_DATA={shlex.quote(str(demo_clinic))} "
              f"{shlex.quote(str(program(demo_clinic.parent)))}")
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24",
          "env -u COLORTERM TERM=xterm-256color " + sshd.shell_line(remote))
    try:
        screen = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            screen = _tmux("capture-pane", "-p", "-t", session)
            if "Riverbend" in screen and "Roster" in screen:
                break
            time.sleep(0.3)
        assert "Riverbend" in screen, screen
        assert "Roster" in screen, screen
        _tmux("send-keys", "-t", session, "w")      # the weekly view, as a supervisor opens it
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            screen = _tmux("capture-pane", "-p", "-t", session)
            if "below" in screen and "W" in screen:
                break
            time.sleep(0.3)
        report = json.loads(subprocess.run(
            [str(program(demo_clinic.parent)), "report", "week", "--date", DAY, "--format", "json",
             "--data", str(demo_clinic)],
            capture_output=True, text=True).stdout)
        assert report["week"] in screen, screen           # the week's label in the title
        below = [r for r in report["clients"] if r["status"] == "below"]
        assert below and below[0]["name"][:10] in screen, screen   # the first row needs attention first
        _tmux("send-keys", "-t", session, "Escape")
        time.sleep(0.5)
        _tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0:
                break
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
