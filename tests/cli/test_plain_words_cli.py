"""The CLI's words are a counselor's and a biller's (issue #22 item 7): "attended", "still
needed", "meets the 3-hour day"; none of "credited", "Req h", "meets_3h_day"."""

from __future__ import annotations

import csv
import io
import json

from tests.cli.conftest import run_cli
from tests.cli.test_reports import week_clinic  # noqa: F401  (the hand-worked week)

OLD_WORDS = ("credited", "Credited", "Req h", "Cred h", "Need h", "meets_3h_day", "countable")


def test_the_week_table_says_required_attended_still_needed(week_clinic, capsys):  # noqa: F811 - pytest passes the imported fixture by name
    out = run_cli(capsys, "report", "week", "--week", "2026-W47", "--data", week_clinic).out
    header = next(line for line in out.splitlines() if line.startswith("ID"))
    assert [c.strip() for c in header.split("  ") if c.strip()] == [
        "ID", "Name", "Level", "Required", "Attended", "Status", "Still needed", "Sessions left",
        "Absent", "Excused"]
    # R1 (test_reports' hand-worked week): 9 h required, 8.1 attended, 0.9 still needed
    r1 = next(line for line in out.splitlines() if line.startswith("R1"))
    assert r1.split()[4:8] == ["9", "8.1", "below", "0.9"]
    assert not [w for w in OLD_WORDS if w in out]


def test_the_week_csv_and_json_say_attended_hours(week_clinic, capsys):  # noqa: F811 - pytest passes the imported fixture by name
    args = ("report", "week", "--week", "2026-W47", "--data", week_clinic)
    as_csv = run_cli(capsys, *args, "--format", "csv").out
    rows = list(csv.DictReader(io.StringIO("\n".join(as_csv.splitlines()[1:]))))
    assert {r["client_id"]: r["attended_hours"] for r in rows}["R1"] == "8.17"     # 490 min
    data = json.loads(run_cli(capsys, *args, "--format", "json").out)
    r1 = next(c for c in data["clients"] if c["client_id"] == "R1")
    assert (r1["attended_minutes"], r1["attended_hours"]) == (490, 8.17)
    assert not [w for w in OLD_WORDS if w in as_csv + json.dumps(data)]


def test_billing_says_billable_not_meets_3h_day(week_clinic, capsys):  # noqa: F811 - pytest passes the imported fixture by name
    args = ("export", "billing", "--from", "2026-11-16", "--to", "2026-11-22", "--data", week_clinic)
    as_csv = run_cli(capsys, *args, "--format", "csv").out
    header = next(csv.reader([as_csv.splitlines()[1]]))
    assert "billable" in header and "minimum_minutes" in header
    rows = json.loads(run_cli(capsys, *args, "--format", "json").out)["rows"]
    assert {r["billable"] for r in rows} <= {True, False}
    assert not [w for w in OLD_WORDS if w in as_csv + json.dumps(rows)]
