"""No escape sequence from a file reaches the terminal of whoever runs a command (#21).

The attacks as a colleague or a pushed change would make them: a note body holding an OSC 52
clipboard write, a file dropped into the clinic whose name changes the window title. Each
command runs as the real program (a subprocess: its own standard output, as over ssh) and
its bytes are read raw."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from facilitator.core.rules import Status
from facilitator.store.identity import os_user
from facilitator.store.notes import NoteBook
from facilitator.store.running import start_session
from tests.conftest import FakeClock, make_test_clinic

OSC52 = "\x1b]52;c;cHduZWQ=\x07"
TITLE = "\x1b]0;PWNED\x07"
DANGEROUS = (b"\x1b", b"\x07", "\u009b".encode(), "\u202e".encode())


def facilitator(*args: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "facilitator.cli", *map(str, args)],
                          capture_output=True, timeout=120)


def assert_safe(done: subprocess.CompletedProcess[bytes]) -> str:
    for raw in (done.stdout, done.stderr):
        for bad in DANGEROUS:
            assert bad not in raw
    return (done.stdout + done.stderr).decode()


@pytest.fixture
def noted(tmp_path: Path) -> tuple[Path, str]:
    clock = FakeClock()
    root = tmp_path / "clinic"
    data = make_test_clinic(root, clock=clock, user=os_user(), display_name="Jo Counselor")
    session = start_session(data, "Evening IOP")
    session.mark("T001", Status.PRESENT)
    clock.advance(hours=3, minutes=10)
    book = NoteBook(data, session.file)
    book.save_draft("T001", "Said little. " + OSC52 + " \u202eevil")
    book.sign("T001")
    return root, session.file.path.stem


def test_a_note_holding_an_escape_is_exported_to_a_terminal_escaped(noted):
    root, session_id = noted
    out = assert_safe(facilitator("notes", "export", "--session", session_id, "--client", "T001",
                                  "--format", "text", "--data", root))
    # (the text export already shows ESC and BEL as U+FFFD; the direction override is escaped)
    assert "]52;c;cHduZWQ=" in out and "\\u202eevil" in out


def test_json_output_stays_json_meaning_the_stored_text(noted):
    import json
    root, session_id = noted
    done = facilitator("notes", "export", "--session", session_id, "--client", "T001",
                       "--format", "fhir", "--data", root)
    assert_safe(done)
    bundle = json.loads(done.stdout)
    import base64
    texts = [base64.b64decode(c["attachment"]["data"]).decode()
             for e in bundle["entry"] for c in e["resource"]["content"]]
    assert any("]52;c;cHduZWQ=" in t for t in texts)      # the note, read back from valid JSON


def test_verify_names_a_planted_file_without_running_its_name(noted):
    root, _ = noted
    planted = root / "records" / f"x{TITLE}.json"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text("{}")
    done = facilitator("verify", "--data", root)
    out = assert_safe(done)
    assert done.returncode == 1
    assert "x\\u001b]0;PWNED\\u0007.json" in out
