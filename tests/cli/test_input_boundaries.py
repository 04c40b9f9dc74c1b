"""Every input boundary: absurd or reversed dates, and names with control characters,
direction overrides or escapes, at the command line and in CSV imports. Each is one
sentence on stderr, exit 2, nothing written, and never a client's name. Names are invented."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import (
    ROSTER_HEADER,
    assert_rejected_whole,
    csv_text,
    run_cli,
    tree_bytes,
    write,
)


@pytest.mark.parametrize("args", [
    ("report", "week", "--date", "9999-12-27"),
    ("report", "week", "--date", "0001-01-01"),
    ("report", "week", "--week", "9999-W52"),
    ("report", "week", "--week", "1066-W40"),
    ("export", "billing", "--from", "9999-12-01", "--to", "9999-12-31"),
    ("export", "billing", "--from", "2026-12-01", "--to", "2026-01-01"),
    ("hours", "list", "--from", "2026-12-01", "--to", "2026-01-01"),
    ("hours", "list", "--from", "0001-01-01", "--to", "9999-12-31"),
    ("hours", "add", "Q001", "--date", "9999-12-27", "--minutes", "60", "--kind", "individual"),
    ("groups", "add", "Late", "--days", "mon", "--start", "18:00", "--minutes", "60",
     "--holiday", "9999-12-27"),
    ("audit", "--from", "2026-12-01", "--to", "2026-01-01"),
])
def test_absurd_or_reversed_dates_exit_2_with_one_sentence(rostered_clinic: Path, capsys, args) -> None:
    before = tree_bytes(rostered_clinic)
    result = run_cli(capsys, *args, "--data", rostered_clinic)
    assert result.code == 2, result
    line = result.one_line_error()
    assert "internal error" not in line
    assert result.out == ""
    after = tree_bytes(rostered_clinic)
    # Only the audit may grow (the audit command audits itself only when it runs).
    assert {k: v for k, v in after.items() if not k.startswith("audit")} == \
        {k: v for k, v in before.items() if not k.startswith("audit")}


HOSTILE_NAMES = ["Avery\u202eyrevA", "Avery\x1b[31m", "Avery\nFakeline", "Ave\u2066ry", "Avery\u200f"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_roster_import_refuses_hostile_names_without_printing_them(grouped_clinic: Path, tmp_path: Path,
                                                                  capsys, name: str) -> None:
    rows = [("Q001", "Blake", "Madeupson", "IOP", "", "2026-11-01", "", "Evening A"),
            ("Q002", name, "Inventedname", "IOP", "", "2026-11-01", "", "Evening A")]
    path = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows))
    before = tree_bytes(grouped_clinic)
    result = run_cli(capsys, "roster", "import", path, "--data", grouped_clinic)
    line_no = 4 if "\n" in name else 3
    assert_rejected_whole(result, path, line_no, "first_name", ["U+"], grouped_clinic, before)
    assert "Avery" not in result.err and "Inventedname" not in result.err


def test_roster_import_formula_error_does_not_print_the_name(grouped_clinic: Path, tmp_path: Path,
                                                            capsys) -> None:
    rows = [("Q001", "=Averyformula", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A")]
    path = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows))
    before = tree_bytes(grouped_clinic)
    result = run_cli(capsys, "roster", "import", path, "--data", grouped_clinic)
    assert_rejected_whole(result, path, 2, "first_name", ["formula"], grouped_clinic, before)
    assert "Averyformula" not in result.err


@pytest.mark.parametrize("name", ["Evening\nB", "Evening\u202eB", "Evening\x1b[2JB", "Evening\tB"])
def test_group_names_refuse_control_characters(grouped_clinic: Path, capsys, name: str) -> None:
    before = tree_bytes(grouped_clinic)
    result = run_cli(capsys, "groups", "add", name, "--days", "mon", "--start", "09:00",
                     "--minutes", "60", "--data", grouped_clinic)
    assert result.code == 2, result
    assert "U+" in result.one_line_error()
    assert tree_bytes(grouped_clinic) == before


@pytest.mark.parametrize("name", ["Test\x1b]0;owned\x07Counselor", "Test\x1b[31mRed", "Tes\u202et"])
def test_staff_display_names_refuse_escapes(empty_clinic: Path, capsys, name: str) -> None:
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, "staff", "add", "counselor9", "--name", name, "--role", "counselor",
                     "--data", empty_clinic)
    assert result.code == 2, result
    assert "display_name" in result.one_line_error()
    assert {k: v for k, v in tree_bytes(empty_clinic).items() if not k.startswith("audit")} == \
        {k: v for k, v in before.items() if not k.startswith("audit")}
    listed = run_cli(capsys, "staff", "list", "--data", empty_clinic)
    assert "\x1b" not in listed.out and "\u202e" not in listed.out


def test_the_clinic_name_refuses_a_direction_override(empty_clinic: Path, capsys) -> None:
    result = run_cli(capsys, "settings", "set", "name", "Invented\u202eClinic", "--data", empty_clinic)
    assert result.code == 2 and "U+202E" in result.one_line_error()


def test_printable_escapes_what_a_terminal_would_run() -> None:
    from facilitator.core.errors import printable
    assert printable("Test\x1b[31mRed\u202e") == "Test\\x1b[31mRed\\u202e"
    assert printable("Zoë Ångström") == "Zoë Ångström"


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_an_import_of_a_fifo_or_device_is_refused_at_once(grouped_clinic: Path, tmp_path: Path,
                                                          special: str) -> None:
    import os
    import subprocess
    import sys
    path = tmp_path / "roster.csv"
    if special == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(special)
    done = subprocess.run([sys.executable, "-m", "facilitator.cli", "roster", "import", str(path),
                           "--data", str(grouped_clinic)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 2, done.stderr
    assert f"{path}: is a" in done.stderr and "not a regular file" in done.stderr


def test_a_name_in_the_client_id_column_is_not_printed(grouped_clinic: Path, tmp_path: Path, capsys) -> None:
    rows = [("Avery Inventedname", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A")]
    path = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows))
    before = tree_bytes(grouped_clinic)
    result = run_cli(capsys, "roster", "import", path, "--data", grouped_clinic)
    assert_rejected_whole(result, path, 2, "client_id", ["not a client id"], grouped_clinic, before)
    assert "Avery" not in result.err and "Inventedname" not in result.err
