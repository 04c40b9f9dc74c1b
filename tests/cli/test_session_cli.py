"""`facilitator session list` and `session end` (issue #20): the real program, run at a fixed
instant under libfaketime, on a clinic whose Monday 2026-11-23 evening group was left running.

Evening A (mon, wed, thu 18:00, 195 minutes, the shipped plan): started 18:02, blocks run to
the wrap-up at 20:45, Q001 and Q002 present, closed without E. Tuesday 08:30 the counselor
ends it at 21:00: 18:02-21:00 is 178 minutes less the 10-minute break = 168, never 14 hours.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from facilitator.core.agenda import AgendaClock
from facilitator.core.rules import Status
from facilitator.store.datadir import DataDir
from facilitator.store.identity import os_user
from facilitator.store.reports import billing_days
from facilitator.store.running import start_session
from tests.cli.conftest import ROSTER_HEADER, csv_text, run_cli, tree_bytes, write
from tests.conftest import CHICAGO, FakeClock
from tests.faketime import program_at

SESSION = "2026-11-23-1800-evening-a"


def at(hh: int, mm: int, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=CHICAGO)


NEXT_MORNING = at(8, 30, day=24)


@pytest.fixture
def left_running(empty_clinic: Path, tmp_path: Path, capsys) -> DataDir:
    assert run_cli(capsys, "groups", "add", "Evening A", "--days", "mon,wed,thu", "--start", "18:00",
                   "--minutes", "195", "--plan", "iop-evening-triggers", "--data", empty_clinic).code == 0
    rows = [("Q001", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A"),
            ("Q002", "Blake", "Madeupson", "IOP", "", "2026-11-01", "", "Evening A")]
    path = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows))
    assert run_cli(capsys, "roster", "import", path, "--data", empty_clinic).code == 0
    clock = FakeClock(at(17, 55))
    from facilitator.store.clinic import open_clinic
    data = open_clinic(empty_clinic, clock=clock)
    running = start_session(data, "Evening A")
    for when in (at(18, 2), at(18, 22), at(19, 7), at(19, 17), at(20, 2), at(20, 45)):
        clock.set(when)
        running.update_agenda(lambda b, now: (AgendaClock(b).next(now) if AgendaClock(b).started
                                              else AgendaClock(b).start(now)))
        if when == at(18, 2):
            running.mark("Q001", Status.PRESENT)
            running.mark("Q002", Status.PRESENT)
    clock.set(NEXT_MORNING)
    return data


def program(tmp_path: Path, *args: str, instant: datetime = NEXT_MORNING,
            data: Path) -> subprocess.CompletedProcess:
    script = program_at(tmp_path / "bin", instant)
    return subprocess.run([str(script), *args, "--data", str(data)], capture_output=True, text=True,
                          timeout=60)


def test_list_shows_the_ids_and_end_closes_it_at_the_time_given(left_running: DataDir,
                                                                 tmp_path: Path) -> None:
    root = left_running.root
    listed = program(tmp_path, "session", "list", "--from", "2026-11-23", "--to", "2026-11-24",
                     "--format", "json", data=root)
    assert listed.returncode == 0, listed.stderr
    doc = json.loads(listed.stdout)
    assert doc["sessions"] == [{"session_id": SESSION, "date": "2026-11-23", "group": "Evening A",
                                "start": "18:02", "end": None, "state": "running", "corrections": 0}]
    assert doc["notice"].startswith("This record which has been disclosed to you")

    ended = program(tmp_path, "session", "end", SESSION, "--at", "21:00", "--reason",
                    "the app was closed without E", data=root)
    assert ended.returncode == 0, ended.stderr
    assert ended.stdout == f"{SESSION} now ends at 21:00 (it was still running).\n"
    rows, problems = billing_days(left_running, at(0, 0).date(), at(0, 0).date())
    assert not problems
    assert [(r.client_id, f"{r.start:%H:%M}", f"{r.stop:%H:%M}", r.minutes) for r in rows] == \
        [("Q001", "18:02", "21:00", 168), ("Q002", "18:02", "21:00", 168)]
    header = left_running.session_file(SESSION).header()
    [correction] = header.end_corrections
    assert (correction.was, correction.end, correction.by, correction.reason) == \
        (None, at(21, 0), os_user(), "the app was closed without E")
    assert NEXT_MORNING <= correction.when < at(8, 31, day=24)      # faketime's clock runs on
    # the audit line carries ids and times, never the reason's words
    entry = [e for _, _, e in left_running.audit.entries() if e][-1]
    assert entry["action"] == "session.end-correct" and entry["record"] == SESSION
    assert entry["detail"]["end"] == at(21, 0).isoformat() and entry["detail"]["was"] is None
    assert "closed without" not in json.dumps(entry)

    checked = program(tmp_path, "verify", "--full", data=root)     # the corrected record reads strictly
    assert checked.returncode == 0, checked.stdout + checked.stderr

    table = program(tmp_path, "session", "list", "--from", "2026-11-23", "--to", "2026-11-23", data=root)
    assert table.returncode == 0
    assert f"{SESSION}  2026-11-23  Evening A  18:02  21:00  ended (end corrected)" in table.stdout


def test_a_wrong_end_is_corrected_earlier_or_later(left_running: DataDir, tmp_path: Path) -> None:
    from facilitator.store.running import RunningSession
    running = RunningSession(left_running, left_running.session_file(SESSION))
    running.end(at(21, 40))           # ended by hand, 40 minutes too late
    fixed = program(tmp_path, "session", "end", SESSION, "--at", "9p", "--reason", "ended late by mistake",
                    data=left_running.root)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == f"{SESSION} now ends at 21:00 (was 21:40).\n"
    later = program(tmp_path, "session", "end", SESSION, "--at", "21:05", "--reason", "the clock was slow",
                    data=left_running.root)
    assert later.returncode == 0, later.stderr
    record = left_running.session_file(SESSION).read()
    assert record.header.actual_end == at(21, 5)
    assert record.blocks[-1].ended_at == at(21, 5)       # the wrap-up runs on to the new end
    assert [c.reason for c in record.header.end_corrections] == \
        ["ended late by mistake", "the clock was slow"]
    rows, _ = billing_days(left_running, at(0, 0).date(), at(0, 0).date())
    assert {r.minutes for r in rows} == {173}


@pytest.mark.parametrize(("args", "words"), [
    (["../../clinic", "--at", "21:00", "--reason", "x"], "is not a session id"),
    (["2026-11-23-1800-nothing", "--at", "21:00", "--reason", "x"], "there is no session"),
    ([SESSION, "--at", "25:00", "--reason", "x"], "not a time"),
    ([SESSION, "--at", "17:00", "--reason", "x"], "is before the session's start (18:02)"),
    ([SESSION, "--at", "21:00", "--reason", "   "], "a reason is required"),
    ([SESSION, "--at", "21:00", "--reason", "x" * 501], "longer than 500"),
])
def test_bad_input_is_one_sentence_exit_2_and_nothing_written(left_running: DataDir, tmp_path: Path,
                                                               args, words) -> None:
    before = tree_bytes(left_running.root)
    result = program(tmp_path, "session", "end", *args, data=left_running.root)
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and words in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert tree_bytes(left_running.root) == before


def test_an_end_later_than_now_is_refused(left_running: DataDir, tmp_path: Path) -> None:
    before = tree_bytes(left_running.root)
    result = program(tmp_path, "session", "end", SESSION, "--at", "21:00", "--reason", "x",
                     instant=at(20, 50), data=left_running.root)
    assert result.returncode == 2
    assert "21:00 is later than now (20:50)" in result.stderr
    assert tree_bytes(left_running.root) == before


def test_after_signing_each_signed_note_gets_an_addendum_never_an_edit(left_running: DataDir,
                                                                         tmp_path: Path) -> None:
    from facilitator.store.notes import NoteBook, review_queue
    from facilitator.store.running import RunningSession
    file = left_running.session_file(SESSION)
    RunningSession(left_running, file).end(at(21, 0))      # 18:02-21:00 less the break: 168
    book = NoteBook(left_running, file)
    book.save_draft("Q001", "Invented draft text.")
    signed = book.sign("Q001")
    book.save_draft("Q002", "Another invented draft.")
    result = program(tmp_path, "session", "end", SESSION, "--at", "20:50", "--reason", "ended late",
                     data=left_running.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "1 signed note is unchanged; it got an addendum stating the correction."
    notes = file.notes()
    assert (notes["Q001"].body, notes["Q001"].content_hash) == ("Invented draft text.", signed.content_hash)
    [addendum] = notes["Q001"].addenda
    assert addendum.body.startswith("Session end corrected after signing: was ended at 21:00 (168 "
                                    "minutes credited); now ends at 20:50 (158 minutes credited). "
                                    "Corrected by ")
    assert addendum.body.endswith("Reason: ended late") and addendum.author == os_user()
    assert notes["Q002"].addenda == () and notes["Q002"].body == "Another invented draft."
    entry = [e for _, _, e in left_running.audit.entries() if e][-1]
    assert entry["detail"]["addenda"] == 1 and "ended late" not in json.dumps(entry)
    items, _ = review_queue(left_running, at(0, 0).date(), at(0, 0).date())
    assert {i.client_id: i.flag for i in items} == {"Q001": "end corrected after signing", "Q002": ""}
    rows, _ = billing_days(left_running, at(0, 0).date(), at(0, 0).date())
    assert {r.minutes for r in rows} == {158}
    checked = program(tmp_path, "verify", "--full", data=left_running.root)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_unsigned_drafts_written_with_the_old_end_are_pointed_out(left_running: DataDir,
                                                                   tmp_path: Path) -> None:
    from facilitator.store.notes import NoteBook
    from facilitator.store.running import RunningSession
    file = left_running.session_file(SESSION)
    RunningSession(left_running, file).end(at(21, 40))
    NoteBook(left_running, file).save_draft("Q001", "Invented draft text.")
    result = program(tmp_path, "session", "end", SESSION, "--at", "21:00", "--reason", "ended late",
                     data=left_running.root)
    assert result.returncode == 0
    assert result.stderr == ("warning: 1 unsigned draft of this session was written with the old end; "
                             "check the times and minutes in each before signing.\n")
    assert file.notes()["Q001"].body == "Invented draft text."     # the counselor's text, untouched
