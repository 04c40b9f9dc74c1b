"""report week, export billing and hours, against a hand-worked week (2026-W47).

Evening A meets Mon 16, Wed 18, Thu 19 November 2026, 18:00-21:00, plan
iop-evening-triggers: check-in 20, education 45, break 10 (19:05-19:15, not
countable), skill 45, relapse prevention 45, wrap-up 15 -> 170 countable minutes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from facilitator.cli import output
from facilitator.store.identity import os_user
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

ROSTER = [
    ("R1", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A"),
    ("R2", "Blake", "Madeupson", "IOP", "", "2026-11-01", "", "Evening A"),
    ("R3", "Casey", "Notaperson", "IOP", "", "2026-11-18", "", "Evening A"),   # admitted Wednesday
    ("R4", "Devon", "Fictional", "IOP", "6", "2026-11-01", "", "Evening A"),  # stepped down to 6 h
]
ATTENDANCE = [
    ("2026-11-16", "Evening A", "R1", "late", "18:20", ""),
    ("2026-11-16", "Evening A", "R2", "present", "", ""),
    ("2026-11-16", "Evening A", "R4", "present", "", ""),
    ("2026-11-18", "Evening A", "R1", "present", "", ""),
    ("2026-11-18", "Evening A", "R2", "left_early", "", "19:30"),
    ("2026-11-18", "Evening A", "R4", "present", "", ""),
    ("2026-11-19", "Evening A", "R1", "present", "", ""),
    ("2026-11-19", "Evening A", "R2", "absent", "", ""),
    ("2026-11-19", "Evening A", "R3", "telehealth", "", ""),
    ("2026-11-19", "Evening A", "R4", "present", "", ""),
]


@pytest.fixture
def week_clinic(grouped_clinic, tmp_path, capsys):
    roster = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, ROSTER))
    attendance = write(tmp_path / "attendance.csv", csv_text(ATTENDANCE_HEADER, ATTENDANCE))
    assert run_cli(capsys, "roster", "import", roster, "--data", grouped_clinic).code == 0
    assert run_cli(capsys, "attendance", "import", attendance, "--data", grouped_clinic).code == 0
    # R2 also had a 50-minute individual session on Tuesday.
    done = run_cli(capsys, "hours", "add", "R2", "--date", "2026-11-17", "--minutes", "50",
                   "--kind", "individual", "--data", grouped_clinic)
    assert done.code == 0, done.err
    return grouped_clinic


def test_report_week_json_has_the_hand_worked_figures(week_clinic, capsys):
    result = run_cli(capsys, "report", "week", "--week", "2026-W47", "--format", "json", "--data", week_clinic)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert (report["first_day"], report["last_day"]) == ("2026-11-16", "2026-11-22")
    rows = {r["client_id"]: r for r in report["clients"]}
    # R1: Mon 18:20-21:00 = 160 - 10 break = 150; Wed 170; Thu 170 -> 490 min; 9 h required.
    assert rows["R1"]["attended_minutes"] == 490
    assert (rows["R1"]["status"], rows["R1"]["hours_needed"]) == ("below", round(9 - 490 / 60, 2))
    # R2: Mon 170; Wed 18:00-19:30 = 90 - 10 = 80; Thu absent; Tue individual 50 -> 300 min.
    assert (rows["R2"]["attended_minutes"], rows["R2"]["other_minutes"], rows["R2"]["absent"]) == (300, 50, 1)
    # R3: admitted Wednesday: 2 of the week's 3 meetings -> 9 x 2/3 = 6 h; Thu telehealth 170.
    assert rows["R3"]["required_hours"] == 6.0
    assert (rows["R3"]["attended_minutes"], rows["R3"]["status"]) == (170, "below")
    # R4: stepped down to 6 h; 3 x 170 = 510 min = 8.5 h -> met.
    assert (rows["R4"]["attended_minutes"], rows["R4"]["status"]) == (510, "met")
    # Sorted: below first, largest shortfall first; met last.
    assert [r["client_id"] for r in report["clients"]] == ["R2", "R3", "R1", "R4"]
    assert "42 CFR part 2" in report["notice"]


def test_report_week_by_date_and_table_and_csv(week_clinic, capsys):
    by_date = run_cli(capsys, "report", "week", "--date", "2026-11-22", "--format", "json", "--data", week_clinic)
    assert json.loads(by_date.out)["week"] == "2026-W47"
    table = run_cli(capsys, "report", "week", "--week", "2026-w47", "--data", week_clinic)
    assert table.code == 0 and "Avery Inventedname" in table.out and "below" in table.out
    as_csv = run_cli(capsys, "report", "week", "--week", "2026-W47", "--format", "csv", "--data", week_clinic)
    lines = csv_body(as_csv.out).splitlines()
    # The notice: one quoted cell on the first line, however many commas it holds.
    assert next(csv.reader([lines[0]])) == [output.NOTICE_CELL] and "42 CFR part 2" in lines[0]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    assert {r["client_id"]: r["status"] for r in rows} == {"R1": "below", "R2": "below", "R3": "below", "R4": "met"}
    assert as_csv.out.endswith("\n") and table.out.endswith("\n")


def test_export_billing_rows_per_client_per_day(week_clinic, capsys):
    result = run_cli(capsys, "export", "billing", "--from", "2026-11-16", "--to", "2026-11-22",
                     "--format", "json", "--data", week_clinic)
    assert result.code == 0, result.err
    rows = json.loads(result.out)["rows"]
    first = rows[0]
    # Evening A runs 18:00-21:00 with the plan's 10-minute break: R1 came at 18:20, so
    # 160 - 10 = 150 countable minutes, below H0015's 180: listed, not billable, 0 units.
    # Attendance imported by the CLI names its importer (the OS account) as facilitator.
    me = os_user()
    assert first == {"date": "2026-11-16", "client_id": "R1", "level_of_care": "IOP", "service": "H0015",
                     "modifier": "", "units": 0, "billable": False, "minutes": 150, "minimum_minutes": 180,
                     "place_of_service": "57", "telehealth": False, "rendering_staff_id": me,
                     "rendering_staff_name": open_data(week_clinic).snapshot().staff[me].display_name,
                     "note_signed": False, "groups": "Evening A", "start": "18:20", "stop": "21:00"}
    # R3 attended Thursday by telehealth: 180 - 10 = 170 minutes, at home (10) with modifier 95.
    r3 = next(r for r in rows if r["client_id"] == "R3")
    assert (r3["date"], r3["telehealth"], r3["place_of_service"], r3["modifier"], r3["minutes"],
            r3["billable"]) == ("2026-11-19", True, "10", "95", 170, False)
    # Absent R2 on Thursday has no row; 10 attendance rows - 1 absent = 9 billing rows.
    assert len(rows) == 9
    assert ("2026-11-19", "R2") not in {(r["date"], r["client_id"]) for r in rows}


@pytest.mark.parametrize("args, field", [
    (("report", "week", "--week", "2026-W54"), "--week"),
    (("report", "week", "--date", "2026-02-30"), "--date"),
    (("export", "billing", "--from", "2026-11-30", "--to", "2026-11-01"), "--to"),
    (("hours", "add", "NOPE", "--date", "2026-11-17", "--minutes", "50", "--kind", "family"), "CLIENT"),
    (("hours", "add", "R3", "--date", "2026-11-17", "--minutes", "50", "--kind", "family"), "date"),
    (("hours", "add", "R1", "--date", "2026-11-17", "--minutes", "0", "--kind", "family"), "--minutes"),
    (("hours", "remove", "2026-11#99"), "ID"),
    (("hours", "remove", "banana"), "ID"),
])
def test_bad_report_and_hours_input_is_one_sentence_and_writes_nothing(week_clinic, capsys, args, field):
    before = {k: v for k, v in tree_bytes(week_clinic).items() if not k.startswith("audit")}
    result = run_cli(capsys, *args, "--data", week_clinic)
    assert result.code == 2
    assert f"field '{field}'" in result.one_line_error()
    after = {k: v for k, v in tree_bytes(week_clinic).items() if not k.startswith("audit")}
    assert after == before


def test_hours_list_and_remove(week_clinic, capsys):
    listed = run_cli(capsys, "hours", "list", "--from", "2026-11-01", "--to", "2026-11-30", "--data", week_clinic)
    row = listed.out.splitlines()[3].split()
    ref = row[0]
    assert re.fullmatch(r"2026-11:[0-9a-f]{8}", ref) and row[1:] == ["2026-11-17", "R2", "individual", "50"]
    assert run_cli(capsys, "hours", "remove", ref, "--data", week_clinic).code == 0
    report = run_cli(capsys, "report", "week", "--week", "2026-W47", "--format", "json", "--data", week_clinic)
    rows = {r["client_id"]: r for r in json.loads(report.out)["clients"]}
    assert rows["R2"]["attended_minutes"] == 250


def test_a_removed_hours_entry_stays_in_the_clients_accounting(week_clinic, capsys):
    assert run_cli(capsys, "hours", "remove", "2026-11#1", "--data", week_clinic).code == 0
    result = run_cli(capsys, "audit", "--client", "R2", "--format", "json", "--data", week_clinic)
    assert result.code == 0, result.err
    actions = [e["action"] for e in json.loads(result.out)["entries"]]
    assert "hours.add" in actions and "hours.remove" in actions
    other = run_cli(capsys, "audit", "--client", "R1", "--format", "json", "--data", week_clinic)
    assert "hours.remove" not in [e["action"] for e in json.loads(other.out)["entries"]]


def test_report_week_says_why_a_client_cannot_reach_their_hours(rostered_clinic: Path, capsys) -> None:
    # Evening A: 3 x (180 - 10) = 510 min = 8.5 h. Q001 (IOP 9 h, Evening A only) cannot;
    # Q002 (10 h, + Morning B's 2 x 90) has 690 min = 11.5 h and can; Q003 (PHP 20 h) cannot.
    table = run_cli(capsys, "report", "week", "--date", "2026-11-23", "--data", rostered_clinic)
    assert table.code == 0, table.err
    assert "note: Q001 cannot reach 9 h: Evening A offers at most 8.5 hours of treatment time in a usual week, " \
           "9 required." in table.out.splitlines()
    assert "note: Q003 cannot reach 20 h: Evening A offers at most 8.5 hours of treatment time in a usual week, " \
           "20 required." in table.out.splitlines()
    assert "Q002 cannot" not in table.out
    import json
    data = json.loads(run_cli(capsys, "report", "week", "--date", "2026-11-23", "--format", "json",
                              "--data", rostered_clinic).out)
    why = {c["client_id"]: c["cannot_meet"] for c in data["clients"]}
    assert why["Q002"] is None
    assert why["Q001"] == "Evening A offers at most 8.5 hours of treatment time in a usual week, 9 required"
