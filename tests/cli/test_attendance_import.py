"""`facilitator attendance import`: session records under records/YYYY/MM/, all-or-nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from facilitator.core.rules import Status
from facilitator.core.session import Source, session_id_for
from tests.cli.conftest import (
    ATTENDANCE_HEADER,
    TZ,
    assert_rejected_whole,
    open_data,
    record_files,
    run_cli,
    tree_bytes,
    write,
)

CHI = ZoneInfo(TZ)


def attendance(*rows: str) -> str:
    return "\n".join([ATTENDANCE_HEADER, *rows]) + "\n"


def import_attendance(capsys, root: Path, path: Path):
    return run_cli(capsys, "attendance", "import", path, "--data", root)


def read_session(root: Path, group: str, start: datetime):
    return open_data(root).session_file(session_id_for(group, start)).read()


GOOD = attendance(
    "2026-11-02,Evening A,Q001,present,,",
    "2026-11-02,Evening A,Q002,late,18:20,",
    "2026-11-02,Evening A,Q004,left_early,,20:05",
    "2026-11-04,Evening A,Q001,telehealth,18:00,21:00",
    "2026-11-04,Evening A,Q002,absent,,",
    "2026-11-04,Evening A,Q004,excused,,",
    "2026-11-03,Morning B,Q002,PRESENT,10:05,11:20",
)


def test_import_attendance_creates_session_records(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    result = import_attendance(capsys, rostered_clinic, write(tmp_path / "att.csv", GOOD))
    assert result.code == 0, result.err
    assert result.err == ""
    assert "7 attendance entries into 3 sessions" in result.out
    assert [p.relative_to(rostered_clinic).as_posix() for p in record_files(rostered_clinic)] == [
        "records/2026/11/2026-11-02-1800-evening-a.json",
        "records/2026/11/2026-11-03-1000-morning-b.json",
        "records/2026/11/2026-11-04-1800-evening-a.json",
    ]
    monday = read_session(rostered_clinic, "Evening A", datetime(2026, 11, 2, 18, 0, tzinfo=CHI))
    assert monday.header.group == "Evening A"
    assert monday.header.source is Source.IMPORT
    assert monday.header.scheduled_start == datetime(2026, 11, 2, 18, 0, tzinfo=CHI)
    assert monday.header.scheduled_end == datetime(2026, 11, 2, 21, 0, tzinfo=CHI)
    assert monday.header.plan_id == "iop-evening-triggers"
    assert sorted(monday.attendance) == ["Q001", "Q002", "Q004"]
    present, late, early = (monday.attendance[c] for c in ("Q001", "Q002", "Q004"))
    assert present.status is Status.PRESENT and present.arrived is None and present.left is None
    assert late.status is Status.LATE and late.left is None
    # 18:20 local, stored aware: CST (UTC-6) after the 2026-11-01 change back from daylight time
    assert late.arrived == datetime(2026, 11, 2, 18, 20, tzinfo=CHI)
    assert late.arrived.utcoffset() == timedelta(hours=-6)
    assert late.arrived.astimezone(ZoneInfo("UTC")).time() == time(0, 20)
    assert early.status is Status.LEFT_EARLY and early.arrived is None
    assert early.left == datetime(2026, 11, 2, 20, 5, tzinfo=CHI)

    wednesday = read_session(rostered_clinic, "Evening A", datetime(2026, 11, 4, 18, 0, tzinfo=CHI))
    statuses = {c: e.status for c, e in wednesday.attendance.items()}
    assert statuses == {"Q001": Status.TELEHEALTH, "Q002": Status.ABSENT, "Q004": Status.EXCUSED}
    assert wednesday.attendance["Q002"].arrived is None and wednesday.attendance["Q002"].left is None

    morning = read_session(rostered_clinic, "Morning B", datetime(2026, 11, 3, 10, 0, tzinfo=CHI))
    assert morning.attendance["Q002"].status is Status.PRESENT
    assert morning.attendance["Q002"].left == datetime(2026, 11, 3, 11, 20, tzinfo=CHI)
    assert morning.header.plan_id is None


def test_daylight_time_is_kept_per_date(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    # Q004 was enrolled 2026-10-01 .. 2026-11-10: an October row is CDT (UTC-5).
    path = write(tmp_path / "oct.csv", attendance("2026-10-29,Evening A,Q004,late,18:20,"))
    assert import_attendance(capsys, rostered_clinic, path).code == 0
    record = read_session(rostered_clinic, "Evening A", datetime(2026, 10, 29, 18, 0, tzinfo=CHI))
    assert record.attendance["Q004"].arrived.utcoffset() == timedelta(hours=-5)
    assert (rostered_clinic / "records/2026/10/2026-10-29-1800-evening-a.json").is_file()


def test_reimport_is_idempotent(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "att.csv", GOOD)
    assert import_attendance(capsys, rostered_clinic, path).code == 0
    first = {p: open_data(rostered_clinic).session_file(p.stem).read() for p in record_files(rostered_clinic)}
    result = import_attendance(capsys, rostered_clinic, path)
    assert result.code == 0, result.err
    second = {p: open_data(rostered_clinic).session_file(p.stem).read() for p in record_files(rostered_clinic)}
    assert list(second) == list(first)
    for p in first:
        assert second[p].attendance == first[p].attendance
        assert second[p].header == first[p].header
        assert second[p].blocks == first[p].blocks
    # no duplicate attendance documents inside a record file
    import json
    for p in second:
        docs = json.loads(p.read_bytes())["attendance"].values()
        ids = [d["client_id"] for d in docs]
        assert len(ids) == len(set(ids))


def test_reimport_updates_one_client_and_keeps_the_others(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    assert import_attendance(capsys, rostered_clinic, write(tmp_path / "a.csv", GOOD)).code == 0
    fix = write(tmp_path / "fix.csv", attendance("2026-11-02,Evening A,Q002,present,18:05,"))
    assert import_attendance(capsys, rostered_clinic, fix).code == 0
    monday = read_session(rostered_clinic, "Evening A", datetime(2026, 11, 2, 18, 0, tzinfo=CHI))
    assert monday.attendance["Q002"].status is Status.PRESENT
    assert monday.attendance["Q002"].arrived == datetime(2026, 11, 2, 18, 5, tzinfo=CHI)
    assert sorted(monday.attendance) == ["Q001", "Q002", "Q004"]


OK_ROW = "2026-11-02,Evening A,Q001,present,,"

# (rows, bad line, field, words the message must hold)
BAD = {
    "unknown-status": ([OK_ROW, "2026-11-02,Evening A,Q002,tardy,18:20,"], 3, "status", ["tardy"]),
    "blank-status": (["2026-11-02,Evening A,Q002,,,"], 2, "status", []),
    "unknown-group": ([OK_ROW, "2026-11-02,Evening Z,Q002,present,,"], 3, "group", ["Evening Z"]),
    "unknown-client": ([OK_ROW, "2026-11-02,Evening A,Q999,present,,"], 3, "client_id", ["Q999"]),
    "not-yet-admitted": ([OK_ROW, "2026-11-02,Evening A,Q003,present,,"], 3, "date", ["Q003"]),
    "after-discharge": ([OK_ROW, "2026-11-11,Evening A,Q004,present,,"], 3, "date", ["Q004"]),
    "left-before-arrived": ([OK_ROW, "2026-11-02,Evening A,Q002,late,19:00,18:30"], 3, "left", []),
    "left-equals-arrived": ([OK_ROW, "2026-11-02,Evening A,Q002,late,19:00,19:00"], 3, "left", []),
    "absent-with-arrival": ([OK_ROW, "2026-11-02,Evening A,Q002,absent,18:20,"], 3, "arrived", ["absent"]),
    "excused-with-left": ([OK_ROW, "2026-11-02,Evening A,Q002,excused,,20:00"], 3, "left", ["excused"]),
    "bad-minute": ([OK_ROW, "2026-11-02,Evening A,Q002,late,6:61,"], 3, "arrived", ["6:61"]),
    "pm-time": ([OK_ROW, "2026-11-02,Evening A,Q002,late,6:20pm,"], 3, "arrived", []),
    "non-ascii-digits": ([OK_ROW, "2026-11-02,Evening A,Q002,late,1\u0668:3\u0665,"], 3, "arrived", []),
    "bad-left": ([OK_ROW, "2026-11-02,Evening A,Q002,present,,24:00"], 3, "left", []),
    "bad-date": ([OK_ROW, "2026-11-31,Evening A,Q002,present,,"], 3, "date", []),
    "us-date": ([OK_ROW, "11/02/2026,Evening A,Q002,present,,"], 3, "date", []),
    "duplicate-row": ([OK_ROW, "2026-11-02,Evening A,Q002,present,,", OK_ROW], 4, "client_id", ["line 2"]),
    "too-many-fields": ([OK_ROW, "2026-11-02,Evening A,Q002,present,,,"], 3, None, ["7 fields"]),
    # the one time rule (core.session.TIME_RULE), as for the keys and typed times
    "arrived-before-start": ([OK_ROW, "2026-11-02,Evening A,Q002,late,17:40,"], 3, "arrived",
                             ["17:40 is before the session's start (18:00)"]),
    "left-after-end": ([OK_ROW, "2026-11-02,Evening A,Q002,left_early,,21:30"], 3, "left",
                       ["21:30 is after the session's end (21:00)"]),
    "left-before-start": ([OK_ROW, "2026-11-02,Evening A,Q002,left_early,,08:30"], 3, "left",
                          ["mark the client absent"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_attendance_is_rejected_whole(rostered_clinic: Path, tmp_path: Path, capsys, case: str) -> None:
    rows, line_no, field, words = BAD[case]
    path = write(tmp_path / f"{case}.csv", attendance(*rows))
    before = tree_bytes(rostered_clinic)
    result = import_attendance(capsys, rostered_clinic, path)
    assert_rejected_whole(result, path, line_no, field, words, rostered_clinic, before)
    assert record_files(rostered_clinic) == []


def test_bad_row_leaves_existing_records_unchanged(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    assert import_attendance(capsys, rostered_clinic, write(tmp_path / "a.csv", GOOD)).code == 0
    before = tree_bytes(rostered_clinic)
    bad = write(tmp_path / "bad.csv", attendance(
        "2026-11-02,Evening A,Q001,absent,,",         # would change an existing record
        "2026-11-09,Evening A,Q001,present,,",        # would create a new one
        "2026-11-09,Evening A,Q002,present,19:00,18:00"))
    result = import_attendance(capsys, rostered_clinic, bad)
    assert result.code == 2
    assert result.one_line_error().startswith(f"{bad}, line 4, field 'left'")
    assert tree_bytes(rostered_clinic) == before


def test_missing_column(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "cols.csv", "date,group,client_id,status,arrived\n2026-11-02,Evening A,Q001,present,\n")
    result = import_attendance(capsys, rostered_clinic, path)
    assert result.code == 2
    assert result.one_line_error().startswith(f"{path}, line 1, field 'left': missing column")


def test_header_only_attendance(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    result = import_attendance(capsys, rostered_clinic, write(tmp_path / "h.csv", ATTENDANCE_HEADER + "\r\n"))
    assert result.code == 0, result.err
    assert record_files(rostered_clinic) == []
