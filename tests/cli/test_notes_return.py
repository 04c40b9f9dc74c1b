"""`facilitator notes return` (issue #20): a supervisor (or admin) returns a signed note for
correction; `export billing` says note_signed false until its signer signs it again.

Worked by hand. Morning A meets Mon 23 Nov 2026 at 09:00 for 255 minutes (to 13:15) with the
shipped plan (never run on the clock: its 10-minute break is laid 10:05-10:15). Avery (Q001)
is imported present: 255 - 10 = 245 minutes, one H0015 unit (>= 180). Her note is signed by
admin2 at 14:00 -> note_signed true. The program (the OS account, an admin) returns it next
morning at 08:30 -> the same row, 245 minutes, 1 unit, note_signed false. admin2 signs again
at 09:00 -> note_signed true; the note's history keeps the 14:00 text and signature.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from facilitator.store.clinic import open_clinic
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.notes import NoteBook
from facilitator.store.staff import add_staff
from tests.cli.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, csv_text, run_cli, tree_bytes, write
from tests.conftest import CHICAGO, FakeClock
from tests.faketime import program_at

SESSION = "2026-11-23-0900-morning-a"
REASON = "Goals part missing; plan says nothing of Tuesday"


def at(hh: int, mm: int, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHICAGO)


@pytest.fixture
def signed(empty_clinic: Path, tmp_path: Path, capsys) -> FakeClock:
    assert run_cli(capsys, "groups", "add", "Morning A", "--days", "mon,wed,thu", "--start", "09:00",
                   "--minutes", "255", "--plan", "iop-evening-triggers", "--data", empty_clinic).code == 0
    rows = [("Q001", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Morning A")]
    assert run_cli(capsys, "roster", "import", write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows)),
                   "--data", empty_clinic).code == 0
    marks = [("2026-11-23", "Morning A", "Q001", "present", "", "")]
    assert run_cli(capsys, "attendance", "import", write(tmp_path / "att.csv", csv_text(ATTENDANCE_HEADER, marks)),
                   "--data", empty_clinic).code == 0
    clock = FakeClock(at(14, 0))
    add_staff(open_clinic(empty_clinic, clock=clock), "admin2", "Invented Admin", "admin")
    book = NoteBook(as_admin2(empty_clinic, clock), open_clinic(empty_clinic, clock=clock).session_file(SESSION))
    book.save_draft("Q001", "Avery took part. Plan: continue.")
    book.sign("Q001")
    return clock


def as_admin2(root: Path, clock: FakeClock) -> DataDir:
    return open_clinic(root, user="admin2", clock=clock)


def program(tmp_path: Path, *args: str, data: Path, instant: datetime) -> subprocess.CompletedProcess:
    script = program_at(tmp_path / "bin", instant)
    return subprocess.run([str(script), *args, "--data", str(data)], capture_output=True, text=True, timeout=60)


def billed(capsys, root: Path) -> tuple[int, int, bool]:
    result = run_cli(capsys, "export", "billing", "--from", "2026-11-23", "--to", "2026-11-23",
                     "--format", "json", "--data", root)
    assert result.code == 0, result.err
    (row,) = json.loads(result.out)["rows"]
    return row["minutes"], row["units"], row["note_signed"]


def test_returned_then_re_signed_billing_says_so_to_the_row(empty_clinic: Path, tmp_path: Path, capsys,
                                                             signed: FakeClock) -> None:
    assert billed(capsys, empty_clinic) == (245, 1, True)
    done = program(tmp_path, "notes", "return", SESSION, "q001", "--reason", REASON, data=empty_clinic,
                   instant=at(8, 30, day=24))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"The note for Q001 in {SESSION} is returned to admin2 for correction. Billing "
                           "counts it as not signed until they correct it and sign it again.\n")
    assert billed(capsys, empty_clinic) == (245, 1, False)
    root = open_clinic(empty_clinic, clock=signed)
    note = root.session_file(SESSION).notes()["Q001"]
    assert note.returned is not None
    assert (note.returned.by, note.returned.reason) == (os_user(), REASON)
    assert note.returned.at.replace(second=0, microsecond=0) == at(8, 30, day=24)   # the clock runs on
    (audit,) = [e for _, _, e in root.audit.entries() if e and e["action"] == "note.return"]
    assert (audit["record"], audit["detail"]) == (SESSION, {"client": "Q001"})
    assert "Goals" not in json.dumps(audit)

    exported = run_cli(capsys, "notes", "export", "--session", SESSION, "--signed-only", "--format", "text",
                       "--data", empty_clinic)
    assert (exported.code, exported.out) == (1, "")                       # not final while returned
    assert "No notes matched" in exported.err

    signed.set(at(9, 0, day=24))
    book = NoteBook(as_admin2(empty_clinic, signed), root.session_file(SESSION))
    book.save_draft("Q001", "Avery took part. Goals: goal 1 addressed. Plan: continue Tuesday.")
    assert billed(capsys, empty_clinic) == (245, 1, False)
    book.sign("Q001")
    assert billed(capsys, empty_clinic) == (245, 1, True)
    exported = run_cli(capsys, "notes", "export", "--session", SESSION, "--signed-only", "--format", "text",
                       "--data", empty_clinic)
    assert exported.code == 0 and "Goals: goal 1 addressed" in exported.out
    note = root.session_file(SESSION).notes()["Q001"]
    assert note.earlier[0].body == "Avery took part. Plan: continue." and note.earlier[0].signed_at == at(14, 0)
    assert note.signed_at == at(9, 0, day=24) and note.body.endswith("Tuesday.")
    checked = program(tmp_path, "verify", "--full", data=empty_clinic, instant=at(9, 30, day=24))
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("args, field", [
    (("nope", "Q001", "--reason", "x"), "SESSION_ID"),
    ((SESSION, "Q404", "--reason", "x"), "CLIENT_ID"),
    ((SESSION, "Q001", "--reason", "  "), "--reason"),
    (("../../clinic", "Q001", "--reason", "x"), "SESSION_ID"),
])
def test_a_mistyped_return_is_one_sentence_exit_2_and_writes_nothing(empty_clinic: Path, capsys,
                                                                      signed: FakeClock, args, field) -> None:
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, "notes", "return", *args, "--data", empty_clinic)
    assert result.code == 2
    line = result.one_line_error()
    assert field in line and "Goals" not in line
    assert tree_bytes(empty_clinic) == before


def test_the_signer_cannot_return_their_own_note_and_a_return_is_once(empty_clinic: Path, capsys,
                                                                    signed: FakeClock) -> None:
    root = open_clinic(empty_clinic, clock=signed)
    signed.set(at(15, 0))
    by_signer = NoteBook(as_admin2(empty_clinic, signed), root.session_file(SESSION))
    from facilitator.core.errors import InputError
    with pytest.raises(InputError, match="person who signed it"):
        by_signer.return_note("Q001", REASON)
    assert run_cli(capsys, "notes", "return", SESSION, "Q001", "--reason", REASON, "--data", empty_clinic).code == 0
    again = run_cli(capsys, "notes", "return", SESSION, "Q001", "--reason", REASON, "--data", empty_clinic)
    assert again.code == 2 and "already returned" in again.one_line_error()
