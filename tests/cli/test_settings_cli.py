"""`facilitator settings show|set`: key: value lines; a bad value exits 2 naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.store.staff import add_staff
from tests.cli.conftest import open_data, run_cli, tree_bytes


def test_show_prints_key_value_lines(empty_clinic: Path, capsys) -> None:
    result = run_cli(capsys, "settings", "show", "--data", empty_clinic)
    assert result.code == 0, result.err
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[:13] == ["name: Invented Recovery Center", "timezone: America/Chicago",
                         "week-start: monday", "group-cap: 12", "idle-minutes: 5", "bell: off",
                         "plan-review-days: 30",
                         "billing-code: IOP H0015, IOP-adolescent H0015, OP H0005, PHP S0201",
                         "place-of-service: 57", "telehealth-place-of-service: 10",
                         "telehealth-modifier: 95",
                          "end-grace-minutes: 15", "session-idle-minutes: 15"]
    assert lines[13].startswith("levels-of-care: ")


@pytest.mark.parametrize(("key", "typed", "attr", "value", "shown"), [
    ("group-cap", "10", "group_cap", 10, "10"),
    ("idle-minutes", "15", "idle_minutes", 15, "15"),
    ("plan-review-days", "14", "plan_review_days", 14, "14"),
    ("end-grace-minutes", "30", "end_grace_minutes", 30, "30"),
    ("end-grace-minutes", "0", "end_grace_minutes", 0, "0"),
    ("session-idle-minutes", "45", "session_idle_minutes", 45, "45"),
    ("session-idle-minutes", " 1 ", "session_idle_minutes", 1, "1"),
    ("bell", "on", "bell", True, "on"),
    ("bell", "Yes", "bell", True, "on"),
    ("bell", "true", "bell", True, "on"),
    ("week-start", "sunday", "week_start", "sunday", "sunday"),
    ("timezone", "America/New_York", "timezone", "America/New_York", "America/New_York"),
    ("name", "Invented Recovery North", "name", "Invented Recovery North", "Invented Recovery North"),
])
def test_set_stores_the_value(empty_clinic: Path, capsys, key, typed, attr, value, shown) -> None:
    result = run_cli(capsys, "settings", "set", key, typed, "--data", empty_clinic)
    assert result.code == 0, result.err
    assert result.out.startswith(f"{key} is now {shown} (was ")
    assert getattr(open_data(empty_clinic).settings(), attr) == value
    show = run_cli(capsys, "settings", "show", "--data", empty_clinic)
    assert f"{key}: {shown}" in show.out.splitlines()
    entries = [e for _, _, e in open_data(empty_clinic).audit.entries() if e]
    assert entries[-1]["action"] == "settings.change" and attr in entries[-1]["detail"]


def test_set_the_same_value_says_unchanged(empty_clinic: Path, capsys) -> None:
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, "settings", "set", "bell", "off", "--data", empty_clinic)
    assert result.code == 0
    assert result.out == "bell is now off (unchanged).\n"
    assert tree_bytes(empty_clinic) == before


@pytest.mark.parametrize(("key", "typed", "words"), [
    ("group-cap", "0", "group size limit"),
    ("group-cap", "ten", "not a number"),
    ("group-cap", "500", "out of range"),
    ("idle-minutes", "0", "idle minutes"),
    ("idle-minutes", "999", "idle minutes"),
    ("plan-review-days", "0", "plan review interval"),
    ("plan-review-days", "366", "plan review interval"),
    ("end-grace-minutes", "241", "end grace"),
    ("end-grace-minutes", "-5", "not a number"),
    ("end-grace-minutes", "15.5", "not a number"),
    ("end-grace-minutes", "1e3", "not a number"),
    ("session-idle-minutes", "0", "idle minutes while a session runs"),
    ("session-idle-minutes", "61", "out of range"),
    ("session-idle-minutes", "-1", "not a number"),
    ("session-idle-minutes", "٣٠", "digits 0-9"),
    ("session-idle-minutes", "", "not a number"),
    ("bell", "maybe", "on or off"),
    ("week-start", "tuesday", "monday or sunday"),
    ("timezone", "Mars/Olympus_Mons", "time zone"),
    ("name", "   ", "needs a name"),
])
def test_bad_values_exit_2_with_one_sentence_and_write_nothing(empty_clinic: Path, capsys, key, typed,
                                                                words) -> None:
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, "settings", "set", key, typed, "--data", empty_clinic)
    assert result.code == 2
    line = result.one_line_error()
    assert f"field '{key}'" in line and words in line
    assert result.out == ""
    assert tree_bytes(empty_clinic) == before


def test_an_unknown_key_is_a_usage_error(empty_clinic: Path, capsys) -> None:
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, "settings", "set", "colour", "red", "--data", empty_clinic)
    assert result.code == 2
    line = result.one_line_error()
    assert "colour" in line and "group-cap" in line
    assert tree_bytes(empty_clinic) == before


def test_a_counselor_is_refused(empty_clinic: Path, capsys, monkeypatch) -> None:
    add_staff(open_data(empty_clinic), "counselor2", "Sam Counselor", "counselor")
    monkeypatch.setattr("facilitator.store.clinic.acting_user", lambda: "counselor2")
    before = (empty_clinic / "clinic.json").read_bytes()
    shown = run_cli(capsys, "settings", "show", "--data", empty_clinic)
    assert shown.code == 0 and "group-cap: 12" in shown.out
    result = run_cli(capsys, "settings", "set", "group-cap", "8", "--data", empty_clinic)
    assert result.code == 2
    assert result.one_line_error() == "counselor2 is a counselor; only admins may change the clinic's settings."
    assert (empty_clinic / "clinic.json").read_bytes() == before
