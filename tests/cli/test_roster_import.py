"""`facilitator roster import`: all-or-nothing; every error one line naming file, line, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import (
    ROSTER_HEADER,
    ROSTER_ROWS,
    assert_rejected_whole,
    csv_text,
    open_data,
    run_cli,
    tree_bytes,
    write,
)


def import_roster(capsys, root: Path, path: Path):
    return run_cli(capsys, "roster", "import", path, "--data", root)


def clients(root: Path):
    return open_data(root).snapshot().clients


def test_import_roster(grouped_clinic: Path, tmp_path: Path, capsys) -> None:
    rows = [
        ("Q001", "Avery", "Inventedname", "IOP", "", "2026-11-01", "", "Evening A"),
        ("Q002", "Blake", "Madeupson", "IOP-adolescent", "", "2026-11-01", "", " Evening A ; Morning B ;"),
        ("Q003", "Casey", "Notaperson", "PHP", "", "2026-11-20", "", ""),
        ("Q004", "Devon", "Fictional", "OP", "", "2026-10-01", "2026-11-10", "Morning B"),
        ("Q005", "Emery", "Unreal", "IOP", "12.5", "2026-10-01", "2026-10-01", "Evening A"),
    ]
    path = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, rows))
    result = import_roster(capsys, grouped_clinic, path)
    assert result.code == 0, result.err
    # Evening A (180 minutes, a 10-minute break, 3 days) offers 8.5 h; Q002 (IOP-adolescent,
    # 6 h) has Morning B too; Q005 is discharged: only Q001 is named (issue #20, case 9)
    assert result.err == ("warning: 1 IOP client cannot reach their weekly hours with their groups "
                          "(Q001); `report week` says why.\n")
    assert "5 added, 0 updated" in result.out
    found = clients(grouped_clinic)
    assert sorted(found) == ["Q001", "Q002", "Q003", "Q004", "Q005"]
    # blank required_hours takes the level of care's default: IOP 9, IOP-adolescent 6, PHP 20, OP 0
    assert [found[c].required_hours for c in ("Q001", "Q002", "Q003", "Q004")] == [9, 6, 20, 0]
    assert found["Q005"].required_hours == 12.5
    assert found["Q002"].groups == ("Evening A", "Morning B")
    assert found["Q003"].groups == ()
    assert found["Q004"].discharged.isoformat() == "2026-11-10"
    assert found["Q001"].discharged is None
    assert found["Q001"].name == "Avery Inventedname"


def test_reimport_updates(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    rows = [("Q001", "Avery", "Renamedperson", "PHP", "", "2026-11-01", "2026-12-01", "Morning B"),
            ("Q009", "Finley", "Newcomer", "IOP", "", "2026-11-15", "", "Evening A")]
    path = write(tmp_path / "update.csv", csv_text(ROSTER_HEADER, rows))
    result = import_roster(capsys, rostered_clinic, path)
    assert result.code == 0, result.err
    assert "1 added, 1 updated" in result.out
    found = clients(rostered_clinic)
    assert len(found) == 5
    assert found["Q001"].last_name == "Renamedperson"
    assert found["Q001"].level_of_care == "PHP" and found["Q001"].required_hours == 20
    assert found["Q001"].groups == ("Morning B",)
    assert found["Q001"].discharged.isoformat() == "2026-12-01"
    assert found["Q002"].last_name == "Madeupson"  # untouched


def test_reimport_same_file_is_idempotent(rostered_clinic: Path, tmp_path: Path, capsys) -> None:
    before = clients(rostered_clinic)
    path = write(tmp_path / "same.csv", csv_text(ROSTER_HEADER, ROSTER_ROWS))
    result = import_roster(capsys, rostered_clinic, path)
    assert result.code == 0
    assert "0 added, 4 updated" in result.out
    assert clients(rostered_clinic) == before


def test_columns_in_any_order_and_case(grouped_clinic: Path, tmp_path: Path, capsys) -> None:
    text = ("Groups, Client_ID ,LAST_NAME,first_name,level_of_care,required_hours,admitted,discharged\n"
            "Evening A,Q001,Inventedname,Avery,IOP,,2026-11-01,\n")
    result = import_roster(capsys, grouped_clinic, write(tmp_path / "r.csv", text))
    assert result.code == 0, result.err
    client = clients(grouped_clinic)["Q001"]
    assert (client.first_name, client.last_name, client.groups) == ("Avery", "Inventedname", ("Evening A",))


GOOD = "Q001,Avery,Inventedname,IOP,,2026-11-01,,Evening A"


@pytest.mark.parametrize("name,raw", [
    ("bom", ("\ufeff" + ROSTER_HEADER + "\n" + GOOD + "\n").encode("utf-8")),
    ("crlf", (ROSTER_HEADER + "\r\n" + GOOD + "\r\n").encode("utf-8")),
    ("bom-crlf", ("\ufeff" + ROSTER_HEADER + "\r\n" + GOOD + "\r\n").encode("utf-8")),
    ("no-final-newline", (ROSTER_HEADER + "\n" + GOOD).encode("utf-8")),
    ("blank-lines", (ROSTER_HEADER + "\n\n" + GOOD + "\n,,,,,,,\n\n").encode("utf-8")),
    ("utf8-accents", (ROSTER_HEADER + "\nQ001,Renée,Zoë-Inventé,IOP,,2026-11-01,,Evening A\n").encode("utf-8")),
])
def test_spreadsheet_encodings_succeed(grouped_clinic: Path, tmp_path: Path, capsys, name, raw) -> None:
    result = import_roster(capsys, grouped_clinic, write(tmp_path / f"{name}.csv", raw))
    assert result.code == 0, result.err
    found = clients(grouped_clinic)
    assert list(found) == ["Q001"]
    assert found["Q001"].admitted.isoformat() == "2026-11-01"
    assert found["Q001"].groups == ("Evening A",)
    assert not found["Q001"].first_name.startswith("\ufeff")


def test_header_only_file_imports_nobody(grouped_clinic: Path, tmp_path: Path, capsys) -> None:
    result = import_roster(capsys, grouped_clinic, write(tmp_path / "header.csv", ROSTER_HEADER + "\n"))
    assert result.code == 0, result.err
    assert "Imported 0 clients" in result.out
    assert clients(grouped_clinic) == {}


def roster(*rows: str) -> str:
    return "\n".join([ROSTER_HEADER, *rows]) + "\n"


# (file content, line, field or None, words the message must hold)
BAD = {
    "missing-column": ("client_id,first_name,last_name,level_of_care,required_hours,admitted,discharged\n"
                       "Q001,Avery,Inventedname,IOP,,2026-11-01,\n", 1, "groups", ["missing column"]),
    "unknown-column": (ROSTER_HEADER + ",notes\n" + GOOD + ",invented\n", 1, "notes", ["unknown column"]),
    "repeated-column": (ROSTER_HEADER + ",groups\n" + GOOD + ",Morning B\n", 1, None, ["twice"]),
    "month-13": (roster(GOOD, "Q002,Blake,Madeupson,IOP,,2026-13-01,,Evening A"), 3, "admitted", ["2026-13-01"]),
    "slashes": (roster("Q002,Blake,Madeupson,IOP,,2026/11/01,,Evening A"), 2, "admitted", ["YYYY-MM-DD"]),
    "us-date": (roster("Q002,Blake,Madeupson,IOP,,11/01/2026,,Evening A"), 2, "admitted", []),
    "feb-30": (roster("Q002,Blake,Madeupson,IOP,,2026-11-01,2027-02-30,Evening A"), 2, "discharged", []),
    "blank-admitted": (roster("Q002,Blake,Madeupson,IOP,,,,Evening A"), 2, "admitted", []),
    "discharged-first": (roster("Q002,Blake,Madeupson,IOP,,2026-11-10,2026-11-01,Evening A"), 2,
                         "discharged", ["before"]),
    "unknown-level": (roster("Q002,Blake,Madeupson,IOP2,,2026-11-01,,Evening A"), 2, "level_of_care", ["IOP2"]),
    "unknown-group": (roster(GOOD, "Q002,Blake,Madeupson,IOP,,2026-11-01,,Evening A;Evening Z"), 3,
                      "groups", ["Evening Z"]),
    "duplicate-id": (roster(GOOD, "Q002,Blake,Madeupson,IOP,,2026-11-01,,Evening A",
                            "Q001,Avery,Again,IOP,,2026-11-01,,Evening A"), 4, "client_id", ["line 2"]),
    "bad-id": (roster("Q 001,Avery,Inventedname,IOP,,2026-11-01,,Evening A"), 2, "client_id", []),
    "hours-abc": (roster("Q001,Avery,Inventedname,IOP,abc,2026-11-01,,Evening A"), 2, "required_hours", ["abc"]),
    "hours-negative": (roster("Q001,Avery,Inventedname,IOP,-1,2026-11-01,,Evening A"), 2, "required_hours", []),
    "hours-nan": (roster("Q001,Avery,Inventedname,IOP,nan,2026-11-01,,Evening A"), 2, "required_hours", []),
    "hours-huge": (roster("Q001,Avery,Inventedname,IOP,169,2026-11-01,,Evening A"), 2, "required_hours", []),
    "blank-name": (roster("Q001,,Inventedname,IOP,,2026-11-01,,Evening A"), 2, "first_name", ["blank"]),
    "formula-first": (roster("Q001,\"=cmd|' /C calc'!A0\",Inventedname,IOP,,2026-11-01,,Evening A"), 2,
                      "first_name", ["formula"]),
    "formula-last": (roster("Q001,Avery,@SUM(A1:A9),IOP,,2026-11-01,,Evening A"), 2, "last_name", ["formula"]),
    "formula-plus": (roster("Q001,Avery,+1-555-0100,IOP,,2026-11-01,,Evening A"), 2, "last_name", ["formula"]),
    "too-many-fields": (roster(GOOD, GOOD.replace("Q001", "Q002") + ",extra"), 3, None, ["9 fields"]),
    "too-few-fields": (roster("Q001,Avery,Inventedname,IOP,,2026-11-01"), 2, None, ["6 fields"]),
    "newline-in-name": (roster(GOOD, 'Q002,Blake,"Made\nupson",IOP,,2026-11-01,,Evening A'), 4,
                        "last_name", ["control character"]),
    "escape-in-name": (roster("Q002,\x1b[31mBlake,Madeupson,IOP,,2026-11-01,,Evening A"), 2,
                       "first_name", ["control character"]),
    "arabic-digits": (roster("Q002,Blake,Madeupson,IOP,,\u0662\u0660\u0662\u0666-11-01,,Evening A"), 2,
                      "admitted", ["digits 0-9", "U+0662"]),
    "long-field": (roster("Q001," + "A" * 201 + ",Inventedname,IOP,,2026-11-01,,Evening A"), 2,
                   "first_name", ["200"]),
    "empty-file": ("", 1, None, ["empty"]),
    "bom-only": ("\ufeff", 1, None, ["empty"]),
    "unclosed-quote": (roster(GOOD, 'Q002,"Blake,Madeupson,IOP,,2026-11-01,,Evening A'), 3, None, []),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_roster_is_rejected_whole(rostered_clinic: Path, tmp_path: Path, capsys, case: str) -> None:
    text, line_no, field, words = BAD[case]
    path = write(tmp_path / f"{case}.csv", text)
    before = tree_bytes(rostered_clinic)
    result = import_roster(capsys, rostered_clinic, path)
    assert_rejected_whole(result, path, line_no, field, words, rostered_clinic, before)


def test_latin1_file_names_the_line(grouped_clinic: Path, tmp_path: Path, capsys) -> None:
    text = roster(GOOD, "Q002,Ren\u00e9e,Madeupson,IOP,,2026-11-01,,Evening A")
    path = write(tmp_path / "latin1.csv", text.encode("latin-1"))
    before = tree_bytes(grouped_clinic)
    result = import_roster(capsys, grouped_clinic, path)
    assert result.code == 2
    line = result.one_line_error()
    assert line.startswith(f"{path}, line 3"), line
    assert "UTF-8" in line
    assert tree_bytes(grouped_clinic) == before


def test_bad_row_late_in_a_long_file_imports_nothing(grouped_clinic: Path, tmp_path: Path, capsys) -> None:
    rows = [(f"Q{n:03d}", "Invented", f"Person{n}", "IOP", "", "2026-11-01", "", "Evening A")
            for n in range(2, 61)]                       # lines 2..60
    rows[57 - 2] = ("Q057", "Invented", "Person57", "IOP", "", "2026-11-31", "", "Evening A")
    path = write(tmp_path / "sixty.csv", csv_text(ROSTER_HEADER, rows))
    assert len(path.read_text().splitlines()) == 60
    before = tree_bytes(grouped_clinic)
    result = import_roster(capsys, grouped_clinic, path)
    assert result.code == 2
    line = result.one_line_error()
    assert line.startswith(f"{path}, line 57, field 'admitted'"), line
    assert tree_bytes(grouped_clinic) == before
    assert clients(grouped_clinic) == {}


def test_line_numbers_count_quoted_newlines(grouped_clinic: Path, tmp_path: Path, capsys) -> None:
    # A quoted field spanning two lines: the bad row after it is on line 4 of the file.
    text = roster('Q001,Avery,Inventedname,IOP,,2026-11-01,,"Evening A;\nMorning B"',
                  "Q002,Blake,Madeupson,IOP,,2026-11-01,,Nope")
    result = import_roster(capsys, grouped_clinic, write(tmp_path / "multi.csv", text))
    assert result.code == 2
    assert ", line 4, field 'groups'" in result.one_line_error()


@pytest.mark.parametrize("target", ["missing", "directory"])
def test_unreadable_file(grouped_clinic: Path, tmp_path: Path, capsys, target: str) -> None:
    path = tmp_path / "roster.csv"
    if target == "directory":
        path.mkdir()
    before = tree_bytes(grouped_clinic)
    result = import_roster(capsys, grouped_clinic, path)
    assert result.code == 2
    assert result.one_line_error().startswith(str(path))
    assert tree_bytes(grouped_clinic) == before


def test_nul_bytes_are_rejected(grouped_clinic: Path, tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "nul.csv", (roster(GOOD) + "Q002,B\x00,C,IOP,,2026-11-01,,\n").encode())
    result = import_roster(capsys, grouped_clinic, path)
    assert result.code == 2
    assert result.one_line_error().startswith(f"{path}, line 3")
