"""`y` copies a signed note through the terminal: the real program in a real 80×24 tmux, at
the clinic's fake "now" (libfaketime), and tmux with ``set-clipboard on`` keeps what the app
sent by OSC 52 as a paste buffer, read back with ``tmux show-buffer``.

A tmux server of its own (``-L``, no config file), so the option touches no other session."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from facilitator.core.part2 import STATEMENT_1
from facilitator.store.identity import os_user
from facilitator.store.notes import NoteBook
from facilitator.store.pins import PinStore
from tests.conftest import FAKE_NOW, FakeClock, make_test_clinic
from tests.faketime import program_at
from tests.tui.weekly_support import import_attendance

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]

SESSION_ID = "2026-11-12-1800-evening-iop"
BODY = "Named two triggers and a plan for Friday night: 李 小龙's café."


def test_y_in_the_review_queue_puts_the_note_on_the_terminals_clipboard(tmp_path: Path):
    root = tmp_path / "clinic"
    clock = FakeClock()
    data = make_test_clinic(root, clock=clock, user=os_user(), display_name="José Hernández")
    import_attendance(data, "2026-11-12,Evening IOP,T001,present,,\n")
    book = NoteBook(data, data.session_file(SESSION_ID))
    book.save_draft("T001", BODY)
    book.sign("T001")
    PinStore(root, clock).set_pin(os_user(), "246810")
    program = program_at(tmp_path, FAKE_NOW)
    server = f"fac-copy-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", server, "-f", "/dev/null"]
    command = f"FACILITATOR_DATA={root} {program}; echo EXITED-$?; sleep 5"
    subprocess.run([*tmux, "new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command], check=True)

    def screen() -> str:
        return subprocess.run([*tmux, "capture-pane", "-p", "-t", "app"], capture_output=True,
                              text=True, check=True).stdout

    def wait_for(text: str, seconds: float = 15) -> str:
        deadline = time.monotonic() + seconds
        seen = ""
        while time.monotonic() < deadline:
            seen = screen()
            if text in seen:
                return seen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear; the screen was:\n{seen}")

    try:
        subprocess.run([*tmux, "set-option", "-s", "set-clipboard", "on"], check=True)
        wait_for("Roster")
        subprocess.run([*tmux, "send-keys", "-t", "app", "v"], check=True)
        wait_for("to co-sign")
        buffers = subprocess.run([*tmux, "list-buffers"], capture_output=True, text=True).stdout
        assert buffers.strip() == ""
        subprocess.run([*tmux, "send-keys", "-t", "app", "y"], check=True)
        wait_for("Copied")
        copied = subprocess.run([*tmux, "show-buffer"], capture_output=True, check=True).stdout.decode("utf-8")
        assert copied.startswith("Test Clinic\nClient: Avery Testperson (T001)\n")
        assert BODY in copied and "Signed by José Hernández on 2026-11-" in copied
        assert STATEMENT_1 in copied
        subprocess.run([*tmux, "send-keys", "-t", "app", "q"], check=True)
        wait_for("EXITED-0")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    [entry] = [e for _, _, e in data.audit.entries() if e and e["action"] == "disclose.copy"]
    assert entry["detail"] == {"clients": ["T001"], "sessions": [SESSION_ID]}
