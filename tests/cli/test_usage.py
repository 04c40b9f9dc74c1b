"""Bad usage: exit 2 with one sentence on stderr, no argparse usage block, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import run_cli

USAGE = [
    pytest.param(["bogus"], "unknown", id="unknown-command"),
    pytest.param(["groups"], "ACTION", id="groups-no-action"),
    pytest.param(["groups", "remove", "X"], "unknown", id="groups-unknown-action"),
    pytest.param(["groups", "add"], "required", id="groups-add-no-args"),
    pytest.param(["groups", "add", "X", "--days", "mon"], "--start", id="groups-add-missing-start"),
    pytest.param(["roster"], "ACTION", id="roster-no-action"),
    pytest.param(["roster", "import"], "FILE.csv", id="roster-import-no-file"),
    pytest.param(["roster", "import", "a.csv", "b.csv"], "unrecognized", id="roster-two-files"),
    pytest.param(["attendance", "export"], "unknown", id="attendance-unknown-action"),
    pytest.param(["init"], "--clinic", id="init-no-args"),
    pytest.param(["init", "--clinic", "X", "--timezone", "UTC", "--week-start", "friday"], "friday",
                 id="init-bad-week-start"),
    pytest.param(["backup", "a.tar", "b.tar"], "unrecognized", id="backup-two-files"),
    pytest.param(["verify", "--frobnicate"], "unknown option", id="unknown-option"),
    pytest.param(["--data"], "--data", id="data-no-value"),
]


@pytest.mark.parametrize(("argv", "words"), USAGE)
def test_usage_errors_are_one_sentence(tmp_path: Path, capsys, argv, words) -> None:
    result = run_cli(capsys, *argv)
    assert result.code == 2
    line = result.one_line_error()
    assert line.startswith("facilitator")
    assert words in line
    assert "usage:" not in result.err
    assert result.out == ""
    assert list(tmp_path.iterdir()) == []


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli(capsys, "--version")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("facilitator ")
