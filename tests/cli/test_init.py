"""`facilitator init`: creates a clinic, the invoking OS user its admin; refuses to clobber."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.core.rules import Role
from facilitator.store.identity import os_user
from tests.cli.conftest import TZ, open_data, run_cli, tree_bytes


def test_init_creates_clinic_with_os_user_as_admin(tmp_path: Path, capsys) -> None:
    root = tmp_path / "new"
    result = run_cli(capsys, "init", "--clinic", "Invented Recovery Center", "--timezone", TZ,
                     "--week-start", "sunday", "--data", root)
    assert result.code == 0, result.err
    assert result.err == ""
    assert "Invented Recovery Center" in result.out
    snapshot = open_data(root).snapshot()
    assert snapshot.settings.name == "Invented Recovery Center"
    assert snapshot.settings.timezone == TZ
    assert snapshot.settings.week_start == "sunday"
    assert snapshot.staff[os_user()].role is Role.ADMIN
    assert (root / "records").is_dir() and (root / "audit").is_dir()


def test_init_twice_is_refused_and_leaves_the_clinic_unchanged(empty_clinic: Path, capsys) -> None:
    before = tree_bytes(empty_clinic)
    result = run_cli(capsys, "init", "--clinic", "Another Name", "--timezone", "America/New_York",
                     "--data", empty_clinic)
    assert result.code == 2
    line = result.one_line_error()
    assert str(empty_clinic) in line and "already" in line
    assert tree_bytes(empty_clinic) == before
    assert open_data(empty_clinic).snapshot().settings.name == "Invented Recovery Center"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "CST6CDT/../../etc", "America/"])
def test_init_bad_time_zone(tmp_path: Path, capsys, zone: str) -> None:
    root = tmp_path / "new"
    result = run_cli(capsys, "init", "--clinic", "Invented", "--timezone", zone, "--data", root)
    assert result.code == 2
    line = result.one_line_error()
    assert "timezone" in line and "time zone" in line
    assert not root.exists()


def test_init_blank_clinic_name(tmp_path: Path, capsys) -> None:
    root = tmp_path / "new"
    result = run_cli(capsys, "init", "--clinic", "  ", "--timezone", TZ, "--data", root)
    assert result.code == 2
    result.one_line_error()
    assert not root.exists()


def test_init_refuses_a_non_empty_directory(tmp_path: Path, capsys) -> None:
    root = tmp_path / "busy"
    root.mkdir()
    (root / "somebody-elses-notes.txt").write_text("invented\n")
    result = run_cli(capsys, "init", "--clinic", "Invented", "--timezone", TZ, "--data", root)
    assert result.code == 2
    line = result.one_line_error()
    assert str(root) in line and "not empty" in line
    assert sorted(p.name for p in root.iterdir()) == ["somebody-elses-notes.txt"]


def test_init_accepts_an_existing_empty_directory(tmp_path: Path, capsys) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    assert run_cli(capsys, "init", "--clinic", "Invented", "--timezone", TZ, "--data", root).code == 0
    assert (root / "clinic.json").is_file()


def test_init_uses_facilitator_data_when_no_data_option(tmp_path: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "from-env"
    monkeypatch.setenv("FACILITATOR_DATA", str(root))
    result = run_cli(capsys, "init", "--clinic", "Invented", "--timezone", TZ)
    assert result.code == 0, result.err
    assert (root / "clinic.json").is_file()
    # ... and the other commands find it the same way.
    assert run_cli(capsys, "verify").code == 0


def test_data_option_beats_the_environment(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FACILITATOR_DATA", str(tmp_path / "env"))
    result = run_cli(capsys, "init", "--clinic", "Invented", "--timezone", TZ, "--data", tmp_path / "opt")
    assert result.code == 0, result.err
    assert (tmp_path / "opt" / "clinic.json").is_file()
    assert not (tmp_path / "env").exists()


@pytest.mark.parametrize("where", ["before", "after"])
def test_data_option_before_or_after_the_subcommand(tmp_path: Path, capsys, where: str) -> None:
    root = tmp_path / where
    rest = ["init", "--clinic", "Invented", "--timezone", TZ]
    args = ["--data", root, *rest] if where == "before" else [*rest, "--data", root]
    assert run_cli(capsys, *args).code == 0
    assert (root / "clinic.json").is_file()
    verify = ["--data", root, "verify"] if where == "before" else ["verify", "--data", root]
    assert run_cli(capsys, *verify).code == 0


def test_data_option_after_wins_over_before(tmp_path: Path, capsys) -> None:
    result = run_cli(capsys, "--data", tmp_path / "first", "init", "--clinic", "Invented",
                     "--timezone", TZ, "--data", tmp_path / "second")
    assert result.code == 0
    assert (tmp_path / "second" / "clinic.json").is_file()
    assert not (tmp_path / "first").exists()


def test_commands_on_a_directory_without_a_clinic(tmp_path: Path, capsys) -> None:
    result = run_cli(capsys, "verify", "--data", tmp_path / "nothing-here")
    assert result.code == 2
    line = result.one_line_error()
    assert "facilitator init" in line
    assert not (tmp_path / "nothing-here").exists()


def test_init_onto_a_file_is_bad_usage(tmp_path: Path, capsys) -> None:
    target = tmp_path / "a-file"
    target.write_text("invented\n")
    result = run_cli(capsys, "init", "--clinic", "Invented", "--timezone", TZ, "--data", target)
    assert result.code == 2
    assert "not a directory" in result.one_line_error()
    assert target.read_text() == "invented\n"
