"""docs/cli.md is the parser's own ``--help``, command by command (the way sqlite-utils
checks its CLI reference): it fails when a command, an option or a help text changes and
the reference was not regenerated with ``python -m facilitator.cli.reference > docs/cli.md``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from facilitator.cli import main
from facilitator.cli.reference import COLUMNS, command_help, commands, reference

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "cli.md"
REGENERATE = "regenerate it: python -m facilitator.cli.reference > docs/cli.md"
PATHS = [path for path, _, _ in commands()]


def test_docs_cli_md_is_the_generated_reference() -> None:
    assert DOC.read_text() == reference(), f"docs/cli.md is out of date; {REGENERATE}"


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "facilitator")
def test_each_commands_help_is_in_the_reference(path: tuple[str, ...], capsys, monkeypatch) -> None:
    """What ``facilitator … --help`` prints (through main, as a user runs it) is on the page."""
    monkeypatch.setenv("COLUMNS", COLUMNS)
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main([*path, "--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: facilitator")
    heading = "## " + " ".join(("facilitator", *path)) + "\n"
    page = DOC.read_text().split(heading, 1)
    assert len(page) == 2, f"docs/cli.md has no section {heading.strip()!r}; {REGENERATE}"
    assert "```text\n" + shown.rstrip("\n") + "\n```" in page[1].split("\n## ", 1)[0], \
        f"{heading.strip()} differs from --help; {REGENERATE}"


def test_the_console_script_prints_the_same_help() -> None:
    """The installed program, not only the parser in this process."""
    script = Path(sys.executable).with_name("facilitator")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": COLUMNS})
    assert done.returncode == 0, done.stderr
    assert "```text\n" + done.stdout.rstrip("\n") + "\n```" in DOC.read_text()


def test_every_command_says_what_it_does() -> None:
    """A command without a help line would be a bare name in --help and in the reference."""
    for path, parser, _ in commands():
        for name, text in command_help(parser).items():
            assert text and text.strip(), f"`facilitator {' '.join((*path, name))}` has no help text"


def test_a_changed_help_text_is_caught(monkeypatch) -> None:
    """The check can fail: a help line changed in the parser no longer matches the page."""
    from facilitator.cli import parser as cli_parser
    real = cli_parser.build_parser

    def changed():
        built = real()
        built.description = "Something else."
        return built

    monkeypatch.setattr("facilitator.cli.reference.build_parser", changed)
    assert DOC.read_text() != reference()
