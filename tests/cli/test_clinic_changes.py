"""Issue #20 case 10: clinic changes after a group exists, end to end through the CLI.

`groups list/set/end`, `closures add/list`, `roster list`, `staff rename/reactivate`, and
`set-role` refusing a deactivated member. Worked by hand (the ``rostered_clinic`` fixture):
Q001 (IOP, 9 h) is only in Evening A, which meets Mon, Wed, Thu at 18:00 for 180 minutes.

- From Wed 18 Nov 2026 it meets Tue, Thu at 18:30 for 240 minutes: the weeks of 9, 16 and
  23 Nov each require 9 h (3 of 3; Mon + Thu = 2 of 2; 2 of 2), and a meeting imported
  for Mon 16 Nov keeps its 18:00-21:00.
- Unchanged, a snow day on Wed 25 Nov closes 1 of Q001's 3 meetings: 9 x 2/3 = 6 h.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from facilitator.core.errors import PermissionDenied
from facilitator.core.part2 import STATEMENT_1
from tests.cli.conftest import ATTENDANCE_HEADER, open_data, run_cli, tree_bytes, write


def cli(capsys, root: Path, *args: object):
    return run_cli(capsys, *args, "--data", root)


def required(capsys, root: Path, week: str) -> dict[str, float]:
    result = cli(capsys, root, "report", "week", "--week", week, "--format", "json")
    assert result.code == 0, result.err
    return {r["client_id"]: r["required_hours"] for r in json.loads(result.out)["clients"]}


def import_day(capsys, root: Path, tmp_path: Path, day: str, group: str = "Evening A"):
    path = write(tmp_path / f"att-{day}.csv", f"{ATTENDANCE_HEADER}\n{day},{group},Q001,present,,\n")
    result = cli(capsys, root, "attendance", "import", path)
    assert result.code == 0, result.err


def test_a_schedule_change_applies_from_its_date_and_earlier_weeks_keep_theirs(
        rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    before = {w: required(capsys, rostered_clinic, w)["Q001"] for w in ("2026-W46", "2026-W47", "2026-W48")}
    assert before == {"2026-W46": 9.0, "2026-W47": 9.0, "2026-W48": 9.0}
    import_day(capsys, rostered_clinic, tmp_path, "2026-11-16")
    result = cli(capsys, rostered_clinic, "groups", "set", "Evening A", "--days", "tue,thu",
                 "--start", "18:30", "--minutes", "240", "--from", "2026-11-18")
    assert result.code == 0, result.err
    assert "From Wed 2026-11-18" in result.out
    after = {w: required(capsys, rostered_clinic, w)["Q001"] for w in ("2026-W46", "2026-W47", "2026-W48")}
    assert after == before
    group = open_data(rostered_clinic).snapshot().groups["Evening A"]
    assert group.day_names == "tue,thu" and group.on(group.since.replace(day=17)).day_names == "mon,wed,thu"
    held = open_data(rostered_clinic).sessions_between(group.since.replace(day=16),
                                                       group.since.replace(day=16)).records[0]
    assert (f"{held.header.scheduled_start:%H:%M}", f"{held.header.scheduled_end:%H:%M}") == ("18:00", "21:00")
    listed = json.loads(cli(capsys, rostered_clinic, "groups", "list", "--format", "json").out)
    assert listed["notice"] == STATEMENT_1
    evening = next(g for g in listed["groups"] if g["name"] == "Evening A")
    assert (evening["days"], evening["start"], evening["minutes"], evening["from"]) == \
        ("tue,thu", "18:30", 240, "2026-11-18")
    assert evening["earlier"] == [{"from": None, "days": "mon,wed,thu", "start": "18:00", "minutes": 180,
                                   "plan": "iop-evening-triggers"}]
    assert evening["plan"] == "iop-evening-triggers"


def test_a_snow_day_mid_week_prorates_and_is_listed(rostered_clinic: Path, capsys) -> None:
    result = cli(capsys, rostered_clinic, "closures", "add", "2026-11-25", "--group", "Evening A",
                 "--reason", "snow day")
    assert result.code == 0, result.err
    assert required(capsys, rostered_clinic, "2026-W48")["Q001"] == 6.0
    assert required(capsys, rostered_clinic, "2026-W47")["Q001"] == 9.0
    listed = json.loads(cli(capsys, rostered_clinic, "closures", "list", "--format", "json").out)
    assert listed["closures"] == [{"date": "2026-11-25", "group": "Evening A", "reason": "snow day"}]
    assert listed["notice"] == STATEMENT_1
    table = cli(capsys, rostered_clinic, "closures", "list").out
    assert "2026-11-25  Evening A  snow day" in table


def test_a_clinic_wide_closure_closes_every_group_and_one_added_later(rostered_clinic: Path, capsys) -> None:
    result = cli(capsys, rostered_clinic, "closures", "add", "2026-11-27", "--reason", "Day after Thanksgiving")
    assert result.code == 0, result.err
    assert cli(capsys, rostered_clinic, "groups", "add", "Friday C", "--days", "fri", "--start", "09:00",
               "--minutes", "60").code == 0
    groups = open_data(rostered_clinic).snapshot().groups
    assert all(any(d.isoformat() == "2026-11-27" for d in g.holidays) for g in groups.values())
    # Q002 is in Evening A (3) and Morning B (Tue, Fri = 2): Fri 27 closed -> 10 x 4/5.
    assert required(capsys, rostered_clinic, "2026-W48")["Q002"] == 8.0
    table = cli(capsys, rostered_clinic, "closures", "list").out
    assert "(whole clinic)" in table and table.count("2026-11-27") == 1


def test_an_ended_group_meets_no_more_and_requires_nothing_after(rostered_clinic: Path, capsys) -> None:
    result = cli(capsys, rostered_clinic, "groups", "end", "Evening A", "--date", "2026-11-23")
    assert result.code == 0, result.err
    # Q001: Mon 23 Nov of Mon, Wed, Thu -> 9 x 1/3 = 3 h; nothing from the next week.
    assert required(capsys, rostered_clinic, "2026-W48")["Q001"] == 3.0
    assert "Q001" not in required(capsys, rostered_clinic, "2026-W49")


def test_held_sessions_are_never_reached_back_over(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    import_day(capsys, rostered_clinic, tmp_path, "2026-11-23")
    before = tree_bytes(rostered_clinic)
    for args, field in ((("groups", "set", "Evening A", "--days", "tue", "--from", "2026-11-20"), "--from"),
                        (("groups", "end", "Evening A", "--date", "2026-11-20"), "--date"),
                        (("closures", "add", "2026-11-23", "--group", "Evening A", "--reason", "ice"), "DATE"),
                        (("closures", "add", "2026-11-23", "--reason", "ice"), "DATE")):
        result = cli(capsys, rostered_clinic, *args)
        assert result.code == 2, (args, result)
        line = result.one_line_error()
        assert f"field '{field}'" in line and "2026-11-23" in line, line
        assert tree_bytes(rostered_clinic) == before
    assert cli(capsys, rostered_clinic, "groups", "set", "Evening A", "--days", "tue",
               "--from", "2026-11-24").code == 0


BAD = [
    pytest.param(("groups", "set", "Nope", "--days", "tue"), "NAME", id="unknown-group"),
    pytest.param(("groups", "set", "Evening A", "--from", "2026-12-01"), "NAME", id="nothing-to-change"),
    pytest.param(("groups", "set", "Evening A", "--days", "funday"), "--days", id="bad-days"),
    pytest.param(("groups", "set", "Evening A", "--start", "25:00"), "--start", id="bad-start"),
    pytest.param(("groups", "set", "Evening A", "--minutes", "0"), "--minutes", id="minutes-0"),
    pytest.param(("groups", "set", "Evening A", "--plan", "no-such-plan"), "--plan", id="bad-plan"),
    pytest.param(("groups", "set", "Evening A", "--days", "tue", "--from", "2026-02-30"), "--from", id="bad-from"),
    pytest.param(("groups", "end", "Evening A", "--date", "tomorrow"), "--date", id="bad-end"),
    pytest.param(("groups", "end", "evening a", "--date", "2026-12-01"), "NAME", id="end-unknown"),
    pytest.param(("closures", "add", "2026-12-01", "--reason", "   "), "--reason", id="blank-reason"),
    pytest.param(("closures", "add", "2026-12-01", "--reason", "snow\x1b[2J"), "--reason", id="escape"),
    pytest.param(("closures", "add", "2026-12-01", "--reason", "x" * 201), "--reason", id="long-reason"),
    pytest.param(("closures", "add", "2026-12-01", "--group", "Evening A", "--reason", "ice"), "DATE",
                 id="not-a-meeting-day"),
    pytest.param(("closures", "add", "12/01/2026", "--reason", "ice"), "DATE", id="bad-date"),
    pytest.param(("closures", "add", "2026-12-02", "--group", "Nope", "--reason", "ice"), "--group",
                 id="closure-unknown-group"),
    pytest.param(("staff", "rename", "nobody", "--name", "N. Body"), "USER", id="rename-unknown"),
    pytest.param(("staff", "reactivate", "nobody"), "USER", id="reactivate-unknown"),
]


@pytest.mark.parametrize(("args", "field"), BAD)
def test_bad_input_is_one_sentence_exit_2_and_nothing_written(rostered_clinic: Path, capsys, args, field) -> None:
    before = tree_bytes(rostered_clinic)
    result = cli(capsys, rostered_clinic, *args)
    assert result.code == 2, result
    line = result.one_line_error()
    assert f"field '{field}'" in line, line
    assert "\x1b" not in line
    assert result.out == ""
    assert tree_bytes(rostered_clinic) == before


def test_a_second_closure_of_the_same_day_is_refused(rostered_clinic: Path, capsys) -> None:
    assert cli(capsys, rostered_clinic, "closures", "add", "2026-12-02", "--reason", "ice").code == 0
    before = tree_bytes(rostered_clinic)
    result = cli(capsys, rostered_clinic, "closures", "add", "2026-12-02", "--reason", "ice again")
    assert result.code == 2 and "already closed" in result.one_line_error()
    assert tree_bytes(rostered_clinic) == before


def test_only_admins_change_groups_and_the_refusal_is_audited(rostered_clinic: Path, capsys) -> None:
    from facilitator.store import groups as store_groups
    from facilitator.store.clinic import open_clinic
    assert cli(capsys, rostered_clinic, "staff", "add", "rt_coun1", "--name", "Invented Counselor",
               "--role", "counselor").code == 0
    assert cli(capsys, rostered_clinic, "staff", "add", "rt_gone", "--name", "Invented Leaver",
               "--role", "counselor").code == 0
    assert cli(capsys, rostered_clinic, "staff", "deactivate", "rt_gone").code == 0
    from facilitator.store import staff
    counselor = open_clinic(rostered_clinic, user="rt_coun1")
    before = (rostered_clinic / "clinic.json").read_bytes()
    for attempt in (lambda: store_groups.set_schedule(counselor, "Evening A", date(2026, 12, 1), days=(1,)),
                    lambda: store_groups.end_group(counselor, "Evening A", date(2026, 12, 1)),
                    lambda: store_groups.add_closure(counselor, date(2026, 12, 2), "ice"),
                    lambda: staff.rename(counselor, "rt_coun1", "Self Promoted"),
                    lambda: staff.reactivate(counselor, "rt_gone")):
        with pytest.raises(PermissionDenied):
            attempt()
    assert (rostered_clinic / "clinic.json").read_bytes() == before
    entries = json.loads(cli(capsys, rostered_clinic, "audit", "--format", "json").out)["entries"]
    assert [(e["action"], e["user"]) for e in entries[-5:]] == [("denied", "rt_coun1")] * 5


def test_staff_rename_reactivate_and_set_role_on_a_deactivated_member(rostered_clinic: Path, capsys) -> None:
    assert cli(capsys, rostered_clinic, "staff", "add", "rt_coun2", "--name", "Old Name",
               "--role", "counselor").code == 0
    result = cli(capsys, rostered_clinic, "staff", "rename", "rt_coun2", "--name", "Zoë Nuevo-Invented")
    assert result.code == 0, result.err
    assert open_data(rostered_clinic).snapshot().staff["rt_coun2"].display_name == "Zoë Nuevo-Invented"
    before = tree_bytes(rostered_clinic)
    bad = cli(capsys, rostered_clinic, "staff", "rename", "rt_coun2", "--name", "Evil\u202eName")
    assert bad.code == 2 and "--name" in bad.one_line_error() and tree_bytes(rostered_clinic) == before

    assert cli(capsys, rostered_clinic, "staff", "deactivate", "rt_coun2").code == 0
    before = tree_bytes(rostered_clinic)
    refused = cli(capsys, rostered_clinic, "staff", "set-role", "rt_coun2", "supervisor")
    assert refused.code == 2 and "reactivate" in refused.one_line_error()
    assert tree_bytes(rostered_clinic) == before
    assert cli(capsys, rostered_clinic, "staff", "reactivate", "rt_coun2").code == 0
    member = open_data(rostered_clinic).snapshot().staff["rt_coun2"]
    assert member.active and str(member.role) == "counselor"
    assert cli(capsys, rostered_clinic, "staff", "set-role", "rt_coun2", "supervisor").code == 0
    assert str(open_data(rostered_clinic).snapshot().staff["rt_coun2"].role) == "supervisor"
    again = cli(capsys, rostered_clinic, "staff", "reactivate", "rt_coun2")
    assert again.code == 2 and "already active" in again.one_line_error()
    log = b"".join(p.read_bytes() for p in (rostered_clinic / "audit").glob("*.jsonl"))
    assert b"staff.rename" in log and b"staff.reactivate" in log
    assert b"Zo\\u00eb" not in log and "Zoë".encode() not in log      # ids only in the audit


def test_roster_list_shows_every_client_as_typed_with_the_notice(rostered_clinic: Path, capsys) -> None:
    listed = json.loads(cli(capsys, rostered_clinic, "roster", "list", "--format", "json").out)
    assert listed["notice"] == STATEMENT_1
    by_id = {c["client_id"]: c for c in listed["clients"]}
    assert sorted(by_id) == ["Q001", "Q002", "Q003", "Q004"]
    assert by_id["Q002"] == {"client_id": "Q002", "first_name": "Blake", "last_name": "Madeupson",
                             "level_of_care": "IOP", "required_hours": 10.0, "admitted": "2026-11-01",
                             "discharged": None, "groups": ["Evening A", "Morning B"]}
    assert by_id["Q004"]["discharged"] == "2026-11-10"
    table = cli(capsys, rostered_clinic, "roster", "list")
    assert table.code == 0
    assert "Blake Madeupson" in table.out and "Evening A, Morning B" in table.out
    assert table.out.rstrip().endswith("42 CFR part 2 prohibits unauthorized use or disclosure of these records.")


def test_a_damaged_session_file_of_the_group_refuses_a_change_over_it(rostered_clinic: Path, tmp_path: Path,
                                                                      capsys) -> None:
    import_day(capsys, rostered_clinic, tmp_path, "2026-11-23")
    record = next((rostered_clinic / "records").rglob("2026-11-23-1800-evening-a.json"))
    record.write_bytes(b"{ torn")
    before = tree_bytes(rostered_clinic)
    result = cli(capsys, rostered_clinic, "groups", "set", "Evening A", "--days", "tue", "--from", "2026-11-20")
    assert result.code == 2
    assert "damaged" in result.one_line_error() and "verify" in result.err
    assert tree_bytes(rostered_clinic) == before


def test_a_change_to_what_is_already_in_force_or_an_end_before_the_start_writes_nothing(
        rostered_clinic: Path, capsys) -> None:
    assert cli(capsys, rostered_clinic, "groups", "set", "Morning B", "--from", "2026-12-01",
               "--days", "fri").code == 0
    before = tree_bytes(rostered_clinic)
    same = cli(capsys, rostered_clinic, "groups", "set", "Morning B", "--from", "2026-12-08", "--days", "fri")
    assert same.code == 2 and "nothing was changed" in same.one_line_error()
    assert tree_bytes(rostered_clinic) == before
    no_plan = cli(capsys, rostered_clinic, "groups", "set", "Morning B", "--from", "2026-12-08", "--plan", "none")
    assert no_plan.code == 2 and "nothing was changed" in no_plan.one_line_error()   # it has no plan
    from datetime import time

    from facilitator.core.roster import Group
    open_data(rostered_clinic).add_group(Group("Late Start", (0,), time(9), 60, first_day=date(2026, 12, 7)))
    before = tree_bytes(rostered_clinic)
    early = cli(capsys, rostered_clinic, "groups", "end", "Late Start", "--date", "2026-12-06")
    assert early.code == 2 and "first meets on 2026-12-07" in early.one_line_error()
    assert tree_bytes(rostered_clinic) == before


def test_a_change_dated_ahead_leaves_days_before_it_on_the_old_schedule(rostered_clinic: Path, tmp_path: Path,
                                                                        capsys) -> None:
    assert cli(capsys, rostered_clinic, "groups", "set", "Evening A", "--start", "18:30", "--minutes", "120",
               "--from", "2026-12-01").code == 0
    # Mon 23 Nov is under the old 18:00-21:00: arriving 18:10 and leaving 20:50 are inside it
    # (under the new 18:30-20:30 both would be refused).
    path = write(tmp_path / "late.csv", f"{ATTENDANCE_HEADER}\n2026-11-23,Evening A,Q001,late,18:10,20:50\n")
    result = cli(capsys, rostered_clinic, "attendance", "import", path)
    assert result.code == 0, result.err
    monday = date(2026, 11, 23)
    record = open_data(rostered_clinic).sessions_between(monday, monday).records[0]
    assert (f"{record.header.scheduled_start:%H:%M}", f"{record.header.scheduled_end:%H:%M}") == ("18:00", "21:00")
