"""Exports a spreadsheet opens cleanly: the notice in one cell, columns that line up,
``--format csv|json`` on every listing, a final newline, tables padded by display width.

The LibreOffice check converts each CSV to xlsx with a real spreadsheet program
(``soffice --headless``, Debian's libreoffice-calc-nogui) and reads the cells back from the
xlsx (a zip of XML: read with the standard library, no new dependency).

The byte-order mark: a person opening a CSV in Calc gets its Text Import dialog, which
looks for a BOM and, finding the UTF-8 one, preselects UTF-8 (sc/source/ui/dbgui/
scuiasciiopt.cxx, "Sniff for Unicode": three bytes read means UTF-8); Excel does the same.
Headless conversion has no dialog and no sniffing: LibreOffice 7.4 takes the character set
from the filter options, and given an 8-bit one it reads the BOM as the text "ï»¿" (tried
by hand: A1 then loses its quoting). So the test imports as the dialog would after seeing
the BOM, UTF-8, and checks the BOM is taken as a mark, not as text: A1 is the notice
exactly, and the accented and CJK names come back whole.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from facilitator.cli import output
from tests.cli.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, csv_body, csv_text, run_cli, write
from tests.cli.test_reports import ATTENDANCE, ROSTER

# A name with a comma, a quote and wide characters: each must stay in its own cell.
WIDE = ("R5", "李", "小龙, \"Bruce\"", "IOP", "", "2026-11-01", "", "Evening A")
# Accents a Latin-1 reading turns into "JosÃ© HernÃ¡ndez".
ACCENTED = ("R6", "José", "Hernández", "IOP", "", "2026-11-01", "", "Evening A")


@pytest.fixture
def clinic(grouped_clinic, tmp_path, capsys):
    roster = write(tmp_path / "roster.csv", csv_text(ROSTER_HEADER, ROSTER + [WIDE, ACCENTED]))
    attendance = write(tmp_path / "attendance.csv", csv_text(
        ATTENDANCE_HEADER, ATTENDANCE + [("2026-11-16", "Evening A", "R5", "present", "", ""),
                                         ("2026-11-16", "Evening A", "R6", "present", "", "")]))
    assert run_cli(capsys, "roster", "import", roster, "--data", grouped_clinic).code == 0
    assert run_cli(capsys, "attendance", "import", attendance, "--data", grouped_clinic).code == 0
    for cid, minutes in (("R2", 50), ("R5", 30)):
        done = run_cli(capsys, "hours", "add", cid, "--date", "2026-11-17", "--minutes", minutes,
                       "--kind", "individual", "--data", grouped_clinic)
        assert done.code == 0, done.err
    return grouped_clinic


CSV_COMMANDS = {
    "week": ("report", "week", "--week", "2026-W47", "--format", "csv"),
    "billing": ("export", "billing", "--from", "2026-11-16", "--to", "2026-11-22", "--format", "csv"),
    "hours": ("hours", "list", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv"),
    "audit": ("audit", "--format", "csv"),
}


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_body(text))))


@pytest.mark.parametrize("name", list(CSV_COMMANDS))
def test_every_csv_has_the_notice_in_one_cell_and_columns_that_line_up(clinic, capsys, name):
    result = run_cli(capsys, *CSV_COMMANDS[name], "--data", clinic)
    assert result.code == 0, result.err
    assert result.out.endswith("\n")
    rows = rows_of(result.out)
    assert rows[0] == [output.NOTICE_CELL]
    header = rows[1]
    assert len(header) > 2 and all(len(r) == len(header) for r in rows[2:])


@pytest.mark.parametrize("command", [
    ("hours", "list", "--from", "2026-11-01", "--to", "2026-11-30"),
    ("report", "week", "--week", "2026-W47"),
    ("export", "billing", "--from", "2026-11-16", "--to", "2026-11-22"),
    ("staff", "list"),
    ("audit",),
])
def test_every_listing_takes_csv_and_json_and_ends_with_a_newline(clinic, capsys, command):
    for fmt in ("csv", "json"):
        result = run_cli(capsys, *command, "--format", fmt, "--data", clinic)
        assert result.code == 0, (command, fmt, result.err)
        assert result.out.endswith("\n")
        if fmt == "json":
            json.loads(result.out)
    if command[0] != "export":
        plain = run_cli(capsys, *command, "--data", clinic)
        assert plain.code == 0 and plain.out.endswith("\n")


def test_every_csv_starts_with_a_utf8_byte_order_mark(clinic, capsys):
    for command in [*CSV_COMMANDS.values(), ("staff", "list", "--format", "csv"),
                    ("goals", "due", "--date", "2026-11-20", "--format", "csv")]:
        result = run_cli(capsys, *command, "--data", clinic)
        assert result.code == 0, (command, result.err)
        raw = result.out.encode("utf-8")
        assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"\xef\xbb\xbf"), command
    # ... and JSON and terminal tables have none (a BOM there would break a JSON reader)
    for fmt in ("json", "table"):
        out = run_cli(capsys, "report", "week", "--week", "2026-W47", "--format", fmt, "--data", clinic).out
        assert not out.startswith("\ufeff")


def test_terminal_tables_end_with_statement_2(clinic, capsys):
    from facilitator.core.part2 import STATEMENT_2
    out = run_cli(capsys, "report", "week", "--week", "2026-W47", "--data", clinic).out
    assert out.splitlines()[-1] == STATEMENT_2


def test_the_clinics_own_imports_take_a_csv_saved_with_a_byte_order_mark(clinic, capsys, tmp_path):
    # a sign-in sheet saved from a spreadsheet as "CSV UTF-8" starts with the BOM
    sheet = tmp_path / "with-bom.csv"
    sheet.write_bytes(b"\xef\xbb\xbf" + csv_text(ATTENDANCE_HEADER, [
        ("2026-11-20", "Morning B", "R6", "present", "", "")], newline="\r\n").encode("utf-8"))
    assert run_cli(capsys, "roster", "import", write(tmp_path / "r.csv", "\ufeff" + csv_text(
        ROSTER_HEADER, [("R6", "José", "Hernández", "IOP", "", "2026-11-01", "", "Evening A;Morning B")])),
        "--data", clinic).code == 0
    result = run_cli(capsys, "attendance", "import", sheet, "--data", clinic)
    assert result.code == 0, result.err
    rows = json.loads(run_cli(capsys, "export", "billing", "--from", "2026-11-20", "--to", "2026-11-20",
                              "--format", "json", "--data", clinic).out)["rows"]
    assert [(r["client_id"], r["minutes"]) for r in rows] == [("R6", 90)]


def test_hours_list_formats_carry_the_same_entries(clinic, capsys):
    args = ("hours", "list", "--from", "2026-11-01", "--to", "2026-11-30", "--data", clinic)
    table = run_cli(capsys, *args).out.splitlines()
    data = json.loads(run_cli(capsys, *args, "--format", "json").out)
    rows = rows_of(run_cli(capsys, *args, "--format", "csv").out)[2:]
    assert [e["client_id"] for e in data["entries"]] == [r[2] for r in rows] == ["R2", "R5"]
    assert [line.split()[0] for line in table[3:-1]] == [e["id"] for e in data["entries"]]
    assert table[1].split() == ["ID", "Date", "Client", "Kind", "Minutes"]
    assert "42 CFR part 2" in data["notice"]


def test_the_terminal_table_pads_by_display_width(clinic, capsys):
    from facilitator.cli.output import display_width
    out = run_cli(capsys, "report", "week", "--week", "2026-W47", "--data", clinic).out
    lines = [line for line in out.splitlines() if line.startswith("R")]
    # the "Level" column starts in the same terminal cell on every row, wide name or not
    starts = {display_width(line[:line.index("IOP")]) for line in lines}
    assert len(starts) == 1 and any("李" in line for line in lines)
    assert display_width("李 小龙") == 7 and display_width("e\u0301") == 1


def test_the_table_rounds_as_the_screen_does(clinic, capsys):
    # R1: 490 credited minutes (test_reports' hand-worked week) = 8.1666 h: shown 8.1
    # (down, as the weekly screen shows it; rounding would say 8.2); 50 minutes short =
    # 0.8333 h: shown 0.9 (up, as the screen's "needs"; rounding would say 0.8).
    out = run_cli(capsys, "report", "week", "--week", "2026-W47", "--data", clinic).out
    r1 = next(line for line in out.splitlines() if line.startswith("R1"))
    cells = r1.split()
    level = cells.index("IOP")
    assert (cells[level + 1], cells[level + 2], cells[level + 3], cells[level + 4]) == (
        "9", "8.1", "below", "0.9")


# --- a real spreadsheet program ------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def xlsx_rows(path: Path) -> list[list[str]]:
    """The first sheet's cells as text, row by row (shared strings, inline strings, numbers)."""
    with zipfile.ZipFile(path) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{NS['m']}}}row"):
        cells = []
        for c in row.findall("m:c", NS):
            col = "".join(ch for ch in c.get("r") if ch.isalpha())
            index = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(col))) - 1
            while len(cells) < index:
                cells.append("")
            value = c.find("m:v", NS)
            if c.get("t") == "s":
                cells.append(shared[int(value.text)])
            elif c.get("t") == "inlineStr":
                cells.append("".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t")))
            else:
                cells.append(value.text if value is not None else "")
        rows.append(cells)
    return rows


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install libreoffice-calc-nogui")
def test_libreoffice_opens_each_csv_with_the_notice_in_a1_and_every_cell_in_place(clinic, capsys, tmp_path):
    sources = {}
    for name, command in CSV_COMMANDS.items():
        result = run_cli(capsys, *command, "--data", clinic)
        assert result.code == 0, result.err
        sources[name] = write(tmp_path / f"{name}.csv", result.out)
    out = tmp_path / "xlsx"
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(out),
                    *map(str, sources.values())],
                   check=True, capture_output=True, timeout=180, env=env)
    for name, source in sources.items():
        expected = rows_of(Path(source).read_text(encoding="utf-8"))   # BOM and all
        cells = xlsx_rows(out / f"{name}.xlsx")
        assert cells[0] == [output.NOTICE_CELL], name        # A1 alone: the notice, whole
        assert cells[1] == expected[1], name                 # the header, one name per column
        assert len(cells) == len(expected), name
        for got, want in zip(cells[2:], expected[2:], strict=True):
            assert len(got) <= len(want), (name, got)        # nothing spilled into extra columns
            for g, w in zip(got, want, strict=False):
                # numbers, dates and times come back as the spreadsheet's numbers
                assert g == w or _same_value(g, w), (name, g, w)
        if name == "week":
            names = {row[1] for row in cells[2:]}
            assert {"李 小龙, \"Bruce\"", "José Hernández"} <= names, names


def _same_value(got: str, want: str) -> bool:
    """6.0 -> "6", TRUE -> "1", 2026-11-16 -> day 46342 since 1899-12-30, 18:00 -> 0.75."""
    from datetime import date, timedelta
    try:
        number = float(got)
    except ValueError:
        return False
    if len(want) == 10 and want[4] == want[7] == "-":
        return date(1899, 12, 30) + timedelta(days=int(number)) == date.fromisoformat(want)
    if len(want) == 5 and want[2] == ":":
        return round(number * 24 * 60) == int(want[:2]) * 60 + int(want[3:])
    try:
        return number == float({"True": 1, "False": 0}.get(want, want))
    except ValueError:
        return False
