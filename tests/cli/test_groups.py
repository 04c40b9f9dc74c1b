"""`facilitator groups add`: a group and its weekly schedule; bad input writes nothing."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from tests.cli.conftest import open_data, run_cli, tree_bytes


def add(capsys, root: Path, name: str, *options: str):
    return run_cli(capsys, "groups", "add", name, *options, "--data", root)


def test_add_group(empty_clinic: Path, capsys) -> None:
    result = add(capsys, empty_clinic, "Evening A", "--days", "mon,wed,thu", "--start", "18:00",
                 "--minutes", "195", "--plan", "iop-evening-triggers")
    assert result.code == 0, result.err
    assert result.err == ""
    assert "Evening A" in result.out
    group = open_data(empty_clinic).snapshot().groups["Evening A"]
    assert group.days == (0, 2, 3)
    assert group.start == time(18, 0)
    assert group.minutes == 195
    assert group.plan == "iop-evening-triggers"


def test_add_group_without_plan_and_with_holidays(empty_clinic: Path, capsys) -> None:
    result = add(capsys, empty_clinic, "Morning B", "--days", "Fri, tue", "--start", "9:30",
                 "--minutes", "90", "--holiday", "2026-11-27", "--holiday", "2026-12-25")
    assert result.code == 0, result.err
    group = open_data(empty_clinic).snapshot().groups["Morning B"]
    assert group.days == (1, 4)
    assert group.start == time(9, 30)
    assert group.plan is None
    assert [d.isoformat() for d in group.holidays] == ["2026-11-27", "2026-12-25"]


BAD = [
    pytest.param(["--days", "mon,funday", "--start", "18:00", "--minutes", "180"], "--days", id="bad-day"),
    pytest.param(["--days", "", "--start", "18:00", "--minutes", "180"], "--days", id="no-days"),
    pytest.param(["--days", "mon,,wed", "--start", "18:00", "--minutes", "180"], "--days", id="empty-day"),
    pytest.param(["--days", "mon", "--start", "25:00", "--minutes", "180"], "--start", id="hour-25"),
    pytest.param(["--days", "mon", "--start", "6pm", "--minutes", "180"], "--start", id="6pm"),
    pytest.param(["--days", "mon", "--start", "18:60", "--minutes", "180"], "--start", id="minute-60"),
    pytest.param(["--days", "mon", "--start", "18:00", "--minutes", "0"], "--minutes", id="minutes-0"),
    pytest.param(["--days", "mon", "--start", "18:00", "--minutes", "-5"], "--minutes", id="minutes-neg"),
    pytest.param(["--days", "mon", "--start", "18:00", "--minutes", "721"], "--minutes", id="minutes-721"),
    pytest.param(["--days", "mon", "--start", "18:00", "--minutes", "abc"], "--minutes", id="minutes-abc"),
    pytest.param(["--days", "mon", "--start", "18:00", "--minutes", "180", "--plan", "no-such-plan"],
                 "--plan", id="unknown-plan"),
    pytest.param(["--days", "mon", "--start", "18:00", "--minutes", "180", "--holiday", "2026-02-30"],
                 "--holiday", id="bad-holiday"),
]


@pytest.mark.parametrize(("options", "field"), BAD)
def test_bad_group_is_refused_and_nothing_written(grouped_clinic: Path, capsys, options, field) -> None:
    before = tree_bytes(grouped_clinic)
    result = add(capsys, grouped_clinic, "Afternoon C", *options)
    assert result.code == 2
    line = result.one_line_error()
    assert field in line
    assert result.out == ""
    assert tree_bytes(grouped_clinic) == before


@pytest.mark.parametrize("name", ["Evening A", "  Evening A  "])
def test_duplicate_group_name(grouped_clinic: Path, capsys, name: str) -> None:
    before = tree_bytes(grouped_clinic)
    result = add(capsys, grouped_clinic, name, "--days", "tue", "--start", "12:00", "--minutes", "60")
    assert result.code == 2
    assert "already a group named 'Evening A'" in result.one_line_error()
    assert tree_bytes(grouped_clinic) == before


@pytest.mark.parametrize("name", ["evening a", "Evening-A", "EVENING  A!"])
def test_group_name_that_would_share_session_files_is_refused(grouped_clinic: Path, capsys, name) -> None:
    # Session files are named by the group's slug: "Evening A" and "evening-a" meeting at the
    # same time would write into one record file.
    before = tree_bytes(grouped_clinic)
    result = add(capsys, grouped_clinic, name, "--days", "mon", "--start", "18:00", "--minutes", "60")
    assert result.code == 2
    assert "Evening A" in result.one_line_error()
    assert tree_bytes(grouped_clinic) == before


def test_blank_group_name(grouped_clinic: Path, capsys) -> None:
    before = tree_bytes(grouped_clinic)
    result = add(capsys, grouped_clinic, "   ", "--days", "mon", "--start", "18:00", "--minutes", "60")
    assert result.code == 2
    result.one_line_error()
    assert tree_bytes(grouped_clinic) == before


# --- plans that can meet their level (issue #20, case 9) ----------------------------------------

def test_a_schedule_that_cannot_meet_its_level_warns_in_one_sentence_and_is_added(empty_clinic: Path,
                                                                                     capsys) -> None:
    # the README's old example: 3 x (180 - the plan's 10-minute break) = 510 min = 8.5 h < 9 h
    result = add(capsys, empty_clinic, "Evening A", "--days", "mon,wed,thu", "--start", "18:00",
                 "--minutes", "180", "--plan", "iop-evening-triggers")
    assert result.code == 0
    assert result.err == ("warning: IOP clients cannot reach their 9 hours a week with this group "
                          "alone: Evening A offers at most 8.5 hours of treatment time in a usual week, 9 required.\n")
    assert "Evening A" in open_data(empty_clinic).snapshot().groups


@pytest.mark.parametrize("minutes", ["190", "195"])
def test_a_schedule_that_can_meet_its_level_says_nothing(empty_clinic: Path, capsys, minutes) -> None:
    result = add(capsys, empty_clinic, "Evening A", "--days", "mon,wed,thu", "--start", "18:00",
                 "--minutes", minutes, "--plan", "iop-evening-triggers")
    assert (result.code, result.err) == (0, "")


def test_a_topic_plan_or_no_plan_names_no_level(empty_clinic: Path, capsys) -> None:
    for name, plan in (("Morning B", ["--plan", "rp-high-risk-situations"]), ("Morning C", [])):
        result = add(capsys, empty_clinic, name, "--days", "tue", "--start", "10:00", "--minutes", "90", *plan)
        assert (result.code, result.err) == (0, "")


def test_a_php_day_too_short_for_php_warns(empty_clinic: Path, capsys) -> None:
    # the shipped day plan has 55 minutes of breaks and lunch: 5 x (240 - 55) = 925 min < 20 h
    result = add(capsys, empty_clinic, "PHP Day", "--days", "mon,tue,wed,thu,fri", "--start", "09:00",
                 "--minutes", "240", "--plan", "php-day-recovery-skills")
    assert result.code == 0
    assert result.err == ("warning: PHP clients cannot reach their 20 hours a week with this group "
                          "alone: PHP Day offers at most 15.4 hours of treatment time in a usual week, 20 required.\n")


def test_roster_import_names_the_clients_who_cannot_reach_their_hours(grouped_clinic: Path, tmp_path,
                                                                       capsys) -> None:
    from tests.cli.conftest import ROSTER_HEADER, csv_text, write
    # Evening A: 3 x 170 = 510 min; Morning B (no plan): 2 x 90 = 180 min
    rows = [("Q001", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A"),            # 8.5 < 9
            ("Q002", "Blake", "Madeupson", "IOP", "", "2026-11-01", "", "Evening A;Morning B"),   # 11.5 >= 9
            ("Q005", "Emery", "Imaginary", "OP", "", "2026-11-01", "", "Morning B"),              # 3 >= 0
            ("Q006", "Frankie", "Unreal", "IOP", "", "2026-11-01", "", "")]                       # no groups
    path = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows))
    result = run_cli(capsys, "roster", "import", path, "--data", grouped_clinic)
    assert result.code == 0 and "4 added" in result.out
    assert result.err == ("warning: 1 IOP client cannot reach their weekly hours with their groups "
                          "(Q001); `report week` says why.\n")
    assert "Avery" not in result.err
