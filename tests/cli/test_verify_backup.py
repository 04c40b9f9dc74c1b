"""`facilitator verify` (0 clean, 1 problem) and `facilitator backup` (then verify the copy)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import ATTENDANCE_HEADER, record_files, run_cli, tree_bytes, write


@pytest.fixture
def busy_clinic(rostered_clinic: Path, tmp_path: Path, capsys) -> Path:
    """The rostered clinic with two imported sessions."""
    path = write(tmp_path / "att.csv", "\n".join([
        ATTENDANCE_HEADER,
        "2026-11-02,Evening A,Q001,present,,",
        "2026-11-04,Evening A,Q002,late,18:20,"]) + "\n")
    assert run_cli(capsys, "attendance", "import", path, "--data", rostered_clinic).code == 0
    return rostered_clinic


def audit_files(root: Path) -> list[Path]:
    return sorted((root / "audit").glob("*.jsonl"))


def test_verify_clean_clinic(busy_clinic: Path, capsys) -> None:
    result = run_cli(capsys, "verify", "--data", busy_clinic)
    assert result.code == 0, result
    assert result.err == ""
    assert "audit chain holds" in result.out


def test_verify_new_clinic(empty_clinic: Path, capsys) -> None:
    assert run_cli(capsys, "verify", "--data", empty_clinic).code == 0


@pytest.mark.parametrize("garbage", [b"{not json", b"", b"[]", b'{"header": {}}'])
def test_verify_garbled_record(busy_clinic: Path, capsys, garbage: bytes) -> None:
    damaged = record_files(busy_clinic)[0]
    damaged.write_bytes(garbage)
    result = run_cli(capsys, "verify", "--data", busy_clinic)
    assert result.code == 1
    assert str(damaged) in result.out
    assert result.out.count("\n") == 1           # one problem, one line
    assert "1 problem" in result.one_line_error()
    assert damaged.read_bytes() == garbage       # verify never repairs or overwrites


def test_verify_tampered_audit_line(busy_clinic: Path, capsys) -> None:
    log = audit_files(busy_clinic)[-1]
    lines = log.read_bytes().splitlines()
    entry = json.loads(lines[1])
    entry["user"] = "someone-else"               # still valid JSON, hash no longer matches
    lines[1] = json.dumps(entry, sort_keys=True).encode()
    log.write_bytes(b"\n".join(lines) + b"\n")
    result = run_cli(capsys, "verify", "--data", busy_clinic)
    assert result.code == 1
    assert f"{log}, line 2" in result.out and "altered" in result.out
    result.one_line_error()


def test_verify_deleted_audit_line(busy_clinic: Path, capsys) -> None:
    log = audit_files(busy_clinic)[-1]
    lines = log.read_bytes().splitlines()
    del lines[2]
    log.write_bytes(b"\n".join(lines) + b"\n")
    result = run_cli(capsys, "verify", "--data", busy_clinic)
    assert result.code == 1
    assert "chain is broken" in result.out
    result.one_line_error()


def test_verify_garbled_clinic_file(busy_clinic: Path, capsys) -> None:
    (busy_clinic / "clinic.json").write_bytes(b'{"_meta": ')
    result = run_cli(capsys, "verify", "--data", busy_clinic)
    assert result.code == 1
    line = result.one_line_error()
    assert str(busy_clinic / "clinic.json") in line and "damaged" in line


def test_verify_world_readable_file(busy_clinic: Path, capsys) -> None:
    target = record_files(busy_clinic)[0]
    target.chmod(0o644)
    result = run_cli(capsys, "verify", "--data", busy_clinic)
    assert result.code == 1
    assert str(target) in result.out and "chmod" in result.out


def test_backup_then_verify_the_copy(busy_clinic: Path, tmp_path: Path, capsys) -> None:
    dest = tmp_path / "backup"
    result = run_cli(capsys, "backup", dest, "--data", busy_clinic)
    assert result.code == 0, result
    assert result.err == ""
    copied = tree_bytes(dest)
    assert "clinic.json" in copied
    assert len([k for k in copied if k.startswith("records/")]) == 2
    assert copied["clinic.json"] == (busy_clinic / "clinic.json").read_bytes()
    assert run_cli(capsys, "verify", "--data", dest).code == 0
    # the backup itself is in the original's audit log, and the original still verifies
    assert "clinic.backup" in audit_files(busy_clinic)[-1].read_text()
    assert run_cli(capsys, "verify", "--data", busy_clinic).code == 0


def test_backup_into_an_existing_empty_directory(busy_clinic: Path, tmp_path: Path, capsys) -> None:
    dest = tmp_path / "empty"
    dest.mkdir(mode=0o755)
    assert run_cli(capsys, "backup", dest, "--data", busy_clinic).code == 0
    assert dest.stat().st_mode & 0o777 == 0o700      # a copy of the clinic: this account's alone
    assert run_cli(capsys, "verify", "--data", dest).code == 0


def test_backup_refuses_a_non_empty_destination(busy_clinic: Path, tmp_path: Path, capsys) -> None:
    dest = tmp_path / "occupied"
    dest.mkdir()
    (dest / "keep-me.txt").write_text("invented\n")
    before = tree_bytes(busy_clinic)
    result = run_cli(capsys, "backup", dest, "--data", busy_clinic)
    assert result.code == 2
    line = result.one_line_error()
    assert str(dest) in line and "not empty" in line
    assert sorted(p.name for p in dest.iterdir()) == ["keep-me.txt"]
    assert tree_bytes(busy_clinic) == before


def test_backup_of_a_damaged_clinic_copies_and_verify_tells(busy_clinic: Path, tmp_path: Path, capsys) -> None:
    record_files(busy_clinic)[0].write_bytes(b"{torn")
    dest = tmp_path / "backup"
    assert run_cli(capsys, "backup", dest, "--data", busy_clinic).code == 0
    assert run_cli(capsys, "verify", "--data", dest).code == 1


def test_backup_onto_a_file_is_bad_usage(busy_clinic: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "a-file"
    target.write_text("invented\n")
    result = run_cli(capsys, "backup", target, "--data", busy_clinic)
    assert result.code == 2
    assert "not a directory" in result.one_line_error()
    assert target.read_text() == "invented\n"


@pytest.mark.parametrize("inside", ["backup", "records/backup", "."])
def test_backup_inside_the_clinic_is_refused(busy_clinic: Path, capsys, inside: str) -> None:
    before = tree_bytes(busy_clinic)
    result = run_cli(capsys, "backup", busy_clinic / inside, "--data", busy_clinic)
    assert result.code == 2
    assert "inside the clinic directory" in result.one_line_error()
    assert tree_bytes(busy_clinic) == before
    assert not (busy_clinic / "backup").exists()
