"""The installed `facilitator` console script, run as a real process: exit codes, stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ROSTER_HEADER, TZ, write

SCRIPT = Path(sys.executable).with_name("facilitator")
pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed")


def facilitator(*args: object, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FACILITATOR_DATA", "FACILITATOR_DEBUG")}
    if data is not None:
        env["FACILITATOR_DATA"] = str(data)
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=60, stdin=subprocess.DEVNULL)


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    assert stderr.count("\n") == 1, repr(stderr)
    return stderr.strip()


def test_console_script_end_to_end(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    made = facilitator("init", "--clinic", "Invented Recovery Center", "--timezone", TZ, data=root)
    assert made.returncode == 0, made.stderr
    assert made.stderr == ""

    again = facilitator("init", "--clinic", "Invented", "--timezone", TZ, data=root)
    assert again.returncode == 2
    assert "already holds a clinic" in one_line(again.stderr)

    group = facilitator("groups", "add", "Evening A", "--days", "mon,wed,thu", "--start", "18:00",
                        "--minutes", "180", "--data", root)
    assert group.returncode == 0, group.stderr

    bad_roster = write(tmp_path / "bad.csv", ROSTER_HEADER + "\nQ001,Avery,Inventedname,IOP,,2026-13-01,,Evening A\n")
    rejected = facilitator("roster", "import", bad_roster, "--data", root)
    assert rejected.returncode == 2
    assert one_line(rejected.stderr).startswith(f"{bad_roster}, line 2, field 'admitted'")

    latin1 = write(tmp_path / "latin1.csv",
                   (ROSTER_HEADER + "\nQ001,Ren\u00e9e,Inventedname,IOP,,2026-11-01,,Evening A\n").encode("latin-1"))
    rejected = facilitator("roster", "import", latin1, "--data", root)
    assert rejected.returncode == 2
    assert one_line(rejected.stderr).startswith(f"{latin1}, line 2")

    good = write(tmp_path / "good.csv", ROSTER_HEADER + "\nQ001,Avery,Inventedname,IOP,,2026-11-01,,Evening A\n")
    assert facilitator("roster", "import", good, "--data", root).returncode == 0

    clean = facilitator("verify", data=root)
    assert clean.returncode == 0, clean.stderr + clean.stdout

    backup = facilitator("--data", root, "backup", tmp_path / "copy.tar")
    assert backup.returncode == 0, backup.stderr
    assert facilitator("verify", "--archive", tmp_path / "copy.tar").returncode == 0
    occupied = facilitator("--data", root, "backup", tmp_path / "copy.tar")
    assert occupied.returncode == 2
    assert "already exists" in one_line(occupied.stderr)

    log = sorted((root / "audit").glob("*.jsonl"))[-1]
    log.write_text(log.read_text().replace('"roster.import"', '"roster.imported"'))
    tampered = facilitator("verify", data=root)
    assert tampered.returncode == 1
    assert "altered" in tampered.stdout
    one_line(tampered.stderr)


@pytest.mark.parametrize("argv", [["bogus"], ["roster", "import"], ["groups"],
                                  ["init", "--clinic", "X", "--timezone", "Nowhere/Atall"]])
def test_console_script_usage_errors(tmp_path: Path, argv: list[str]) -> None:
    done = facilitator(*argv, data=tmp_path / "clinic")
    assert done.returncode == 2
    one_line(done.stderr)
    assert "usage:" not in done.stderr
    assert done.stdout == ""


def test_console_script_not_a_clinic(tmp_path: Path) -> None:
    done = facilitator("verify", "--data", tmp_path)
    assert done.returncode == 2
    assert "facilitator init" in one_line(done.stderr)


def test_console_script_damaged_clinic_file(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    assert facilitator("init", "--clinic", "Invented", "--timezone", TZ, data=root).returncode == 0
    (root / "clinic.json").write_bytes(b"\x00\x01garbage")
    done = facilitator("groups", "add", "X", "--days", "mon", "--start", "18:00", "--minutes", "60", data=root)
    assert done.returncode == 1
    assert "damaged" in one_line(done.stderr)
    assert (root / "clinic.json").read_bytes() == b"\x00\x01garbage"


def test_console_script_version() -> None:
    done = facilitator("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("facilitator ")
