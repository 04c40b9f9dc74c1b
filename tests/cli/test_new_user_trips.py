"""What a new user tripped over (issue #22, item 8): plain tables, typo suggestions, ids and
levels typed in any case, group names that look like formulas, and full-width digits.

Every CLI case runs the real ``facilitator.cli.main``; every name and id is invented.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest

from facilitator.cli.output import display_width
from facilitator.core.errors import InputError
from facilitator.core.part2 import STATEMENT_2
from tests.cli.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, csv_text, open_data, run_cli, tree_bytes, write

FULL_50 = "\uff15\uff10"            # ５０
FULL_DATE = "\uff12\uff10\uff12\uff16-11-17"   # ２０２６-11-17


def without_audit(root):
    return {k: v for k, v in tree_bytes(root).items() if not k.startswith("audit")}


# --- 1. tables like `report week` --------------------------------------------------------------

def test_hours_list_is_a_table_with_a_header_and_the_notice_line(rostered_clinic, capsys):
    for client, minutes in (("Q001", "50"), ("Q002", "5")):
        done = run_cli(capsys, "hours", "add", client, "--date", "2026-11-17", "--minutes", minutes,
                       "--kind", "individual", "--data", rostered_clinic)
        assert done.code == 0, done.err
    out = run_cli(capsys, "hours", "list", "--from", "2026-11-01", "--to", "2026-11-30",
                  "--data", rostered_clinic).out
    lines = out.splitlines()
    assert "\t" not in out
    assert lines[0] == "2 logged sessions"
    assert lines[1].split() == ["ID", "Date", "Client", "Kind", "Minutes"]
    assert set(lines[2].replace(" ", "")) == {"-"}
    # Each column starts in the same cell on every line (the minutes 50 and 5 line up left).
    assert {line.index("Minutes") if i == 0 else len(line.rstrip()) - len(line.split()[-1])
            for i, line in enumerate(lines[1:2] + lines[3:5])} == {lines[1].index("Minutes")}
    assert lines[-1] == STATEMENT_2     # report week's line: the notice's Statement 2


def test_staff_list_is_a_table_padded_by_display_width(empty_clinic, capsys):
    assert run_cli(capsys, "staff", "add", "counselor7", "--name", "李 小龙", "--role", "counselor",
                   "--data", empty_clinic).code == 0
    assert run_cli(capsys, "staff", "add", "counselor8", "--name", "José Hernández", "--role", "supervisor",
                   "--data", empty_clinic).code == 0
    out = run_cli(capsys, "staff", "list", "--data", empty_clinic).out
    lines = out.splitlines()
    assert "\t" not in out and lines[0].split() == ["User", "Role", "State", "Keys", "Name"]
    rows = [line for line in lines[2:] if line.startswith("counselor")]
    assert len(rows) == 2
    # the Name column starts at the same terminal cell on every row
    assert {display_width(line[:line.index(name)]) for line, name in zip(rows, ("李", "José"), strict=True)} == \
        {display_width(lines[0][:lines[0].index("Name")])}
    assert "42 CFR" not in out            # no client data: no notice


# --- 3. typos get a suggestion ---------------------------------------------------------------

@pytest.mark.parametrize("argv, sentence", [
    (["reprot"], "unknown command 'reprot'; did you mean 'report'?"),
    (["hours", "lsit"], "unknown sub-command 'lsit'; did you mean 'list'?"),
    (["report", "week", "--format", "tabel"], "unknown --format 'tabel'; did you mean 'table'?"),
    (["hours", "list", "--from", "2026-11-01", "--to", "2026-11-02", "--clinet", "Q001"],
     "unknown option '--clinet'; did you mean '--client'?"),
    (["settings", "set", "grup-cap", "3"], "unknown KEY 'grup-cap'; did you mean 'group-cap'?"),
    (["staff", "add", "x", "--name", "X", "--role", "counsellor"], "did you mean 'counselor'?"),
])
def test_a_typo_gets_a_suggestion(empty_clinic, capsys, argv, sentence):
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, *argv, "--data", empty_clinic)
    assert result.code == 2 and result.out == ""
    assert sentence in result.one_line_error()
    assert tree_bytes(empty_clinic) == before


def test_nothing_close_lists_the_choices_or_nothing(capsys):
    far = run_cli(capsys, "report", "week", "--format", "xml")
    assert far.code == 2 and "it is one of table, csv, json" in far.one_line_error()
    nowhere = run_cli(capsys, "zzzzzz")
    assert nowhere.code == 2 and "did you mean" not in nowhere.one_line_error()


def test_the_console_script_suggests_too(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    done = subprocess.run([str(Path(sys.executable).parent / "facilitator"), "reprot"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and "did you mean 'report'?" in done.stderr and "Traceback" not in done.stderr


# --- 4. client ids and levels of care in any case ----------------------------------------------

def test_client_ids_typed_in_any_case_name_the_stored_client(rostered_clinic, capsys):
    root = rostered_clinic
    done = run_cli(capsys, "hours", "add", "q001", "--date", "2026-11-17", "--minutes", "50",
                   "--kind", "individual", "--data", root)
    assert done.code == 0, done.err and "for Q001" in done.out
    listed = json.loads(run_cli(capsys, "hours", "list", "--from", "2026-11-01", "--to", "2026-11-30",
                                "--client", "q001", "--format", "json", "--data", root).out)
    assert [e["client_id"] for e in listed["entries"]] == ["Q001"]      # stored as the clinic has it
    assert run_cli(capsys, "goals", "add", "q001", "--text", "Invented goal", "--data", root).code == 0
    assert run_cli(capsys, "goals", "set-status", "q001:1", "met", "--data", root).code == 0
    goals = json.loads(run_cli(capsys, "goals", "list", "Q001", "--format", "json", "--data", root).out)
    assert goals["client_id"] == "Q001" and goals["goals"][0]["status"] == "met"
    audit = run_cli(capsys, "audit", "--client", "q001", "--format", "json", "--data", root)
    assert audit.code == 0 and any(e["action"] == "hours.add" for e in json.loads(audit.out)["entries"])
    assert not (root / "recovery" / "q001.json").exists() and (root / "recovery" / "Q001.json").exists()
    unknown = run_cli(capsys, "hours", "list", "--from", "2026-11-01", "--to", "2026-11-30",
                      "--client", "q999", "--data", root)
    assert unknown.code == 2 and "no client with id 'q999'" in unknown.one_line_error()


def test_a_roster_row_in_another_case_updates_the_client_and_keeps_its_stored_id(rostered_clinic, tmp_path,
                                                                               capsys):
    path = write(tmp_path / "again.csv", csv_text(ROSTER_HEADER, [
        ("q001", "Avery", "Inventedname", "php", "", "2026-11-01", "", "Evening A"),
        ("Q005", "Emery", "Madeupname", "iop-ADOLESCENT", "", "2026-11-02", "", "Morning B")]))
    result = run_cli(capsys, "roster", "import", path, "--data", rostered_clinic)
    assert result.code == 0, result.err
    assert "1 added, 1 updated" in result.out
    clients = open_data(rostered_clinic).snapshot().clients
    assert "q001" not in clients and clients["Q001"].level_of_care == "PHP"
    assert clients["Q005"].level_of_care == "IOP-adolescent"


def test_two_rows_whose_ids_differ_only_in_case_are_one_client_twice(rostered_clinic, tmp_path, capsys):
    path = write(tmp_path / "twice.csv", csv_text(ROSTER_HEADER, [
        ("Z010", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A"),
        ("z010", "Blake", "Madeupson", "IOP", "", "2026-11-01", "", "Evening A")]))
    before = tree_bytes(rostered_clinic)
    result = run_cli(capsys, "roster", "import", path, "--data", rostered_clinic)
    assert result.code == 2 and "line 3" in result.one_line_error() and "already on line 2" in result.err
    assert tree_bytes(rostered_clinic) == before


def test_attendance_rows_take_client_ids_in_any_case(rostered_clinic, tmp_path, capsys):
    path = write(tmp_path / "att.csv", csv_text(ATTENDANCE_HEADER, [
        ("2026-11-23", "Evening A", "q001", "present", "", ""),
        ("2026-11-23", "Evening A", "Q001", "late", "18:20", "")]))
    before = tree_bytes(rostered_clinic)
    twice = run_cli(capsys, "attendance", "import", path, "--data", rostered_clinic)
    assert twice.code == 2 and "already on line 2" in twice.one_line_error()     # the same client
    assert tree_bytes(rostered_clinic) == before
    path = write(tmp_path / "att.csv", csv_text(ATTENDANCE_HEADER, [("2026-11-23", "Evening A", "q001", "Late",
                                                                      "18:20", "")]))
    done = run_cli(capsys, "attendance", "import", path, "--data", rostered_clinic)
    assert done.code == 0, done.err
    records = open_data(rostered_clinic).sessions_between(date(2026, 11, 23), date(2026, 11, 23)).records
    assert list(records[0].attendance) == ["Q001"]


# --- 5. group names that spreadsheets would run ------------------------------------------------

@pytest.mark.parametrize("name", ["=SUM(A1)", "+Evening", "-Evening", "@Evening", " =Evening"])
def test_a_group_name_starting_like_a_formula_is_refused(empty_clinic, capsys, name):
    before = without_audit(empty_clinic)
    result = run_cli(capsys, "groups", "add", "--days", "mon", "--start", "18:00", "--minutes", "60",
                     "--data", empty_clinic, "--", name)
    assert result.code == 2
    line = result.one_line_error()
    assert "field 'NAME'" in line and "formula" in line
    assert without_audit(empty_clinic) == before


def test_a_group_name_with_a_formula_character_later_is_fine(empty_clinic, capsys):
    result = run_cli(capsys, "groups", "add", "Evening = A+B", "--days", "mon", "--start", "18:00",
                     "--minutes", "60", "--data", empty_clinic)
    assert result.code == 0, result.err


# --- 6. digits are 0-9, everywhere ---------------------------------------------------------------

@pytest.mark.parametrize("argv, field", [
    (["hours", "add", "Q001", "--date", "2026-11-17", "--minutes", FULL_50, "--kind", "individual"], "--minutes"),
    (["hours", "add", "Q001", "--date", FULL_DATE, "--minutes", "50", "--kind", "individual"], "--date"),
    (["groups", "add", "Evening C", "--days", "mon", "--start", "18:00", "--minutes", FULL_50], "--minutes"),
    (["groups", "add", "Evening C", "--days", "mon", "--start", "\uff11\uff18:00", "--minutes", "50"],
     "--start"),
    (["report", "week", "--week", "\uff12\uff10\uff12\uff16-W47"], "--week"),
    (["report", "week", "--date", FULL_DATE], "--date"),
    (["hours", "list", "--from", FULL_DATE, "--to", "2026-11-30"], "--from"),
    (["settings", "set", "group-cap", "\uff11\uff12"], "group-cap"),
    (["hours", "add", "Q001", "--date", "2026-11-17", "--minutes", "\u0665\u0660", "--kind", "individual"],
     "--minutes"),                                                  # Arabic-Indic ٥٠ too
    (["groups", "add", "Evening C", "--days", "mon", "--start", "18:00", "--minutes", "50",
      "--holiday", FULL_DATE], "--holiday"),
    (["goals", "add", "Q001", "--text", "Invented goal", "--target", FULL_DATE], "--target"),
    (["goals", "due", "--date", FULL_DATE], "--date"),
    (["audit", "--from", FULL_DATE], "--from"),
    (["export", "billing", "--from", "2026-11-01", "--to", FULL_DATE], "--to"),
    (["hours", "remove", "2026-11#\uff11"], "ID"),
    (["verify", "--head", "\uff12\uff10\uff12\uff16-11 #1 9f3a2b1c"], "--head"),
])
def test_full_width_digits_are_refused_on_the_command_line(rostered_clinic, capsys, argv, field):
    before = without_audit(rostered_clinic)
    result = run_cli(capsys, *argv, "--data", rostered_clinic)
    assert result.code == 2 and result.out == ""
    line = result.one_line_error()
    assert f"field '{field}'" in line and "digits 0-9" in line, line
    assert without_audit(rostered_clinic) == before


def test_ascii_minutes_still_work_and_bad_ones_are_one_sentence(rostered_clinic, capsys):
    ok = run_cli(capsys, "hours", "add", "Q001", "--date", "2026-11-17", "--minutes", " 50 ",
                 "--kind", "individual", "--data", rostered_clinic)
    assert ok.code == 0, ok.err
    for bad, words in (("abc", "not a number of minutes"), ("0", "between 1 and 1440"), ("-5", "not a number"),
                       ("1e3", "not a number"), ("99999999999", "not a number")):
        result = run_cli(capsys, "hours", "add", "Q001", "--date", "2026-11-17", f"--minutes={bad}",
                         "--kind", "individual", "--data", rostered_clinic)
        assert result.code == 2 and words in result.one_line_error(), (bad, result.err)


@pytest.mark.parametrize("row, field", [
    (("Q009", "Avery", "Inventedname", "IOP", "\uff19", "2026-11-01", "", "Evening A"), "required_hours"),
    (("Q009", "Avery", "Inventedname", "IOP", "", FULL_DATE, "", "Evening A"), "admitted"),
])
def test_full_width_digits_are_refused_in_a_roster(rostered_clinic, tmp_path, capsys, row, field):
    path = write(tmp_path / "r.csv", csv_text(ROSTER_HEADER, [row]))
    before = tree_bytes(rostered_clinic)
    result = run_cli(capsys, "roster", "import", path, "--data", rostered_clinic)
    assert result.code == 2 and f"line 2, field '{field}'" in result.one_line_error()
    assert "digits 0-9" in result.err
    assert tree_bytes(rostered_clinic) == before


@pytest.mark.parametrize("row, field", [
    (("2026-11-23", "Evening A", "Q001", "late", "\uff11\uff18:20", ""), "arrived"),
    (("\uff12\uff10\uff12\uff16-11-23", "Evening A", "Q001", "present", "", ""), "date"),
])
def test_full_width_digits_are_refused_in_attendance(rostered_clinic, tmp_path, capsys, row, field):
    path = write(tmp_path / "a.csv", csv_text(ATTENDANCE_HEADER, [row]))
    before = tree_bytes(rostered_clinic)
    result = run_cli(capsys, "attendance", "import", path, "--data", rostered_clinic)
    assert result.code == 2 and f"line 2, field '{field}'" in result.one_line_error()
    assert "digits 0-9" in result.err
    assert tree_bytes(rostered_clinic) == before


def test_typed_times_and_the_apps_hours_form_refuse_full_width_digits():
    from facilitator.core.parsing import parse_typed_time
    from facilitator.core.roster import Client
    from facilitator.tui.hoursform import read_form
    assert parse_typed_time("7:38p") == time(19, 38)
    with pytest.raises(InputError, match="digits 0-9"):
        parse_typed_time("\uff17:\uff13\uff18p", field="left")        # ７:３８p, accepted until now
    client = Client("Q001", "Avery", "Inventedname", "IOP", 9.0, date(2026, 11, 1))
    assert read_form(client, "2026-11-17", "50", "individual").minutes == 50
    with pytest.raises(InputError, match="digits 0-9"):
        read_form(client, "2026-11-17", FULL_50, "individual")
    with pytest.raises(InputError, match="digits 0-9"):
        read_form(client, FULL_DATE, "50", "individual")


def test_a_time_typed_in_the_running_session_refuses_full_width_digits(clinic, fake_clock):
    from facilitator.core.rules import Status
    from facilitator.store.running import start_session
    from tests.conftest import CHICAGO
    session = start_session(clinic, "Evening IOP")
    fake_clock.set(datetime(2026, 11, 23, 18, 15, tzinfo=CHICAGO))
    session.mark("T001", Status.LATE, at=datetime(2026, 11, 23, 18, 10, tzinfo=CHICAGO))
    before = session.file.path.read_bytes()
    with pytest.raises(InputError, match="digits 0-9") as caught:
        session.set_time("T001", "arrived", "\uff16:\uff11\uff12")
    assert caught.value.field == "arrived"
    assert session.file.path.read_bytes() == before
