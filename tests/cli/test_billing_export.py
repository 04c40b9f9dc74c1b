"""`export billing`: claim lines a biller can send, worked by hand on invented clients.

The clinic (all invented): Evening A (Mon/Wed/Thu 18:00-21:00, its plan has a 10-minute
break: 170 countable minutes), Morning B (Tue/Fri 10:00-11:30, no plan: 90) and Day C
(Mon-Fri 09:00-14:00, no plan: 300). Attendance comes in through `attendance import`, so
the importer (this OS account, the clinic's admin) is each session's facilitator.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from facilitator.cli.output import BILLING_COLUMNS, NOTICE_CELL
from facilitator.core.part2 import STATEMENT_1
from facilitator.store.clinic import open_clinic
from facilitator.store.identity import os_user
from facilitator.store.notes import NoteBook
from tests.cli.conftest import (
    ATTENDANCE_HEADER,
    ROSTER_HEADER,
    csv_body,
    csv_text,
    open_data,
    run_cli,
    tree_bytes,
    write,
)

CHI = ZoneInfo("America/Chicago")
ROSTER = [
    ("B1", "José", "Hernández", "IOP", "", "2026-11-01", "", "Evening A;Morning B;Day C"),
    ("B2", "李", "小龙", "PHP", "", "2026-11-01", "", "Day C"),
    ("B3", "Avery", "Opclient", "OP", "", "2026-11-01", "", "Morning B"),
    ("B4", "Blake", "Teenager", "IOP-adolescent", "", "2026-11-01", "", "Evening A"),
]
ATTENDANCE = [
    ("2026-11-16", "Day C", "B1", "telehealth", "", "10:00"),     # left at 10:00: 60 min
    ("2026-11-16", "Evening A", "B1", "present", "", ""),          # 170 min
    ("2026-11-16", "Evening A", "B4", "telehealth", "", ""),       # 170 min by telehealth
    ("2026-11-16", "Day C", "B2", "left_early", "", "13:30"),      # 270 min
    ("2026-11-17", "Day C", "B2", "telehealth", "", ""),           # 300 min by telehealth
    ("2026-11-17", "Morning B", "B3", "late", "10:07", ""),        # 83 min
    ("2026-11-17", "Morning B", "B1", "present", "", ""),          # 90 min
    ("2026-11-18", "Evening A", "B1", "absent", "", ""),           # nothing
]


@pytest.fixture
def billing_clinic(grouped_clinic: Path, tmp_path: Path, capsys) -> Path:
    added = run_cli(capsys, "groups", "add", "Day C", "--days", "mon,tue,wed,thu,fri", "--start", "09:00",
                    "--minutes", "300", "--data", grouped_clinic)
    assert added.code == 0, added.err
    roster = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, ROSTER))
    attendance = write(tmp_path / "attendance.csv", csv_text(ATTENDANCE_HEADER, ATTENDANCE))
    assert run_cli(capsys, "roster", "import", roster, "--data", grouped_clinic).code == 0
    done = run_cli(capsys, "attendance", "import", attendance, "--data", grouped_clinic)
    assert done.code == 0, done.err
    # Notes, signed by the facilitator (an admin may sign): B2's Monday note, and B1's
    # Monday evening note but not B1's Monday morning one.
    data = open_clinic(grouped_clinic, clock=lambda: datetime(2026, 11, 17, 8, 0, tzinfo=CHI))
    for session_id, client_id, sign in (("2026-11-16-0900-day-c", "B2", True),
                                        ("2026-11-16-1800-evening-a", "B1", True),
                                        ("2026-11-16-0900-day-c", "B1", False)):
        book = NoteBook(data, data.session_file(session_id))
        book.save_draft(client_id, "Invented note text for an invented client.")
        if sign:
            book.sign(client_id)
    return grouped_clinic


def export(capsys, root: Path, fmt: str = "json", first: str = "2026-11-16", last: str = "2026-11-22"):
    result = run_cli(capsys, "export", "billing", "--from", first, "--to", last, "--format", fmt, "--data", root)
    assert result.code == 0, result.err
    return result


def by_key(root: Path, capsys) -> dict[tuple[str, str], dict]:
    body = json.loads(export(capsys, root).out)
    assert body["notice"] == STATEMENT_1
    return {(r["date"], r["client_id"]): r for r in body["rows"]}


def test_claim_lines_worked_by_hand(billing_clinic: Path, capsys) -> None:
    me = os_user()
    name = open_data(billing_clinic).snapshot().staff[me].display_name
    rows = by_key(billing_clinic, capsys)
    # 7 present-ish entries on 6 client-days (B1 has two sessions on Monday); B1's absence is no row.
    assert sorted(rows) == [("2026-11-16", "B1"), ("2026-11-16", "B2"), ("2026-11-16", "B4"),
                            ("2026-11-17", "B1"), ("2026-11-17", "B2"), ("2026-11-17", "B3")]
    common = {"rendering_staff_id": me, "rendering_staff_name": name}
    # B1, IOP, Monday: Day C 09:00-10:00 by telehealth (60) + Evening A in person
    # (180 - 10 break = 170) = 230 >= 180: one H0015 unit. Not all of it telehealth, so at
    # the clinic (57), no modifier. Morning note drafted, not signed: not signed.
    assert rows[("2026-11-16", "B1")] == {
        "date": "2026-11-16", "client_id": "B1", "level_of_care": "IOP", "service": "H0015", "modifier": "",
        "units": 1, "billable": True, "minutes": 230, "minimum_minutes": 180, "place_of_service": "57",
        "telehealth": False, **common, "note_signed": False, "groups": "Day C;Evening A",
        "start": "09:00", "stop": "21:00"}
    # B1, Tuesday: Morning B alone, 90 < 180: listed with its minutes, not billable at H0015.
    tuesday = rows[("2026-11-17", "B1")]
    assert (tuesday["service"], tuesday["units"], tuesday["billable"], tuesday["minutes"]) == ("H0015", 0, False, 90)
    # B2, PHP, Monday: 09:00-13:30 = 270 >= 240: one S0201 unit; note signed.
    monday = rows[("2026-11-16", "B2")]
    assert (monday["service"], monday["units"], monday["billable"], monday["minutes"], monday["minimum_minutes"],
            monday["place_of_service"], monday["modifier"], monday["note_signed"]) == (
        "S0201", 1, True, 270, 240, "57", "", True)
    # B2, Tuesday, whole day by telehealth (300): at home, POS 10, modifier 95; no note.
    tele = rows[("2026-11-17", "B2")]
    assert (tele["units"], tele["telehealth"], tele["place_of_service"], tele["modifier"], tele["note_signed"]) == (
        1, True, "10", "95", False)
    # B3, OP: timed H0005. Late at 10:07 to 11:30 = 83 minutes = 5 x 15 + 8: 6 units.
    op = rows[("2026-11-17", "B3")]
    assert (op["service"], op["units"], op["billable"], op["minutes"], op["minimum_minutes"]) == \
        ("H0005", 6, True, 83, 8)
    # B4, IOP-adolescent: H0015 with the same 3-hour day; 170 by telehealth: not billable.
    teen = rows[("2026-11-16", "B4")]
    assert (teen["service"], teen["units"], teen["billable"], teen["minutes"], teen["place_of_service"],
            teen["modifier"]) == ("H0015", 0, False, 170, "10", "95")


def test_the_clinic_settings_change_the_lines(billing_clinic: Path, capsys) -> None:
    for args in (("billing-code", "PHP", "H0035"), ("telehealth-place-of-service", "02"),
                 ("telehealth-modifier", "GT"), ("place-of-service", "11")):
        assert run_cli(capsys, "settings", "set", *args, "--data", billing_clinic).code == 0
    rows = by_key(billing_clinic, capsys)
    assert rows[("2026-11-16", "B2")]["service"] == "H0035" and rows[("2026-11-16", "B2")]["place_of_service"] == "11"
    tele = rows[("2026-11-17", "B2")]
    assert (tele["service"], tele["place_of_service"], tele["modifier"]) == ("H0035", "02", "GT")
    assert rows[("2026-11-16", "B1")]["service"] == "H0015"      # the other levels keep theirs


def test_the_csv_has_every_column_in_order_and_yes_no(billing_clinic: Path, capsys) -> None:
    out = export(capsys, billing_clinic, "csv").out
    assert out.encode("utf-8").startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_body(out))))
    assert rows[0] == [NOTICE_CELL] and rows[1] == list(BILLING_COLUMNS)
    line = dict(zip(rows[1], rows[2], strict=True))
    assert line["date"] == "2026-11-16" and line["client_id"] == "B1"
    assert (line["billable"], line["telehealth"], line["note_signed"], line["units"]) == ("yes", "no", "no", "1")
    assert len(rows) == 2 + 6


def test_the_export_is_audited_with_ids_only(billing_clinic: Path, capsys) -> None:
    export(capsys, billing_clinic, "csv")
    entry = [e for _, _, e in open_data(billing_clinic).audit.entries() if e][-1]
    assert entry["action"] == "export.billing" and entry["record"] == "2026-11-16..2026-11-22"
    text = json.dumps(entry, ensure_ascii=False)
    assert "Hernández" not in text and "小龙" not in text


def test_a_day_with_no_sessions_exports_only_the_notice_and_header(billing_clinic: Path, capsys) -> None:
    rows = list(csv.reader(io.StringIO(csv_body(export(capsys, billing_clinic, "csv", "2026-10-01",
                                                        "2026-10-31").out))))
    assert rows == [[NOTICE_CELL], list(BILLING_COLUMNS)]


@pytest.mark.parametrize(("args", "field"), [
    (("--from", "2026-11-30", "--to", "2026-11-01"), "--to"),
    (("--from", "2026-11-31", "--to", "2026-12-01"), "--from"),
    (("--from", "2025-01-01", "--to", "2026-11-30"), "--to"),
])
def test_bad_ranges_exit_2_and_write_nothing(billing_clinic: Path, capsys, args, field) -> None:
    before = tree_bytes(billing_clinic)
    result = run_cli(capsys, "export", "billing", *args, "--data", billing_clinic)
    assert result.code == 2 and f"field '{field}'" in result.one_line_error()
    assert tree_bytes(billing_clinic) == before
