"""`facilitator attendance correct` (issue #20, case 3): the real program, run at a fixed
instant under libfaketime.

Worked by hand. Morning A meets at 09:00 for 255 minutes (to 13:15) with the shipped plan
(never run on the clock, so its 10-minute break is laid from the start: 10:05-10:15). Avery
(Q001) is imported late, 09:20: 09:20-13:15 is 235 minutes less the break = 225. Her note is
signed. Next morning the sign-in sheet shows 09:15: corrected, 240 - 10 = 230 minutes billed;
the signed note's text is unchanged, an addendum states the change, and `verify` passes.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from facilitator.store.corrections import draft_body
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.notes import NoteBook, review_queue
from facilitator.store.reports import billing_days
from tests.cli.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, csv_text, run_cli, tree_bytes, write
from tests.conftest import CHICAGO, FakeClock
from tests.faketime import program_at

SESSION = "2026-11-23-0900-morning-a"
DAY = datetime(2026, 11, 23).date()


def at(hh: int, mm: int, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHICAGO)


NEXT_MORNING = at(8, 30, day=24)


@pytest.fixture
def held(empty_clinic: Path, tmp_path: Path, capsys) -> DataDir:
    assert run_cli(capsys, "groups", "add", "Morning A", "--days", "mon,wed,thu", "--start", "09:00",
                   "--minutes", "255", "--plan", "iop-evening-triggers", "--data", empty_clinic).code == 0
    rows = [("Q001", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Morning A"),
            ("Q002", "Blake", "Madeupson", "IOP", "", "2026-11-01", "", "Morning A")]
    assert run_cli(capsys, "roster", "import", write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows)),
                   "--data", empty_clinic).code == 0
    marks = [("2026-11-23", "Morning A", "Q001", "late", "09:20", ""),
             ("2026-11-23", "Morning A", "Q002", "present", "", "")]
    result = run_cli(capsys, "attendance", "import",
                     write(tmp_path / "att.csv", csv_text(ATTENDANCE_HEADER, marks)), "--data", empty_clinic)
    assert result.code == 0, result.err
    from facilitator.store.clinic import open_clinic
    return open_clinic(empty_clinic, clock=FakeClock(at(14, 0)))


def draft(data: DataDir, client_id: str) -> str:
    file = data.session_file(SESSION)
    snapshot = data.snapshot()
    body = draft_body(data, snapshot, file.read(), snapshot.clients[client_id])
    NoteBook(data, file).save_draft(client_id, body)
    return body


def program(tmp_path: Path, *args: str, data: Path, instant: datetime = NEXT_MORNING) -> subprocess.CompletedProcess:
    script = program_at(tmp_path / "bin", instant)
    return subprocess.run([str(script), *args, "--data", str(data)], capture_output=True, text=True, timeout=60)


def minutes(data: DataDir) -> dict[str, int]:
    rows, problems = billing_days(data, DAY, DAY)
    assert not problems
    return {r.client_id: r.minutes for r in rows}


def test_late_corrected_after_signing_bills_230_keeps_the_signed_text_and_adds_an_addendum(
        held: DataDir, tmp_path: Path) -> None:
    assert minutes(held) == {"Q001": 225, "Q002": 245}
    body = draft(held, "Q001")
    assert "09:20" in body
    signed = NoteBook(held, held.session_file(SESSION)).sign("Q001")

    fixed = program(tmp_path, "attendance", "correct", SESSION, "q001", "--arrived", "9:15",
                    "--reason", "the sign-in sheet says 9:15", data=held.root)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.splitlines()[0] == (f"Q001 in {SESSION}: now late, arrived 09:15 (230 minutes "
                                            "credited; was late, arrived 09:20, 225).")
    assert minutes(held) == {"Q001": 230, "Q002": 245}

    note = held.session_file(SESSION).notes()["Q001"]
    assert (note.body, note.content_hash, note.signed_at) == (body, signed.content_hash, signed.signed_at)
    [addendum] = note.addenda
    assert addendum.author == os_user()
    assert addendum.body.startswith("Attendance corrected after signing: was late, arrived 09:20 (225 "
                                    "minutes credited); now late, arrived 09:15 (230 minutes credited). "
                                    "Corrected by ")
    assert addendum.body.endswith("on Tue 24 Nov 2026 at 08:30. Reason: the sign-in sheet says 9:15")

    entry = held.session_file(SESSION).read().attendance["Q001"]
    [correction] = entry.corrections
    assert (correction.was[1], correction.now[1], correction.by, correction.reason) == \
        (at(9, 20), at(9, 15), os_user(), "the sign-in sheet says 9:15")
    # the audit line: ids and times, never the reason's words
    audit = [e for _, _, e in held.audit.entries() if e][-1]
    assert audit["action"] == "attendance.correct" and audit["record"] == SESSION
    assert audit["detail"]["client"] == "Q001" and audit["detail"]["arrived"] == "09:15"
    assert audit["detail"]["was"]["arrived"] == "09:20" and audit["detail"]["note"] == "addendum"
    assert "sign-in" not in json.dumps(audit)

    items, _ = review_queue(held, DAY, DAY)
    flagged = {i.client_id: i.flag for i in items}
    assert flagged["Q001"] == "attendance corrected after signing"

    checked = program(tmp_path, "verify", "--full", data=held.root)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_before_signing_an_unedited_draft_is_redrafted_and_an_edited_one_kept(held: DataDir,
                                                                            tmp_path: Path) -> None:
    draft(held, "Q001")
    book = NoteBook(held, held.session_file(SESSION))
    edited = draft(held, "Q002") + "Added by hand.\n"
    book.save_draft("Q002", edited)
    one = program(tmp_path, "attendance", "correct", SESSION, "Q001", "--arrived", "09:15",
                  "--reason", "sheet", data=held.root)
    assert one.returncode == 0, one.stderr
    assert "re-drafted" in one.stdout
    body = held.session_file(SESSION).notes()["Q001"].body
    assert "09:15" in body and "09:20" not in body
    assert body == draft_body(held, held.snapshot(), held.session_file(SESSION).read(),
                              held.snapshot().clients["Q001"])
    two = program(tmp_path, "attendance", "correct", SESSION, "Q002", "--left", "12:00",
                  "--reason", "left for a ride", data=held.root)
    assert two.returncode == 0, two.stderr
    assert "was not re-drafted" in two.stderr
    assert held.session_file(SESSION).notes()["Q002"].body == edited
    assert held.session_file(SESSION).read().attendance["Q002"].status.value == "left_early"
    # 09:00-12:00 is 180 minutes less the 10-minute break
    assert minutes(held)["Q002"] == 170


def test_status_corrections_by_the_one_rule(held: DataDir, tmp_path: Path) -> None:
    absent = program(tmp_path, "attendance", "correct", SESSION, "Q002", "--status", "absent",
                     "--reason", "was not there", data=held.root)
    assert absent.returncode == 0, absent.stderr
    assert "Q002" not in minutes(held)
    back = program(tmp_path, "attendance", "correct", SESSION, "Q002", "--status", "present",
                   "--arrived", "09:00", "--reason", "was there after all", data=held.root)
    assert back.returncode == 0, back.stderr
    entry = held.session_file(SESSION).read().attendance["Q002"]
    assert entry.status.value == "present" and len(entry.corrections) == 2
    late = program(tmp_path, "attendance", "correct", SESSION, "Q001", "--status", "present",
                   "--reason", "on time after all", data=held.root)
    assert late.returncode == 0, late.stderr
    assert minutes(held) == {"Q001": 245, "Q002": 245}


@pytest.mark.parametrize(("args", "words"), [
    (["../x", "Q001", "--arrived", "9:15", "--reason", "x"], "is not a session id"),
    (["2026-11-23-0900-nothing", "Q001", "--arrived", "9:15", "--reason", "x"], "there is no session"),
    ([SESSION, "Q999", "--arrived", "9:15", "--reason", "x"], "there is no client with id 'Q999'"),
    ([SESSION, "Q001", "--arrived", "25:00", "--reason", "x"], "not a time"),
    ([SESSION, "Q001", "--arrived", "8:30", "--reason", "x"], "is before the session's start (09:00)"),
    ([SESSION, "Q001", "--left", "13:30", "--reason", "x"], "is after the session's end (13:15)"),
    ([SESSION, "Q001", "--left", "9:10", "--reason", "x"], "not after arriving at 09:20"),
    ([SESSION, "Q001", "--status", "gone", "--reason", "x"], "is not a status"),
    ([SESSION, "Q001", "--status", "absent", "--arrived", "9:30", "--reason", "x"], "has no arrival"),
    ([SESSION, "Q001", "--arrived", "9:20", "--reason", "x"], "nothing to correct"),
    ([SESSION, "Q001", "--reason", "x"], "give what is corrected"),
    ([SESSION, "Q001", "--arrived", "9:15", "--reason", "  "], "a reason is required"),
    ([SESSION, "Q001", "--arrived", "9:15", "--reason", "x" * 501], "longer than 500"),
])
def test_bad_input_is_one_sentence_exit_2_and_nothing_written(held: DataDir, tmp_path: Path,
                                                               args, words) -> None:
    before = tree_bytes(held.root)
    result = program(tmp_path, "attendance", "correct", *args, data=held.root)
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and words in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    after = tree_bytes(held.root)
    assert {k: v for k, v in after.items() if not k.startswith("audit/")} == \
        {k: v for k, v in before.items() if not k.startswith("audit/")}
