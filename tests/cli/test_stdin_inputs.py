"""`-` reads from standard input (#21): an admin imports over SSH
(``ssh facilitator@HOST roster import - < clients.csv``), and a goal's words never sit on a
command line, where every account on the machine reads them in /proc/*/cmdline.
The real program, as a subprocess, with the CSV or the text on its standard input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import ROSTER_HEADER, ROSTER_ROWS, csv_text, tree_bytes


def facilitator(*args: object, stdin: bytes) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "facilitator.cli", *map(str, args)], input=stdin,
                          capture_output=True, timeout=120)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def test_roster_import_reads_standard_input(grouped_clinic: Path):
    raw = ("\ufeff" + csv_text(ROSTER_HEADER, ROSTER_ROWS)).encode()       # as a spreadsheet saves it
    done = facilitator("roster", "import", "-", "--data", grouped_clinic, stdin=raw)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported 4 clients from standard input: 4 added, 0 updated.")
    listed = facilitator("roster", "list", "--format", "json", "--data", grouped_clinic, stdin=b"")
    assert {c["client_id"] for c in json.loads(listed.stdout)["clients"]} >= {"Q001", "Q002", "Q003", "Q004"}


def test_a_bad_csv_on_standard_input_is_named_by_line_and_writes_nothing(grouped_clinic: Path):
    before = tree_bytes(grouped_clinic)
    bad = csv_text(ROSTER_HEADER, [("Q001", "Avery", "Inventedname", "XYZ", "", "2026-11-01", "", "Evening A")])
    done = facilitator("roster", "import", "-", "--data", grouped_clinic, stdin=bad.encode())
    assert done.returncode == 2
    assert done.stderr.startswith("standard input, line 2, field 'level_of_care'"), done.stderr
    assert tree_bytes(grouped_clinic) == before
    latin1 = facilitator("roster", "import", "-", "--data", grouped_clinic, stdin="José".encode("latin-1"))
    assert latin1.returncode == 2 and latin1.stderr.startswith("standard input, line 1: is not UTF-8")


def test_goals_add_reads_the_goal_from_standard_input(grouped_clinic: Path):
    words = "Call my sponsor before Friday's party"
    imported = facilitator("roster", "import", "-", "--data", grouped_clinic,
                           stdin=csv_text(ROSTER_HEADER, ROSTER_ROWS).encode())
    assert imported.returncode == 0, imported.stderr
    done = facilitator("goals", "add", "Q001", "--text", "-", "--data", grouped_clinic,
                       stdin=(words + "\n").encode())
    assert done.returncode == 0, done.stderr
    assert words not in " ".join(done.args)
    listed = facilitator("goals", "list", "Q001", "--format", "json", "--data", grouped_clinic, stdin=b"")
    assert words in listed.stdout and words + "\\n" not in listed.stdout
